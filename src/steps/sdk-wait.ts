import type { SdkWaiter } from '../engine/timing.js';
import { describeWait } from '../engine/timing.js';
import type { StepContext } from '../engine/types.js';
import { InterruptedError, ToolError, errorName, type ErrorCode } from '../base/errors.js';

export interface SdkWaitRequest {
  readonly step: string;
  /** What is waited on, e.g. "endpoint abalone-endpoint". */
  readonly what: string;
  /** What it should become, e.g. "deleted". */
  readonly goal: string;
  /** The waiter's bounds from the session's TimingProfile. */
  readonly waiter: SdkWaiter;
  /** The error code when the waiter's failure rule matched (the resource went to a failed state). */
  readonly failureCode: ErrorCode;
  /** The resource's state now, for the failure and timeout messages. */
  readonly describe: () => Promise<string>;
}

/** What an SDK `waitUntil...` takes besides its input. */
export interface SdkWaiterParams extends SdkWaiter {
  readonly abortSignal: AbortSignal;
}

/**
 * Runs one of the SDK's waiters the way every wait of the tool runs: shown as a wait, bounded by
 * the timing profile (so `ABALONE_WAIT_TIMEOUT` applies), stopped by Ctrl-C, and ending in the
 * tool's own errors (WaitTimeout, Interrupted, or the failure code) instead of the waiter's.
 */
export async function sdkWait(ctx: StepContext, request: SdkWaitRequest, wait: (params: SdkWaiterParams) => Promise<unknown>): Promise<void> {
  const { step, what, goal, waiter } = request;
  ctx.progress({ kind: 'waiting', step, message: `${what}: waiting until ${goal}` });
  try {
    await wait({ ...waiter, abortSignal: ctx.signal });
  } catch (error) {
    if (ctx.signal.aborted || errorName(error) === 'AbortError') {
      throw new InterruptedError(`stopped waiting for ${what}; AWS goes on with it: run the same command again to finish`);
    }
    const timedOut = errorName(error) === 'TimeoutError';
    const now = await request.describe().catch(() => 'state unknown');
    throw new ToolError(
      timedOut ? 'WaitTimeout' : request.failureCode,
      `${what} did not become ${goal}${timedOut ? ` within ${describeWait(waiter.maxWaitTime * 1000)}; run the same command again to keep waiting` : ''}: ${now}`,
    );
  } finally {
    ctx.progress({ kind: 'wait-done', step });
  }
}
