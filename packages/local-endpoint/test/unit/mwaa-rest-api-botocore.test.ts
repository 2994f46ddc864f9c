import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MwaaBackend } from '../../src/mwaa-backend.js';
import { MwaaEmulator } from '../../src/mwaa-emulator.js';
import type { DagFolderSource } from '../../src/mwaa/dag-folder.js';

/**
 * The emulated InvokeRestApi as botocore reads it: boto3's `mwaa.invoke_rest_api` (its own model of
 * the operation, RestApiClientException/RestApiServerException/ValidationException classes) against
 * the emulator over HTTP. Skipped when the installed botocore's MWAA model has no InvokeRestApi.
 */
const run = promisify(execFile);
const FAKE_RUNNER = join(import.meta.dirname, '../fixtures/fake-dag-runner.py');
const ACCOUNT = '111122223333';
const backend: MwaaBackend = {
  accountId: async () => ACCOUNT,
  checkSourceBucket: async () => undefined,
  checkExecutionRole: async () => undefined,
  checkNetwork: async () => undefined,
  checkObjectVersion: async () => undefined,
};
const source: DagFolderSource = {
  list: async () => [{ key: 'daily.py', etag: '"1"' }],
  download: async () => Buffer.from(`# fake-dag: ${JSON.stringify({ dag_id: 'daily', schedule: '@daily', tasks: ['a'] })}\n`),
};

async function hasInvokeRestApi(): Promise<boolean> {
  try {
    const { stdout } = await run('python3', ['-c', "import botocore.session as s; print('InvokeRestApi' in s.get_session().get_service_model('mwaa').operation_names)"]);
    return stdout.trim() === 'True';
  } catch {
    return false;
  }
}

const SCRIPT = String.raw`
import json, sys
import boto3
from botocore.config import Config
mwaa = boto3.client("mwaa", region_name="us-east-1", endpoint_url=sys.argv[1], aws_access_key_id="test", aws_secret_access_key="test",
                    config=Config(inject_host_prefix=False, retries={"max_attempts": 1}))
out = {}
r = mwaa.invoke_rest_api(Name="env3", Path="/dags/daily", Method="GET")
out["get_dag"] = {"code": r["RestApiStatusCode"], "dag_id": r["RestApiResponse"]["dag_id"], "is_paused": r["RestApiResponse"]["is_paused"]}
r = mwaa.invoke_rest_api(Name="env3", Path="/dags/daily/dagRuns", Method="POST", Body={"logical_date": None, "dag_run_id": "boto"})
out["trigger"] = {"code": r["RestApiStatusCode"], "run": r["RestApiResponse"]["dag_run_id"], "logical_date": r["RestApiResponse"]["logical_date"]}
r = mwaa.invoke_rest_api(Name="env3", Path="/dags/daily/dagRuns", Method="GET", QueryParameters={"order_by": "-run_after", "limit": 5})
out["list"] = {"total": r["RestApiResponse"]["total_entries"]}
for name, kwargs in {
    "client": dict(Name="env3", Path="/dags/nope", Method="GET"),
    "conflict": dict(Name="env3", Path="/dags/daily/dagRuns", Method="POST", Body={"logical_date": None, "dag_run_id": "boto"}),
    "server": dict(Name="env3", Path="/dags", Method="GET"),
    "v1": dict(Name="env2", Path="/dags/daily", Method="GET"),
    "missing": dict(Name="nope", Path="/dags/daily", Method="GET"),
}.items():
    try:
        mwaa.invoke_rest_api(**kwargs)
        out[name] = "no error"
    except mwaa.exceptions.RestApiClientException as e:
        out[name] = {"class": "RestApiClientException", "status": e.response["ResponseMetadata"]["HTTPStatusCode"], "code": e.response.get("RestApiStatusCode"), "body": e.response.get("RestApiResponse")}
    except mwaa.exceptions.RestApiServerException as e:
        out[name] = {"class": "RestApiServerException", "status": e.response["ResponseMetadata"]["HTTPStatusCode"], "code": e.response.get("RestApiStatusCode")}
    except mwaa.exceptions.ValidationException as e:
        out[name] = {"class": "ValidationException", "message": e.response["Error"]["Message"]}
    except mwaa.exceptions.ResourceNotFoundException as e:
        out[name] = {"class": "ResourceNotFoundException", "message": e.response["Error"]["Message"]}
print(json.dumps(out))
`;

let server: Server;
let url: string;
let work: string;
let emulator: MwaaEmulator;
let supported = false;

beforeAll(async () => {
  supported = await hasInvokeRestApi();
  work = mkdtempSync(join(tmpdir(), 'mwaa-rest-boto-'));
  emulator = new MwaaEmulator({
    backend,
    delays: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    airflow: { dagSource: source, runnerPath: FAKE_RUNNER, python: async () => 'python3', workDir: work },
  });
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://local');
      const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(req.headers.authorization ?? '');
      void emulator
        .handle({ method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, body: Buffer.concat(chunks), region: scope?.[1] ?? '', selfUrl: url })
        .then((reply) => res.writeHead(reply.status, reply.headers).end(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const base = {
    ExecutionRoleArn: `arn:aws:iam::${ACCOUNT}:role/mwaa`,
    SourceBucketArn: 'arn:aws:s3:::b',
    DagS3Path: 'dags',
    NetworkConfiguration: { SubnetIds: ['subnet-a', 'subnet-b'], SecurityGroupIds: ['sg-1'] },
  };
  for (const [name, version] of [['env3', '3.0.6'], ['env2', '2.10.3']]) {
    const reply = await emulator.handle({ method: 'PUT', path: `/environments/${name}`, query: new URLSearchParams(), headers: {}, body: Buffer.from(JSON.stringify({ ...base, AirflowVersion: version })), region: 'us-east-1' });
    expect(reply.status).toBe(200);
  }
});

afterAll(async () => {
  server?.close();
  await emulator?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('InvokeRestApi read by botocore', () => {
  it('parses answers and raises the model exceptions with their members', async (ctx) => {
    if (!supported) ctx.skip();
    const { stdout } = await run('python3', ['-c', SCRIPT, url], { env: { ...process.env, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' } });
    const out = JSON.parse(stdout);
    expect(out.get_dag).toEqual({ code: 200, dag_id: 'daily', is_paused: true });
    expect(out.trigger).toEqual({ code: 200, run: 'boto', logical_date: null });
    expect(out.list).toEqual({ total: 1 });
    expect(out.client).toEqual({ class: 'RestApiClientException', status: 400, code: 404, body: { detail: 'Dag with id nope was not found' } });
    expect(out.conflict).toMatchObject({ class: 'RestApiClientException', status: 400, code: 409 });
    expect(out.server).toEqual({ class: 'RestApiServerException', status: 400, code: 501 });
    expect(out.v1.class).toBe('ValidationException');
    expect(out.v1.message).toMatch(/REST API v1, which the local MWAA emulator does not emulate/);
    expect(out.missing).toEqual({ class: 'ResourceNotFoundException', message: 'Environment nope not found.' });
  }, 60_000);
});
