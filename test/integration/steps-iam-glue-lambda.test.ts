import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GetRolePolicyCommand, IAMClient, ListRolesCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateCrawlerCommand, CreateJobCommand, DeleteCrawlerCommand, DeleteJobCommand, GetCrawlerCommand, GetDatabaseCommand, GetJobCommand, GlueClient } from '@aws-sdk/client-glue';
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { BatchGetProjectsCommand, CodeBuildClient, CreateProjectCommand, DeleteProjectCommand, ListProjectsCommand } from '@aws-sdk/client-codebuild';
import { GetParameterCommand, GetParametersByPathCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { parseJson, runCli } from '../support/cli.js';
import { CountingProxy, type RecordedCall } from '../support/counting-proxy.js';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';

const MINE = ['ensure-bucket', 'ensure-roles', 'ensure-glue', 'ensure-lambda', 'ensure-codebuild', 'ensure-parameters'];
const ONLY = ['--only', MINE.join(',')];
const POLICY = 'abalone-pipeline-least-privilege';

let endpoint: TestEndpoint;
let proxy: CountingProxy;
let iam: IAMClient;
let glue: GlueClient;
let lambda: LambdaClient;
let codebuild: CodeBuildClient;
let ssm: SSMClient;

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { env: { ...endpoint.env, ...env } });

/** `up` of these steps for one pipeline; fails the test with the CLI's stderr when it fails. */
async function up(...extra: string[]) {
  const run = await cli(['up', '--yes', '--json', ...ONLY, ...extra]);
  expect(run.code, run.stderr).toBe(0);
  return parseJson(run);
}

async function statusRows(...extra: string[]): Promise<any[]> {
  const run = await cli(['status', '--json', ...extra]);
  return parseJson(run).resources.filter((r: any) => MINE.includes(r.step));
}

/** Writes, apart from the per-pipeline lock's SSM lease (the only writes a converged up may make). */
function writesOtherThanLock(calls: RecordedCall[]): RecordedCall[] {
  return calls.filter((c) => !(c.service === 'ssm' && ['PutParameter', 'DeleteParameter', 'DeleteParameters'].includes(c.operation)));
}

