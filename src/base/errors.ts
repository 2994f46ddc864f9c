import type { ErrorCode } from './error-codes.js';

/** Exit codes of the contract (each code's in ERROR_CODES, error-codes.ts). */
export const EXIT = { ok: 0, failed: 1, usage: 2, notConverged: 3, interrupted: 130 } as const;

export type { ErrorCode } from './error-codes.js';


/** A code that is not the tool's own: the AWS exception name a failed call reported, passed on. */
export type ForeignCode = string & { readonly foreign: true };

/** Passes on the code of an error the tool reports but did not make (an AWS exception name, or a code already reported). */
export function foreignCode(code: string): ForeignCode {
  return code as ForeignCode;
}

/**
 * An error the user can act on: `code` is a stable machine-readable name (JSON output) from
 * ERROR_CODES (error-codes.ts; only its type is imported here, so that the table loads only
 * where it is read), `message` says what happened and why, `exitCode` follows the contract.
 */
export class ToolError extends Error {
  constructor(
    readonly code: ErrorCode | ForeignCode,
    message: string,
    readonly exitCode: number = EXIT.failed,
  ) {
    super(message);
    this.name = 'ToolError';
  }
}

export class UsageError extends ToolError {
  constructor(message: string, code: ErrorCode = 'UsageError') {
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
