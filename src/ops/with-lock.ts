import { ssmParameterStore } from '../aws/ssm-store.js';
import { acquireLock } from '../engine/lock.js';
import type { Session } from '../engine/session.js';
import type { Output } from '../output/output.js';

/** Runs `work` holding the pipeline's lock, released on every exit path. */
export async function withLock<T>(ctx: { readonly output: Output }, session: Session, command: string, force: boolean, work: () => Promise<T>): Promise<T> {
  const store = ssmParameterStore(await session.clients.ssm());
  const lock = await acquireLock(store, session.names, { command, force, notice: (m) => ctx.output.info(m) });
  try {
    return await work();
  } finally {
    await lock.release();
  }
}
