import { readFile } from 'node:fs/promises';
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isNotFound } from './errors.js';
import { SHA256_METADATA } from './s3-objects.js';
import { ToolError } from '../base/errors.js';
import type { LocalFile } from '../base/files/local-files.js';

export { listLocalFiles, type LocalFile } from '../base/files/local-files.js';

export interface SyncPlan {
  readonly uploads: LocalFile[];
  /** Keys under the prefix with no local file (deleted only on request). */
  readonly extra: string[];
  readonly unchanged: number;
  /** Local files with no object at all under the prefix. */
  readonly absent: number;
}

/** ETag → MD5 for objects uploaded in one part (all of ours); multipart ETags never match. */
async function remoteEtags(s3: S3Client, bucket: string, prefix: string): Promise<Map<string, string>> {
  const etags = new Map<string, string>();
  let ContinuationToken: string | undefined;
  try {
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken }));
      for (const o of page.Contents ?? []) etags.set(o.Key!, (o.ETag ?? '').replace(/"/g, ''));
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  return etags;
}

/** What differs between a local folder and a prefix, by content hash: one List call, no HEADs. */
export async function planSync(s3: S3Client, bucket: string, prefix: string, files: readonly LocalFile[]): Promise<SyncPlan> {
  const remote = await remoteEtags(s3, bucket, prefix);
  const uploads = files.filter((f) => remote.get(prefix + f.relative) !== f.md5);
  const local = new Set(files.map((f) => prefix + f.relative));
  const extra = [...remote.keys()].filter((k) => !local.has(k)).sort();
  const absent = files.filter((f) => !remote.has(prefix + f.relative)).length;
  return { uploads, extra, unchanged: files.length - uploads.length, absent };
}

const CONTENT_TYPES: Record<string, string> = { '.py': 'text/x-python', '.txt': 'text/plain', '.json': 'application/json', '.sh': 'text/x-shellscript', '.zip': 'application/zip' };

function contentType(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  return dot >= 0 ? CONTENT_TYPES[name.slice(dot)] : undefined;
}

/** Uploads in parallel (a few at a time); returns each key's new version id. */
export async function uploadFiles(s3: S3Client, bucket: string, prefix: string, files: readonly LocalFile[], concurrency = 8): Promise<Map<string, string | undefined>> {
  const versions = new Map<string, string | undefined>();
  const queue = [...files];
  const worker = async () => {
    for (let file = queue.shift(); file; file = queue.shift()) {
      const key = prefix + file.relative;
      const out = await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          // A buffer, not a stream: the SDK can send it again after a throttle or a lost
          // connection (a stream is consumed by the first attempt). Airflow files are small.
          Body: await readFile(file.path),
          ContentLength: file.size,
          ContentType: contentType(file.relative),
          Metadata: { [SHA256_METADATA]: file.sha256 },
        }),
      );
      versions.set(key, out.VersionId);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, worker));
  return versions;
}

export async function deleteKeys(s3: S3Client, bucket: string, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) {
    const Objects = keys.slice(i, i + 1000).map((Key) => ({ Key }));
    const out = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects, Quiet: true } }));
    if (out.Errors?.length) throw new ToolError('DeleteObjectsFailed', `could not delete ${out.Errors[0]?.Key}: ${out.Errors[0]?.Message}`);
  }
}
