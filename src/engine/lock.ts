import { randomUUID } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { ToolError, errorName } from '../base/errors.js';
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

const UNREADABLE: LockHolder = { user: '?', host: '?', pid: 0, command: '?', since: '1970-01-01T00:00:00.000Z', renewedAt: '1970-01-01T00:00:00.000Z', token: '' };

function parseHolder(value: string): LockHolder {
  try {
    return JSON.parse(value) as LockHolder;
  } catch {
    return UNREADABLE;
  }
}

async function readHolder(store: ParameterStore, name: string): Promise<LockHolder | undefined> {
  const value = await store.get(name);
  return value ? parseHolder(value) : undefined;
}

/**
 * The takeover marker of one stale lease: its holder's token and the lock parameter's version
 * when it was judged stale. Whoever creates it (putIfAbsent) is the one run that takes that lease
 * over; the token keeps markers of a lock deleted and created again (versions restart at 1) apart.
 */
export function takeoverMarker(names: Names, holder: LockHolder, version: number): string {
  const token = holder.token.replace(/[^A-Za-z0-9_.-]/g, '') || 'unreadable';
  return `${names.lockParameter}-takeover-${token}-v${version}`;
}

/** A run lost the race for the lock: another run created it or took it over first. */
function lostRace(names: Names, store: ParameterStore): Promise<never> {
  return readHolder(store, names.lockParameter).then((winner) => {
    throw new ToolError('Locked', `another run took the lock of pipeline "${names.name}" at the same moment${winner ? `: ${describeHolder(winner)}` : ''}`);
  });
}

/**
 * Takes the pipeline's lock, the parameter `/abalone-pipeline/<name>/lock`, created atomically
 * (putIfAbsent: on SSM, PutParameter without Overwrite fails if it exists). A run that finds a live
 * lease fails at once naming the holder. An expired one, or one whose process died on this host,
 * is taken over, and --force breaks a live one, exclusively: of the runs that found the same stale
 * lease, only the one that creates its takeover marker (again putIfAbsent) writes its own lease.
 * Renewal and release touch the lease only while it is still this run's.
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
  let marker: string | undefined;

  // The lock may be released (deleted) between our create and our read: then create again.
  for (let attempt = 0; ; attempt += 1) {
    if (await store.putIfAbsent(Name, JSON.stringify(mine), { description, tags: { [names.tagKey]: names.name } })) break;
    const found = await store.getVersioned(Name);
    if (!found) {
      if (attempt < 3) continue;
      await lostRace(names, store);
    }
    const holder = parseHolder(found!.value);
    if (holder.token === mine.token) break; // our own create whose response was lost
    const stale = staleReason(holder, now());
    if (!stale && !options.force) {
      throw new ToolError(
        'Locked',
        `pipeline "${names.name}" is locked by ${describeHolder(holder)}; wait for it to finish, or pass --force-unlock if that run is gone`,
      );
    }
    marker = takeoverMarker(names, holder, found!.version);
    if (!(await store.putIfAbsent(marker, mine.token, { description: 'abalone-pipeline lock takeover (removed with the lease)', tags: { [names.tagKey]: names.name } }))) {
      marker = undefined;
      await lostRace(names, store);
    }
    // The lease we judged is still the one there (no renewal, no other takeover since): replace it.
    const before = await store.getVersioned(Name);
    if (before?.version !== found!.version || parseHolder(before.value).token !== holder.token) {
      await store.delete(marker!);
      marker = undefined;
      await lostRace(names, store);
    }
    options.notice(stale ? `taking over the lock of ${describeHolder(holder)}: ${stale}` : `breaking the lock of ${describeHolder(holder)} (--force-unlock)`);
    await write(mine);
    const check = await readHolder(store, Name);
    if (check?.token !== mine.token) await lostRace(names, store);
    break;
  }

  const timer = setInterval(() => {
    void (async () => {
      const current = await readHolder(store, Name);
      if (current?.token !== mine.token) {
        // Not ours any more (broken with --force-unlock): never write over the new holder's lease.
        clearInterval(timer);
        return;
      }
      await write({ ...mine, renewedAt: now().toISOString() });
    })().catch(() => undefined);
  }, RENEW_MS);
  timer.unref();

  return {
    async release() {
      clearInterval(timer);
      const current = await readHolder(store, Name);
      if (current?.token === mine.token) await store.delete(Name);
      if (marker) await store.delete(marker);
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
