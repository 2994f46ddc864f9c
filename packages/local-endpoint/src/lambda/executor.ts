/**
 * Lambda Invoke for Python runtimes. moto keeps the functions; this executor keeps each
 * function's code as created or last updated (the zip, by CodeSha256), unpacks it once, and runs
 * the handler in a Python child with the event and a context object, the function's Timeout
 * enforced. Responses as the Invoke API reference and "AWS Lambda function errors in Python"
 * (https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html) show them.
 */
import { GetFunctionConfigurationCommand, type FunctionConfiguration } from '@aws-sdk/client-lambda';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pythonDir } from '../python-env.js';
import { putLog } from '../compute/cloudwatch-logs.js';
import type { ComputeContext } from '../compute/context.js';
import { AwsError, fromSdkError, header, restError, type ServiceRequest, type Forward, type MotoReply, type Reply } from '../protocol.js';
import { getBytes } from '../compute/s3-files.js';

const MAX_PAYLOAD = 6 * 1024 * 1024;
const TAIL_BYTES = 4096;

export class LambdaExecutor {
  /** CodeSha256 (base64) -> the zip's path */
  private zips = new Map<string, string>();
  private unpacked = new Map<string, Promise<string>>();
  private readonly background = new Set<AbortController>();

  constructor(private readonly ctx: ComputeContext) {}

  reset(): void {
    for (const c of this.background) c.abort();
    this.background.clear();
    this.zips.clear();
    this.unpacked.clear();
  }

  /** CreateFunction and UpdateFunctionCode go to moto; their code is kept here when moto accepts them. */
  async handle(req: ServiceRequest, forward: Forward): Promise<Reply | undefined> {
    const path = req.path.replace(/\/+$/, '');
    const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(path);
    if (invoke && req.method === 'POST') return this.invoke(req, decodeURIComponent(invoke[1]!));
    const creates = req.method === 'POST' && path === '/2015-03-31/functions';
    const updates = req.method === 'PUT' && /^\/2015-03-31\/functions\/[^/]+\/code$/.test(path);
    if (!creates && !updates) return undefined;
    const reply = await forward();
    if (reply.status >= 200 && reply.status < 300) await this.keepCode(req, reply).catch(() => undefined);
    return passThrough(reply);
  }

  private async keepCode(req: ServiceRequest, reply: MotoReply): Promise<void> {
    const body = JSON.parse(req.body.toString('utf8')) as { Code?: Record<string, string> } & Record<string, string>;
    const code = body.Code ?? body;
    let zip: Buffer | undefined;
    if (code.ZipFile) zip = Buffer.from(code.ZipFile, 'base64');
    else if (code.S3Bucket && code.S3Key) zip = await getBytes(await this.ctx.moto(req.region).s3(), { bucket: code.S3Bucket, key: code.S3Key });
    if (!zip) return;
    const sha = createHash('sha256').update(zip).digest('base64');
    const answered = (JSON.parse(reply.body.toString('utf8')) as { CodeSha256?: string }).CodeSha256;
    const dir = join(this.ctx.tempRoot, 'lambda-code');
    await mkdir(dir, { recursive: true });
    const file = join(dir, `${Buffer.from(sha, 'base64').toString('hex')}.zip`);
    await writeFile(file, zip);
    this.zips.set(sha, file);
    if (answered && answered !== sha) this.zips.set(answered, file);
  }

  private unpack(sha: string, python: string): Promise<string> {
    let p = this.unpacked.get(sha);
    if (!p) {
      p = (async () => {
        const zip = this.zips.get(sha);
        if (!zip || !existsSync(zip)) throw new AwsError('ServiceException', `the local endpoint has no code for CodeSha256 ${sha} (create or update the function through this endpoint)`, 500);
        const dir = zip.replace(/\.zip$/, '');
        const r = await this.ctx.pool.run({ command: python, args: ['-m', 'zipfile', '-e', zip, dir], env: this.ctx.childEnv('us-east-1'), timeoutMs: 60_000 });
        if (r.code !== 0) throw new AwsError('InvalidZipFileException', `Could not unzip uploaded file: ${r.stderr.trim().split('\n').pop()}`, 502);
        return dir;
      })();
      p.catch(() => this.unpacked.delete(sha));
      this.unpacked.set(sha, p);
    }
    return p;
  }

  private async invoke(req: ServiceRequest, name: string): Promise<Reply> {
    try {
      return await this.invokeOrThrow(req, name);
    } catch (error) {
      return restError(error instanceof AwsError ? error : fromSdkError(error));
    }
  }

