import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { DescribeEndpointCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { CREDENTIALS } from '../support/compute.js';
import { deployModel } from '../support/deployed-model.js';
import { parseJson, runCli } from '../support/cli.js';
import { spawnCli, type CliChild } from '../support/cli-child.js';
import { isLockCall } from '../support/counting-proxy.js';
import { FaultProxy, isCall, prng, type FaultPhase, type ProxyCall } from '../support/fault-proxy.js';
import { destroyClients, duplicates, inventoryClients, inventoryLines, takeInventory, untagged, type InventoryClients, type InventoryItem } from '../support/inventory.js';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';

/** The seed of the kill points: a failure names its point, and the same seed gives the same points. */
const SEED = 7;
const UP_KILL_POINTS = 5;
const DESTROY_KILL_POINTS = 2;
const LOCK = '/abalone-pipeline/abalone/lock';

let endpoint: TestEndpoint;
let proxy: FaultProxy;
let clients: InventoryClients;
let baseline: InventoryItem[];
/** After one uninterrupted `up`. */
let reference: string[];
/** How many AWS calls an uninterrupted `up` and `destroy` make (the kill points fall among them). */
let upCalls: number;
/** The first call of `up` after its lock is taken: a kill from there on leaves a lease behind. */
let afterLock: number;
let destroyCalls: number;

const direct = () => endpoint.env;
const throughProxy = () => ({ ...endpoint.env, AWS_ENDPOINT_URL: proxy.url });

async function lockHeld(): Promise<boolean> {
  try {
    await clients.ssm.send(new GetParameterCommand({ Name: LOCK }));
    return true;
  } catch {
    return false;
  }
}

/**
 * Kill points spread over a run: the calls are cut into `count` equal stretches and one call is
 * drawn from each, with the side of the upstream it dies on (before the call reached AWS, or
 * after AWS did the work and before the answer arrived).
 */
function killPoints(seed: number, count: number, calls: number): Array<{ at: number; phase: FaultPhase }> {
  const random = prng(seed);
  // From the first call after the lock is taken (STS, the settings and the lock come first) to
  // the last tenth (the final waiting and the lock's release), where the calls vary from run to run.
  const first = 4;
  const last = Math.max(first + count, Math.floor(calls * 0.9));
  const stretch = (last - first) / count;
  return Array.from({ length: count }, (_, i) => ({
    at: first + Math.floor(i * stretch + random() * stretch),
    phase: random() < 0.5 ? 'before' : 'after',
  }));
}

/** Runs the command through the proxy and SIGKILLs it at the given call; resolves once it is dead and its calls have settled. */
async function killedAt(args: string[], at: number, phase: FaultPhase): Promise<{ killedBy?: ProxyCall }> {
  let child: CliChild | undefined;
  let killedBy: ProxyCall | undefined;
  proxy.configure({
    hook: (call, side) => {
      if (killedBy || side !== phase || call.index < at) return 'continue';
      killedBy = call;
      child?.process.kill('SIGKILL');
      return 'drop';
    },
  });
  child = spawnCli(args, throughProxy());
  const result = await child.done;
  await proxy.idle();
  proxy.configure({});
  expect(result.signal, `the run ended before call ${at}: exit ${result.code}\n${result.stderr}`).toBe('SIGKILL');
  return { killedBy };
}

async function expectConverged(expected: string[]): Promise<void> {
  const items = await takeInventory(clients);
  expect(duplicates(items), 'duplicate resources').toEqual([]);
  expect(untagged(items, baseline), 'resources the tool made without its tag').toEqual([]);
  expect(inventoryLines(items)).toEqual(expected);
}

beforeAll(async () => {
  endpoint = await startLocalEndpoint({ ABALONE_MWAA_CREATE_DELAY: '0.5', ABALONE_MWAA_DELETE_DELAY: '0.5' });
  proxy = new FaultProxy(endpoint.url);
  await proxy.start();
  clients = inventoryClients(endpoint.url);
  await endpoint.reset();
  baseline = await takeInventory(clients);

  const up = await runCli(['up', '--yes'], { env: throughProxy(), timeoutMs: 120_000 });
  expect(up.code, up.stderr).toBe(0);
  upCalls = proxy.calls.length;
  const lockPut = proxy.calls.find((c) => c.service === 'ssm' && c.operation === 'PutParameter' && /\/lock\b/.test(c.identity));
  expect(lockPut, 'up took its lock').toBeDefined();
  afterLock = lockPut!.index + 1;
  reference = inventoryLines(await takeInventory(clients));

  proxy.configure({});
  const destroy = await runCli(['destroy', '--yes'], { env: throughProxy(), timeoutMs: 120_000 });
  expect(destroy.code, destroy.stderr).toBe(0);
  destroyCalls = proxy.calls.length;
  // An uninterrupted destroy leaves exactly what was there before up.
  expect(inventoryLines(await takeInventory(clients))).toEqual(inventoryLines(baseline));
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

describe('up killed with SIGKILL, then run again', () => {
  it.each(killPoints(SEED, UP_KILL_POINTS, 400).map((p, i) => [i + 1, p] as const))(
    'kill point %i converges to the state of an uninterrupted run, with no duplicate and nothing untagged',
    async (_i, drawn) => {
      // The points are drawn for 400 calls and scaled to the calls an uninterrupted up made.
      const at = Math.max(afterLock, Math.round((drawn.at * upCalls) / 400));
      const { killedBy } = await killedAt(['up', '--yes'], at, drawn.phase);
      const where = `killed at call ${at} of ${upCalls} (${killedBy?.service} ${killedBy?.operation}, ${drawn.phase} the upstream)`;
      expect(await lockHeld(), `${where}: the killed run held the lock`).toBe(true);

      const rerun = await runCli(['up', '--yes'], { env: direct(), timeoutMs: 120_000 });
      expect(rerun.code, `${where}\n${rerun.stderr}`).toBe(0);
      // A killed run never blocks the next: its lease is taken over, and says so.
      expect(rerun.stderr).toMatch(/taking over the lock of .* no longer exists/);
      expect(await lockHeld()).toBe(false);
      await expectConverged(reference);
    },
    120_000,
  );
});

describe('destroy killed with SIGKILL, then run again', () => {
  it.each(killPoints(SEED + 1, DESTROY_KILL_POINTS, 400).map((p, i) => [i + 1, p] as const))(
    'kill point %i: the second destroy removes everything, the lock included',
    async (_i, drawn) => {
      const up = await runCli(['up', '--yes'], { env: direct(), timeoutMs: 120_000 });
      expect(up.code, up.stderr).toBe(0);
      const at = Math.max(4, Math.round((drawn.at * destroyCalls) / 400));
      const { killedBy } = await killedAt(['destroy', '--yes'], at, drawn.phase);

      const rerun = await runCli(['destroy', '--yes'], { env: direct(), timeoutMs: 120_000 });
      expect(rerun.code, `killed at call ${at} (${killedBy?.service} ${killedBy?.operation}, ${drawn.phase})\n${rerun.stderr}`).toBe(0);
      await expectConverged(inventoryLines(baseline));
    },
    120_000,
  );
});

describe('park and its resume killed with SIGKILL, then run again', () => {
  const PARK_KILL_POINTS = 2;
  const RESUME_KILL_POINTS = 2;
  /** After one uninterrupted `park` of an `up`. */
  let parkedReference: string[];
  let parkCalls: number;
  let resumeCalls: number;

  const parkedMark = async () => JSON.parse((await clients.ssm.send(new GetParameterCommand({ Name: '/abalone-pipeline/abalone/settings' }))).Parameter!.Value!).parked;

  beforeAll(async () => {
    await endpoint.reset();
    const up = await runCli(['up', '--yes'], { env: direct(), timeoutMs: 120_000 });
    expect(up.code, up.stderr).toBe(0);
    proxy.configure({});
    const park = await runCli(['park', '--yes'], { env: throughProxy(), timeoutMs: 120_000 });
    expect(park.code, park.stderr).toBe(0);
    parkCalls = proxy.calls.length;
    parkedReference = inventoryLines(await takeInventory(clients));
    proxy.configure({});
    const resume = await runCli(['up', '--yes'], { env: throughProxy(), timeoutMs: 120_000 });
    expect(resume.code, resume.stderr).toBe(0);
    resumeCalls = proxy.calls.length;
    await expectConverged(reference);
  }, 180_000);

  it.each(killPoints(SEED + 2, PARK_KILL_POINTS, 400).map((p, i) => [i + 1, p] as const))(
    'park kill point %i: the second park reaches the parked state, and up from there converges',
    async (_i, drawn) => {
      const up = await runCli(['up', '--yes'], { env: direct(), timeoutMs: 120_000 });
      expect(up.code, up.stderr).toBe(0);
      const at = Math.max(4, Math.round((drawn.at * parkCalls) / 400));
      const { killedBy } = await killedAt(['park', '--yes'], at, drawn.phase);
      const where = `killed at call ${at} of ${parkCalls} (${killedBy?.service} ${killedBy?.operation}, ${drawn.phase} the upstream)`;

      const rerun = await runCli(['park', '--yes'], { env: direct(), timeoutMs: 120_000 });
      expect(rerun.code, `${where}\n${rerun.stderr}`).toBe(0);
      await expectConverged(parkedReference);
      expect(await parkedMark(), where).toBeDefined();

      const resume = await runCli(['up', '--yes'], { env: direct(), timeoutMs: 120_000 });
      expect(resume.code, `${where}\n${resume.stderr}`).toBe(0);
      await expectConverged(reference);
      expect(await parkedMark(), where).toBeUndefined();
    },
    180_000,
  );

  it('park killed just after SageMaker accepted DeleteEndpoint: the rerun still knows the endpoint config, and up serves it again', async () => {
    const up = await runCli(['up', '--yes'], { env: direct(), timeoutMs: 120_000 });
    expect(up.code, up.stderr).toBe(0);
    const deployed = await deployModel({ endpoint: endpoint.url, region: 'us-east-1', credentials: CREDENTIALS }, 'abalone-data-us-east-1-123456789012');
    let child: CliChild | undefined;
    let killed = false;
    proxy.configure({
      hook: (call, side) => {
        if (killed || side !== 'after' || !isCall('sagemaker', 'DeleteEndpoint')(call)) return 'continue';
        killed = true;
        child?.process.kill('SIGKILL');
        return 'drop';
      },
    });
    child = spawnCli(['park', '--yes'], throughProxy());
    const result = await child.done;
    await proxy.idle();
    proxy.configure({});
    expect(result.signal, result.stderr).toBe('SIGKILL');
    // The mark, with the endpoint's config, was written before anything was deleted.
    expect((await parkedMark()).endpoint).toMatchObject({ config: deployed.config });

    const rerun = await runCli(['park', '--yes'], { env: direct(), timeoutMs: 120_000 });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect((await parkedMark()).endpoint).toMatchObject({ config: deployed.config });

    const resume = await runCli(['up', '--yes'], { env: direct(), timeoutMs: 120_000 });
    expect(resume.code, resume.stderr).toBe(0);
    const sagemaker = new SageMakerClient({ endpoint: endpoint.url, region: 'us-east-1', credentials: CREDENTIALS });
    try {
      expect(await sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'abalone-endpoint' }))).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: deployed.config });
    } finally {
      sagemaker.destroy();
    }
    expect(await parkedMark()).toBeUndefined();
  }, 180_000);

  it.each(killPoints(SEED + 3, RESUME_KILL_POINTS, 400).map((p, i) => [i + 1, p] as const))(
    'resume kill point %i: the second up converges and clears the parked mark',
    async (_i, drawn) => {
      const up = await runCli(['up', '--yes'], { env: direct(), timeoutMs: 120_000 });
      expect(up.code, up.stderr).toBe(0);
      const park = await runCli(['park', '--yes'], { env: direct(), timeoutMs: 120_000 });
      expect(park.code, park.stderr).toBe(0);
      const at = Math.max(4, Math.round((drawn.at * resumeCalls) / 400));
      const { killedBy } = await killedAt(['up', '--yes'], at, drawn.phase);
      const where = `killed at call ${at} of ${resumeCalls} (${killedBy?.service} ${killedBy?.operation}, ${drawn.phase} the upstream)`;
      // Killed before the end, the resume has not cleared the mark.
      expect(await parkedMark(), where).toBeDefined();

      const rerun = await runCli(['up', '--yes'], { env: direct(), timeoutMs: 120_000 });
      expect(rerun.code, `${where}\n${rerun.stderr}`).toBe(0);
      await expectConverged(reference);
      expect(await parkedMark(), where).toBeUndefined();
    },
    180_000,
  );
});

