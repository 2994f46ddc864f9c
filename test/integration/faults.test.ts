import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseJson, runCli, type CliResult } from '../support/cli.js';
import { FaultProxy, isCall, seededUnit, type Fault, type FaultKind, type FaultRule, type ProxyCall } from '../support/fault-proxy.js';
import { destroyClients, duplicates, inventoryClients, inventoryLines, takeInventory, untagged, type InventoryClients, type InventoryItem } from '../support/inventory.js';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';

/** One seed for every random choice in this file: a failure reproduces with the same faults (FAULT_SEED tries others). */
const SEED = Number(process.env.FAULT_SEED ?? 20261128);

let endpoint: TestEndpoint;
let proxy: FaultProxy;
let clients: InventoryClients;
/** What the emulator holds before anything runs (moto's default VPC and its pieces). */
let baseline: InventoryItem[];
/** The inventory after one uninterrupted, fault-free `up`. */
let reference: string[];

const throughProxy = () => ({ ...endpoint.env, AWS_ENDPOINT_URL: proxy.url });
const up = (extra: string[] = []) => runCli(['up', '--yes', '--json', ...extra], { env: throughProxy(), timeoutMs: 240_000 });

function explain(run: CliResult): string {
  const faults = proxy.injected.map((f) => `${f.call.index} ${f.call.service} ${f.call.operation}: ${f.fault.kind}/${f.fault.phase}`).join('\n');
  return `exit ${run.code}\n--- stderr ---\n${run.stderr}\n--- faults injected ---\n${faults}`;
}

async function expectSameAsUninterrupted(): Promise<void> {
  const items = await takeInventory(clients);
  expect(duplicates(items), 'duplicate resources').toEqual([]);
  expect(untagged(items, baseline), 'resources made without the pipeline tag').toEqual([]);
  expect(inventoryLines(items)).toEqual(reference);
}

/** A second `up` with no faults: every step unchanged, and no write but the lock's. */
async function expectSecondUpUnchanged(): Promise<void> {
  proxy.configure({});
  const again = await up();
  expect(again.code, again.stderr).toBe(0);
  for (const step of parseJson(again).steps) expect(step, step.step).toMatchObject({ status: 'unchanged', changes: [] });
  expect(proxy.mutating().map((c) => `${c.service} ${c.operation}`)).toEqual([]);
}

beforeAll(async () => {
  endpoint = await startLocalEndpoint();
  proxy = new FaultProxy(endpoint.url);
  await proxy.start();
  clients = inventoryClients(endpoint.url);
  await endpoint.reset();
  baseline = await takeInventory(clients);
  const run = await runCli(['up', '--yes'], { env: endpoint.env, timeoutMs: 120_000 });
  expect(run.code, run.stderr).toBe(0);
  reference = inventoryLines(await takeInventory(clients));
}, 180_000);

afterAll(async () => {
  if (clients) destroyClients(clients);
  await proxy?.stop();
  await endpoint?.stop();
});

beforeEach(async () => {
  await endpoint.reset();
  proxy.configure({});
});

