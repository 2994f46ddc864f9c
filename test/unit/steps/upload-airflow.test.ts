import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import * as pythonCheck from '../../../src/base/files/python-check.js';
import { uploadAirflow } from '../../../src/steps/upload-airflow.js';
import { stepContext } from '../../support/step-context.js';

// python3 is slow to start: only the syntax-error test asks the real one.
vi.mock('../../../src/base/files/python-check.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../src/base/files/python-check.js')>();
  return { ...actual, checkPythonSyntax: vi.fn(async () => []) };
});

const s3 = mockClient(S3Client);

const BUCKET = 'abalone-data-us-east-1-123456789012';
const DAG = 'from airflow import DAG\n';
const REQUIREMENTS = 'apache-airflow-providers-amazon\n';
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

let airflowDir: string;
const ctx = () => stepContext({ config: { airflowDir } });
const sent = () => s3.calls().map((call) => (call.args[0] as { constructor: { name: string } }).constructor.name);

beforeEach(async () => {
  s3.reset();
  s3.onAnyCommand().rejects(new Error('unstubbed call'));
  airflowDir = await mkdtemp(join(tmpdir(), 'upload-airflow-test-'));
  await mkdir(join(airflowDir, 'dags'));
  await writeFile(join(airflowDir, 'dags', 'a.py'), DAG);
  await writeFile(join(airflowDir, 'requirements.txt'), REQUIREMENTS);
});

afterEach(async () => {
  s3.reset();
  await rm(airflowDir, { recursive: true, force: true });
});

describe('upload-airflow', () => {
  it('plans nothing when every ETag matches, and status is ok', async () => {
    s3.on(ListObjectsV2Command, { Bucket: BUCKET, Prefix: 'airflow/' }).resolves({
      Contents: [
        { Key: 'airflow/dags/a.py', ETag: `"${md5(DAG)}"` },
        { Key: 'airflow/requirements.txt', ETag: `"${md5(REQUIREMENTS)}"` },
      ],
    });
    expect(await uploadAirflow.plan(ctx())).toEqual([]);
    expect(sent()).toEqual(['ListObjectsV2Command']);
    expect(await uploadAirflow.status(ctx())).toEqual([{ type: 's3-prefix', id: `s3://${BUCKET}/airflow/`, state: 'ok', detail: '2 files' }]);
  });

  it('uploads only the file whose ETag differs', async () => {
    s3.on(ListObjectsV2Command).resolves({
      Contents: [
        { Key: 'airflow/dags/a.py', ETag: `"${md5('old dag')}"` },
        { Key: 'airflow/requirements.txt', ETag: `"${md5(REQUIREMENTS)}"` },
      ],
    });
    s3.on(PutObjectCommand).resolves({ VersionId: 'v2' });
    const changes = await uploadAirflow.plan(ctx());
    expect(changes.map(({ action, resource, detail }) => ({ action, resource, detail }))).toEqual([
      { action: 'upload', resource: `s3://${BUCKET}/airflow/dags/a.py`, detail: `${DAG.length} bytes` },
    ]);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);

    await changes[0]!.apply();
    const puts = s3.commandCalls(PutObjectCommand);
    expect(puts).toHaveLength(1);
    expect(puts[0]!.args[0].input).toMatchObject({ Bucket: BUCKET, Key: 'airflow/dags/a.py', ContentLength: DAG.length, ContentType: 'text/x-python' });

    expect(await uploadAirflow.status(ctx())).toEqual([
      { type: 's3-prefix', id: `s3://${BUCKET}/airflow/`, state: 'drift', detail: '1 of 2 files differ: dags/a.py' },
    ]);
  });

  it('uploads everything to an empty prefix, and status reports it missing', async () => {
    s3.on(ListObjectsV2Command).resolves({ KeyCount: 0 });
    s3.on(PutObjectCommand).resolves({});
    const changes = await uploadAirflow.plan(ctx());
    expect(changes.map((c) => c.resource)).toEqual([`s3://${BUCKET}/airflow/dags/a.py`, `s3://${BUCKET}/airflow/requirements.txt`]);
    for (const c of changes) await c.apply();
    expect(s3.commandCalls(PutObjectCommand).map((c) => [c.args[0].input.Key, c.args[0].input.ContentType])).toEqual([
      ['airflow/dags/a.py', 'text/x-python'],
      ['airflow/requirements.txt', 'text/plain'],
    ]);
    expect(await uploadAirflow.status(ctx())).toEqual([
      { type: 's3-prefix', id: `s3://${BUCKET}/airflow/`, state: 'missing', detail: '2 files not uploaded' },
    ]);
  });

  it('reports drift, not missing, when every file exists in the bucket with other content', async () => {
    // The contract: missing = not there; drift = exists but differs from what up would make.
    s3.on(ListObjectsV2Command).resolves({
      Contents: [
        { Key: 'airflow/dags/a.py', ETag: `"${md5('old dag')}"` },
        { Key: 'airflow/requirements.txt', ETag: `"${md5('old requirements')}"` },
      ],
    });
    expect(await uploadAirflow.status(ctx())).toEqual([
      { type: 's3-prefix', id: `s3://${BUCKET}/airflow/`, state: 'drift', detail: '2 of 2 files differ: dags/a.py, requirements.txt' },
    ]);
  });

  it('ignores __pycache__ and .pyc files, and extra remote objects (no deletion in up)', async () => {
    await mkdir(join(airflowDir, 'dags', '__pycache__'));
    await writeFile(join(airflowDir, 'dags', '__pycache__', 'a.cpython-311.pyc'), 'bytecode');
    await writeFile(join(airflowDir, 'dags', 'b.pyc'), 'bytecode');
    s3.on(ListObjectsV2Command).resolves({
      Contents: [
        { Key: 'airflow/dags/a.py', ETag: `"${md5(DAG)}"` },
        { Key: 'airflow/requirements.txt', ETag: `"${md5(REQUIREMENTS)}"` },
        { Key: 'airflow/dags/old.py', ETag: '"0"' },
      ],
    });
    vi.mocked(pythonCheck.checkPythonSyntax).mockClear();
    expect(await uploadAirflow.plan(ctx())).toEqual([]);
    // Only the Python sources are compiled; caches are neither checked nor uploaded.
    expect(vi.mocked(pythonCheck.checkPythonSyntax)).toHaveBeenCalledWith([join(airflowDir, 'dags', 'a.py')]);
  });

  it('stops with PythonSyntaxError, naming file and line, before listing the bucket', async () => {
    const actual = await vi.importActual<typeof pythonCheck>('../../../src/base/files/python-check.js');
    vi.mocked(pythonCheck.checkPythonSyntax).mockImplementationOnce(actual.checkPythonSyntax);
    await writeFile(join(airflowDir, 'dags', 'broken.py'), 'x = 1\ndef f(:\n    pass\n');
    const error = await uploadAirflow.plan(ctx()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'PythonSyntaxError' });
    expect((error as Error).message).toMatch(/broken\.py line 2/);
    expect(sent()).toEqual([]);
  });

  it('plans no deletion (the folder goes with the bucket)', async () => {
    expect(await uploadAirflow.planDestroy(ctx())).toEqual([]);
    expect(sent()).toEqual([]);
  });
});
