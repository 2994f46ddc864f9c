import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateCliTokenCommand, CreateEnvironmentCommand, GetEnvironmentCommand } from '@aws-sdk/client-mwaa';
import { CreateBucketCommand, GetObjectCommand, PutBucketVersioningCommand, PutObjectCommand, PutPublicAccessBlockCommand } from '@aws-sdk/client-s3';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand } from '@aws-sdk/client-ec2';
import { createClients, type Clients } from '../../src/aws/clients.js';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';

/**
 * The Airflow CLI endpoint of the real `local` endpoint (built CLI), reached as MWAA users reach it:
 * CreateCliToken through @aws-sdk/client-mwaa (and boto3), then `POST <endpoint>/aws_mwaa/cli` with
 * `Authorization: Bearer <token>`, `Content-Type: text/plain` (MWAA User Guide, "Creating an Apache
 * Airflow CLI token"); output formats from apache/airflow 2.10 airflow/cli/commands/dag_command.py.
 * DAG runs use the stand-in runner of packages/local-endpoint/test/fixtures (honouring the runner's command line, packages/local-endpoint/dag-runner/README.md) through ABALONE_LOCAL_DAG_RUNNER;
 * the last block uses the real packages/local-endpoint/dag-runner/runner.py.
 */
const FAKE_RUNNER = fileURLToPath(new URL('../../packages/local-endpoint/test/fixtures/fake-dag-runner.py', import.meta.url));
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'airflow-env.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

interface Answer {
  status: number;
  stdout: string;
  stderr: string;
}

/** Everything an environment needs in moto, then the environment itself, AVAILABLE. */
async function environment(clients: Clients, name: string, bucket: string, dagFiles: Record<string, string>): Promise<void> {
  const s3 = await clients.s3();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
  await s3.send(new PutPublicAccessBlockCommand({
    Bucket: bucket,
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
  }));
  for (const [key, body] of Object.entries(dagFiles)) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `dags/${key}`, Body: body }));
  const role = (await (await clients.iam()).send(new CreateRoleCommand({ RoleName: `${name}-exec`, AssumeRolePolicyDocument: TRUST }))).Role!.Arn!;
  const ec2 = await clients.ec2();
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.30.0.0/16' }))).Vpc!.VpcId!;
  const subnet = async (cidr: string, zone: string) =>
    (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: cidr, AvailabilityZone: zone }))).Subnet!.SubnetId!;
  const subnets = [await subnet('10.30.1.0/24', 'us-east-1a'), await subnet('10.30.2.0/24', 'us-east-1b')];
  const sg = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpc, GroupName: name, Description: name }))).GroupId!;
  const mwaa = await clients.mwaa();
  await mwaa.send(new CreateEnvironmentCommand({
    Name: name,
    ExecutionRoleArn: role,
    SourceBucketArn: `arn:aws:s3:::${bucket}`,
    DagS3Path: 'dags',
    // the CLI endpoint serves Airflow 2 (on 3.x the emulator answers InvokeRestApi instead)
    AirflowVersion: '2.10.3',
    NetworkConfiguration: { SubnetIds: subnets, SecurityGroupIds: [sg] },
    AirflowConfigurationOptions: { 'abalone.ssm_prefix': '/abalone/it' },
  }));
  for (let i = 0; i < 100; i++) {
    if ((await mwaa.send(new GetEnvironmentCommand({ Name: name }))).Environment?.Status === 'AVAILABLE') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not become AVAILABLE`);
}

function cliFor(endpoint: TestEndpoint, clients: Clients, name: string) {
  return async (command: string): Promise<Answer> => {
    const { CliToken } = await (await clients.mwaa()).send(new CreateCliTokenCommand({ Name: name }));
    const response = await fetch(`${endpoint.url}/aws_mwaa/cli`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${CliToken}`, 'Content-Type': 'text/plain' },
      body: command,
    });
    const body = (await response.json()) as { stdout?: string; stderr?: string; message?: string };
    if (response.status !== 200) return { status: response.status, stdout: '', stderr: body.message ?? '' };
    return { status: 200, stdout: Buffer.from(body.stdout!, 'base64').toString(), stderr: Buffer.from(body.stderr!, 'base64').toString() };
  };
}

