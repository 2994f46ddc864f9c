import type { ParameterStore, StoredParameterOptions } from '../../src/engine/parameter-store.js';

/**
 * ParameterStore in memory, with the contract the SSM store keeps (putIfAbsent creates only when
 * the name is free; tags only on creation), for unit tests of the logic over it.
 */
export class MemoryParameterStore implements ParameterStore {
  readonly values = new Map<string, string>();
  readonly tags = new Map<string, Readonly<Record<string, string>>>();

  async get(name: string): Promise<string | undefined> {
    return this.values.get(name);
  }
  async put(name: string, value: string): Promise<void> {
    this.values.set(name, value);
  }
  async putIfAbsent(name: string, value: string, options: StoredParameterOptions = {}): Promise<boolean> {
    if (this.values.has(name)) return false;
    this.values.set(name, value);
    if (options.tags) this.tags.set(name, options.tags);
    return true;
  }
  async delete(name: string): Promise<void> {
    this.values.delete(name);
  }
}
