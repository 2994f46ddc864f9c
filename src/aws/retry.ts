import type { TimingProfile } from '../engine/timing.js';
import { InterruptedError, errorMessage, errorName } from '../base/errors.js';

export interface RetryWait {
  /** The attempt that just failed (1-based). */
  readonly attempt: number;
  readonly attempts: number;
  readonly delayMs: number;
  readonly error: unknown;
}

export interface RetryOptions {
  /** Total tries, the first included. */
  readonly attempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly signal?: AbortSignal;
  /** Called before each wait, so that the caller can say why it waits. */
  readonly onWait?: (wait: RetryWait) => void;
}

/**
 * Defaults for IAM propagation: 8 tries, waits of 1, 2, 4, 8, 10, 10, 10 s (45 s in all).
 * A new role is usually assumable within about 10 s; the bound keeps a real error from hanging.
 */
const DEFAULTS = { attempts: 8, baseDelayMs: 1_000, maxDelayMs: 10_000 } as const;

/** Waits ms, or throws InterruptedError as soon as the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new InterruptedError('interrupted while waiting'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new InterruptedError('interrupted while waiting'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs fn; when it fails with an error isRetryable accepts, waits with exponential backoff
 * (bounded per wait and in number) and tries again. Any other error, or the last one, propagates.
 */
export async function retryOn<T>(isRetryable: (error: unknown) => boolean, fn: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? DEFAULTS.attempts;
  const base = options.baseDelayMs ?? DEFAULTS.baseDelayMs;
  const max = options.maxDelayMs ?? DEFAULTS.maxDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error;
      const delayMs = Math.min(max, base * 2 ** (attempt - 1));
      options.onWait?.({ attempt, attempts, delayMs, error });
      await sleep(delayMs, options.signal);
    }
  }
}

/** An error of the given SDK name whose message matches: how services say "that role is not usable yet". */
export function errorMatching(name: string, message: RegExp): (error: unknown) => boolean {
  return (error) => errorName(error) === name && message.test(errorMessage(error));
}

export interface PropagationContext {
  readonly signal: AbortSignal;
  /** The session's backoff for role propagation; retryOn's defaults without it. */
  readonly timing?: Pick<TimingProfile, 'rolePropagation'>;
  progress(event: { kind: 'notice'; step: string; message: string }): void;
}

/**
 * retryOn for a call that passes a role IAM may not have propagated yet: each wait is told to
 * the user as a notice, so a pause of several seconds is never silent.
 */
export function retryWhileRolePropagates<T>(
  ctx: PropagationContext,
  step: string,
  role: string,
  isRetryable: (error: unknown) => boolean,
  fn: () => Promise<T>,
  options: Omit<RetryOptions, 'signal' | 'onWait'> = {},
): Promise<T> {
  return retryOn(isRetryable, fn, {
    ...ctx.timing?.rolePropagation,
    ...options,
    signal: ctx.signal,
    onWait: ({ attempt, attempts, delayMs, error }) =>
      ctx.progress({
        kind: 'notice',
        step,
        message:
          `AWS does not accept role ${role} yet (IAM is eventually consistent: ${errorMessage(error)}); ` +
          `retrying in ${delayMs >= 1000 ? `${delayMs / 1000}s` : `${delayMs}ms`} (attempt ${attempt + 1} of ${attempts})`,
      }),
  });
}
