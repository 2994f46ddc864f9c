import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hostname } from 'node:os';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { parseJson, runCli } from '../support/cli.js';
import { spawnCli, type CliChild } from '../support/cli-child.js';
import { destroyClients, inventoryClients, takeInventory, TAG_KEY, type InventoryClients } from '../support/inventory.js';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';

const LOCK = '/abalone-pipeline/abalone/lock';

let endpoint: TestEndpoint;
let ssm: SSMClient;
let clients: InventoryClients;

interface Holder {
  user: string;
  host: string;
  pid: number;
  command: string;
  since: string;
  token: string;
}

async function readLock(): Promise<Holder | undefined> {
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: LOCK }));
    return JSON.parse(out.Parameter!.Value!) as Holder;
  } catch {
    return undefined;
  }
}

/** Polls the lock parameter (never sleeping in the tool: this is the test waiting for its child). */
async function lockTakenBy(child: CliChild, timeoutMs = 30_000): Promise<Holder> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const holder = await readLock();
    if (holder?.pid === child.pid) return holder;
    if (child.process.exitCode !== null || Date.now() > deadline) throw new Error(`run ${child.pid} never took the lock:\n${child.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

beforeAll(async () => {
  // Creating the environment takes long enough that the first up of the first test still holds
  // the lock after the second up, the destroy and the status have run, even on a loaded machine;
  // updating and deleting take a few seconds, so every run below meets the other.
  endpoint = await startLocalEndpoint({ ABALONE_MWAA_CREATE_DELAY: '15', ABALONE_MWAA_UPDATE_DELAY: '2', ABALONE_MWAA_DELETE_DELAY: '2' });
  ssm = new SSMClient({ endpoint: endpoint.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  clients = inventoryClients(endpoint.url);
});
afterAll(async () => {
  ssm?.destroy();
  if (clients) destroyClients(clients);
  await endpoint?.stop();
});
beforeEach(async () => endpoint.reset());

describe('two runs on one pipeline at once', () => {
  it('while an up holds the lock, a second up and a destroy exit 1 at once naming the holder and since when; status reads without taking it', async () => {
    const first = spawnCli(['up', '--yes'], endpoint.env);
    const holder = await lockTakenBy(first);
    expect(holder).toMatchObject({ host: hostname(), pid: first.pid, command: 'up' });

    for (const command of [['up', '--yes'], ['destroy', '--yes']]) {
      const second = await runCli([...command, '--json'], { env: endpoint.env, timeoutMs: 30_000 });
      expect(second.code, second.stderr).toBe(1);
      // It did not wait for the lease to end: the first run still holds the same lease.
      expect((await readLock())?.token).toBe(holder.token);
      const error = parseJson(second).error;
      expect(error.code).toBe('Locked');
      expect(error.message).toMatch(new RegExp(`locked by ${escape(holder.user)}@${escape(holder.host)} \\(pid ${first.pid}, up\\) since ${escape(holder.since)}`));
      expect(second.stderr).toContain(`pid ${first.pid}`);
      expect(second.stderr).not.toContain('    at ');
    }

    // status never takes the lock: it reads while the run goes on, and the lease is untouched.
    const status = await runCli(['status', '--json'], { env: endpoint.env, timeoutMs: 30_000 });
    expect([0, 3]).toContain(status.code);
    expect(parseJson(status).resources.length).toBeGreaterThan(0);
    expect((await readLock())?.token).toBe(holder.token);

    const done = await first.done;
    expect(done.code, done.stderr).toBe(0);
    expect(await readLock()).toBeUndefined();
  }, 120_000);

  it('two ups started at the same moment: exactly one proceeds and converges, the other exits 1 naming it', async () => {
    const runs = [spawnCli(['up', '--yes', '--json'], endpoint.env), spawnCli(['up', '--yes', '--json'], endpoint.env)];
    const results = await Promise.all(runs.map((r) => r.done));
    const codes = results.map((r) => r.code).sort();
    expect(codes, results.map((r) => r.stderr).join('\n---\n')).toEqual([0, 1]);
    const loser = results.findIndex((r) => r.code === 1);
    const winner = runs[1 - loser]!;
    expect(parseJson(results[loser]!).error).toMatchObject({ code: 'Locked', message: expect.stringContaining(`(pid ${winner.pid}, up)`) });
    expect(await readLock()).toBeUndefined();

    const again = await runCli(['up', '--yes', '--json'], { env: endpoint.env, timeoutMs: 60_000 });
    expect(again.code, again.stderr).toBe(0);
    for (const step of parseJson(again).steps) expect(step, step.step).toMatchObject({ status: 'unchanged' });
  }, 120_000);

  it('up and destroy started at the same moment: one runs, the other exits 1, and nothing is left half-done', async () => {
    const setup = await runCli(['up', '--yes'], { env: endpoint.env, timeoutMs: 60_000 });
    expect(setup.code, setup.stderr).toBe(0);
    // This up updates the environment (2 s), the destroy deletes it (2 s): both hold the lock a while.
    const runs = [spawnCli(['up', '--yes', '--min-workers', '2'], endpoint.env), spawnCli(['destroy', '--yes'], endpoint.env)];
    const results = await Promise.all(runs.map((r) => r.done));
    expect(results.map((r) => r.code).sort(), results.map((r) => r.stderr).join('\n---\n')).toEqual([0, 1]);
    expect(results.find((r) => r.code === 1)!.stderr).toMatch(/is locked by .* since \d{4}-/);
    // Whichever won, the pipeline is in one of its two whole states: all there, or all gone.
    const upWon = results[0]!.code === 0;
    if (upWon) {
      const status = await runCli(['status'], { env: endpoint.env, timeoutMs: 30_000 });
      expect(status.code, status.stdout).toBe(0);
    } else {
      const left = (await takeInventory(clients)).filter((i) => i.tags[TAG_KEY] === 'abalone');
      expect(left.map((i) => `${i.type} ${i.key}`)).toEqual([]);
    }
    expect(await readLock()).toBeUndefined();
  }, 120_000);
});
