/**
 * The small key-value store the lock and the stored settings live in (SSM Parameter Store on
 * AWS: src/aws/ssm-store.ts). The engine's logic sees only this, never an SDK client.
 */
export interface StoredParameterOptions {
  /** Shown beside the parameter in the console. */
  readonly description?: string;
  /** Tags set when the parameter is created (a store sets them only on creation). */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface ParameterStore {
  /** The value, or undefined when there is no such parameter. */
  get(name: string): Promise<string | undefined>;
  /**
   * The value with its version (a number the store raises on every write of the name), or
   * undefined when there is no such parameter.
   */
  getVersioned(name: string): Promise<{ readonly value: string; readonly version: number } | undefined>;
  /** Creates or overwrites the parameter. */
  put(name: string, value: string, options?: StoredParameterOptions): Promise<void>;
  /**
   * Creates the parameter only if it does not exist, atomically: true when this call created it,
   * false when it was already there (its value untouched).
   */
  putIfAbsent(name: string, value: string, options?: StoredParameterOptions): Promise<boolean>;
  /** Deletes the parameter; a parameter that is already gone is not an error. */
  delete(name: string): Promise<void>;
}
