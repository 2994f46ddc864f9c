/** The executors' S3 side: Node reads and writes S3 (moto), children see local files only. */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';

export interface S3Location {
  bucket: string;
  key: string;
}

export function parseS3Uri(uri: string): S3Location | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  return m ? { bucket: m[1]!, key: m[2]! } : undefined;
}

export async function listKeys(s3: S3Client, location: S3Location): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: location.bucket, Prefix: location.key, ContinuationToken: token }));
    for (const o of out.Contents ?? []) if (o.Key && !o.Key.endsWith('/')) keys.push(o.Key);
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

export async function getBytes(s3: S3Client, location: S3Location): Promise<Buffer> {
  const out = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
  return Buffer.from(await out.Body!.transformToByteArray());
}

/** Every object under an S3 prefix, into `dir` by its key relative to the prefix; returns the relative paths. */
export async function downloadPrefix(s3: S3Client, location: S3Location, dir: string): Promise<string[]> {
  const keys = await listKeys(s3, location);
  const base = location.key.endsWith('/') || location.key === '' ? location.key : location.key.slice(0, location.key.lastIndexOf('/') + 1);
  const out: string[] = [];
  for (const key of keys) {
    const rel = key.slice(base.length) || key.split('/').pop()!;
    const target = join(dir, ...rel.split('/').filter((p) => p && p !== '..' && p !== '.'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, await getBytes(s3, { bucket: location.bucket, key }));
    out.push(rel);
  }
  return out;
}

export async function putBytes(s3: S3Client, location: S3Location, body: Buffer, contentType?: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: location.bucket, Key: location.key, Body: body, ContentType: contentType }));
}

/** Every file under dir, as paths relative to it with `/` separators. */
export async function localFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)).split(sep).join('/'))
    .sort();
}

export async function uploadDir(s3: S3Client, dir: string, target: S3Location, contentType?: string): Promise<string[]> {
  const prefix = target.key === '' || target.key.endsWith('/') ? target.key : `${target.key}/`;
  const keys: string[] = [];
  for (const rel of await localFiles(dir)) {
    const key = prefix + rel;
    await putBytes(s3, { bucket: target.bucket, key }, await readFile(join(dir, rel)), contentType);
    keys.push(key);
  }
  return keys;
}
