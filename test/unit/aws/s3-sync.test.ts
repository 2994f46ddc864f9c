import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DeleteObjectsCommand, ListObjectsV2Command, NoSuchBucket, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { deleteKeys, listLocalFiles, planSync, uploadFiles, type LocalFile } from '../../../src/aws/s3-sync.js';

const s3 = mockClient(S3Client);
const client = new S3Client({ region: 'us-east-1' });
const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

let dir: string;

async function put(relative: string, content: string): Promise<void> {
  const path = join(dir, relative);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content);
}

beforeEach(async () => {
  s3.reset();
  s3.onAnyCommand().rejects(new Error('unstubbed call'));
  dir = await mkdtemp(join(tmpdir(), 's3-sync-test-'));
});

afterEach(async () => {
  s3.reset();
  await rm(dir, { recursive: true, force: true });
});

describe('listLocalFiles', () => {
  it('lists every file with a /-separated relative path, size and MD5, sorted', async () => {
    await put('requirements.txt', 'boto3\n');
    await put('dags/pipeline.py', 'print(1)\n');
    await put('scripts/etl/job.py', 'x = 2\n');
    const files = await listLocalFiles(dir);
    expect(files.map((f) => f.relative)).toEqual(['dags/pipeline.py', 'requirements.txt', 'scripts/etl/job.py']);
    expect(files[0]).toEqual({
      relative: 'dags/pipeline.py',
      path: join(dir, 'dags', 'pipeline.py'),
      md5: md5('print(1)\n'),
      sha256: sha256('print(1)\n'),
      size: 9,
    });
  });

  it('skips __pycache__ folders, .pyc files and other caches', async () => {
    await put('dags/a.py', 'a\n');
    await put('dags/__pycache__/a.cpython-311.pyc', 'bytecode');
    await put('dags/stale.pyc', 'bytecode');
    await put('.DS_Store', 'finder');
    await put('.pytest_cache/v/cache', '{}');
    await put('scripts/.git/HEAD', 'ref');
    expect((await listLocalFiles(dir)).map((f) => f.relative)).toEqual(['dags/a.py']);
  });

  it('is empty for an empty folder', async () => {
    expect(await listLocalFiles(dir)).toEqual([]);
  });
});

describe('planSync', () => {
  let files: LocalFile[];

  beforeEach(async () => {
    await put('dags/a.py', 'a = 1\n');
    await put('dags/b.py', 'b = 2\n');
    await put('requirements.txt', 'boto3\n');
    files = await listLocalFiles(dir);
  });

  it('uploads only files whose ETag differs or that are missing, and lists extra keys', async () => {
    s3.on(ListObjectsV2Command, { Bucket: 'bkt', Prefix: 'airflow/' }).resolves({
      Contents: [
        { Key: 'airflow/dags/a.py', ETag: `"${md5('a = 1\n')}"` },
        { Key: 'airflow/dags/b.py', ETag: `"${md5('old')}"` },
        { Key: 'airflow/zz-old.py', ETag: '"x"' },
        { Key: 'airflow/dags/removed.py', ETag: '"y"' },
      ],
    });
    const plan = await planSync(client, 'bkt', 'airflow/', files);
    expect(plan.uploads.map((f) => f.relative)).toEqual(['dags/b.py', 'requirements.txt']);
    expect(plan.extra).toEqual(['airflow/dags/removed.py', 'airflow/zz-old.py']);
    expect(plan.unchanged).toBe(1);
  });

  it('plans nothing when every ETag matches', async () => {
    s3.on(ListObjectsV2Command).resolves({
      Contents: files.map((f) => ({ Key: `airflow/${f.relative}`, ETag: `"${f.md5}"` })),
    });
    expect(await planSync(client, 'bkt', 'airflow/', files)).toEqual({ uploads: [], extra: [], unchanged: 3, absent: 0 });
  });

  it('never matches a multipart ETag', async () => {
    s3.on(ListObjectsV2Command).resolves({
      Contents: [{ Key: 'airflow/dags/a.py', ETag: `"${md5('a = 1\n')}-2"` }],
    });
    const plan = await planSync(client, 'bkt', 'airflow/', files);
    expect(plan.uploads.map((f) => f.relative)).toContain('dags/a.py');
  });

  it('follows continuation tokens across pages', async () => {
    s3.on(ListObjectsV2Command)
      .resolvesOnce({ Contents: [{ Key: 'airflow/dags/a.py', ETag: `"${md5('a = 1\n')}"` }], IsTruncated: true, NextContinuationToken: 'tok' })
      .resolvesOnce({ Contents: [{ Key: 'airflow/dags/b.py', ETag: `"${md5('b = 2\n')}"` }], IsTruncated: false });
    const plan = await planSync(client, 'bkt', 'airflow/', files);
    expect(plan.uploads.map((f) => f.relative)).toEqual(['requirements.txt']);
    const calls = s3.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input);
    expect(calls).toEqual([
      { Bucket: 'bkt', Prefix: 'airflow/', ContinuationToken: undefined },
      { Bucket: 'bkt', Prefix: 'airflow/', ContinuationToken: 'tok' },
    ]);
  });

  it('takes a missing bucket as an empty prefix', async () => {
    s3.on(ListObjectsV2Command).rejects(new NoSuchBucket({ $metadata: { httpStatusCode: 404 }, message: 'no bucket' }));
    const plan = await planSync(client, 'bkt', 'airflow/', files);
    expect(plan).toMatchObject({ extra: [], unchanged: 0 });
    expect(plan.uploads).toHaveLength(3);
  });

  it('propagates other errors', async () => {
    s3.on(ListObjectsV2Command).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    await expect(planSync(client, 'bkt', 'airflow/', files)).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});

describe('uploadFiles and deleteKeys', () => {
  it('uploads each file under the prefix and returns the version ids', async () => {
    await put('dags/a.py', 'a\n');
    await put('requirements.txt', 'r\n');
    const files = await listLocalFiles(dir);
    s3.on(PutObjectCommand, { Key: 'airflow/dags/a.py' }).resolves({ VersionId: 'va' });
    s3.on(PutObjectCommand, { Key: 'airflow/requirements.txt' }).resolves({ VersionId: 'vr' });
    const versions = await uploadFiles(client, 'bkt', 'airflow/', files);
    expect([...versions.entries()].sort()).toEqual([
      ['airflow/dags/a.py', 'va'],
      ['airflow/requirements.txt', 'vr'],
    ]);
    const inputs = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(inputs.map((i) => [i.Key, i.ContentLength, i.ContentType, i.Metadata]).sort()).toEqual([
      ['airflow/dags/a.py', 2, 'text/x-python', { sha256: sha256('a\n') }],
      ['airflow/requirements.txt', 2, 'text/plain', { sha256: sha256('r\n') }],
    ]);
  });

  it('deletes keys in batches of 1000 and reports a failed key', async () => {
    s3.on(DeleteObjectsCommand).resolves({});
    const keys = Array.from({ length: 1001 }, (_, i) => `airflow/k${i}`);
    await deleteKeys(client, 'bkt', keys);
    expect(s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete!.Objects!.length)).toEqual([1000, 1]);

    s3.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: 'airflow/k0', Message: 'Access Denied' }] });
    await expect(deleteKeys(client, 'bkt', ['airflow/k0'])).rejects.toMatchObject({ code: 'DeleteObjectsFailed', message: expect.stringContaining('airflow/k0') });
  });
});
