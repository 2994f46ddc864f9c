import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hostname } from 'node:os';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DescribeParametersCommand, GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { parseJson, runCli } from '../support/cli.js';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';

const LOCK = '/abalone-pipeline/abalone/lock';
const STEPS = ['--only', 'ensure-bucket'];
let endpoint: TestEndpoint;
let ssm: SSMClient;

const cli = (args: string[]) => runCli(args, { env: endpoint.env });

function holder(overrides: Record<string, unknown>) {
  const now = new Date().toISOString();
  return JSON.stringify({ user: 'alice', host: 'build-7', pid: 4242, command: 'up', since: now, renewedAt: now, token: 'theirs', ...overrides });
}

async function putLock(value: string) {
  await ssm.send(new PutParameterCommand({ Name: LOCK, Value: value, Type: 'String', Overwrite: true }));
}

async function lockExists(): Promise<boolean> {
  try {
    await ssm.send(new GetParameterCommand({ Name: LOCK }));
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  endpoint = await startLocalEndpoint();
  ssm = new SSMClient({ endpoint: endpoint.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});
afterAll(async () => endpoint?.stop());
beforeEach(async () => endpoint.reset());

describe('the pipeline lock', () => {
  it('is released after up and removed by destroy', async () => {
    const run = await cli(['up', '--yes', ...STEPS]);
    expect(run.code, run.stderr).toBe(0);
    expect(await lockExists()).toBe(false);
    const gone = await cli(['destroy', '--yes']);
    expect(gone.code, gone.stderr).toBe(0);
    expect(await lockExists()).toBe(false);
  });

  it('a live lease held elsewhere stops up, destroy and push-dags at once, naming the holder', async () => {
    await putLock(holder({}));
    for (const command of [['up', '--yes', ...STEPS], ['destroy', '--yes'], ['push-dags']]) {
      const run = await cli([...command, '--json']);
      expect(run.code).toBe(1);
      const error = parseJson(run).error;
      expect(error.code).toBe('Locked');
      expect(error.message).toMatch(/locked by alice@build-7 \(pid 4242, up\) since \d{4}-/);
    }
    const status = await cli(['status', '--json']);
    expect(parseJson(status).resources).toBeDefined();
    expect(await lockExists()).toBe(true);
  });

  it('--force-unlock breaks a live lease and says whose', async () => {
    await putLock(holder({}));
    const run = await cli(['up', '--yes', '--force-unlock', ...STEPS]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('breaking the lock of alice@build-7 (pid 4242, up)');
    expect(await lockExists()).toBe(false);
  });

  it('takes over an expired lease, and one left by a dead process on this host', async () => {
    const old = new Date(Date.now() - 10 * 60_000).toISOString();
    await putLock(holder({ since: old, renewedAt: old }));
    const expired = await cli(['up', '--yes', ...STEPS]);
    expect(expired.code, expired.stderr).toBe(0);
    expect(expired.stderr).toMatch(/taking over the lock of alice@build-7 .*lease expired/);

    await putLock(holder({ host: hostname(), pid: 2 ** 22 + 12345 }));
    const killed = await cli(['up', '--yes', ...STEPS]);
    expect(killed.code, killed.stderr).toBe(0);
    expect(killed.stderr).toMatch(/no longer exists/);
  });

  // Issue #11 item 7: N processes race for one expired lease; exactly one may proceed.
  it('N runs racing for one expired lease: exactly one takes it over, the others exit naming it', async () => {
    const racer = fileURLToPath(new URL('../support/lock-racer.mjs', import.meta.url));
    for (let round = 0; round < 4; round += 1) {
      const old = new Date(Date.now() - 10 * 60_000).toISOString();
      await putLock(holder({ since: old, renewedAt: old, token: `stale-${round}` }));
      const children = Array.from({ length: 6 }, () => spawn(process.execPath, [racer], { env: { PATH: process.env.PATH, ...endpoint.env }, stdio: ['pipe', 'pipe', 'pipe'] }));
      const lines = children.map(
        (child) =>
          new Promise<string[]>((resolve) => {
            let out = '';
            child.stdout.on('data', (d: Buffer) => (out += d.toString()));
            child.stderr.on('data', (d: Buffer) => (out += d.toString()));
            child.once('close', () => resolve(out.trim().split('\n')));
          }),
      );
      // Every contender is started and waiting before any of them may go.
      await Promise.all(children.map((child) => new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))));
      for (const child of children) child.stdin.end('go\n');
      const results = (await Promise.all(lines)).map((out) => JSON.parse(out[out.length - 1]!) as { won: boolean; code?: string; message?: string; pid?: number });
      const winners = results.filter((r) => r.won);
      expect(winners, JSON.stringify(results)).toHaveLength(1);
      for (const loser of results.filter((r) => !r.won)) expect(loser).toMatchObject({ code: 'Locked', message: expect.stringMatching(/another run took the lock|is locked by/) });
      const held = JSON.parse((await ssm.send(new GetParameterCommand({ Name: LOCK }))).Parameter!.Value!);
      expect(held.pid).toBe(winners[0]!.pid);
    }
  }, 120_000);

  it('releasing a lease taken over removes its takeover marker with it', async () => {
    const old = new Date(Date.now() - 10 * 60_000).toISOString();
    await putLock(holder({ since: old, renewedAt: old }));
    const run = await cli(['up', '--yes', ...STEPS]);
    expect(run.code, run.stderr).toBe(0);
    const left = await ssm.send(new DescribeParametersCommand({}));
    expect((left.Parameters ?? []).map((p) => p.Name).filter((n) => n!.includes('/lock'))).toEqual([]);
  });
});