describe('faults between the CLI and AWS', () => {
  it('with 15% of requests faulted (seeded, at most 30) a single up converges with no duplicate, and a second up is unchanged', async () => {
    proxy.configure({ seed: SEED, rate: 0.15, maxFaults: 30 });
    const run = await up();
    expect(run.code, explain(run)).toBe(0);
    // Not vacuous: many faults (15% of a hundred-odd calls), of every kind, on both sides of the upstream.
    expect(proxy.injected.length).toBeGreaterThanOrEqual(10);
    expect(new Set(proxy.injected.map((f) => f.fault.kind))).toEqual(new Set(['throttle', 'http500', 'http503', 'reset']));
    expect(new Set(proxy.injected.map((f) => f.fault.phase))).toEqual(new Set(['before', 'after']));
    await expectSameAsUninterrupted();
    await expectSecondUpUnchanged();
  }, 240_000);

  it('a create whose response is lost (its work done) is found by a read, never made twice', async () => {
    const creates: Array<[string, string]> = [
      ['s3', 'CreateBucket'],
      ['iam', 'CreateRole'],
      ['glue', 'CreateDatabase'],
      ['glue', 'CreateCrawler'],
      ['glue', 'CreateJob'],
      ['lambda', 'POST /2015-03-31/functions'],
      ['codebuild', 'CreateProject'],
      ['ssm', 'PutParameter'],
      ['ec2', 'CreateVpc'],
      ['ec2', 'CreateInternetGateway'],
      ['ec2', 'AttachInternetGateway'],
      ['ec2', 'CreateSubnet'],
      ['ec2', 'AllocateAddress'],
      ['ec2', 'CreateNatGateway'],
      ['ec2', 'CreateRouteTable'],
      ['ec2', 'CreateRoute'],
      ['ec2', 'AssociateRouteTable'],
      ['ec2', 'CreateSecurityGroup'],
      ['ec2', 'AuthorizeSecurityGroupIngress'],
      ['airflow', 'PUT /environments/abalone-airflow-environment'],
    ];
    const kinds: FaultKind[] = ['throttle', 'http500', 'http503', 'reset'];
    const lost = (call: ProxyCall): Fault => ({ kind: kinds[Math.floor(seededUnit(SEED, call.identity) * kinds.length)]!, phase: 'after' });
    // The lock's own parameter is the lock test's business: here, the pipeline's parameters.
    const rules: FaultRule[] = creates.map(([service, operation]) => ({
      match: (call) => isCall(service, operation)(call) && !(service === 'ssm' && call.body.includes('/lock')),
      fault: lost,
    }));
    proxy.configure({ rules });
    const run = await up();
    expect(run.code, explain(run)).toBe(0);
    expect(proxy.injected.map((f) => `${f.call.service} ${f.call.operation}`).sort()).toEqual(creates.map(([s, o]) => `${s} ${o}`).sort());
    await expectSameAsUninterrupted();
    await expectSecondUpUnchanged();
  }, 240_000);

  it('outside us-east-1 a lost CreateBucket answer comes back as BucketAlreadyOwnedByYou on the retry: success, the bucket configured', async () => {
    proxy.configure({ rules: [{ match: isCall('s3', 'CreateBucket'), fault: { kind: 'http503', phase: 'after' } }] });
    const run = await runCli(['up', '--yes', '--json', '--region', 'eu-west-1', '--only', 'ensure-bucket'], { env: throughProxy(), timeoutMs: 60_000 });
    expect(run.code, explain(run)).toBe(0);
    expect(proxy.calls.filter(isCall('s3', 'CreateBucket'))).toHaveLength(2);
    expect(parseJson(run).steps[0].changes).toEqual([expect.objectContaining({ action: 'create', resource: 'arn:aws:s3:::abalone-data-eu-west-1-123456789012' })]);
    const status = await runCli(['status', '--json', '--region', 'eu-west-1'], { env: endpoint.env, timeoutMs: 60_000 });
    expect(parseJson(status).resources.find((r: { step: string }) => r.step === 'ensure-bucket')).toMatchObject({ state: 'ok' });
  }, 60_000);

  it('eventual consistency (IAM, the new VPC, the new bucket) is retried on the specific errors, with a notice, and converges', async () => {
    const error = (status: number, code: string, message: string): Fault => ({ kind: 'error', phase: 'before', error: { status, code, message } });
    const role = (name: string) => `arn:aws:iam::123456789012:role/abalone-${name}-us-east-1`;
    proxy.configure({
      rules: [
        { match: isCall('airflow', /^PUT \/environments\//), fault: error(400, 'ValidationException', `Failed to assume role ${role('mwaa-exec')}. This could be due to the role's trust policy.`) },
        { match: isCall('glue', 'CreateCrawler'), fault: error(400, 'InvalidInputException', 'Service is unable to assume provided role. Please verify role\'s TrustPolicy') },
        { match: isCall('lambda', 'POST /2015-03-31/functions'), fault: error(400, 'InvalidParameterValueException', 'The role defined for the function cannot be assumed by Lambda.') },
        { match: isCall('codebuild', 'CreateProject'), fault: error(400, 'InvalidInputException', `CodeBuild is not authorized to perform: sts:AssumeRole on ${role('codebuild')}`) },
        { match: isCall('ec2', 'CreateSubnet'), fault: error(400, 'InvalidVpcID.NotFound', "The vpc ID 'vpc-0abc' does not exist"), times: 2 },
        { match: isCall('ec2', 'AttachInternetGateway'), fault: error(400, 'InvalidVpcID.NotFound', "The vpc ID 'vpc-0abc' does not exist") },
        { match: isCall('s3', 'PutBucketTagging'), fault: error(404, 'NoSuchBucket', 'The specified bucket does not exist'), times: 2 },
      ],
    });
    const run = await up();
    expect(run.code, explain(run)).toBe(0);
    expect(proxy.injected).toHaveLength(9);
    expect(run.stderr).toMatch(/AWS does not accept role abalone-glue-us-east-1 yet/);
    await expectSameAsUninterrupted();
  }, 240_000);

  it('an error that does not clear is retried a bounded number of times, then reported (exit 1), and a rerun converges', async () => {
    proxy.configure({ rules: [{ match: isCall('ec2', 'CreateSubnet'), fault: { kind: 'error', phase: 'before', error: { status: 400, code: 'InvalidVpcID.NotFound', message: "The vpc ID 'vpc-0abc' does not exist" } }, times: 1000 }] });
    const run = await up();
    expect(run.code, run.stderr).toBe(1);
    const attempts = proxy.injected.length;
    expect(attempts).toBeGreaterThan(1);
    expect(attempts).toBeLessThan(20);
    expect(parseJson(run).steps.find((s: { step: string }) => s.step === 'ensure-vpc')).toMatchObject({ status: 'failed', error: { code: 'InvalidVpcID.NotFound' } });
    proxy.configure({});
    const rerun = await up();
    expect(rerun.code, rerun.stderr).toBe(0);
    await expectSameAsUninterrupted();
  }, 240_000);

  it('waits on AWS by polling or by retrying specific errors, never by a fixed sleep', async () => {
    // Every timer in the tool's own code (the local endpoint aside) lives in a retry helper, a waiter
    // that polls a resource's state, or the lock's renewal: a new one needs a reason to join this list.
    const allowed = new Map([
      ['aws/retry.ts', 'sleep() and retryOn(): bounded backoff on named errors'],
      ['aws/mwaa-environment.ts', 'waitForEnvironment: polls GetEnvironment until the status settles'],
      ['steps/ensure-lambda.ts', 'waitUntilReady: polls GetFunction until State is Active'],
      ['ops/deploy-via-codebuild.ts', 'followBuild: polls BatchGetBuilds until the build ends'],
      ['engine/lock.ts', 'the lease renewal interval'],
      ['aws/airflow-cli.ts', "MWAA's CLI endpoint takes one request at a time, no faster than every 5 s: the gap between requests"],
      ['ops/run.ts', 'followRun and the scheduled-run lookup: poll dags list-runs / tasks states-for-dag-run until the run ends, bounded'],
    ]);
    const src = fileURLToPath(new URL('../../src', import.meta.url));
    const offenders: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        const relative = path.slice(src.length + 1);
        if (entry.isDirectory()) {
          if (relative !== 'local') await walk(path);
          continue;
        }
        const text = await readFile(path, 'utf8');
        if (/\bsetTimeout\(|\bsetInterval\(|\bsleep\(/.test(text) && !allowed.has(relative)) offenders.push(relative);
      }
    };
    await walk(src);
    expect(offenders).toEqual([]);
  });
});

describe('a waiter that times out', () => {
  let slow: TestEndpoint;

  beforeAll(async () => {
    // An environment that takes 8 s to create, and a CLI that waits at most 1 s for it.
    slow = await startLocalEndpoint({ ABALONE_MWAA_CREATE_DELAY: '8' });
  });
  afterAll(async () => slow?.stop());

  it('ends with a clear message and exit 1; a rerun picks up the wait where it was and converges', async () => {
    const first = await runCli(['up', '--yes'], { env: { ...slow.env, ABALONE_WAIT_TIMEOUT: '1' }, timeoutMs: 120_000 });
    expect(first.code, first.stderr).toBe(1);
    expect(first.stderr).toMatch(/ensure-mwaa: WaitTimeout: gave up waiting for environment abalone-airflow-environment after 1s \(still CREATING\); run the command again to keep waiting/);
    expect(first.stderr).not.toContain('    at ');

    // The environment is still CREATING (8 s): the rerun waits for it instead of creating anything.
    const rerun = await runCli(['up', '--yes', '--json'], { env: slow.env, timeoutMs: 120_000 });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr, 'the timed-out run released its lock').not.toMatch(/taking over the lock/);
    const steps = parseJson(rerun).steps;
    expect(steps.find((s: { step: string }) => s.step === 'ensure-mwaa').changes).toEqual([
      expect.objectContaining({ action: 'update', detail: expect.stringMatching(/^CREATING: wait until it settles/) }),
    ]);
    // Only the wait was left: every other step had finished in the first run.
    for (const step of steps.filter((s: { step: string }) => s.step !== 'ensure-mwaa')) expect(step, step.step).toMatchObject({ status: 'unchanged' });
    const status = await runCli(['status'], { env: slow.env });
    expect(status.code, status.stdout).toBe(0);
  }, 120_000);
});
