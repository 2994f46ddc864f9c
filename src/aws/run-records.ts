import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { isNotFound } from './errors.js';
import { runsPrefix, type Names } from '../engine/names.js';

/**
 * A run record, written by the DAG's `record_run` task for a run that reached a decision
 * (docs/runs.md): `s3://<bucket>/<name>_data/runs/<run id>.json`.
 */
export interface RunRecord {
  readonly runId: string;
  readonly dagId: string;
  readonly start: string;
  readonly end: string;
  readonly decision: 'deployed' | 'rejected';
  readonly rmse: number;
  readonly threshold: number;
  readonly dataFiles: ReadonlyArray<{ key: string; etag: string; rows: number }>;
  readonly rows: number;
  readonly trainingJob: string;
  readonly model: string;
  readonly endpointConfig: string | null;
  readonly endpoint: string | null;
  readonly force: boolean;
}

export function runRecordKey(names: Names, runId: string): string {
  return `${runsPrefix(names)}${runId}.json`;
}

async function readRecord(s3: S3Client, bucket: string, key: string): Promise<RunRecord | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const text = (await out.Body?.transformToString('utf-8')) ?? '';
    return JSON.parse(text) as RunRecord;
  } catch (error) {
    if (isNotFound(error) || error instanceof SyntaxError) return undefined;
    throw error;
  }
}

export function readRunRecord(s3: S3Client, names: Names, runId: string): Promise<RunRecord | undefined> {
  return readRecord(s3, names.bucket, runRecordKey(names, runId));
}

/**
 * The newest `limit` records. A record is written once, when its run ends, so the objects'
 * LastModified orders them without reading every one.
 */
export async function newestRunRecords(s3: S3Client, names: Names, limit: number): Promise<RunRecord[]> {
  const objects: Array<{ key: string; modified: number }> = [];
  let ContinuationToken: string | undefined;
  try {
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: names.bucket, Prefix: runsPrefix(names), ContinuationToken }));
      for (const o of page.Contents ?? []) if (o.Key?.endsWith('.json')) objects.push({ key: o.Key, modified: o.LastModified?.getTime() ?? 0 });
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
  } catch (error) {
    if (isNotFound(error)) return [];
    throw error;
  }
  objects.sort((a, b) => b.modified - a.modified);
  const records = await Promise.all(objects.slice(0, limit).map((o) => readRecord(s3, names.bucket, o.key)));
  return records.filter((r): r is RunRecord => r !== undefined);
}
