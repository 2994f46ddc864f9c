import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { CreateCliTokenCommand, GetEnvironmentCommand, MWAAClient, MWAAServiceException } from '@aws-sdk/client-mwaa';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createClients } from '../../../src/aws/clients.js';
import { deriveNames } from '../../../src/engine/names.js';
import type { RunTiming } from '../../../src/ops/run.js';
import { listRuns } from '../../../src/ops/runs.js';
import { triggerRunAfterUpload } from '../../../src/ops/trigger-run.js';
import { allTasks, FakeAirflowCli, step } from '../../support/fake-airflow-cli.js';
import { opContextFor } from '../../support/op-context.js';

const mwaa = mockClient(MWAAClient);
const s3 = mockClient(S3Client);
const names = deriveNames('abalone', 'us-east-1', '123456789012');
const TIMING: RunTiming = { cli: { minGapMs: 0, requestTimeoutMs: 5_000 }, pollMs: 1, scheduledRunWaitMs: 20, followTimeoutMs: 5_000 };
let fake: FakeAirflowCli | undefined;

function record(runId: string, start: string, decision: string) {
  return { runId, dagId: 'abalone_pipeline', start, end: start, decision, rmse: 2.1, threshold: 3.1, dataFiles: [{ key: 'a', etag: '"e"', rows: 4177 }], rows: 4177, trainingJob: 't', model: 'm', endpointConfig: null, endpoint: null, force: false };
}

async function deps() {
  fake = new FakeAirflowCli({ triggeredSteps: [step('success', allTasks('success'))] });
  const url = await fake.start();
  return { clients: createClients({ region: 'us-east-1', endpointUrl: url, maxAttempts: 1, env: {} }), names, timing: TIMING, signal: new AbortController().signal };
}

beforeEach(() => {
  mwaa.reset();
  s3.reset();
  mwaa.on(GetEnvironmentCommand).resolves({ Environment: { Name: names.environment, Status: 'AVAILABLE', WebserverAccessMode: 'PUBLIC_ONLY' } } as never);
  mwaa.on(CreateCliTokenCommand).resolves({ CliToken: 't', WebServerHostname: 'h' });
  const old = record('manual__2026-11-01T10:00:00+00:00', '2026-11-01T10:00:00+00:00', 'rejected');
  const recent = record('scheduled__2026-11-30T00:00:00+00:00', '2026-12-01T00:00:05+00:00', 'deployed');
  s3.on(ListObjectsV2Command).resolves({
    Contents: [
      { Key: `abalone_data/runs/${old.runId}.json`, LastModified: new Date('2026-11-01T10:20:00Z') },
      { Key: `abalone_data/runs/${recent.runId}.json`, LastModified: new Date('2026-12-01T00:20:00Z') },
    ],
  });
  s3.on(GetObjectCommand, { Key: `abalone_data/runs/${old.runId}.json` }).resolves({ Body: { transformToString: async () => JSON.stringify(old) } } as never);
  s3.on(GetObjectCommand, { Key: `abalone_data/runs/${recent.runId}.json` }).resolves({ Body: { transformToString: async () => JSON.stringify(recent) } } as never);
});
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

describe('runs', () => {
  it('joins the run records with Airflow\'s list, newest first; a successful run without a record is skipped', async () => {
    const d = await deps();
    await triggerRunAfterUpload(opContextFor(d), { uploaded: 1, onEvent: () => undefined });
    const { runs, airflowUnavailable } = await listRuns(opContextFor(d), { limit: 10 });
    expect(airflowUnavailable).toBeUndefined();
    expect(runs.map((r) => [r.runId, r.state, r.decision])).toEqual([
      ['manual__2026-12-01T10:00:00+00:00', 'success', 'skipped'],
      ['scheduled__2026-11-30T00:00:00+00:00', 'success', 'deployed'],
      ['manual__2026-11-01T10:00:00+00:00', 'success', 'rejected'],
    ]);
    expect(runs[1]).toMatchObject({ rmse: 2.1, threshold: 3.1, dataFiles: 1, rows: 4177 });
    expect(fake!.commands.filter((c) => c.startsWith('dags list-runs'))).toHaveLength(1);
  });

  it('history outlives the environment: records only, saying why Airflow\'s list is not joined', async () => {
    const d = await deps();
    mwaa.on(GetEnvironmentCommand).rejects(new MWAAServiceException({ name: 'ResourceNotFoundException', $fault: 'client', $metadata: {}, message: 'not found' }));
    const { runs, airflowUnavailable } = await listRuns(opContextFor(d), { limit: 1 });
    expect(runs.map((r) => r.runId)).toEqual(['scheduled__2026-11-30T00:00:00+00:00']);
    expect(airflowUnavailable).toMatch(/does not exist/);
    expect(fake!.requests).toBe(0);
  });
});

describe('add-data starts a run', () => {
  it('only when at least one file was uploaded and the environment is AVAILABLE', async () => {
    const d = await deps();
    expect(await triggerRunAfterUpload(opContextFor(d), { uploaded: 0, onEvent: () => undefined })).toEqual({ run: null, skipped: 'nothing new was uploaded' });
    expect(fake!.requests).toBe(0);
    mwaa.on(GetEnvironmentCommand).resolves({ Environment: { Name: names.environment, Status: 'CREATING' } } as never);
    expect((await triggerRunAfterUpload(opContextFor(d), { uploaded: 1, onEvent: () => undefined })).run).toBeNull();
    expect(fake!.requests).toBe(0);
    mwaa.on(GetEnvironmentCommand).resolves({ Environment: { Name: names.environment, Status: 'AVAILABLE', WebserverAccessMode: 'PUBLIC_ONLY' } } as never);
    expect(await triggerRunAfterUpload(opContextFor(d), { uploaded: 2, onEvent: () => undefined })).toEqual({ run: { runId: 'manual__2026-12-01T10:00:00+00:00' } });
    expect(fake!.commands.filter((c) => c.startsWith('dags trigger'))).toEqual(['dags trigger abalone_pipeline --no-replace-microseconds -o json']);
  });
});
