import { describe, expect, it } from 'vitest';
import { ChildPool, lastLine } from '../../src/compute/children.js';

const env = { PATH: process.env.PATH };

describe('ChildPool', () => {
  it('kills a child at its timeout, with its children (the process group)', async () => {
    const pool = new ChildPool(2);
    const r = await pool.run({ command: 'sh', args: ['-c', 'sleep 30 & sleep 30'], env, timeoutMs: 200 });
    expect(r.killed).toBe('timeout');
    expect(r.code).toBeNull();
  });

  it('runs at most `size` children at once; a stopped queued child never starts', async () => {
    const pool = new ChildPool(1);
    const events: string[] = [];
    const stop = new AbortController();
    const first = pool.run({ command: 'sh', args: ['-c', 'sleep 0.3'], env, timeoutMs: 10_000, onStart: () => events.push('first') });
    const second = pool.run({ command: 'sh', args: ['-c', 'exit 0'], env, timeoutMs: 10_000, onStart: () => events.push('second'), signal: stop.signal });
    const third = pool.run({ command: 'sh', args: ['-c', 'exit 3'], env, timeoutMs: 10_000, onStart: () => events.push('third') });
    stop.abort();
    expect((await second).killed).toBe('stopped');
    expect((await first).code).toBe(0);
    expect((await third).code).toBe(3);
    expect(events).toEqual(['first', 'third']);
  });

  it('passes stdin and the fd-3 result channel, and reports a missing command as exit 127', async () => {
    const pool = new ChildPool(2);
    const r = await pool.run({ command: 'sh', args: ['-c', 'cat; echo result >&3; echo oops >&2'], env, input: 'in', timeoutMs: 10_000, resultPipe: true });
    expect(r).toMatchObject({ code: 0, stdout: 'in', result: 'result\n', stderr: 'oops\n' });
    expect((await pool.run({ command: '/no/such/python', args: [], env, timeoutMs: 1000 })).code).toBe(127);
  });

  it('lastLine is the last non-empty line', () => {
    expect(lastLine('Traceback...\n  File "x"\nValueError: bad\n\n')).toBe('ValueError: bad');
    expect(lastLine('')).toBe('');
  });
});
