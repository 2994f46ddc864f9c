import type { ParameterStore, StoredParameterOptions } from '../../src/engine/parameter-store.js';

/**
 * ParameterStore in memory, with the contract the SSM store keeps (putIfAbsent creates only when
 * the name is free; tags only on creation), for unit tests of the logic over it.
 */
export class MemoryParameterStore implements ParameterStore {
  readonly values = new Map<string, string>();
  readonly tags = new Map<string, Readonly<Record<string, string>>>();
  readonly versions = new Map<string, number>();

  async get(name: string): Promise<string | undefined> {
    return this.values.get(name);
  }
  async getVersioned(name: string): Promise<{ value: string; version: number } | undefined> {
    const value = this.values.get(name);
    return value === undefined ? undefined : { value, version: this.versions.get(name) ?? 1 };
  }
  async put(name: string, value: string): Promise<void> {
    this.values.set(name, value);
    this.versions.set(name, (this.versions.get(name) ?? 0) + 1);
  }
  async putIfAbsent(name: string, value: string, options: StoredParameterOptions = {}): Promise<boolean> {
    if (this.values.has(name)) return false;
    this.values.set(name, value);
    this.versions.set(name, 1);
    if (options.tags) this.tags.set(name, options.tags);
    return true;
  }
  async delete(name: string): Promise<void> {
    this.values.delete(name);
    this.versions.delete(name);
  }
}
