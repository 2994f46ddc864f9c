import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { acquireLock, LEASE_MS, type LockHolder } from '../../../src/engine/lock.js';
import { deriveNames } from '../../../src/engine/names.js';
import { readSettings } from '../../../src/engine/settings.js';
import { ToolError } from '../../../src/base/errors.js';
import { MemoryParameterStore } from '../../support/memory-store.js';

const names = deriveNames('abalone', 'us-east-1', '123456789012');

function holder(overrides: Partial<LockHolder> = {}): LockHolder {
  const now = new Date().toISOString();
  return { user: 'someone', host: 'elsewhere', pid: 4242, command: 'up', since: now, renewedAt: now, token: 'theirs', ...overrides };
}

describe('acquireLock over a ParameterStore', () => {
  it('creates the lock parameter with the pipeline tag, and deletes it on release', async () => {
    const store = new MemoryParameterStore();
    const lock = await acquireLock(store, names, { command: 'up', force: false, notice: () => undefined });
    const held = JSON.parse(store.values.get(names.lockParameter)!) as LockHolder;
    expect(held).toMatchObject({ command: 'up', pid: process.pid, host: hostname() });
    expect(store.tags.get(names.lockParameter)).toEqual({ [names.tagKey]: names.name });
    await lock.release();
    expect(store.values.has(names.lockParameter)).toBe(false);
  });

  it('fails naming the holder of a live lease, and leaves it in place', async () => {
    const store = new MemoryParameterStore();
    const theirs = JSON.stringify(holder());
    store.values.set(names.lockParameter, theirs);
    const taking = acquireLock(store, names, { command: 'destroy', force: false, notice: () => undefined });
    await expect(taking).rejects.toBeInstanceOf(ToolError);
    await expect(taking).rejects.toMatchObject({ code: 'Locked', message: expect.stringContaining('someone@elsewhere (pid 4242, up)') });
    expect(store.values.get(names.lockParameter)).toBe(theirs);
  });

  it('takes over an expired lease and says why', async () => {
    const store = new MemoryParameterStore();
    store.values.set(names.lockParameter, JSON.stringify(holder({ renewedAt: new Date(Date.now() - LEASE_MS - 1000).toISOString() })));
    const notices: string[] = [];
    const lock = await acquireLock(store, names, { command: 'up', force: false, notice: (m) => notices.push(m) });
    expect(notices).toEqual([expect.stringMatching(/^taking over the lock of someone@elsewhere .*: its lease expired/)]);
    expect(JSON.parse(store.values.get(names.lockParameter)!)).toMatchObject({ pid: process.pid });
    await lock.release();
  });

  it('breaks a live lease with force, and release leaves a lock another run holds', async () => {
    const store = new MemoryParameterStore();
    store.values.set(names.lockParameter, JSON.stringify(holder()));
    const notices: string[] = [];
    const lock = await acquireLock(store, names, { command: 'up', force: true, notice: (m) => notices.push(m) });
    expect(notices).toEqual([expect.stringContaining('(--force-unlock)')]);
    const other = JSON.stringify(holder({ token: 'later' }));
    store.values.set(names.lockParameter, other);
    await lock.release();
    expect(store.values.get(names.lockParameter)).toBe(other);
  });
});

describe('readSettings over a ParameterStore', () => {
  it('reads the stored JSON object, and {} for nothing or something unreadable', async () => {
    const store = new MemoryParameterStore();
    expect(await readSettings(store, names)).toEqual({});
    store.values.set(`${names.ssmPrefix}/settings`, '{"envClass":"mw1.medium"}');
    expect(await readSettings(store, names)).toEqual({ envClass: 'mw1.medium' });
    store.values.set(`${names.ssmPrefix}/settings`, '[1,2]');
    expect(await readSettings(store, names)).toEqual({});
    store.values.set(`${names.ssmPrefix}/settings`, 'not json');
    expect(await readSettings(store, names)).toEqual({});
  });
});