describe('Ctrl-C (SIGINT)', () => {
  /** Runs `up` through the proxy and sends it SIGINT when `when` first accepts a call (before forwarding it). */
  async function interruptedWhen(when: (call: ProxyCall) => boolean, extra: string[] = []) {
    let child: CliChild | undefined;
    let interruptedAt: ProxyCall | undefined;
    const after: ProxyCall[] = [];
    proxy.configure({
      hook: (call, side) => {
        if (side !== 'before') return 'continue';
        if (interruptedAt) after.push(call);
        else if (when(call)) {
          interruptedAt = call;
          child?.process.kill('SIGINT');
        }
        return 'continue';
      },
    });
    child = spawnCli(['up', '--yes', ...extra], throughProxy());
    const result = await child.done;
    await proxy.idle();
    proxy.configure({});
    expect(interruptedAt, 'the run never made the call to interrupt at').toBeDefined();
    return { result, after };
  }

  it('between calls: says what was done and what was not, releases the lock, exits 130; a rerun converges', async () => {
    const { result, after } = await interruptedWhen(isCall('iam', 'CreateRole'));
    expect(result.code, result.stderr).toBe(130);
    expect(result.signal).toBeNull();
    expect(result.stderr).toMatch(/^interrupted: .*Ctrl-C again to quit at once/m);
    expect(result.stderr).toMatch(/^interrupted\. done: .*ensure-bucket.*; not done: .*ensure-mwaa.*\. Run the same command again to finish\.$/m);
    expect(result.stderr).not.toContain('    at ');
    // Nothing new starts after Ctrl-C: only the changes under way finish (a role's policy, a
    // route table's route, calls sent before the signal arrived), then the lock is released; no
    // step that had not begun runs. Without the check between pieces, ensure-vpc went on to make
    // some twenty more resources here.
    const writesAfter = after.filter((c) => c.mutating && !isLockCall(c)).map((c) => `${c.service} ${c.operation}`);
    expect(writesAfter.length, writesAfter.join('\n')).toBeLessThanOrEqual(10);
    expect(after.filter((c) => c.service === 'airflow' || c.service === 'glue' || c.service === 'lambda')).toEqual([]);
    expect(await lockHeld()).toBe(false);

    const rerun = await runCli(['up', '--yes'], { env: direct(), timeoutMs: 120_000 });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).not.toMatch(/taking over the lock/);
    await expectConverged(reference);
  }, 120_000);

  it('while waiting for the Airflow environment: stops waiting, says AWS goes on, exits 130 with one JSON document; a rerun converges', async () => {
    let created = false;
    const { result } = await interruptedWhen((call) => {
      if (isCall('airflow', /^PUT \/environments\//)(call)) created = true;
      return created && isCall('airflow', /^GET \/environments\//)(call);
    }, ['--json']);
    expect(result.code, result.stderr).toBe(130);
    expect(result.stderr).toMatch(/^interrupted\. done: .*; not done: ensure-mwaa\. Run the same command again to finish\.$/m);
    const doc = parseJson(result);
    expect(doc.steps.find((s: { step: string }) => s.step === 'ensure-mwaa')).toMatchObject({
      status: 'failed',
      error: { code: 'Interrupted', message: expect.stringMatching(/stopped waiting for environment abalone-airflow-environment .*AWS goes on with it/) },
    });
    expect(await lockHeld()).toBe(false);

    const rerun = await runCli(['up', '--yes'], { env: direct(), timeoutMs: 120_000 });
    expect(rerun.code, rerun.stderr).toBe(0);
    await expectConverged(reference);
  }, 120_000);
});