beforeAll(async () => {
  endpoint = await startLocalEndpoint();
  proxy = new CountingProxy(endpoint.url);
  await proxy.start();
  const config = { endpoint: endpoint.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  iam = new IAMClient(config);
  glue = new GlueClient(config);
  lambda = new LambdaClient(config);
  codebuild = new CodeBuildClient(config);
  ssm = new SSMClient(config);
});

afterAll(async () => {
  await proxy?.stop();
  await endpoint?.stop();
});

beforeEach(async () => {
  await endpoint.reset();
  proxy.clear();
});

describe('roles, Glue, Lambda, CodeBuild and parameters against the local endpoint', () => {
  it('up creates everything; a second up is unchanged with no mutating call; status is all ok', async () => {
    const first = await up();
    const changed = Object.fromEntries(first.steps.map((s: any) => [s.step, s.changes.map((c: any) => c.action)]));
    expect(changed['ensure-roles']).toEqual(Array(5).fill('create'));
    expect(changed['ensure-glue']).toEqual(['create', 'create', 'create']);
    expect(changed['ensure-lambda']).toEqual(['create']);
    expect(changed['ensure-codebuild']).toEqual(['create']);
    expect(changed['ensure-parameters']).toEqual(Array(7).fill('create'));

    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: 'abalone-analyze-results' }));
    expect(fn.Configuration).toMatchObject({ Runtime: 'python3.12', Handler: 'analyze_results.handler', MemorySize: 128, Timeout: 60, State: 'Active' });
    expect((await ssm.send(new GetParameterCommand({ Name: '/abalone-pipeline/abalone/rmse-threshold' }))).Parameter?.Value).toBe('3.1');
    const job = (await glue.send(new GetJobCommand({ JobName: 'abalone-etl-job' }))).Job!;
    expect(job).toMatchObject({ Command: { Name: 'pythonshell' }, MaxCapacity: 0.0625, Timeout: 10, ExecutionProperty: { MaxConcurrentRuns: 1 } });

    const second = await cli(['up', '--yes', '--json', ...ONLY], { AWS_ENDPOINT_URL: proxy.url });
    expect(second.code, second.stderr).toBe(0);
    for (const step of parseJson(second).steps) expect(step, step.step).toMatchObject({ status: 'unchanged', changes: [] });
    expect(proxy.calls.length).toBeGreaterThan(0);
    expect(writesOtherThanLock(proxy.mutating())).toEqual([]);

    const rows = await statusRows();
    expect(rows.length).toBe(1 + 5 + 3 + 1 + 1 + 7);
    expect(rows.filter((r) => r.state !== 'ok')).toEqual([]);
  });

  it('an edited inline policy, parameter and function configuration show as drift and up repairs them', async () => {
    await up();
    const role = 'abalone-glue-us-east-1';
    const original = (await iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: POLICY }))).PolicyDocument!;
    const edited = JSON.parse(decodeURIComponent(original));
    edited.Statement.find((s: any) => s.Sid === 'WriteSplitsAndTempFiles').Resource = 'arn:aws:s3:::abalone-data-us-east-1-123456789012/*';
    await iam.send(new PutRolePolicyCommand({ RoleName: role, PolicyName: POLICY, PolicyDocument: JSON.stringify(edited) }));
    await ssm.send(new PutParameterCommand({ Name: '/abalone-pipeline/abalone/etl-job-name', Value: 'tampered', Type: 'String', Overwrite: true }));
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'abalone-analyze-results', MemorySize: 256 }));

    const drifted = await cli(['status', '--json']);
    expect(drifted.code).toBe(3);
    const rows = parseJson(drifted).resources;
    expect(rows.find((r: any) => r.id === role)).toMatchObject({ state: 'drift', detail: `inline policy ${POLICY}: statement WriteSplitsAndTempFiles differs` });
    expect(rows.find((r: any) => r.id === '/abalone-pipeline/abalone/etl-job-name')).toMatchObject({ state: 'drift', detail: 'value "tampered" (want "abalone-etl-job")' });
    expect(rows.find((r: any) => r.id === 'abalone-analyze-results')).toMatchObject({ state: 'drift', detail: 'MemorySize 256 (want 128)' });

    const repair = await up();
    const updates = repair.steps.flatMap((s: any) => s.changes.map((c: any) => `${s.step} ${c.action}`));
    expect(updates.sort()).toEqual(['ensure-lambda update', 'ensure-parameters update', 'ensure-roles update']);
    expect((await statusRows()).filter((r) => r.state !== 'ok')).toEqual([]);
  });

  it('reports crawler, job and project drift in status, and up fails clearly where moto lacks UpdateJob', async () => {
    await up();
    // moto has no UpdateCrawler or UpdateProject either: re-create them with other settings.
    const crawler = (await glue.send(new GetCrawlerCommand({ Name: 'abalone-crawler' }))).Crawler!;
    await glue.send(new DeleteCrawlerCommand({ Name: 'abalone-crawler' }));
    await glue.send(new CreateCrawlerCommand({ Name: 'abalone-crawler', Role: crawler.Role!, DatabaseName: crawler.DatabaseName, Targets: { S3Targets: [{ Path: 's3://elsewhere/' }] }, Tags: { 'abalone-pipeline:name': 'abalone' } }));
    const project = (await codebuild.send(new BatchGetProjectsCommand({ names: ['abalone-deploy-airflow'] }))).projects![0]!;
    await codebuild.send(new DeleteProjectCommand({ name: 'abalone-deploy-airflow' }));
    await codebuild.send(new CreateProjectCommand({ ...project, name: 'abalone-deploy-airflow', source: project.source!, artifacts: project.artifacts!, environment: { ...project.environment!, image: 'aws/codebuild/standard:4.0' }, serviceRole: project.serviceRole! }));
    // moto has no UpdateJob: re-create the job with another timeout to stand for an edit.
    const job = (await glue.send(new GetJobCommand({ JobName: 'abalone-etl-job' }))).Job!;
    await glue.send(new DeleteJobCommand({ JobName: 'abalone-etl-job' }));
    await glue.send(new CreateJobCommand({ ...job, Name: 'abalone-etl-job', Role: job.Role!, Command: job.Command!, Timeout: 30, Tags: { 'abalone-pipeline:name': 'abalone' } }));
    const rows = await statusRows();
    expect(rows.find((r) => r.type === 'glue-job')).toMatchObject({ state: 'drift', detail: expect.stringContaining('timeout 30 (want 10)') });
    expect(rows.find((r) => r.type === 'glue-crawler')).toMatchObject({ state: 'drift', detail: expect.stringContaining('S3 targets s3://elsewhere/') });
    expect(rows.find((r) => r.type === 'codebuild-project')).toMatchObject({ state: 'drift', detail: expect.stringContaining('image aws/codebuild/standard:4.0') });

    const run = await cli(['up', '--yes', '--json', ...ONLY]);
    expect(run.code).toBe(1);
    const step = parseJson(run).steps.find((s: any) => s.step === 'ensure-glue');
    expect(step).toMatchObject({ status: 'failed', error: { code: 'OperationNotImplemented', message: expect.stringContaining('glue:Update') } });
    const project2 = parseJson(run).steps.find((s: any) => s.step === 'ensure-codebuild');
    expect(project2).toMatchObject({ status: 'failed', error: { code: 'OperationNotImplemented', message: expect.stringContaining('codebuild:UpdateProject') } });
  });

  it('--managed-policies and back converge, and destroy removes every role, parameter and resource', async () => {
    await up();
    const managed = await up('--managed-policies');
    const roleChanges = managed.steps.find((s: any) => s.step === 'ensure-roles').changes.map((c: any) => c.detail);
    expect(roleChanges).toContain('managed policy arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole not attached');
    expect(roleChanges).toContain(`inline policy ${POLICY} not expected`);
    expect((await statusRows('--managed-policies')).filter((r) => r.state !== 'ok')).toEqual([]);
    await up();
    expect((await statusRows()).filter((r) => r.state !== 'ok')).toEqual([]);

    const destroy = await cli(['destroy', '--yes', '--json']);
    expect(destroy.code, destroy.stderr).toBe(0);
    const roles = (await iam.send(new ListRolesCommand({}))).Roles ?? [];
    expect(roles.filter((r) => r.RoleName!.startsWith('abalone-'))).toEqual([]);
    expect((await ssm.send(new GetParametersByPathCommand({ Path: '/abalone-pipeline/abalone', Recursive: true }))).Parameters).toEqual([]);
    await expect(glue.send(new GetDatabaseCommand({ Name: 'abalone_new' }))).rejects.toMatchObject({ name: 'EntityNotFoundException' });
    expect((await lambda.send(new ListFunctionsCommand({}))).Functions).toEqual([]);
    expect((await codebuild.send(new ListProjectsCommand({}))).projects ?? []).toEqual([]);
    const after = await statusRows();
    expect(after.every((r) => r.state === 'missing')).toBe(true);
  });

  it('two pipelines with different --name never touch each other', async () => {
    await up();
    await up('--name', 'other');
    const names = ((await iam.send(new ListRolesCommand({}))).Roles ?? []).map((r) => r.RoleName).sort();
    expect(names).toEqual([
      'abalone-codebuild-us-east-1', 'abalone-glue-us-east-1', 'abalone-lambda-us-east-1', 'abalone-mwaa-exec-us-east-1', 'abalone-sagemaker-us-east-1',
      'other-codebuild-us-east-1', 'other-glue-us-east-1', 'other-lambda-us-east-1', 'other-mwaa-exec-us-east-1', 'other-sagemaker-us-east-1',
    ]);
    expect((await ssm.send(new GetParameterCommand({ Name: '/abalone-pipeline/other/data-bucket' }))).Parameter?.Value).toBe('other-data-us-east-1-123456789012');

    // Drift in one pipeline is not the other's drift, and repairing or destroying one leaves the other alone.
    await ssm.send(new PutParameterCommand({ Name: '/abalone-pipeline/other/crawler-name', Value: 'tampered', Type: 'String', Overwrite: true }));
    expect((await statusRows()).filter((r) => r.state !== 'ok')).toEqual([]);
    const destroyOther = await cli(['destroy', '--yes', '--json', '--name', 'other']);
    expect(destroyOther.code, destroyOther.stderr).toBe(0);
    const deleted: string[] = parseJson(destroyOther).steps.flatMap((s: any) => s.changes.map((c: any) => c.resource));
    expect(deleted.length).toBeGreaterThan(0);
    // The SSM path starts with the tool's own name, /abalone-pipeline/<name>/: that is not pipeline abalone.
    expect(deleted.filter((r) => /abalone[-_]/.test(r.replace('/abalone-pipeline/', '/')))).toEqual([]);
    expect((await statusRows()).filter((r) => r.state !== 'ok')).toEqual([]);
    const second = await cli(['up', '--yes', '--json', ...ONLY]);
    for (const step of parseJson(second).steps) expect(step, step.step).toMatchObject({ status: 'unchanged' });
  });
});