  private async invokeOrThrow(req: ServiceRequest, name: string): Promise<Reply> {
    const type = header(req, 'x-amz-invocation-type') ?? 'RequestResponse';
    const logType = header(req, 'x-amz-log-type') ?? 'None';
    if (!['RequestResponse', 'Event', 'DryRun'].includes(type)) throw new AwsError('ValidationException', `1 validation error detected: Value '${type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`);
    if (!['None', 'Tail'].includes(logType)) throw new AwsError('ValidationException', `1 validation error detected: Value '${logType}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]`);
    if (req.body.length > MAX_PAYLOAD) throw new AwsError('RequestTooLargeException', `Request must be smaller than ${MAX_PAYLOAD} bytes for the InvokeFunction operation`, 413);
    const text = req.body.toString('utf8');
    if (text.trim() !== '') {
      try {
        JSON.parse(text);
      } catch (error) {
        throw new AwsError('InvalidRequestContentException', `Could not parse request body into json: ${(error as Error).message}`);
      }
    }
    const qualifier = req.query.get('Qualifier') ?? undefined;
    const fn = await (await this.ctx.moto(req.region).lambda()).send(new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: qualifier }));
    if (type === 'DryRun') return { status: 204, headers: {}, body: '' };
    if (type === 'Event') {
      const stop = new AbortController();
      this.background.add(stop);
      void this.run(req.region, fn, text || '{}', stop.signal)
        .then((out) => this.keepLog(req.region, fn, out.log))
        .catch(() => undefined)
        .finally(() => this.background.delete(stop));
      return { status: 202, headers: { 'x-amzn-requestid': randomUUID() }, body: '' };
    }
    const out = await this.run(req.region, fn, text || '{}');
    await this.keepLog(req.region, fn, out.log);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-amzn-requestid': out.requestId, 'x-amz-executed-version': fn.Version ?? '$LATEST' };
    if (out.functionError) headers['x-amz-function-error'] = out.functionError;
    if (logType === 'Tail') headers['x-amz-log-result'] = Buffer.from(out.log).subarray(-TAIL_BYTES).toString('base64');
    return { status: 200, headers, body: out.payload };
  }

  /** The invocation's log where Lambda writes it: /aws/lambda/<function>, one stream per invocation here. */
  private keepLog(region: string, fn: FunctionConfiguration, log: string): Promise<void> {
    const stream = `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[${fn.Version ?? '$LATEST'}]${randomUUID().replace(/-/g, '')}`;
    return putLog(this.ctx.options.motoUrl, region, `/aws/lambda/${fn.FunctionName}`, stream, log, new Date()).catch(() => undefined);
  }

  private async run(region: string, fn: FunctionConfiguration, event: string, signal?: AbortSignal): Promise<{ payload: string; functionError?: string; log: string; requestId: string }> {
    const requestId = randomUUID();
    const runtime = fn.Runtime ?? '';
    const timeout = fn.Timeout ?? 3;
    const started = Date.now();
    const memory = fn.MemorySize ?? 128;
    const report = (ms: number) =>
      `END RequestId: ${requestId}\nREPORT RequestId: ${requestId}\tDuration: ${ms.toFixed(2)} ms\tBilled Duration: ${Math.ceil(ms)} ms\tMemory Size: ${memory} MB\tMax Memory Used: ${memory} MB\t\n`;
    const start = `START RequestId: ${requestId} Version: ${fn.Version ?? '$LATEST'}\n`;
    const unsupported = (message: string, errorType: string) => ({
      payload: JSON.stringify({ errorMessage: message, errorType, requestId, stackTrace: [] }),
      functionError: 'Unhandled',
      log: `${start}${message}\n${report(0)}`,
      requestId,
    });
    if (fn.PackageType === 'Image' || !runtime.startsWith('python3')) {
      return unsupported(`the local endpoint runs Python runtimes only (this function's runtime is ${runtime || fn.PackageType})`, 'Runtime.UnsupportedRuntime');
    }
    const python = (await this.ctx.options.capabilities).boto3;
    if (!python) return unsupported('the local endpoint found no Python with boto3 to run Lambda handlers (pip install boto3, or set ABALONE_PYTHON)', 'Runtime.Unavailable');
    const root = await this.unpack(fn.CodeSha256 ?? '', python);
    const functionName = fn.FunctionName ?? '';
    const env = this.ctx.childEnv(region, {
      ...(fn.Environment?.Variables ?? {}),
      _HANDLER: fn.Handler ?? '',
      AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memory),
      AWS_LAMBDA_FUNCTION_VERSION: fn.Version ?? '$LATEST',
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${requestId.replace(/-/g, '')}`,
      LAMBDA_TASK_ROOT: root,
      TZ: ':UTC',
      PYTHONPATH: root,
      _LOCAL_REQUEST_ID: requestId,
      _LOCAL_FUNCTION_ARN: fn.FunctionArn ?? '',
      _LOCAL_DEADLINE_MS: String(started + timeout * 1000),
    });
    const r = await this.ctx.pool.run({
      command: python,
      args: [join(pythonDir(), 'lambda_bootstrap.py'), fn.Handler ?? ''],
      cwd: root,
      env,
      input: event,
      timeoutMs: timeout * 1000,
      resultPipe: true,
      signal,
    });
    const elapsed = Date.now() - started;
    const output = r.stdout + r.stderr;
    if (r.killed === 'timeout') {
      const message = `RequestId: ${requestId} Error: Task timed out after ${timeout.toFixed(2)} seconds`;
      return {
        payload: JSON.stringify({ errorType: 'Sandbox.Timedout', errorMessage: message }),
        functionError: 'Unhandled',
        log: `${start}${output}${new Date().toISOString()} ${requestId} Task timed out after ${timeout.toFixed(2)} seconds\n\n${report(elapsed)}`,
        requestId,
      };
    }
    let parsed: { result?: string; error?: unknown } | undefined;
    try {
      parsed = JSON.parse(r.result) as { result?: string; error?: unknown };
    } catch {
      parsed = undefined;
    }
    if (!parsed || (parsed.result === undefined && parsed.error === undefined)) {
      const message = `RequestId: ${requestId} Error: Runtime exited with error: exit status ${r.code ?? 'signal'}`;
      return { payload: JSON.stringify({ errorType: 'Runtime.ExitError', errorMessage: message }), functionError: 'Unhandled', log: `${start}${output}${message}\n${report(elapsed)}`, requestId };
    }
    const log = `${start}${output}${report(elapsed)}`;
    if (parsed.error !== undefined) return { payload: JSON.stringify(parsed.error), functionError: 'Unhandled', log, requestId };
    return { payload: parsed.result!, log, requestId };
  }
}

function passThrough(reply: MotoReply): Reply {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(reply.headers)) if (typeof v === 'string' && k !== 'transfer-encoding' && k !== 'content-length') headers[k] = v;
  return { status: reply.status, headers, body: reply.body };
}
