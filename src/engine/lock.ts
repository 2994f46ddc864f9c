import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { ToolError, errorName } from '../errors.js';
import type { Names } from './names.js';
import type { ParameterStore } from './parameter-store.js';

/** A lease: renewed every RENEW_MS while its holder runs, expired LEASE_MS after the last renewal. */
export const LEASE_MS = 120_000;
const RENEW_MS = 30_000;

export interface LockHolder {
  readonly user: string;
  readonly host: string;
  readonly pid: number;
  readonly command: string;
  /** ISO time the lock was taken. */
  readonly since: string;
  /** ISO time of the last renewal. */
  readonly renewedAt: string;
  readonly token: string;
}

export interface HeldLock {
  release(): Promise<void>;
}

export interface LockOptions {
  readonly command: string;
  readonly force: boolean;
  readonly notice: (message: string) => void;
  readonly now?: () => Date;
}

function describeHolder(h: LockHolder): string {
  return `${h.user}@${h.host} (pid ${h.pid}, ${h.command}) since ${h.since}`;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorName(error) === 'EPERM';
  }
}

/** Why a holder's lease may be taken over, or undefined when it is live. */
function staleReason(holder: LockHolder, now: Date): string | undefined {
  const age = now.getTime() - Date.parse(holder.renewedAt);
  if (!(age < LEASE_MS)) return `its lease expired ${Math.round(age / 1000)}s after the last renewal`;
  if (holder.host === hostname() && !processAlive(holder.pid)) return `process ${holder.pid} on this host no longer exists`;
  return undefined;
}

async function readHolder(store: ParameterStore, name: string): Promise<LockHolder | undefined> {
  const value = await store.get(name);
  if (!value) return undefined;
  try {
    return JSON.parse(value) as LockHolder;
  } catch {
    return { user: '?', host: '?', pid: 0, command: '?', since: '1970-01-01T00:00:00.000Z', renewedAt: '1970-01-01T00:00:00.000Z', token: '' };
  }
}

/**
 * Takes the pipeline's lock, the parameter `/abalone-pipeline/<name>/lock`, created atomically
 * (putIfAbsent: on SSM, PutParameter without Overwrite fails if it exists). A run that finds a live lease
 * fails at once naming the holder; an expired one, or one whose process died on this host, is
 * taken over; --force breaks a live one.
 */
export async function acquireLock(store: ParameterStore, names: Names, options: LockOptions): Promise<HeldLock> {
  const now = options.now ?? (() => new Date());
  const started = now().toISOString();
  const mine: LockHolder = {
    user: safeUser(),
    host: hostname(),
    pid: process.pid,
    command: options.command,
    since: started,
    renewedAt: started,
    token: randomUUID(),
  };
  const Name = names.lockParameter;
  const description = 'abalone-pipeline run lock (a lease; see the README)';
  const write = (holder: LockHolder) => store.put(Name, JSON.stringify(holder), { description });

  const created = await store.putIfAbsent(Name, JSON.stringify(mine), { description, tags: { [names.tagKey]: names.name } });
  if (!created) {
    const holder = await readHolder(store, Name);
    if (holder?.token === mine.token) {
      // Our own create whose response was lost.
    } else if (holder) {
      const stale = staleReason(holder, now());
      if (!stale && !options.force) {
        throw new ToolError(
          'Locked',
          `pipeline "${names.name}" is locked by ${describeHolder(holder)}; wait for it to finish, or pass --force-unlock if that run is gone`,
        );
      }
      options.notice(stale ? `taking over the lock of ${describeHolder(holder)}: ${stale}` : `breaking the lock of ${describeHolder(holder)} (--force-unlock)`);
      await write(mine);
      const check = await readHolder(store, Name);
      if (check?.token !== mine.token) {
        throw new ToolError('Locked', `another run took the lock of pipeline "${names.name}" at the same moment: ${check ? describeHolder(check) : 'unknown'}`);
      }
    } else {
      await write(mine);
    }
  }

  const timer = setInterval(() => {
    void (async () => {
      const current = await readHolder(store, Name);
      if (current?.token !== mine.token) return;
      await write({ ...mine, renewedAt: now().toISOString() });
    })().catch(() => undefined);
  }, RENEW_MS);
  timer.unref();

  return {
    async release() {
      clearInterval(timer);
      const current = await readHolder(store, Name);
      if (current?.token !== mine.token) return;
      await store.delete(Name);
    },
  };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