async function waitForRuns(cli: (c: string) => Promise<Answer>, dagId: string, count: number): Promise<Record<string, string>[]> {
  for (let i = 0; i < 300; i++) {
    const runs = JSON.parse((await cli(`dags list-runs -d ${dagId} -o json`)).stdout) as Record<string, string>[];
    if (runs.length === count && runs.every((r) => r.state === 'success' || r.state === 'failed')) return runs;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the runs of ${dagId} did not end`);
}

describe('the Airflow CLI endpoint of the local endpoint (stand-in runner)', () => {
  let endpoint: TestEndpoint;
  let clients: Clients;
  let cli: (command: string) => Promise<Answer>;

  beforeAll(async () => {
    endpoint = await startLocalEndpoint({ ABALONE_LOCAL_DAG_RUNNER: FAKE_RUNNER });
    clients = createClients({ region: 'us-east-1', endpointUrl: endpoint.url, maxAttempts: 1, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    await environment(clients, 'cli-it', 'abalone-cli-it', {
      'demo.py': `# fake-dag: ${JSON.stringify({ dag_id: 'demo', schedule: '@daily', max_active_runs: 1, tasks: ['load_config', 'train'], s3_probe: { bucket: 'abalone-cli-it', key: 'probe/env.json' } })}\n`,
    });
    cli = cliFor(endpoint, clients, 'cli-it');
  }, 120_000);

  afterAll(async () => {
    await endpoint?.stop();
  });

  it('unpauses, triggers, lists runs and task states, with each run given this endpoint as AWS_ENDPOINT_URL', async () => {
    expect(await cli('dags list-import-errors -o json')).toEqual({ status: 200, stdout: '[]\n', stderr: '' });
    const unpause = await cli('dags unpause demo -o json');
    expect(unpause).toEqual({ status: 200, stdout: '[{"dag_id": "demo", "is_paused": "False"}]\n', stderr: '' });
    const scheduled = await waitForRuns(cli, 'demo', 1);
    expect(scheduled[0]!.run_id).toMatch(/^scheduled__\d{4}-\d\d-\d\dT00:00:00\+00:00$/);

    const triggered = JSON.parse((await cli(`dags trigger demo --conf '{"force": true}' -o json`)).stdout)[0];
    expect(triggered).toMatchObject({ dag_id: 'demo', run_type: 'manual', state: 'queued', external_trigger: 'True', conf: { force: 'True' } });
    const runs = await waitForRuns(cli, 'demo', 2);
    expect(runs.map((r) => r.state)).toEqual(['success', 'success']);
    expect(runs[0]!.run_id).toBe(triggered.dag_run_id);

    const states = JSON.parse((await cli(`tasks states-for-dag-run demo ${triggered.dag_run_id} -o json`)).stdout);
    expect(states.map((s: Record<string, string>) => `${s.task_id}:${s.state}`)).toEqual(['load_config:success', 'train:success']);

    // the run's first task wrote its environment to S3 through AWS_ENDPOINT_URL (the runner's command line, packages/local-endpoint/dag-runner/README.md)
    const probe = await (await clients.s3()).send(new GetObjectCommand({ Bucket: 'abalone-cli-it', Key: 'probe/env.json' }));
    expect(JSON.parse(await probe.Body!.transformToString())).toMatchObject({
      AWS_ENDPOINT_URL: endpoint.url,
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AIRFLOW__ABALONE__SSM_PREFIX: '/abalone/it',
    });
  });

  it('answers an unknown token with 403 and an unsupported command with 500', async () => {
    const bad = await fetch(`${endpoint.url}/aws_mwaa/cli`, { method: 'POST', headers: { Authorization: 'Bearer nope' }, body: 'dags list-import-errors' });
    expect(bad.status).toBe(403);
    await bad.arrayBuffer();
    expect(await cli('variables list')).toMatchObject({ status: 500 });
  });

  it('works from boto3 as the MWAA User Guide sample does', async () => {
    const script = [
      'import base64, json, sys, urllib.request',
      'import boto3',
      'from botocore.config import Config',
      'url = sys.argv[1]',
      "mwaa = boto3.client('mwaa', endpoint_url=url, region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test', config=Config(inject_host_prefix=False))",
      "token = mwaa.create_cli_token(Name='cli-it')",
      "req = urllib.request.Request(url + '/aws_mwaa/cli', data=b'dags list-runs -d demo -o json', method='POST', headers={'Authorization': 'Bearer ' + token['CliToken'], 'Content-Type': 'text/plain'})",
      'body = json.load(urllib.request.urlopen(req))',
      "print(base64.b64decode(body['stdout']).decode('utf8'), end='')",
    ].join('\n');
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile('python3', ['-c', script, endpoint.url], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } }, (error, out, err) =>
        error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
      ),
    );
    const runs = JSON.parse(stdout) as Record<string, string>[];
    expect(runs.length).toBeGreaterThanOrEqual(1);
    expect(Object.keys(runs[0]!)).toEqual(['dag_id', 'run_id', 'state', 'execution_date', 'start_date', 'end_date']);
  });
});

describe('the Airflow CLI endpoint with the real local DAG runner', () => {
  let endpoint: TestEndpoint;
  let cli: (command: string) => Promise<Answer>;

  beforeAll(async () => {
    endpoint = await startLocalEndpoint();
    const clients = createClients({ region: 'us-east-1', endpointUrl: endpoint.url, maxAttempts: 1, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    const dag = [
      // Standard-library datetimes, as the pipeline's DAG uses: pendulum is not part of the runner's subset.
      'from datetime import datetime, timezone',
      'from airflow import DAG',
      'from airflow.operators.empty import EmptyOperator',
      "with DAG(dag_id='real_runner_smoke', schedule=None, start_date=datetime(2026, 1, 1, tzinfo=timezone.utc), catchup=False) as dag:",
      "    EmptyOperator(task_id='first') >> EmptyOperator(task_id='second')",
      '',
    ].join('\n');
    await environment(clients, 'real-runner', 'abalone-real-runner', { 'smoke.py': dag });
    cli = cliFor(endpoint, clients, 'real-runner');
  }, 120_000);

  afterAll(async () => {
    await endpoint?.stop();
  });

  it('parses the DAG, keeps it paused until unpaused, and runs a triggered run to success', async () => {
    expect(JSON.parse((await cli('dags list-import-errors -o json')).stdout)).toEqual([]);
    expect((await cli('dags unpause real_runner_smoke -o json')).stdout).toBe('[{"dag_id": "real_runner_smoke", "is_paused": "False"}]\n');
    const run = JSON.parse((await cli('dags trigger real_runner_smoke -o json')).stdout)[0];
    const runs = await waitForRuns(cli, 'real_runner_smoke', 1);
    expect(runs[0]).toMatchObject({ run_id: run.dag_run_id, state: 'success' });
    const states = JSON.parse((await cli(`tasks states-for-dag-run real_runner_smoke ${run.dag_run_id} -o json`)).stdout);
    expect(states.map((s: Record<string, string>) => `${s.task_id}:${s.state}`)).toEqual(['first:success', 'second:success']);
  });
});
