/** Exit codes of the contract. */
export const EXIT = { ok: 0, failed: 1, usage: 2, notConverged: 3, interrupted: 130 } as const;

/**
 * An error the user can act on: `code` is a stable machine-readable name (JSON output),
 * `message` says what happened and why, `exitCode` follows the contract.
 */
export class ToolError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
    this.name = 'ToolError';
  }
}

export class UsageError extends ToolError {
  constructor(message: string, code = 'UsageError') {
    super(code, message, EXIT.usage);
  }
}

export class InterruptedError extends ToolError {
  constructor(message = 'interrupted') {
    super('Interrupted', message, EXIT.interrupted);
  }
}

/** The SDK error's name (its exception shape), or the Node error code for network failures. */
export function errorName(error: unknown): string {
  if (error && typeof error === 'object') {
    const e = error as { name?: unknown; Code?: unknown; code?: unknown };
    if (typeof e.name === 'string' && e.name !== 'Error') return e.name;
    if (typeof e.Code === 'string') return e.Code;
    if (typeof e.code === 'string') return e.code;
  }
  return 'Error';
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
