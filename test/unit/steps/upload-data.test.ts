import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { HeadObjectCommand, NotFound, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { rawDataPath, uploadData } from '../../../src/steps/upload-data.js';
import { stepContext } from '../../support/step-context.js';

const s3 = mockClient(S3Client);

const BUCKET = 'abalone-data-us-east-1-123456789012';
const KEY = 'abalone_data/raw/abalone.data';
const RESOURCE = `s3://${BUCKET}/${KEY}`;
const CONTENT = 'M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15\nF,0.53,0.42,0.135,0.677,0.2565,0.1415,0.21,9\n';
const HASH = createHash('sha256').update(CONTENT).digest('hex');

let artifactsDir: string;
const ctx = () => stepContext({ config: { artifactsDir } });
const sent = () => s3.calls().map((call) => (call.args[0] as { constructor: { name: string } }).constructor.name);
const notFound = () => new NotFound({ $metadata: { httpStatusCode: 404 }, message: 'Not Found' });

beforeAll(async () => {
  artifactsDir = await mkdtemp(join(tmpdir(), 'upload-data-test-'));
  await mkdir(join(artifactsDir, 'data'));
  await writeFile(join(artifactsDir, 'data', 'abalone.data'), CONTENT);
});

afterAll(async () => {
  await rm(artifactsDir, { recursive: true, force: true });
});

beforeEach(() => {
  s3.reset();
  s3.onAnyCommand().rejects(new Error('unstubbed call'));
});

afterEach(() => {
  s3.reset();
});

describe('upload-data', () => {
  it('reads the shipped data from <artifacts>/data/abalone.data', () => {
    expect(rawDataPath('/x/artifacts')).toBe(join('/x/artifacts', 'data', 'abalone.data'));
  });

  it('plans nothing when the object carries the same sha256, and status is ok', async () => {
    s3.on(HeadObjectCommand, { Bucket: BUCKET, Key: KEY }).resolves({ Metadata: { sha256: HASH }, VersionId: 'v1', ContentLength: CONTENT.length });
    expect(await uploadData.plan(ctx())).toEqual([]);
    expect(sent()).toEqual(['HeadObjectCommand']);
    expect(await uploadData.status(ctx())).toEqual([{ type: 's3-object', id: RESOURCE, state: 'ok', detail: '' }]);
  });

  it('uploads with sha256 metadata when the object is missing', async () => {
    s3.on(HeadObjectCommand).rejects(notFound());
    s3.on(PutObjectCommand).resolves({ VersionId: 'v2' });
    const changes = await uploadData.plan(ctx());
    expect(changes.map(({ action, resource, detail }) => ({ action, resource, detail }))).toEqual([
      { action: 'upload', resource: RESOURCE, detail: `${Buffer.byteLength(CONTENT)} bytes, new` },
    ]);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);

    await changes[0]!.apply();
    const puts = s3.commandCalls(PutObjectCommand);
    expect(puts).toHaveLength(1);
    const input = puts[0]!.args[0].input;
    expect(input).toMatchObject({ Bucket: BUCKET, Key: KEY, ContentType: 'text/csv', Metadata: { sha256: HASH } });
    expect(Buffer.from(input.Body as Uint8Array).toString()).toBe(CONTENT);

    expect(await uploadData.status(ctx())).toEqual([{ type: 's3-object', id: RESOURCE, state: 'missing', detail: '' }]);
  });

  it('uploads when the content differs (other hash, or no hash metadata at all), and status reports drift', async () => {
    const variants: Record<string, string>[] = [{ sha256: 'f'.repeat(64) }, {}];
    for (const Metadata of variants) {
      s3.reset();
      s3.onAnyCommand().rejects(new Error('unstubbed call'));
      s3.on(HeadObjectCommand).resolves({ Metadata, VersionId: 'v1' });
      s3.on(PutObjectCommand).resolves({});
      const changes = await uploadData.plan(ctx());
      expect(changes.map((c) => [c.action, c.resource, c.detail])).toEqual([['upload', RESOURCE, `${Buffer.byteLength(CONTENT)} bytes, content changed`]]);
      await changes[0]!.apply();
      expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Metadata).toEqual({ sha256: HASH });
      expect(await uploadData.status(ctx())).toEqual([
        { type: 's3-object', id: RESOURCE, state: 'drift', detail: 'content differs from the shipped UCI data' },
      ]);
    }
  });

  it('a missing bucket reads as a missing object', async () => {
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error('no bucket'), { name: 'NoSuchBucket', $metadata: { httpStatusCode: 404 } }));
    const changes = await uploadData.plan(ctx());
    expect(changes.map((c) => c.detail)).toEqual([`${Buffer.byteLength(CONTENT)} bytes, new`]);
  });

  it('propagates a read error that is not "not found"', async () => {
    s3.on(HeadObjectCommand).rejects(Object.assign(new Error('Forbidden'), { name: 'Forbidden', $metadata: { httpStatusCode: 403 } }));
    await expect(uploadData.plan(ctx())).rejects.toMatchObject({ name: 'Forbidden' });
  });

  it('plans no deletion (the data goes with the bucket)', async () => {
    expect(await uploadData.planDestroy(ctx())).toEqual([]);
    expect(sent()).toEqual([]);
  });

  it('matches the hash of the real shipped data file', async () => {
    const { readFile } = await import('node:fs/promises');
    const real = stepContext();
    const shipped = await readFile(rawDataPath(real.config.artifactsDir));
    s3.on(HeadObjectCommand).resolves({ Metadata: { sha256: createHash('sha256').update(shipped).digest('hex') } });
    expect(await uploadData.plan(real)).toEqual([]);
  });
});
