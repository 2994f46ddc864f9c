import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CreateCrawlerCommand,
  CreateDatabaseCommand,
  CreateJobCommand,
  DeleteCrawlerCommand,
  DeleteDatabaseCommand,
  DeleteJobCommand,
  EntityNotFoundException,
  GetCrawlerCommand,
  GetDatabaseCommand,
  GetJobCommand,
  GetTagsCommand,
  GlueClient,
  GlueServiceException,
  InvalidInputException,
  TagResourceCommand,
  UpdateCrawlerCommand,
  UpdateJobCommand,
  type Job,
} from '@aws-sdk/client-glue';
import { ensureGlue } from '../../../src/steps/ensure-glue.js';
import { crawlerSpec, jobSpec } from '../../../src/steps/glue/specs.js';
import { stepContext, type TestStepContext } from '../../support/step-context.js';

const glue = mockClient(GlueClient);
const BUCKET = 'abalone-data-us-east-1-123456789012';
const ROLE = 'arn:aws:iam::123456789012:role/abalone-glue-us-east-1';
const notFound = () => new EntityNotFoundException({ message: 'not found', $metadata: {} });
const TAGS = { 'abalone-pipeline:name': 'abalone' };

let ctx: TestStepContext;

function serveExisting(overrides: { job?: Partial<Job>; crawlerPath?: string; tags?: Record<string, string> } = {}) {
  glue.on(GetDatabaseCommand).resolves({ Database: { Name: 'abalone_new' } });
  const crawler = crawlerSpec(ctx.names);
  glue.on(GetCrawlerCommand).resolves({
    Crawler: { ...crawler, Targets: { S3Targets: [{ Path: overrides.crawlerPath ?? crawler.Targets.S3Targets[0]!.Path }] }, State: 'READY' },
  });
  const spec = jobSpec(ctx.names, ctx.config);
  glue.on(GetJobCommand).resolves({ Job: { ...spec, Name: 'abalone-etl-job', ...overrides.job } as Job });
  glue.on(GetTagsCommand).resolves({ Tags: overrides.tags ?? TAGS });
}

function serveNothing() {
  glue.on(GetDatabaseCommand).rejects(notFound());
  glue.on(GetCrawlerCommand).rejects(notFound());
  glue.on(GetJobCommand).rejects(notFound());
}

