import type { TimingProfile } from '../engine/timing.js';
import { retryOn } from './retry.js';
import { errorName } from '../base/errors.js';

/**
 * Some create calls take no idempotency token (EC2 CreateVpc, CreateSubnet, CreateInternetGateway,
 * AllocateAddress): if the SDK repeated one whose response was lost, AWS would make a second
 * resource. Such a call goes out once per attempt; an error after which the resource may or may
 * not exist comes back as OutcomeUnknownError, and the caller looks before it tries again.
 */
export class OutcomeUnknownError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'OutcomeUnknown';
  }
}

/** The errors the SDK's standard retry mode repeats a call on (throttling, 5xx, network). */
const THROTTLING = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
]);
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

export function isRetriedBySdk(error: unknown): boolean {
  const e = error as { $retryable?: unknown; $metadata?: { httpStatusCode?: number }; code?: unknown };
  const status = e?.$metadata?.httpStatusCode ?? 0;
  const name = errorName(error);
  return e?.$retryable !== undefined || status === 429 || status >= 500 || THROTTLING.has(name) || NETWORK.has(name) || (typeof e?.code === 'string' && NETWORK.has(e.code));
}

interface StackHolder {
  readonly middlewareStack: {
    add(middleware: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>, options: Record<string, unknown>): void;
  };
}

/**
 * Marks a command to be sent once per attempt: inside the SDK's retry loop, an error the SDK would
 * retry on becomes an OutcomeUnknownError, which it does not.
 */
export function once<C>(command: C): C {
  (command as unknown as StackHolder).middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        throw isRetriedBySdk(error) ? new OutcomeUnknownError(error) : error;
      }
    },
    { step: 'finalizeRequest', priority: 'low', name: 'abaloneSendOnce' },
  );
  return command;
}

export interface CreateOnceContext {
  readonly signal: AbortSignal;
  readonly timing: Pick<TimingProfile, 'createOnce'>;
}

/**
 * Runs `create` (whose call is marked with once()); when its outcome is unknown, looks for what
 * it would have made: found is success, not found is another try, with backoff, a few times.
 */
export async function createOnce<T>(ctx: CreateOnceContext, create: () => Promise<T>, findExisting: () => Promise<T | undefined>): Promise<T> {
  try {
    return await retryOn(
      (error) => error instanceof OutcomeUnknownError,
      async () => {
        try {
          return await create();
        } catch (error) {
          if (!(error instanceof OutcomeUnknownError)) throw error;
          const found = await findExisting();
          if (found !== undefined) return found;
          throw error;
        }
      },
      { attempts: 6, ...ctx.timing.createOnce, signal: ctx.signal },
    );
  } catch (error) {
    throw error instanceof OutcomeUnknownError ? error.cause : error;
  }
}
