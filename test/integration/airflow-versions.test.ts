import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetEnvironmentCommand, MWAAClient } from '@aws-sdk/client-mwaa';
import { ListTrainingJobsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { parseJson, runCli } from '../support/cli.js';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';
import { RecordingProxy } from '../support/recording-proxy.js';

/**
 * Issue 22: the pipeline's loop end to end on each Airflow version the DAG runs on, on the local
 * endpoint (its MWAA emulator with Airflow 3.0.6 and 2.10.3, its DAG runner with each version's
 * semantics): `up --yes` creates the environment on the version (none typed: 3.0.6, the default
 * for a new pipeline), `run` follows a run to `deployed`, `predict` answers, `add-data` starts a
 * run that retrains, `runs` lists them. On 3.x the tool reaches Airflow through InvokeRestApi
 * (REST API v2), on 2.10.3 through MWAA's CLI endpoint: the wire shows which. Then the version
 * rules: a plain `up` keeps the environment's version, 2.10.3 → 3.0.6 is a confirmed replacement,
 * 3.0.6 → 2.10.3 is refused.
 */
const BUCKET = 'abalone-data-us-east-1-123456789012';
const ENVIRONMENT = 'abalone-airflow-environment';
const CONSTRAINTS = {
  '3.0.6': 'constraints-3.0.6/constraints-3.12.txt',
  '2.10.3': 'constraints-2.10.3/constraints-3.11.txt',
} as const;

let endpoint: TestEndpoint | undefined;
let proxy: RecordingProxy | undefined;
let work: string | undefined;

afterEach(async () => {
  await proxy?.stop();
  await endpoint?.stop();
  if (work) await rm(work, { recursive: true, force: true });
  proxy = undefined;
  endpoint = undefined;
  work = undefined;
});

async function open() {
  endpoint = await startLocalEndpoint();
  proxy = new RecordingProxy(endpoint.url);
  await proxy.start();
  work = await mkdtemp(join(tmpdir(), 'airflow-versions-'));
  const config = { endpoint: endpoint.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const env = endpoint.env;
  return {
    cli: (args: string[]) => runCli(args, { env, timeoutMs: 240_000 }),
    /** The command through the recorder: what it sent. */
    recorded: async (args: string[]) => {
      proxy!.clear();
      const result = await runCli(args, { env: { ...env, AWS_ENDPOINT_URL: proxy!.url }, timeoutMs: 240_000 });
      return { result, paths: proxy!.calls.map((c) => `${c.method} ${c.path}`) };
    },
    s3: new S3Client({ ...config, forcePathStyle: true }),
    mwaa: new MWAAClient({ ...config, disableHostPrefix: true }),
    sagemaker: new SageMakerClient(config),
  };
}

type Open = Awaited<ReturnType<typeof open>>;

async function airflowVersion(t: Open): Promise<string | undefined> {
  return (await t.mwaa.send(new GetEnvironmentCommand({ Name: ENVIRONMENT }))).Environment?.AirflowVersion;
}

async function requirements(t: Open): Promise<string> {
  const out = await t.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'airflow/requirements.txt' }));
  return out.Body!.transformToString();
}

async function trainingJobs(t: Open): Promise<number> {
  return (await t.sagemaker.send(new ListTrainingJobsCommand({ MaxResults: 100 }))).TrainingJobSummaries?.length ?? 0;
}

