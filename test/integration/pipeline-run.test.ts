import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ListTrainingJobsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { GetTagsCommand, GlueClient, TagResourceCommand } from '@aws-sdk/client-glue';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { parseJson, runCli } from '../support/cli.js';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';

/**
 * The pipeline's loop end to end on the local endpoint (issue 13; docs/runs.md):
 * `up` -> `run` (deployed) -> `predict` -> `run` (skipped: nothing new) -> `add-data` (starts a
 * run) -> `runs`, with the endpoint executing the DAG (packages/local-endpoint/dag-runner) and its work (the
 * local Glue, SageMaker and Lambda of docs/local-endpoint.md).
 */
const BUCKET = 'abalone-data-us-east-1-123456789012';

let endpoint: TestEndpoint;
let s3: S3Client;
let sagemaker: SageMakerClient;
let glue: GlueClient;
let sts: STSClient;
let work: string;

const cli = (args: string[]) => runCli(args, { env: endpoint.env, timeoutMs: 240_000 });

beforeAll(async () => {
  endpoint = await startLocalEndpoint();
  const config = { endpoint: endpoint.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  s3 = new S3Client({ ...config, forcePathStyle: true });
  sagemaker = new SageMakerClient(config);
  glue = new GlueClient(config);
  sts = new STSClient(config);
  work = await mkdtemp(join(tmpdir(), 'pipeline-run-'));
}, 120_000);

afterAll(async () => {
  await endpoint?.stop();
});

async function trainingJobs(): Promise<number> {
  return (await sagemaker.send(new ListTrainingJobsCommand({ MaxResults: 100 }))).TrainingJobSummaries?.length ?? 0;
}

async function runRecords(): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'abalone_data/runs/' }));
  return (out.Contents ?? []).map((o) => o.Key!);
}

describe('running the pipeline on the local endpoint', () => {
  it('up -> run deployed -> predict -> run skipped -> add-data starts a run -> runs', async () => {
    const up = await cli(['up', '--yes', '--json']);
    expect(up.code, up.stderr).toBe(0);

    // Issue 19: a tag the pipeline does not own (an organisation's tagging automation, a console
    // edit) must survive a run: the DAG's crawl task never changes the crawler's tags.
    const account = (await sts.send(new GetCallerIdentityCommand({}))).Account!;
    const crawlerArn = `arn:aws:glue:us-east-1:${account}:crawler/abalone-crawler`;
    await glue.send(new TagResourceCommand({ ResourceArn: crawlerArn, TagsToAdd: { 'org:cost-centre': 'research' } }));

    // The first run: MWAA creates the DAG paused; run unpauses it (saying so) and follows a run to its decision.
    const first = await cli(['run', '--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/was paused .*unpaused it/);
    const firstDoc = parseJson(first);
    expect(firstDoc).toMatchObject({ state: 'success', result: { decision: 'deployed', endpoint: 'abalone-endpoint' } });
    expect(firstDoc.result.rmse).toBeLessThanOrEqual(firstDoc.result.threshold);
    expect(firstDoc.result.rows).toBeGreaterThan(4000);
    expect(firstDoc.tasks.map((t: { taskId: string }) => t.taskId)).toContain('check_new_data');
    expect(await trainingJobs()).toBe(1);
    expect(await runRecords()).toEqual([`abalone_data/runs/${firstDoc.runId}.json`]);
    expect(firstDoc.tasks.find((t: { taskId: string; state: string }) => t.taskId === 'crawl_new_data')).toMatchObject({ state: 'success' });
    expect((await glue.send(new GetTagsCommand({ ResourceArn: crawlerArn }))).Tags).toEqual({ 'abalone-pipeline:name': 'abalone', 'org:cost-centre': 'research' });

    const predicted = await cli(['predict', '--json', '--row', 'M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15', '--row', 'I,0.33,0.255,0.08,0.205,0.0895,0.0395,0.055']);
    expect(predicted.code, predicted.stderr).toBe(0);
    const predictions = parseJson(predicted).predictions as Array<{ row: number; rings: number; ageYears: number }>;
    expect(predictions.map((p) => p.row)).toEqual([1, 2]);
    for (const p of predictions) {
      expect(p.rings).toBeGreaterThan(1);
      expect(p.rings).toBeLessThan(30);
      expect(p.ageYears).toBeCloseTo(p.rings + 1.5, 2);
    }

    // Nothing new since the recorded run: the second run short-circuits and trains nothing.
    const second = await cli(['run', '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toMatch(/was paused/);
    expect(parseJson(second)).toMatchObject({ state: 'success', result: { decision: 'skipped' } });
    expect(await trainingJobs()).toBe(1);
    expect(await runRecords()).toHaveLength(1);

    // New data retrains: add-data starts a run, as run --no-follow does.
    const file = join(work, 'survey.csv');
    await writeFile(file, 'sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight,rings\nM,0.5,0.4,0.12,0.6,0.25,0.12,0.2,11\nF,0.56,0.44,0.15,0.85,0.35,0.18,0.26,12\nI,0.3,0.22,0.07,0.15,0.06,0.03,0.05,6\n');
    const added = await cli(['add-data', '--json', file]);
    expect(added.code, added.stderr).toBe(0);
    const addedRun = parseJson(added).run as { runId: string };
    expect(addedRun.runId).toMatch(/^manual__/);

    // The same content again uploads nothing and starts nothing.
    const again = await cli(['add-data', '--json', file]);
    expect(again.code, again.stderr).toBe(0);
    expect(parseJson(again).run).toBeNull();

    // `runs` shows it; poll until it ends (bounded by the test's timeout).
    let runs: Array<{ runId: string; state: string; decision: string | null; dataFiles: number | null; rows: number | null }> = [];
    for (let i = 0; i < 120; i++) {
      const listed = await cli(['runs', '--json']);
      expect(listed.code, listed.stderr).toBe(0);
      runs = parseJson(listed).runs;
      if (runs.find((r) => r.runId === addedRun.runId && (r.state === 'success' || r.state === 'failed'))) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(runs.map((r) => r.runId)).toEqual([addedRun.runId, parseJson(second).runId, firstDoc.runId]);
    expect(runs[0]).toMatchObject({ state: 'success' });
    expect(['deployed', 'rejected']).toContain(runs[0]!.decision);
    expect(runs[0]).toMatchObject({ dataFiles: 2, rows: firstDoc.result.rows + 3 });
    expect(runs[1]).toMatchObject({ state: 'success', decision: 'skipped' });
    expect(runs[2]).toMatchObject({ state: 'success', decision: 'deployed' });
    expect(await trainingJobs()).toBe(2);
    expect(await runRecords()).toHaveLength(2);
  }, 600_000);
});
