import { GetEnvironmentCommand, type Environment, type MWAAClient } from '@aws-sdk/client-mwaa';
import { readOrUndefined } from './errors.js';
import { ToolError } from '../base/errors.js';
import { InterruptedError } from '../base/errors.js';
import { sleep } from './retry.js';
import { describeWait, waitTimeoutMs } from '../engine/timing.js';

export async function getEnvironment(mwaa: MWAAClient, name: string): Promise<Environment | undefined> {
  const out = await readOrUndefined(() => mwaa.send(new GetEnvironmentCommand({ Name: name })));
  return out?.Environment;
}

const TRANSITIONAL = new Set(['CREATING', 'UPDATING', 'DELETING', 'ROLLING_BACK', 'CREATING_SNAPSHOT', 'PENDING', 'MAINTENANCE']);

export interface WaitOptions {
  readonly signal: AbortSignal;
  readonly onStatus: (status: string, elapsedMs: number) => void;
  readonly timeoutMs?: number;
  /** First poll delay; doubles up to maxDelayMs. Short against the emulator, long against AWS. */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
}

export function isTransitional(status: string | undefined): boolean {
  return TRANSITIONAL.has(status ?? '');
}

/**
 * Polls with backoff until the environment leaves its transitional states (or is gone, when
 * deleting). Returns the settled environment, or undefined when it no longer exists. Ctrl-C
 * stops the waiting, not the change AWS is making.
 */
export async function waitForEnvironment(mwaa: MWAAClient, name: string, options: WaitOptions): Promise<Environment | undefined> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? waitTimeoutMs(90 * 60_000);
  let delay = options.initialDelayMs ?? 1000;
  for (;;) {
    const env = await getEnvironment(mwaa, name);
    if (!env) return undefined;
    const status = env.Status ?? 'UNKNOWN';
    options.onStatus(status, Date.now() - started);
    if (!TRANSITIONAL.has(status)) return env;
    if (Date.now() - started > timeoutMs) {
      throw new ToolError('WaitTimeout', `gave up waiting for environment ${name} after ${describeWait(timeoutMs)} (still ${status}); run the command again to keep waiting, or check with \`abalone-pipeline status\``);
    }
    try {
      await sleep(delay, options.signal);
    } catch (error) {
      if (!options.signal.aborted) throw error;
      throw new InterruptedError(`stopped waiting for environment ${name} (still ${status}); AWS goes on with it: check with \`abalone-pipeline status\``);
    }
    delay = Math.min(delay * 2, options.maxDelayMs ?? 30_000);
  }
}

/** The reason a settled environment is not usable, or undefined when it is AVAILABLE. */
export function failureOf(env: Environment): string | undefined {
  if (env.Status === 'AVAILABLE') return undefined;
  const error = env.LastUpdate?.Error;
  return `environment ${env.Name} is ${env.Status}${error ? `: ${error.ErrorCode}: ${error.ErrorMessage}` : ''}`;
}