/** `up --yes` (with the version flag, if any), then the loop: run → predict → add-data → runs. */
async function loop(t: Open, flags: string[], version: '3.0.6' | '2.10.3'): Promise<void> {
  const up = await t.cli(['up', '--yes', '--json', ...flags]);
  expect(up.code, up.stderr).toBe(0);
  expect(await airflowVersion(t)).toBe(version);
  // The requirements of that version, uploaded as the key the environment points at; never the folder.
  expect(await requirements(t)).toContain(CONSTRAINTS[version]);
  const keys = ((await t.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'airflow/' }))).Contents ?? []).map((o) => o.Key!);
  expect(keys.filter((k) => k.startsWith('airflow/requirements'))).toEqual(['airflow/requirements.txt']);

  const status = await t.cli(['status', '--json']);
  expect(status.code, status.stderr).toBe(0);
  const mwaaRow = parseJson(status).resources.find((r: { step: string }) => r.step === 'ensure-mwaa');
  expect(mwaaRow).toMatchObject({ state: 'ok', detail: expect.stringContaining(`Airflow ${version}`) });

  // The first run: MWAA creates the DAG paused; run unpauses it and follows a run (the scheduled
  // run unpausing started, or one it triggered) to its decision.
  const first = await t.recorded(['run', '--force', '--json']);
  expect(first.result.code, first.result.stderr).toBe(0);
  expect(first.result.stderr).toMatch(/was paused .*unpaused it/);
  const firstDoc = parseJson(first.result);
  expect(firstDoc).toMatchObject({ state: 'success', result: { decision: 'deployed', endpoint: 'abalone-endpoint' } });
  // The recorder sees the signed AWS calls: InvokeRestApi on 3.x, CreateCliToken (before each
  // unsigned /aws_mwaa/cli request) on 2.10.3.
  if (version === '3.0.6') {
    expect(first.paths.some((p) => p === `POST /restapi/${ENVIRONMENT}`)).toBe(true);
    expect(first.paths.some((p) => p.startsWith('POST /clitoken/'))).toBe(false);
  } else {
    expect(first.paths.some((p) => p === `POST /clitoken/${ENVIRONMENT}`)).toBe(true);
    expect(first.paths.some((p) => p.startsWith('POST /restapi/'))).toBe(false);
  }
  const trainedFirst = await trainingJobs(t);
  expect(trainedFirst).toBeGreaterThanOrEqual(1);

  const predicted = await t.cli(['predict', '--json', '--row', 'M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15']);
  expect(predicted.code, predicted.stderr).toBe(0);
  const [prediction] = parseJson(predicted).predictions as Array<{ rings: number; ageYears: number }>;
  expect(prediction!.rings).toBeGreaterThan(1);
  expect(prediction!.rings).toBeLessThan(30);

  // New data retrains: add-data starts a run, as run --no-follow does.
  const file = join(work!, 'survey.csv');
  await writeFile(file, 'sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight,rings\nM,0.5,0.4,0.12,0.6,0.25,0.12,0.2,11\nF,0.56,0.44,0.15,0.85,0.35,0.18,0.26,12\nI,0.3,0.22,0.07,0.15,0.06,0.03,0.05,6\n');
  const added = await t.cli(['add-data', '--json', file]);
  expect(added.code, added.stderr).toBe(0);
  const addedRun = parseJson(added).run as { runId: string };
  expect(addedRun.runId).toMatch(/^manual__/);

  let runs: Array<{ runId: string; state: string; decision: string | null; dataFiles: number | null }> = [];
  for (let i = 0; i < 180; i++) {
    const listed = await t.cli(['runs', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    runs = parseJson(listed).runs;
    if (runs.find((r) => r.runId === addedRun.runId && (r.state === 'success' || r.state === 'failed'))) break;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const ids = runs.map((r) => r.runId);
  expect(ids).toContain(addedRun.runId);
  expect(ids).toContain(firstDoc.runId);
  const retrained = runs.find((r) => r.runId === addedRun.runId)!;
  expect(retrained).toMatchObject({ state: 'success', dataFiles: 2 });
  expect(['deployed', 'rejected']).toContain(retrained.decision);
  expect(runs.find((r) => r.runId === firstDoc.runId)).toMatchObject({ state: 'success', decision: 'deployed' });
  expect(await trainingJobs(t)).toBe(trainedFirst + 1);
}

describe('Airflow versions on the local endpoint (issue 22)', () => {
  it('no version flag: a new pipeline on 3.0.6 (InvokeRestApi, REST API v2): up, run, predict, add-data, runs; going back to 2.10.3 is refused', async () => {
    const t = await open();
    await loop(t, [], '3.0.6');

    const back = await t.cli(['up', '--yes', '--json', '--airflow-version', '2.10.3']);
    expect(back.code).toBe(1);
    const refused = parseJson(back).steps.find((s: { step: string }) => s.step === 'ensure-mwaa');
    expect(refused).toMatchObject({ status: 'failed', error: { code: 'AirflowDowngradeRefused', message: expect.stringMatching(/MWAA downgrades Airflow 3 only to 2\.11\.x/) } });
    expect(await airflowVersion(t)).toBe('3.0.6');
  }, 900_000);

  it('--airflow-version 2.10.3 (the CLI endpoint): up, run, predict, add-data, runs; a plain up keeps 2.10.3; 3.0.6 replaces it after a confirmation', async () => {
    const t = await open();
    await loop(t, ['--airflow-version', '2.10.3'], '2.10.3');

    // A plain up never changes an existing environment's version.
    const plain = await t.cli(['up', '--yes', '--json']);
    expect(plain.code, plain.stderr).toBe(0);
    const mwaaStep = parseJson(plain).steps.find((s: { step: string }) => s.step === 'ensure-mwaa');
    expect(mwaaStep).toMatchObject({ status: 'unchanged', changes: [] });
    expect(await airflowVersion(t)).toBe('2.10.3');

    // 3.0.6: a replacement, shown with its time and what is lost; --dry-run changes nothing.
    const dry = await t.cli(['up', '--dry-run', '--json', '--airflow-version', '3.0.6']);
    expect(dry.code, dry.stderr).toBe(0);
    const planned = parseJson(dry).steps.find((s: { step: string }) => s.step === 'ensure-mwaa').changes as Array<{ action: string; detail: string }>;
    expect(planned.map((c) => c.action)).toEqual(['delete', 'create']);
    expect(planned[0]!.detail).toContain("Airflow's own run history");
    expect(planned[1]!.detail).toContain('about 20-30 minutes on AWS');
    expect(await airflowVersion(t)).toBe('2.10.3');

    // Without a terminal and without --yes it needs a confirmation: exit 2, nothing sent.
    const unconfirmed = await t.cli(['up', '--airflow-version', '3.0.6']);
    expect(unconfirmed.code).toBe(2);
    expect(await airflowVersion(t)).toBe('2.10.3');

    // Confirmed: the environment is replaced by a 3.0.6 one; the run records stay in the bucket.
    const records = async () => ((await t.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'abalone_data/runs/' }))).Contents ?? []).map((o) => o.Key!).sort();
    const before = await records();
    const replaced = await t.cli(['up', '--yes', '--airflow-version', '3.0.6']);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(await airflowVersion(t)).toBe('3.0.6');
    expect(await requirements(t)).toContain(CONSTRAINTS['3.0.6']);
    expect(await records()).toEqual(before);
    const listed = await t.cli(['runs', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    expect((parseJson(listed).runs as Array<{ runId: string }>).map((r) => `abalone_data/runs/${r.runId}.json`)).toEqual(expect.arrayContaining(before));
  }, 900_000);
});
