import { ToolError, errorMessage, errorName } from '../base/errors.js';

/**
 * True when a call failed because the endpoint does not implement the operation at all (an
 * emulator answering with an HTML error page or NotImplemented), not because AWS refused it.
 */
export function isNotImplemented(error: unknown): boolean {
  const name = errorName(error);
  if (name === 'SyntaxError' || name === 'NotImplemented' || name === 'NotImplementedException') return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return status === 501;
}

/** Runs an update; an endpoint that lacks the operation becomes an error that says so. */
export async function requireImplemented<T>(operation: string, resource: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (!isNotImplemented(error)) throw error;
    const answer = errorName(error) === 'SyntaxError' ? 'it answered with an error page, not an AWS response' : errorMessage(error).split('\n')[0];
    throw new ToolError(
      'OperationNotImplemented',
      `this endpoint does not support ${operation} (${answer}), so ${resource} cannot be updated in place here: ` +
        'AWS implements it; against an emulator, `destroy` and `up` re-create the resource instead',
    );
  }
}
