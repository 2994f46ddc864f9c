import { afterEach, describe, expect, it, vi } from 'vitest';
import { errorMatching, retryOn, retryWhileRolePropagates, sleep } from '../../../src/aws/retry.js';

const transient = Object.assign(new Error('The role defined for the function cannot be assumed by Lambda.'), { name: 'InvalidParameterValueException' });
const isTransient = errorMatching('InvalidParameterValueException', /cannot be assumed/);

afterEach(() => {
  vi.useRealTimers();
});

describe('retryOn', () => {
  it('waits with exponential backoff, bounded per wait, and returns the first success', async () => {
    vi.useFakeTimers();
    const waits: number[] = [];
    let calls = 0;
    const running = retryOn(
      isTransient,
      async () => {
        calls++;
        if (calls < 6) throw transient;
        return 'done';
      },
      { onWait: (w) => waits.push(w.delayMs) },
    );
    await vi.runAllTimersAsync();
    expect(await running).toBe('done');
    expect(waits).toEqual([1000, 2000, 4000, 8000, 10000]);
  });

  it('gives up after the last attempt with the last error', async () => {
    let calls = 0;
    const failing = retryOn(isTransient, async () => {
      calls++;
      throw transient;
    }, { attempts: 3, baseDelayMs: 1 });
    await expect(failing).rejects.toBe(transient);
    expect(calls).toBe(3);
  });

  it('does not retry an error the predicate rejects', async () => {
    let calls = 0;
    const denied = Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    await expect(retryOn(isTransient, async () => {
      calls++;
      throw denied;
    }, { baseDelayMs: 1 })).rejects.toBe(denied);
    expect(calls).toBe(1);
  });

  it('stops waiting when interrupted', async () => {
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'Interrupted' });
  });

  it('tells the user why it waits', async () => {
    const notices: string[] = [];
    let calls = 0;
    const ctx = { signal: new AbortController().signal, progress: (e: { message: string }) => void notices.push(e.message) };
    await retryWhileRolePropagates(ctx, 'ensure-lambda', 'abalone-lambda-us-east-1', isTransient, async () => {
      if (++calls === 1) throw transient;
    }, { baseDelayMs: 1 });
    expect(notices).toEqual([
      'AWS does not accept role abalone-lambda-us-east-1 yet (IAM is eventually consistent: The role defined for the function cannot be assumed by Lambda.); retrying in 1ms (attempt 2 of 8)',
    ]);
  });
});