beforeEach(() => {
  glue.reset();
  glue.onAnyCommand().rejects(new Error('unstubbed'));
  ctx = stepContext();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('ensure-glue create', () => {
  it('creates the database, the crawler over new/ and a Python shell job with the pipeline arguments', async () => {
    serveNothing();
    glue.on(CreateDatabaseCommand).resolves({});
    glue.on(CreateCrawlerCommand).resolves({});
    glue.on(CreateJobCommand).resolves({ Name: 'abalone-etl-job' });
    const changes = await ensureGlue.plan(ctx);
    expect(changes.map((c) => [c.action, c.resource])).toEqual([
      ['create', 'arn:aws:glue:us-east-1:123456789012:database/abalone_new'],
      ['create', 'arn:aws:glue:us-east-1:123456789012:crawler/abalone-crawler'],
      ['create', 'arn:aws:glue:us-east-1:123456789012:job/abalone-etl-job'],
    ]);
    expect(changes[2]!.detail).toBe('Python shell job (pythonshell, Glue 3.0, 0.0625 DPU), timeout 10 min, 1 concurrent run');
    for (const c of changes) await c.apply();

    expect(glue.commandCalls(CreateDatabaseCommand)[0]!.args[0].input).toMatchObject({ DatabaseInput: { Name: 'abalone_new' }, Tags: TAGS });
    expect(glue.commandCalls(CreateCrawlerCommand)[0]!.args[0].input).toMatchObject({
      Name: 'abalone-crawler',
      Role: ROLE,
      DatabaseName: 'abalone_new',
      Targets: { S3Targets: [{ Path: `s3://${BUCKET}/abalone_data/new/` }] },
      Tags: TAGS,
    });
    const job = glue.commandCalls(CreateJobCommand)[0]!.args[0].input;
    expect(job).toMatchObject({
      Name: 'abalone-etl-job',
      Role: ROLE,
      Command: { Name: 'pythonshell', ScriptLocation: `s3://${BUCKET}/airflow/scripts/abalone_etl_pythonshell.py`, PythonVersion: '3.9' },
      MaxCapacity: 0.0625,
      Timeout: 10,
      ExecutionProperty: { MaxConcurrentRuns: 1 },
      Tags: TAGS,
    });
    expect(job.WorkerType).toBeUndefined();
    expect(job.DefaultArguments).toEqual({
      '--bucket': BUCKET,
      '--raw_key': 'abalone_data/raw/abalone.data',
      '--new_prefix': 'abalone_data/new/',
      '--output_prefix': 'abalone_data/processed/',
      '--extra-py-files': `s3://${BUCKET}/airflow/scripts/abalone_etl_core.py`,
      '--TempDir': `s3://${BUCKET}/abalone_data/glue-temp/`,
    });
  });

  it('creates a Spark job (glueetl, Glue 5.0, 2 x G.1X) with --etl-engine spark', async () => {
    ctx = stepContext({ config: { etlEngine: 'spark' } });
    serveNothing();
    glue.on(CreateDatabaseCommand).resolves({});
    glue.on(CreateCrawlerCommand).resolves({});
    glue.on(CreateJobCommand).resolves({});
    for (const c of await ensureGlue.plan(ctx)) await c.apply();
    const job = glue.commandCalls(CreateJobCommand)[0]!.args[0].input;
    expect(job).toMatchObject({
      Command: { Name: 'glueetl', ScriptLocation: `s3://${BUCKET}/airflow/scripts/abalone_etl_spark.py` },
      GlueVersion: '5.0',
      WorkerType: 'G.1X',
      NumberOfWorkers: 2,
      Timeout: 10,
    });
    expect(job.MaxCapacity).toBeUndefined();
  });

  it('waits for IAM to propagate the new role when Glue cannot assume it yet, and says so', async () => {
    vi.useFakeTimers();
    serveNothing();
    glue.on(CreateDatabaseCommand).resolves({});
    glue
      .on(CreateCrawlerCommand)
      .rejectsOnce(new InvalidInputException({ message: "Service is unable to assume provided role. Please verify role's TrustPolicy", $metadata: {} }))
      .resolves({});
    glue.on(CreateJobCommand).resolves({});
    const changes = await ensureGlue.plan(ctx);
    const applying = (async () => {
      for (const c of changes) await c.apply();
    })();
    await vi.runAllTimersAsync();
    await applying;
    expect(glue.commandCalls(CreateCrawlerCommand)).toHaveLength(2);
    expect(ctx.events).toEqual([
      expect.objectContaining({ kind: 'notice', step: 'ensure-glue', message: expect.stringContaining('abalone-glue-us-east-1') }),
    ]);
  });

  it('gives up after the bounded retries and reports the last error', async () => {
    vi.useFakeTimers();
    serveNothing();
    glue.on(CreateDatabaseCommand).resolves({});
    glue.on(CreateCrawlerCommand).rejects(new InvalidInputException({ message: 'Service is unable to assume provided role', $metadata: {} }));
    const changes = await ensureGlue.plan(ctx);
    await changes[0]!.apply();
    const failing = changes[1]!.apply();
    const outcome = expect(failing).rejects.toMatchObject({ name: 'InvalidInputException' });
    await vi.runAllTimersAsync();
    await outcome;
    expect(glue.commandCalls(CreateCrawlerCommand)).toHaveLength(8);
  });
});

describe('ensure-glue converged and drift', () => {
  it('is a no-op, and status is ok, when everything matches', async () => {
    serveExisting();
    expect(await ensureGlue.plan(ctx)).toEqual([]);
    const states = await ensureGlue.status(ctx);
    expect(states.map((s) => [s.type, s.id, s.state])).toEqual([
      ['glue-database', 'abalone_new', 'ok'],
      ['glue-crawler', 'abalone-crawler', 'ok'],
      ['glue-job', 'abalone-etl-job', 'ok'],
    ]);
  });

  it('updates a drifted job in place with UpdateJob and the complete definition', async () => {
    serveExisting({ job: { Timeout: 20, DefaultArguments: { ...jobSpec(ctx.names, ctx.config).DefaultArguments, '--bucket': 'elsewhere' } } });
    glue.on(UpdateJobCommand).resolves({});
    const status = await ensureGlue.status(ctx);
    expect(status[2]).toMatchObject({ state: 'drift', detail: `timeout 20 (want 10); argument --bucket elsewhere (want ${BUCKET})` });
    const changes = await ensureGlue.plan(ctx);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ action: 'update', resource: 'arn:aws:glue:us-east-1:123456789012:job/abalone-etl-job' });
    await changes[0]!.apply();
    expect(glue.commandCalls(UpdateJobCommand)[0]!.args[0].input).toEqual({ JobName: 'abalone-etl-job', JobUpdate: jobSpec(ctx.names, ctx.config) });
  });

  it('switching engines updates the job: pythonshell to spark drops the DPU setting for workers', async () => {
    serveExisting();
    const spark = stepContext({ config: { etlEngine: 'spark' } });
    glue.on(UpdateJobCommand).resolves({});
    const changes = await ensureGlue.plan(spark);
    expect(changes).toHaveLength(1);
    expect(changes[0]!.detail).toContain('engine pythonshell (want glueetl)');
    expect(changes[0]!.detail).toContain('worker type unset (want G.1X)');
    await changes[0]!.apply();
    const update = glue.commandCalls(UpdateJobCommand)[0]!.args[0].input.JobUpdate!;
    expect(update).toMatchObject({ WorkerType: 'G.1X', NumberOfWorkers: 2, GlueVersion: '5.0', Command: { Name: 'glueetl' } });
    expect(update.MaxCapacity).toBeUndefined();
  });

  it('updates a drifted crawler in place with UpdateCrawler', async () => {
    serveExisting({ crawlerPath: `s3://${BUCKET}/elsewhere/` });
    glue.on(UpdateCrawlerCommand).resolves({});
    const changes = await ensureGlue.plan(ctx);
    expect(changes.map((c) => c.detail)).toEqual([`S3 targets s3://${BUCKET}/elsewhere/ (want s3://${BUCKET}/abalone_data/new/)`]);
    await changes[0]!.apply();
    expect(glue.commandCalls(UpdateCrawlerCommand)[0]!.args[0].input).toMatchObject({
      Name: 'abalone-crawler',
      Role: ROLE,
      Targets: { S3Targets: [{ Path: `s3://${BUCKET}/abalone_data/new/` }] },
    });
  });

  it('says clearly when the endpoint does not implement UpdateJob (moto)', async () => {
    serveExisting({ job: { Timeout: 20 } });
    const syntax = Object.assign(new SyntaxError('Unexpected token \'<\', "<!doctype "... is not valid JSON'), { $metadata: {} });
    glue.on(UpdateJobCommand).rejects(syntax);
    const [update] = await ensureGlue.plan(ctx);
    await expect(update!.apply()).rejects.toMatchObject({ code: 'OperationNotImplemented', message: expect.stringContaining('glue:UpdateJob') });
  });

  it("resources with the pipeline's names but not its tag: not adopted (the step stops, status says so, destroy leaves them); --adopt tags them", async () => {
    serveExisting({ tags: {} });
    glue.on(TagResourceCommand).resolves({});
    await expect(ensureGlue.plan(ctx)).rejects.toMatchObject({ code: 'NotOurs', message: expect.stringContaining('arn:aws:glue:us-east-1:123456789012:crawler/abalone-crawler') });
    expect((await ensureGlue.status(ctx)).map((r) => r.state)).toEqual(['drift', 'drift', 'drift']);
    expect(await ensureGlue.planDestroy(ctx)).toEqual([]);
    expect(glue.commandCalls(TagResourceCommand)).toHaveLength(0);
    const adopt = stepContext({ config: { adopt: true } });
    const changes = await ensureGlue.plan(adopt);
    expect(changes.map((c) => c.detail)).toEqual(Array(3).fill('adopt (--adopt): no tag abalone-pipeline:name; tag it abalone-pipeline:name = abalone'));
    for (const c of changes) await c.apply();
    expect(glue.commandCalls(TagResourceCommand).map((c) => c.args[0].input.TagsToAdd)).toEqual(Array(3).fill(TAGS));
  });

  it('propagates AccessDenied', async () => {
    serveExisting();
    glue.on(GetJobCommand).rejects(new GlueServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'not authorized to perform: glue:GetJob', $metadata: {} }));
    await expect(ensureGlue.plan(ctx)).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });
});

describe('ensure-glue destroy', () => {
  it('deletes the crawler and the job before the database', async () => {
    serveExisting();
    glue.on(DeleteCrawlerCommand).resolves({});
    glue.on(DeleteJobCommand).resolves({});
    glue.on(DeleteDatabaseCommand).resolves({});
    const changes = await ensureGlue.planDestroy(ctx);
    expect(changes.map((c) => c.resource.split(':').pop())).toEqual(['crawler/abalone-crawler', 'job/abalone-etl-job', 'database/abalone_new']);
    for (const c of changes) await c.apply();
    expect(glue.commandCalls(DeleteDatabaseCommand)[0]!.args[0].input).toEqual({ Name: 'abalone_new' });
  });

  it('plans nothing when nothing exists', async () => {
    serveNothing();
    expect(await ensureGlue.planDestroy(ctx)).toEqual([]);
  });
});
