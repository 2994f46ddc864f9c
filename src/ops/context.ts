import type { Session } from '../engine/session.js';
import type { Output } from '../output/output.js';

/** What every op gets from the command that calls it. */
export interface OpContext {
  /** Progress and notices go to output.info (stderr); the command renders the op's result. */
  readonly output: Output;
  readonly signal: AbortSignal;
  /**
   * Opens the session (region, credentials, account, timing). An op calls it once, after checking
   * its own input, so that a usage error comes before any AWS call.
   */
  openSession(): Promise<Session>;
}
