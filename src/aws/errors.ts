import { errorName } from '../base/errors.js';

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

/** True when an SDK error means "that resource does not exist" (readers turn it into undefined). */
export function isNotFound(error: unknown): boolean {
  const name = errorName(error);
  if (NOT_FOUND.has(name)) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return status === 404 && (name === 'Unknown' || name === 'Error' || name === '404');
}

/** Runs a reader; not-found becomes undefined, every other error propagates. */
export async function readOrUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
