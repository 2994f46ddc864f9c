import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { parseJson, runCli, type CliResult } from '../support/cli.js';
import { FaultProxy, isCall } from '../support/fault-proxy.js';
import { destroyClients, inventoryClients, inventoryLines, takeInventory, type InventoryClients } from '../support/inventory.js';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';

/**
 * Bad input not covered in cli-surface.test.ts: each ends with a clear message, the contract's
 * exit code, no stack trace, and nothing changed.
 */
const BUCKET = 'abalone-data-us-east-1-123456789012';
const STACK_LINE = '    at ';

let endpoint: TestEndpoint;
let proxy: FaultProxy;
let clients: InventoryClients;
let emptyHome: string;
let work: string;
/** Accepts connections and never answers: an instance metadata service that hangs. */
let hanging: Server;
let hangingUrl: string;
/** Counts connections: AWS calls sent there mean the input was not checked first. */
let tripwire: Server;
let tripwireUrl: string;
let tripwireConnections = 0;

function expectClean(result: CliResult): void {
  expect(result.stdout).not.toContain(STACK_LINE);
  expect(result.stderr).not.toContain(STACK_LINE);
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A process environment with no credentials anywhere, and the real metadata service lookups on. */
const bare = (env: Record<string, string | undefined> = {}) => ({ HOME: emptyHome, AWS_CONFIG_FILE: join(emptyHome, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(emptyHome, 'none'), ...env });
const offline = (env: Record<string, string | undefined> = {}) => ({
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  HOME: emptyHome,
  AWS_ENDPOINT_URL: tripwireUrl,
  ...env,
});
const throughProxy = () => ({ ...endpoint.env, AWS_ENDPOINT_URL: proxy.url });

beforeAll(async () => {
  [endpoint, emptyHome, work] = await Promise.all([startLocalEndpoint(), mkdtemp(join(tmpdir(), 'bad-input-home-')), mkdtemp(join(tmpdir(), 'bad-input-'))]);
  proxy = new FaultProxy(endpoint.url);
  await proxy.start();
  clients = inventoryClients(endpoint.url);
  hanging = createServer((socket) => socket.on('data', () => undefined));
  hangingUrl = await listen(hanging);
  tripwire = createServer((socket) => {
    tripwireConnections += 1;
    socket.destroy();
  });
  tripwireUrl = await listen(tripwire);
});

afterAll(async () => {
  if (clients) destroyClients(clients);
  await proxy?.stop();
  await endpoint?.stop();
  for (const server of [hanging, tripwire]) {
    if (!server) continue;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
    });
  }
  await Promise.all([rm(emptyHome, { recursive: true, force: true }), rm(work, { recursive: true, force: true })]);
});

beforeEach(async () => {
  await endpoint.reset();
  proxy.configure({});
});

