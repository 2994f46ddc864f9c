import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateEnvironmentCommand, GetEnvironmentCommand, ValidationException } from '@aws-sdk/client-mwaa';
import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand, PutPublicAccessBlockCommand } from '@aws-sdk/client-s3';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand } from '@aws-sdk/client-ec2';
import { createClients, type Clients } from '../../src/aws/clients.js';
import { InvokeRestApiCommand, RestApiClientException, RestApiServerException } from '../../src/aws/invoke-rest-api.js';
import { AirflowRestApi } from '../../src/aws/airflow-rest.js';
import { RestPipelineDag } from '../../src/ops/pipeline-dag-rest.js';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';

/**
 * The local endpoint's InvokeRestApi (built CLI, `abalone-pipeline local`) read by the project's own
 * InvokeRestApiCommand (src/aws/invoke-rest-api.ts, through the pinned MWAA client's stack: SigV4,
 * endpoint override, disableHostPrefix) and driven by RestPipelineDag (src/ops/pipeline-dag-rest.ts),
 * the Airflow 3 driver `run` uses. The environment is created without AirflowVersion (MWAA: the
 * latest, 3.0.6). DAG runs use the stand-in runner of packages/local-endpoint/test/fixtures.
 */
const FAKE_RUNNER = fileURLToPath(new URL('../../packages/local-endpoint/test/fixtures/fake-dag-runner.py', import.meta.url));
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'airflow-env.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const DAG = `# fake-dag: ${JSON.stringify({ dag_id: 'abalone_pipeline', schedule: '@daily', max_active_runs: 1, tasks: ['load_config', 'train'] })}\n`;

async function environment(clients: Clients, name: string, bucket: string, extra: Record<string, unknown> = {}): Promise<void> {
  const s3 = await clients.s3();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  await s3.send(new PutPublicAccessBlockCommand({
    Bucket: bucket,
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
  }));
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'dags/abalone_pipeline_dag.py', Body: DAG }));
  const role = (await (await clients.iam()).send(new CreateRoleCommand({ RoleName: `${name}-exec`, AssumeRolePolicyDocument: TRUST }))).Role!.Arn!;
  const ec2 = await clients.ec2();
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.40.0.0/16' }))).Vpc!.VpcId!;
  const subnet = async (cidr: string, zone: string) =>
    (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: cidr, AvailabilityZone: zone }))).Subnet!.SubnetId!;
  const subnets = [await subnet('10.40.1.0/24', 'us-east-1a'), await subnet('10.40.2.0/24', 'us-east-1b')];
  const sg = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpc, GroupName: name, Description: name }))).GroupId!;
  const mwaa = await clients.mwaa();
  await mwaa.send(new CreateEnvironmentCommand({
    Name: name,
    ExecutionRoleArn: role,
    SourceBucketArn: `arn:aws:s3:::${bucket}`,
    DagS3Path: 'dags',
    NetworkConfiguration: { SubnetIds: subnets, SecurityGroupIds: [sg] },
    ...extra,
  }));
  for (let i = 0; i < 100; i++) {
    if ((await mwaa.send(new GetEnvironmentCommand({ Name: name }))).Environment?.Status === 'AVAILABLE') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not become AVAILABLE`);
}

describe('InvokeRestApi of the local endpoint, through the project client', () => {
  let endpoint: TestEndpoint;
  let clients: Clients;

  beforeAll(async () => {
    endpoint = await startLocalEndpoint({ ABALONE_LOCAL_DAG_RUNNER: FAKE_RUNNER });
    clients = createClients({ region: 'us-east-1', endpointUrl: endpoint.url, maxAttempts: 1, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await environment(clients, 'rest-it', 'abalone-rest-it');
  }, 120_000);

  afterAll(async () => {
    await endpoint?.stop();
  });

  it('creates 3.0.6 by default and answers InvokeRestApiCommand with RestApiStatusCode and RestApiResponse', async () => {
    const mwaa = await clients.mwaa();
    expect((await mwaa.send(new GetEnvironmentCommand({ Name: 'rest-it' }))).Environment?.AirflowVersion).toBe('3.0.6');
    const out = await mwaa.send(new InvokeRestApiCommand({ Name: 'rest-it', Path: '/dags/abalone_pipeline', Method: 'GET' }));
    expect(out.RestApiStatusCode).toBe(200);
    expect(out.RestApiResponse).toMatchObject({ dag_id: 'abalone_pipeline', is_paused: true, is_stale: false, has_import_errors: false });
    const notFound = await mwaa.send(new InvokeRestApiCommand({ Name: 'rest-it', Path: '/dags/nope', Method: 'GET' })).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(RestApiClientException);
    expect(notFound).toMatchObject({ RestApiStatusCode: 404, RestApiResponse: { detail: 'Dag with id nope was not found' }, $metadata: { httpStatusCode: 400 } });
    const notEmulated = await mwaa.send(new InvokeRestApiCommand({ Name: 'rest-it', Path: '/dags', Method: 'GET' })).catch((e: unknown) => e);
    expect(notEmulated).toBeInstanceOf(RestApiServerException);
    expect(notEmulated).toMatchObject({ RestApiStatusCode: 501 });
    const tooLong = await mwaa.send(new InvokeRestApiCommand({ Name: 'rest-it', Path: `/dags/${'x'.repeat(70)}`, Method: 'GET' })).catch((e: unknown) => e);
    expect(tooLong).toBeInstanceOf(ValidationException);
  });

  it('drives the pipeline DAG with RestPipelineDag: unpause starts today\'s run, trigger without a logical date, runs and task states', async () => {
    const api = new AirflowRestApi({ mwaa: await clients.mwaa(), environment: 'rest-it' });
    const dag = new RestPipelineDag(api);
    expect(await dag.importErrors()).toEqual([]);
    const outcome = await dag.unpauseForRun();
    expect(outcome).toMatchObject({ wasPaused: true, scheduledRun: 'starts-now' });
    const { runId, state } = await dag.trigger({ force: true });
    expect(runId).toMatch(/^manual__/);
    expect(state).toBe('queued');
    let runs = await dag.listRuns();
    for (let i = 0; i < 300 && !(runs.length === 2 && runs.every((r) => r.state === 'success')); i++) {
      await new Promise((r) => setTimeout(r, 100));
      runs = await dag.listRuns();
    }
    expect(runs.map((r) => [r.runType, r.state])).toEqual([['manual', 'success'], ['scheduled', 'success']]);
    expect(runs[0]).toMatchObject({ runId, logicalDate: null });
    expect(runs[1]!.runId).toMatch(/^scheduled__\d{4}-\d\d-\d\dT00:00:00\+00:00$/);
    expect(runs[1]!.logicalDate).toBe(runs[1]!.runAfter);
    const tasks = await dag.taskStates(runId);
    expect(tasks.map((t) => `${t.taskId}:${t.state}`)).toEqual(['load_config:success', 'train:success']);
  }, 60_000);
});
