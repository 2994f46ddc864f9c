import type { Output } from '../output/output.js';
import type { GlobalOptions } from './session.js';

/** What every command handler gets; it returns the process exit code. */
export interface CommandContext {
  readonly global: GlobalOptions;
  readonly output: Output;
  readonly signal: AbortSignal;
}

/** A command: its typed options (cli/options.ts) in, the exit code out. */
export type CommandHandler<O> = (ctx: CommandContext, options: O) => Promise<number>;
