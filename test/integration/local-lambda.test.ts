/**
 * Lambda Invoke as the local endpoint performs it, through the SDK and boto3, written from AWS's
 * documentation: Invoke (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html: StatusCode,
 * FunctionError, LogResult = the last 4 KB of the log, base64), Python handler errors
 * (https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html: errorMessage, errorType,
 * requestId, stackTrace), the context object (https://docs.aws.amazon.com/lambda/latest/dg/python-context.html)
 * and function timeouts (https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, InvokeCommand, LambdaClient, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import { buildZip } from '../../src/base/files/zip.js';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { createBucket, runPython, s3Client, sdkConfig } from '../support/compute.js';

let endpoint: TestEndpoint;
let lambda: LambdaClient;
let role: string;

const HANDLERS = [
  'import json, os, time',
  'def echo(event, context):',
  '    print("echo", json.dumps(event))',
  '    return {"event": event, "name": context.function_name, "request": context.aws_request_id,',
  '            "remaining": context.get_remaining_time_in_millis(), "env": os.environ.get("STAGE"), "version": 1}',
  'def boom(event, context):',
  '    raise KeyError("missing rings")',
  'def slow(event, context):',
  '    time.sleep(60)',
  'def chatty(event, context):',
  '    for i in range(2000): print("line", i)',
  '    return "ok"',
].join('\n');

const zipOf = (code: string) => buildZip([{ name: 'app.py', data: Buffer.from(code) }]);

beforeAll(async () => {
  endpoint = await startLocalEndpoint();
  lambda = new LambdaClient(sdkConfig(endpoint));
});

afterAll(async () => {
  await endpoint?.stop();
});

beforeEach(async () => {
  await endpoint.reset();
  const iam = new IAMClient(sdkConfig(endpoint));
  role = (
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'lambda-test',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
      }),
    )
  ).Role!.Arn!;
  for (const handler of ['echo', 'boom', 'slow', 'chatty']) {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: handler,
        Runtime: 'python3.11',
        Role: role,
        Handler: `app.${handler}`,
        Code: { ZipFile: zipOf(HANDLERS) },
        Timeout: 2,
        Environment: { Variables: { STAGE: 'test' } },
      }),
    );
  }
});

const invoke = (name: string, payload: unknown, extra: Record<string, unknown> = {}) =>
  lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)), ...extra }));
const json = (payload: Uint8Array | undefined) => JSON.parse(Buffer.from(payload!).toString('utf8'));

describe('Lambda Invoke (Python runtimes)', () => {
  it('runs the handler with the event and a context, returning its result with StatusCode 200', async () => {
    const out = await invoke('echo', { rings: 9 });
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBeUndefined();
    expect(out.ExecutedVersion).toBe('$LATEST');
    const body = json(out.Payload);
    expect(body).toMatchObject({ event: { rings: 9 }, name: 'echo', env: 'test', version: 1 });
    expect(body.request).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.remaining).toBeGreaterThan(0);
    expect(body.remaining).toBeLessThanOrEqual(2000);
  });

  it('reports an exception as FunctionError Unhandled with errorMessage, errorType, requestId and stackTrace', async () => {
    const out = await invoke('boom', {});
    expect(out.StatusCode).toBe(200);
    expect(out.FunctionError).toBe('Unhandled');
    const body = json(out.Payload);
    expect(body).toEqual({ errorMessage: "'missing rings'", errorType: 'KeyError', requestId: expect.any(String), stackTrace: expect.any(Array) });
    expect(body.stackTrace.join('')).toMatch(/app\.py", line 7, in boom/);
  });

  it('returns the last 4 KB of the log, base64, with LogType Tail', async () => {
    const out = await invoke('chatty', {}, { LogType: 'Tail' });
    const log = Buffer.from(out.LogResult!, 'base64').toString('utf8');
    expect(Buffer.byteLength(log)).toBeLessThanOrEqual(4096);
    expect(log).toMatch(/line 1999\n/);
    expect(log).toMatch(/END RequestId: [0-9a-f-]+\nREPORT RequestId: [0-9a-f-]+\tDuration: /);
    expect((await invoke('echo', {})).LogResult).toBeUndefined();
  });

  it('enforces the function\'s Timeout: FunctionError Unhandled, "Task timed out after 2.00 seconds"', async () => {
    const out = await invoke('slow', {}, { LogType: 'Tail' });
    expect(out.FunctionError).toBe('Unhandled');
    expect(json(out.Payload)).toMatchObject({ errorType: 'Sandbox.Timedout', errorMessage: expect.stringMatching(/Task timed out after 2\.00 seconds$/) });
  });

  it('runs the code as last updated (UpdateFunctionCode from S3)', async () => {
    const s3 = s3Client(endpoint);
    await createBucket(s3, 'lambda-code-test');
    const updated = HANDLERS.replace('"version": 1', '"version": 2');
    await s3.send(new PutObjectCommand({ Bucket: 'lambda-code-test', Key: 'code.zip', Body: zipOf(updated) }));
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'echo', S3Bucket: 'lambda-code-test', S3Key: 'code.zip' }));
    expect(json((await invoke('echo', {})).Payload).version).toBe(2);
  });

  it('answers bad requests with Lambda\'s errors: unknown function, payload that is not JSON, Event and DryRun types', async () => {
    await expect(invoke('nope', {})).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{not json') }))).rejects.toMatchObject({ name: 'InvalidRequestContentException' });
    expect((await invoke('echo', {}, { InvocationType: 'Event' })).StatusCode).toBe(202);
    expect((await invoke('echo', {}, { InvocationType: 'DryRun' })).StatusCode).toBe(204);
  });

  it('fails non-Python runtimes with a reason, as an Unhandled function error', async () => {
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'node-fn', Runtime: 'nodejs20.x', Role: role, Handler: 'index.handler', Code: { ZipFile: zipOf('x') } }));
    const out = await invoke('node-fn', {});
    expect(out.FunctionError).toBe('Unhandled');
    expect(json(out.Payload).errorMessage).toMatch(/the local endpoint runs Python runtimes only/);
  });

  it('parses with boto3: invoke with LogType Tail, FunctionError and the error payload', async () => {
    const result = await runPython(
      [
        'import base64, json, boto3',
        'lam = boto3.client("lambda")',
        'ok = lam.invoke(FunctionName="echo", Payload=json.dumps({"a": 1}), LogType="Tail")',
        'bad = lam.invoke(FunctionName="boom", Payload=b"{}")',
        'logs = boto3.client("logs")',
        'streams = logs.describe_log_streams(logGroupName="/aws/lambda/echo")["logStreams"]',
        'events = [e["message"] for s in streams for e in logs.get_log_events(logGroupName="/aws/lambda/echo", logStreamName=s["logStreamName"])["events"]]',
        'print(json.dumps({"cloudwatch": events, "status": ok["StatusCode"], "payload": json.loads(ok["Payload"].read()), "log": base64.b64decode(ok["LogResult"]).decode(),',
        '  "error": bad.get("FunctionError"), "errorPayload": json.loads(bad["Payload"].read())}))',
      ].join('\n'),
      { env: endpoint.env },
    );
    expect(result.status).toBe(200);
    expect(result.payload.event).toEqual({ a: 1 });
    expect(result.log).toMatch(/echo \{"a": 1\}/);
    expect(result.error).toBe('Unhandled');
    expect(result.errorPayload.errorType).toBe('KeyError');
    expect(result.cloudwatch.some((line: string) => line.startsWith('START RequestId: '))).toBe(true);
  });
});
