import { opContextOf, type OpContext } from '../ops/context.js';
import type { CommandContext } from './context.js';
import { openSession } from './session.js';

/** The context an op gets from a command: its output and signal, and the session its flags open (once). */
export function opContext(ctx: CommandContext): OpContext {
  return opContextOf(ctx.output, ctx.signal, () => openSession(ctx.global));
}