describe('credentials and region, never hanging on the instance metadata service', () => {
  it('no credentials, with a metadata service that never answers: one line, exit 1, within seconds', async () => {
    const result = await runCli(['status'], { env: bare({ AWS_REGION: 'us-east-1', AWS_EC2_METADATA_SERVICE_ENDPOINT: hangingUrl }), timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: no AWS credentials found: .*AWS_ACCESS_KEY_ID.*--profile/)]);
    expectClean(result);
  });

  it('no region anywhere, with a metadata service that never answers: exit 2 naming --region, within seconds', async () => {
    const result = await runCli(['status', '--json'], { env: bare({ AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_EC2_METADATA_SERVICE_ENDPOINT: hangingUrl }), timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(2);
    expect(parseJson(result).error).toEqual({ code: 'MissingRegion', message: expect.stringContaining('--region') });
    expectClean(result);
  });

  it('expired credentials: one line saying to refresh them, exit 1, no other call made', async () => {
    proxy.configure({ rules: [{ match: isCall('sts', 'GetCallerIdentity'), fault: { kind: 'error', phase: 'before', error: { status: 403, code: 'ExpiredToken', message: 'The security token included in the request is expired' } } }] });
    const result = await runCli(['up', '--yes', '--json'], { env: { ...throughProxy(), AWS_SESSION_TOKEN: 'an-old-session-token' }, timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(1);
    expect(parseJson(result).error).toEqual({ code: 'ExpiredCredentials', message: expect.stringMatching(/expired: refresh them/) });
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expectClean(result);
    expect(proxy.calls.map((c) => `${c.service} ${c.operation}`)).toEqual(['sts GetCallerIdentity']);
  });

  it('credentials that expire during a run: the failing call says so, exit 1, no stack trace', async () => {
    proxy.configure({ rules: [{ match: isCall('ssm', 'GetParameter'), fault: { kind: 'error', phase: 'before', error: { status: 400, code: 'ExpiredTokenException', message: 'The security token included in the request is expired' } } }] });
    const result = await runCli(['status'], { env: throughProxy(), timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/expired/i);
    expectClean(result);
  });
});

describe('options checked before any AWS call', () => {
  // The shaping options are shared by up, status and destroy; each case is a CLI process that never reaches AWS.
  it.concurrent.each([
    ['--min-workers not a number', ['--min-workers', 'two'], /--min-workers "two" must be a whole number from 1 to 25/],
    ['--max-workers above MWAA\'s 25', ['--max-workers', '26'], /--max-workers "26" must be a whole number from 1 to 25/],
    ['mw1.micro with more than one worker', ['--env-class', 'mw1.micro', '--max-workers', '3'], /mw1\.micro runs exactly one worker: --max-workers must be 1/],
    ['--nat-gateways 3', ['--nat-gateways', '3'], /--nat-gateways "3"/],
    ['--webserver-access', ['--webserver-access', 'PUBLIC'], /--webserver-access "PUBLIC" is not one of: PUBLIC_ONLY, PRIVATE_ONLY/],
    ['--etl-engine', ['--etl-engine', 'glue'], /--etl-engine "glue"/],
    ['--rmse-threshold', ['--rmse-threshold', '-1'], /--rmse-threshold "-1" must be a positive number/],
    ['the same subnet twice', ['--subnet-ids', 'subnet-0123abcd,subnet-0123abcd', '--security-group-ids', 'sg-0123abcd'], /--subnet-ids needs exactly two different/],
    ['--subnet-ids without security groups', ['--subnet-ids', 'subnet-0123abcd,subnet-4567ef01'], /--subnet-ids and --security-group-ids go together/],
    ['an unknown flag', ['--workers', '3'], /unknown option '--workers'/],
  ])('%s: exit 2 with the reason, nothing sent', async (_what, flags, message) => {
    const result = await runCli(['up', '--yes', ...flags], { env: offline(), timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(message);
    expectClean(result);
    expect(tripwireConnections).toBe(0);
  });

  it('up --dir that is missing, or a file: exit 2 naming it, before any AWS call', async () => {
    const file = join(work, 'not-a-folder.txt');
    await writeFile(file, 'x');
    for (const dir of [join(work, 'missing'), file]) {
      const result = await runCli(['up', '--yes', '--dir', dir], { env: offline(), timeoutMs: 30_000 });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`--dir ${dir} is not a readable folder`);
      expectClean(result);
      const push = await runCli(['push-dags', '--dir', dir, '--json'], { env: offline(), timeoutMs: 30_000 });
      expect(push.code).toBe(2);
      expect(parseJson(push).error).toMatchObject({ code: 'InvalidDir' });
    }
    expect(tripwireConnections).toBe(0);
  });

  it('--name at the longest the bucket name allows works; one character more is refused, saying the limit', async () => {
    // <name>-data-us-east-1-<12-digit account> may be 63 characters: 35 for the name.
    const longest = `a${'b'.repeat(34)}`;
    const ok = await runCli(['status', '--json', '--name', longest], { env: endpoint.env, timeoutMs: 30_000 });
    expect(ok.code, ok.stderr).toBe(3);
    expect(parseJson(ok).resources.find((r: { step: string }) => r.step === 'ensure-bucket').id).toHaveLength(63);
    const tooLong = await runCli(['status', '--json', '--name', `${longest}c`], { env: endpoint.env, timeoutMs: 30_000 });
    expect(tooLong.code).toBe(2);
    expect(parseJson(tooLong).error).toEqual({ code: 'InvalidName', message: expect.stringMatching(/S3 bucket name .* would be 64 characters \(AWS allows 63\); use at most 35 characters/) });
  });
});

describe('a bucket name taken by another AWS account', () => {
  const takenMessage = /the bucket name abalone-data-us-east-1-123456789012 is taken by another AWS account.*Choose another pipeline name with --name/;

  async function expectNothingChanged(before: string[], result: CliResult): Promise<void> {
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(takenMessage);
    expectClean(result);
    expect(inventoryLines(await takeInventory(clients))).toEqual(before);
  }

  it('CreateBucket answers BucketAlreadyExists: says so and how to choose another --name; nothing is created', async () => {
    const before = inventoryLines(await takeInventory(clients));
    proxy.configure({
      rules: [{ match: isCall('s3', 'CreateBucket'), fault: { kind: 'error', phase: 'before', error: { status: 409, code: 'BucketAlreadyExists', message: 'The requested bucket name is not available.' } }, times: 2 }],
    });
    const result = await runCli(['up', '--yes'], { env: throughProxy(), timeoutMs: 60_000 });
    await expectNothingChanged(before, result);
    const json = await runCli(['up', '--yes', '--json'], { env: throughProxy(), timeoutMs: 60_000 });
    expect(parseJson(json).steps.find((s: { step: string }) => s.step === 'ensure-bucket')).toMatchObject({ status: 'failed', error: { code: 'BucketAlreadyExists' } });
  }, 60_000);

  it('the bucket exists in another account (HeadBucket 403): the same message; nothing is created', async () => {
    // moto keeps a bucket per account (x-moto-account-id), but answers HeadBucket across accounts
    // with 200 where AWS says 403: the proxy says what AWS would.
    const other = new S3Client({ endpoint: endpoint.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    other.middlewareStack.add((next) => (args) => {
      (args.request as { headers: Record<string, string> }).headers['x-moto-account-id'] = '210987654321';
      return next(args);
    }, { step: 'build' });
    await other.send(new CreateBucketCommand({ Bucket: BUCKET }));
    other.destroy();
    const before = inventoryLines(await takeInventory(clients));
    proxy.configure({ rules: [{ match: (c) => c.service === 's3' && c.path.startsWith(`/${BUCKET}`), fault: { kind: 'error', phase: 'before', error: { status: 403, code: 'AccessDenied', message: 'Access Denied' } }, times: 1000 }] });
    const result = await runCli(['up', '--yes'], { env: throughProxy(), timeoutMs: 60_000 });
    await expectNothingChanged(before, result);
  }, 60_000);
});
