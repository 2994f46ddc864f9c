import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createClients } from '../../../src/aws/clients.js';
import { sha256File } from '../../../src/aws/s3-objects.js';
import { deriveNames } from '../../../src/engine/names.js';
import { timingProfile } from '../../../src/engine/timing.js';
import { addData } from '../../../src/ops/add-data.js';
import { createOutput } from '../../../src/output/output.js';

const s3 = mockClient(S3Client);
const names = deriveNames('abalone', 'us-east-1', '123456789012');

function opContext() {
  const output = createOutput({ json: true, color: false, stdout: new PassThrough(), stderr: new PassThrough(), env: {} });
  const session = { clients: createClients({ region: 'us-east-1', maxAttempts: 1, env: {} }), names, timing: timingProfile({ emulated: true, env: {} }) };
  return { output, signal: new AbortController().signal, openSession: async () => session };
}

beforeEach(() => {
  s3.reset();
  s3.onAnyCommand().rejects(new Error('unstubbed call'));
  s3.on(HeadBucketCommand).resolves({});
  s3.on(PutObjectCommand).resolves({});
});
afterEach(() => s3.reset());

describe('add-data: the same content is recognised by its full hash (issue 21, item 8)', () => {
  it('a different file whose hash shares the 8 hex digits in an uploaded name is uploaded, not called a duplicate', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'add-data-test-'));
    const file = join(dir, 'a.csv');
    await writeFile(file, 'M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15\n');
    const full = await sha256File(file); // the file is already normalised: its hash is the upload's
    const colliding = `${names.newDataPrefix}abalone.20261128T130501Z.${full.slice(0, 8)}.csv`;
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: colliding }], IsTruncated: false });
    // Another content that happens to share the first 8 hex digits.
    s3.on(HeadObjectCommand).resolves({ Metadata: { sha256: `${full.slice(0, 8)}${'0'.repeat(56)}` } });

    const outcome = await addData(opContext(), { files: [file], startRun: false });
    expect(outcome.accepted).toEqual([{ file, key: expect.not.stringMatching(/20261128T130501Z/), rows: 1, duplicate: false }]);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(1);
  });

  it('the same content (full hash equal) is a duplicate and not uploaded again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'add-data-test-'));
    const file = join(dir, 'a.csv');
    await writeFile(file, 'M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15\n');
    const full = await sha256File(file);
    const uploaded = `${names.newDataPrefix}abalone.20261128T130501Z.${full.slice(0, 8)}.csv`;
    s3.on(ListObjectsV2Command).resolves({ Contents: [{ Key: uploaded }], IsTruncated: false });
    s3.on(HeadObjectCommand).resolves({ Metadata: { sha256: full } });

    const outcome = await addData(opContext(), { files: [file], startRun: false });
    expect(outcome.accepted).toEqual([{ file, key: uploaded, rows: 1, duplicate: true }]);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
  });
});
