import { ssmParameterStore } from '../aws/ssm-store.js';
import { acquireLock } from '../engine/lock.js';
import type { OpContext } from './context.js';

export interface LockRequest<T> {
  /** The command that holds the lock (shown to a second run). */
  readonly command: string;
  /** --force-unlock: break a live lease held by another run. */
  readonly force: boolean;
  readonly work: () => Promise<T>;
}

/** Runs `work` holding the pipeline's lock, released on every exit path. */
export async function withLock<T>(ctx: OpContext, request: LockRequest<T>): Promise<T> {
  const session = await ctx.openSession();
  const store = ssmParameterStore(await session.clients.ssm());
  const lock = await acquireLock(store, session.names, { command: request.command, force: request.force, notice: (m) => ctx.output.info(m) });
  try {
    return await request.work();
  } finally {
    await lock.release();
  }
}
