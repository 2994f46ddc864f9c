import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetEnvironmentCommand, MWAAClient, ResourceNotFoundException } from '@aws-sdk/client-mwaa';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { createClients } from '../../../src/aws/clients.js';
import { deriveNames } from '../../../src/engine/names.js';
import { pushDags } from '../../../src/ops/push-dags.js';
import { opContextFor } from '../../support/op-context.js';

const mwaa = mockClient(MWAAClient);
const s3 = mockClient(S3Client);
const ssm = mockClient(SSMClient);
const names = deriveNames('abalone', 'us-east-1', '123456789012');
const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const THREE = '--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-3.0.6/constraints-3.12.txt"\n';
const TWO = '--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-2.10.3/constraints-3.11.txt"\n';

let dir: string;

beforeEach(async () => {
  const stubs: Array<{ reset(): void; onAnyCommand(): { rejects(error: Error): unknown } }> = [mwaa, s3, ssm];
  for (const m of stubs) {
    m.reset();
    m.onAnyCommand().rejects(new Error('unstubbed call'));
  }
  dir = await mkdtemp(join(tmpdir(), 'push-versions-'));
  await mkdir(join(dir, 'dags'));
  await mkdir(join(dir, 'requirements'));
  await writeFile(join(dir, 'dags', 'dag.py'), 'x = 1\n');
  await writeFile(join(dir, 'requirements', '3.0.6.txt'), THREE);
  await writeFile(join(dir, 'requirements', '2.10.3.txt'), TWO);
  // The bucket holds the DAG already and the 2.10.3 requirements as airflow/requirements.txt.
  s3.on(ListObjectsV2Command).resolves({
    Contents: [
      { Key: 'airflow/dags/dag.py', ETag: `"${md5('x = 1\n')}"` },
      { Key: 'airflow/requirements.txt', ETag: `"${md5(TWO)}"` },
    ],
  });
});

afterEach(() => rm(dir, { recursive: true, force: true }));

async function dryRun() {
  const clients = createClients({ region: 'us-east-1', maxAttempts: 1, env: {} });
  const ctx = opContextFor({ clients, names });
  return pushDags(ctx, { dir, dryRun: true, delete: true, viaCodebuild: false, wait: false, forceUnlock: false });
}

describe('push-dags uploads the requirements of the environment\'s Airflow version (issue 22)', () => {
  it('a 2.10.3 environment: its requirements are up to date; nothing under requirements/ is uploaded or kept', async () => {
    mwaa.on(GetEnvironmentCommand).resolves({ Environment: { Name: names.environment, AirflowVersion: '2.10.3', Status: 'AVAILABLE' } });
    const { result } = await dryRun();
    expect(result.uploaded).toEqual([]);
    expect(result.deleted).toEqual([]);
    expect(result.unchanged).toBe(2);
  });

  it('a 3.0.6 environment: requirements/3.0.6.txt goes up as airflow/requirements.txt', async () => {
    mwaa.on(GetEnvironmentCommand).resolves({ Environment: { Name: names.environment, AirflowVersion: '3.0.6', Status: 'AVAILABLE' } });
    const { result } = await dryRun();
    expect(result.uploaded).toEqual(['airflow/requirements.txt']);
  });

  it('no environment: the stored version, else the default (3.0.6)', async () => {
    mwaa.on(GetEnvironmentCommand).rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify({ airflowVersion: '2.10.3' }) } });
    expect((await dryRun()).result.uploaded).toEqual([]);
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'none', $metadata: {} }));
    expect((await dryRun()).result.uploaded).toEqual(['airflow/requirements.txt']);
  });

  it('a folder with a plain requirements.txt (a user\'s --dir) reads no environment', async () => {
    await rm(join(dir, 'requirements'), { recursive: true });
    await writeFile(join(dir, 'requirements.txt'), TWO);
    const { result } = await dryRun();
    expect(result.uploaded).toEqual([]);
    expect(mwaa.commandCalls(GetEnvironmentCommand)).toHaveLength(0);
  });
});
