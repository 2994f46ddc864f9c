import { describe, expect, it } from 'vitest';
import { CycleError, runGraph } from '../../../src/engine/scheduler.js';

const node = (name: string, ...dependsOn: string[]) => ({ name, dependsOn });

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('runGraph', () => {
  it('runs dependents after their dependencies and independent nodes concurrently', async () => {
    const log: string[] = [];
    const gate = deferred();
    let running = 0;
    let peak = 0;
    const outcomes = await runGraph([node('a'), node('b'), node('c', 'a', 'b')], async (n) => {
      running += 1;
      peak = Math.max(peak, running);
      log.push(`start ${n.name}`);
      if (n.name === 'a') await gate.promise;
      if (n.name === 'b') gate.resolve();
      log.push(`end ${n.name}`);
      running -= 1;
      return n.name.toUpperCase();
    });
    expect(peak).toBe(2);
    expect(log.indexOf('start c')).toBeGreaterThan(log.indexOf('end a'));
    expect(log.indexOf('start c')).toBeGreaterThan(log.indexOf('end b'));
    expect(outcomes.map((o) => [o.name, o.state, o.result])).toEqual([
      ['a', 'done', 'A'],
      ['b', 'done', 'B'],
      ['c', 'done', 'C'],
    ]);
  });

  it('skips the dependents of a failed node and lets independent nodes finish', async () => {
    const ran: string[] = [];
    const outcomes = await runGraph([node('a'), node('b', 'a'), node('c', 'b'), node('d')], async (n) => {
      ran.push(n.name);
      if (n.name === 'a') throw new Error('boom');
      return n.name;
    });
    expect(ran.sort()).toEqual(['a', 'd']);
    expect(outcomes.map((o) => [o.name, o.state, o.because])).toEqual([
      ['a', 'failed', undefined],
      ['b', 'skipped', 'a'],
      ['c', 'skipped', 'b'],
      ['d', 'done', undefined],
    ]);
    expect((outcomes[0]!.error as Error).message).toBe('boom');
  });

  it('runs the graph backwards for destroy', async () => {
    const order: string[] = [];
    await runGraph([node('bucket'), node('data', 'bucket'), node('roles', 'bucket')], async (n) => void order.push(n.name), { reverse: true });
    expect(order.at(-1)).toBe('bucket');
  });

  it('takes a dependency outside the graph as met (up --only)', async () => {
    const outcomes = await runGraph([node('data', 'bucket')], async () => 'ok');
    expect(outcomes[0]!.state).toBe('done');
  });

  it('reports a cycle with its path', async () => {
    const run = runGraph([node('a', 'c'), node('b', 'a'), node('c', 'b')], async () => undefined);
    await expect(run).rejects.toThrow(CycleError);
    await expect(run).rejects.toThrow(/dependency cycle: a -> c -> b -> a/);
  });

  it('skips nodes not yet started once the signal aborts', async () => {
    const controller = new AbortController();
    const outcomes = await runGraph(
      [node('a'), node('b', 'a')],
      async (n) => {
        if (n.name === 'a') controller.abort();
      },
      { signal: controller.signal },
    );
    expect(outcomes.map((o) => [o.name, o.state, o.because])).toEqual([
      ['a', 'done', undefined],
      ['b', 'skipped', 'interrupted'],
    ]);
  });
});

describe('runGraph holds', () => {
  it('a node that holds (work still going on outside) skips what comes after it without failing itself', async () => {
    const ran: string[] = [];
    const outcomes = await runGraph(
      [node('bucket'), node('vpc', 'bucket'), node('env', 'vpc'), node('job', 'bucket')],
      async (n) => (ran.push(n.name), n.name),
      { reverse: true, holds: (result) => result === 'env' },
    );
    expect(ran).toEqual(['env', 'job']);
    expect(outcomes.map((o) => [o.name, o.state, o.because])).toEqual([
      ['bucket', 'skipped', 'vpc'],
      ['vpc', 'skipped', 'env'],
      ['env', 'done', undefined],
      ['job', 'done', undefined],
    ]);
  });
});
