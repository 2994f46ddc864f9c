import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isNotFound, readOrUndefined } from './errors.js';

/** Object metadata key holding the SHA-256 of the content, so "changed?" never depends on ETag rules. */
export const SHA256_METADATA = 'sha256';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export interface RemoteObject {
  readonly sha256?: string;
  readonly versionId?: string;
  readonly size?: number;
}

/** HeadObject; undefined when the object (or the bucket) does not exist. */
export async function headObject(s3: S3Client, bucket: string, key: string): Promise<RemoteObject | undefined> {
  const head = await readOrUndefined(() => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
  if (!head) return undefined;
  return { sha256: head.Metadata?.[SHA256_METADATA], versionId: head.VersionId, size: head.ContentLength };
}

export async function putObject(
  s3: S3Client,
  input: { bucket: string; key: string; body: Uint8Array | string; contentType?: string },
): Promise<string | undefined> {
  const out = await s3.send(
    new PutObjectCommand({
      Bucket: input.bucket,
      Key: input.key,
      Body: input.body,
      ContentType: input.contentType,
      Metadata: { [SHA256_METADATA]: sha256(input.body) },
    }),
  );
  return out.VersionId;
}

/** HeadBucket: false when the bucket does not exist; any other error propagates. */
export async function bucketExists(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** Every key under the prefix (ListObjectsV2, page by page). */
export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  return keys;
}

/**
 * How many objects are under the prefix, counting at most one page (1000, "1000 or more" when
 * IsTruncated); 0 when the bucket does not exist.
 */
export async function countObjects(s3: S3Client, bucket: string, prefix: string): Promise<{ count: number; more: boolean }> {
  const page = await readOrUndefined(() => s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix })));
  return { count: page?.KeyCount ?? page?.Contents?.length ?? 0, more: Boolean(page?.IsTruncated) };
}

/** Uploads a local file streamed from disk, with its SHA-256 (computed by the caller) in the metadata. */
export async function putFile(
  s3: S3Client,
  input: { bucket: string; key: string; path: string; sha256: string; contentType?: string },
): Promise<string | undefined> {
  const out = await s3.send(
    new PutObjectCommand({
      Bucket: input.bucket,
      Key: input.key,
      Body: createReadStream(input.path),
      ContentLength: (await stat(input.path)).size,
      ContentType: input.contentType,
      Metadata: { [SHA256_METADATA]: input.sha256 },
    }),
  );
  return out.VersionId;
}
