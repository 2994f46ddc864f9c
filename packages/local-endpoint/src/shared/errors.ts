/**
 * The package's own error type for what stops the endpoint from starting (a port in use, moto
 * missing, a knob out of range): a stable `code`, a message the user can act on, and whether it
 * is a usage error (a bad setting) or a failure. The CLI turns it into its own error classes.
 * Errors AWS reports for a call are another thing: `AwsError` in ../protocol.ts.
 */
/** Every code a LocalEndpointError carries (the CLI registers each as its own). */
export type LocalEndpointErrorCode = 'UsageError' | 'PortInUse' | 'MotoMissing' | 'MotoExited' | 'MotoPortTaken' | 'MotoTimeout';

export class LocalEndpointError extends Error {
  constructor(
    readonly code: LocalEndpointErrorCode,
    message: string,
    /** A setting the user gave is wrong (the CLI exits 2), not a failure (exit 1). */
    readonly usage = false,
  ) {
    super(message);
    this.name = 'LocalEndpointError';
  }
}

/** A bad setting (an ABALONE_* variable out of range). */
export function usageError(message: string): LocalEndpointError {
  return new LocalEndpointError('UsageError', message, true);
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

const NOT_FOUND = new Set([
  'NoSuchBucket',
  'NotFound',
  'NoSuchKey',
  'NoSuchEntity',
  'NoSuchEntityException',
  'NoSuchBucketPolicy',
  'NoSuchPublicAccessBlockConfiguration',
  'ServerSideEncryptionConfigurationNotFoundError',
  'NoSuchTagSet',
  'EntityNotFoundException',
  'ResourceNotFoundException',
  'ParameterNotFound',
]);

/** True when an SDK error says the thing asked for does not exist. */
export function isNotFound(error: unknown): boolean {
  const name = errorName(error);
  if (NOT_FOUND.has(name)) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return status === 404 && (name === 'Unknown' || name === 'Error' || name === '404');
}
