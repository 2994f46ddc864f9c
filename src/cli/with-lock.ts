import { ssmParameterStore } from '../aws/ssm-store.js';
import { acquireLock } from '../engine/lock.js';
import type { CommandContext } from './context.js';
import type { Session } from './session.js';

/** Runs `work` holding the pipeline's lock, released on every exit path. */
export async function withLock<T>(ctx: CommandContext, session: Session, command: string, force: boolean, work: () => Promise<T>): Promise<T> {
  const store = ssmParameterStore(await session.clients.ssm());
  const lock = await acquireLock(store, session.names, { command, force, notice: (m) => ctx.output.info(m) });
  try {
    return await work();
  } finally {
    await lock.release();
  }
}
