/**
 * The environment's DAG folder, copied from `SourceBucketArn` + `DagS3Path` the way MWAA syncs it
 * to its schedulers and workers ("Amazon MWAA automatically syncs new and changed objects from your
 * Amazon S3 bucket to ... /usr/local/airflow/dags", MWAA User Guide, "Adding or updating DAGs").
 * Each change lands in a new directory, so that a run keeps the files it started with.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import { motoClients } from '../shared/moto-clients.js';
import { bucketName } from '../mwaa-backend.js';

export interface DagFolderSource {
  /** The folder's objects as (relative key, ETag) pairs, sorted. */
  list(bucketArn: string, prefix: string): Promise<{ key: string; etag: string }[]>;
  download(bucketArn: string, key: string): Promise<Buffer>;
}

/** The DAG folder prefix of a `DagS3Path` ("dags", "/airflow/dags/" -> "airflow/dags/"). */
export function dagPrefix(dagS3Path: string): string {
  const trimmed = dagS3Path.replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed ? `${trimmed}/` : '';
}

export function s3DagFolderSource(options: { motoUrl: string; region: string }): DagFolderSource {
  const clients = motoClients(options.motoUrl, options.region);
  return {
    async list(bucketArn, prefix) {
      const { ListObjectsV2Command } = await import('@aws-sdk/client-s3');
      const s3 = await clients.s3();
      const found: { key: string; etag: string }[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucketName(bucketArn), Prefix: prefix, ContinuationToken: token }));
        for (const o of page.Contents ?? []) {
          if (!o.Key || o.Key.endsWith('/')) continue;
          found.push({ key: o.Key.slice(prefix.length), etag: o.ETag ?? '' });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
    async download(bucketArn, key) {
      const { GetObjectCommand } = await import('@aws-sdk/client-s3');
      const out = await (await clients.s3()).send(new GetObjectCommand({ Bucket: bucketName(bucketArn), Key: key }));
      return Buffer.from(await out.Body!.transformToByteArray());
    },
  };
}

export class DagFolder {
  private signature?: string;
  private current?: string;
  private version = 0;

  constructor(
    private readonly source: DagFolderSource,
    private readonly root: string,
  ) {}

  /** The directory holding the folder as it is in S3 now, and whether it changed since the last sync. */
  async sync(bucketArn: string, dagS3Path: string): Promise<{ dir: string; changed: boolean }> {
    const prefix = dagPrefix(dagS3Path);
    const objects = await this.source.list(bucketArn, prefix);
    const signature = JSON.stringify([bucketArn, prefix, objects]);
    if (this.current && signature === this.signature) return { dir: this.current, changed: false };
    const dir = join(this.root, `dags-${++this.version}`);
    // not recursive: once the environment's directory is removed (deleted, reset), nothing recreates it
    await mkdir(dir);
    for (const { key } of objects) {
      const target = normalize(join(dir, key));
      if (!target.startsWith(dir + sep)) continue; // a key with ../ cannot leave the folder
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, await this.source.download(bucketArn, prefix + key));
    }
    this.current = dir;
    this.signature = signature;
    return { dir, changed: true };
  }
}
