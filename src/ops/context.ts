import type { Session } from '../engine/session.js';
import type { Output } from '../output/output.js';

/**
 * What every op gets from the command that calls it. Every op has one shape,
 * `op(ctx: OpContext, request)`: the context, then what the command parsed for it.
 */
export interface OpContext {
  /** Progress and notices go to output.info (stderr); the command renders the op's result. */
  readonly output: Output;
  readonly signal: AbortSignal;
  /**
   * Opens the session (region, credentials, account, timing), once per command: a second call
   * (another op of the same command) gets the same session. An op calls it after checking its
   * own input, so that a usage error comes before any AWS call.
   */
  openSession(): Promise<Session>;
}

/** An OpContext whose session is opened once, by `open`, on the first openSession(). */
export function opContextOf(output: Output, signal: AbortSignal, open: () => Promise<Session>): OpContext {
  let opened: Promise<Session> | undefined;
  return { output, signal, openSession: () => (opened ??= open()) };
}
