import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { readOrUndefined } from './errors.js';

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
