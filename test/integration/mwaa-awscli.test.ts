import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';

/**
 * The MWAA emulator behind the real `local` endpoint, driven by the AWS CLI v1 (botocore) the way
 * a user would; the prerequisites (bucket, role, VPC) are made in moto through the same endpoint.
 */
let endpoint: TestEndpoint;
let dir: string;
const ROLE_TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: ['airflow.amazonaws.com', 'airflow-env.amazonaws.com'] }, Action: 'sts:AssumeRole' }],
});
const BUCKET = 'abalone-mwaa-cli-test';
let roleArn = '';
let subnets: string[] = [];
let sameZoneSubnet = '';
let securityGroup = '';

interface AwsResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function aws(args: string[], configFile?: string): Promise<AwsResult> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_DISABLE_HOST_PREFIX_INJECTION: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
    AWS_CONFIG_FILE: configFile ?? join(dir, 'config'),
  };
  return new Promise((resolve) => {
    execFile('aws', ['--endpoint-url', endpoint.url, '--output', 'json', ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function awsJson(args: string[]): Promise<any> {
  const result = await aws(args);
  if (result.code !== 0) throw new Error(`aws ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
  return result.stdout.trim() ? JSON.parse(result.stdout) : {};
}

function createArgs(name: string, overrides: { role?: string; subnets?: string[]; environmentClass?: string; extra?: string[] } = {}): string[] {
  const ids = overrides.subnets ?? subnets;
  return [
    'mwaa', 'create-environment',
    '--name', name,
    '--execution-role-arn', overrides.role ?? roleArn,
    '--source-bucket-arn', `arn:aws:s3:::${BUCKET}`,
    '--dag-s3-path', 'airflow/dags',
    '--network-configuration', JSON.stringify({ SubnetIds: ids, SecurityGroupIds: [securityGroup] }),
    '--environment-class', overrides.environmentClass ?? 'mw1.small',
    ...(overrides.extra ?? []),
  ];
}

async function statusOf(name: string): Promise<string> {
  const result = await aws(['mwaa', 'get-environment', '--name', name]);
  if (result.code !== 0) {
    if (result.stderr.includes('ResourceNotFoundException')) return 'GONE';
    throw new Error(result.stderr);
  }
  return JSON.parse(result.stdout).Environment.Status as string;
}

async function waitFor(name: string, wanted: string, seconds = 20): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const status = await statusOf(name);
    if (seen[seen.length - 1] !== status) seen.push(status);
    if (status === wanted) return seen;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} did not reach ${wanted}; saw ${seen.join(' -> ')}`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mwaa-awscli-'));
  writeFileSync(join(dir, 'config'), '[default]\n');
  writeFileSync(join(dir, 'no-validation'), '[default]\nparameter_validation = false\n');
  writeFileSync(join(dir, 'requirements.txt'), 'pandas\n');
  // Long enough for a CLI call (a Python start-up) to see CREATING before AVAILABLE.
  endpoint = await startLocalEndpoint({ ABALONE_MWAA_CREATE_DELAY: '2.5' });

  roleArn = (await awsJson(['iam', 'create-role', '--role-name', 'mwaa-exec', '--assume-role-policy-document', ROLE_TRUST])).Role.Arn;
  await awsJson(['s3api', 'create-bucket', '--bucket', BUCKET]);
  await awsJson(['s3api', 'put-bucket-versioning', '--bucket', BUCKET, '--versioning-configuration', 'Status=Enabled']);
  await awsJson([
    's3api', 'put-public-access-block', '--bucket', BUCKET, '--public-access-block-configuration',
    'BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true',
  ]);
  const vpc = (await awsJson(['ec2', 'create-vpc', '--cidr-block', '10.20.0.0/16'])).Vpc.VpcId as string;
  const subnet = async (cidr: string, zone: string) =>
    (await awsJson(['ec2', 'create-subnet', '--vpc-id', vpc, '--cidr-block', cidr, '--availability-zone', zone])).Subnet.SubnetId as string;
  subnets = [await subnet('10.20.1.0/24', 'us-east-1a'), await subnet('10.20.2.0/24', 'us-east-1b')];
  sameZoneSubnet = await subnet('10.20.3.0/24', 'us-east-1a');
  securityGroup = (await awsJson(['ec2', 'create-security-group', '--vpc-id', vpc, '--group-name', 'mwaa', '--description', 'mwaa'])).GroupId;
}, 120_000);

afterAll(async () => {
  await endpoint?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('MWAA emulator through the AWS CLI on the local endpoint', () => {
  it('creates an environment that reaches AVAILABLE, lists it, and deletes it', async () => {
    const created = await awsJson(createArgs('abalone-cli', { extra: ['--tags', 'team=ml'] }));
    expect(created.Arn).toBe('arn:aws:airflow:us-east-1:123456789012:environment/abalone-cli');

    const seen = await waitFor('abalone-cli', 'AVAILABLE');
    expect(seen).toEqual(['CREATING', 'AVAILABLE']);
    const env = (await awsJson(['mwaa', 'get-environment', '--name', 'abalone-cli'])).Environment;
    expect(env).toMatchObject({ Name: 'abalone-cli', ExecutionRoleArn: roleArn, Tags: { team: 'ml' }, NetworkConfiguration: { SubnetIds: subnets } });
    expect(env.WebserverUrl).toMatch(/\.us-east-1\.airflow\.amazonaws\.com$/);

    expect((await awsJson(['mwaa', 'list-environments'])).Environments).toContain('abalone-cli');

    await awsJson(['mwaa', 'delete-environment', '--name', 'abalone-cli']);
    expect(await waitFor('abalone-cli', 'GONE')).toContain('GONE');
    expect((await awsJson(['mwaa', 'list-environments'])).Environments).not.toContain('abalone-cli');
  });

  it('pages list-environments through NextToken', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) await awsJson(createArgs(name));
    const listed = await awsJson(['mwaa', 'list-environments', '--page-size', '1']);
    expect(listed.Environments).toEqual(expect.arrayContaining(['page-a', 'page-b', 'page-c']));
  });

  it('refuses an unknown environment class with a ValidationException', async () => {
    const result = await aws(createArgs('bad-class', { environmentClass: 'mw1.huge' }));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/\(ValidationException\).*Invalid EnvironmentClass 'mw1.huge'/);
  });

  it('refuses one subnet with a ValidationException from the emulator', async () => {
    const result = await aws(createArgs('one-subnet', { subnets: [subnets[0]!] }), join(dir, 'no-validation'));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/\(ValidationException\).*'NetworkConfiguration.SubnetIds' failed to satisfy constraint/);
  });

  it('refuses a missing execution role with a ValidationException', async () => {
    const result = await aws(createArgs('no-role', { role: 'arn:aws:iam::123456789012:role/missing' }));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/\(ValidationException\).*Failed to assume role .*airflow-env.amazonaws.com/);
  });

  it('refuses two subnets in one Availability Zone', async () => {
    const result = await aws(createArgs('one-zone', { subnets: [subnets[0]!, sameZoneSubnet] }));
    expect(result.stderr).toMatch(/\(ValidationException\).*two different Availability Zones/);
  });

  it('refuses a requirements object version that does not exist in the bucket (moto) with a ValidationException', async () => {
    const put = await awsJson(['s3api', 'put-object', '--bucket', BUCKET, '--key', 'requirements.txt', '--body', join(dir, 'requirements.txt')]);
    expect(put.VersionId).toBeTruthy();
    await awsJson(createArgs('good-reqs', { extra: ['--requirements-s3-path', 'requirements.txt', '--requirements-s3-object-version', put.VersionId] }));
    const bad = await aws(createArgs('bad-reqs', { extra: ['--requirements-s3-path', 'requirements.txt', '--requirements-s3-object-version', 'no-such-version'] }));
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/\(ValidationException\).*Invalid request provided: RequirementsS3ObjectVersion no-such-version: Unable to read s3:\/\/\S+\/requirements.txt \(version no-such-version\)/);
    await waitFor('good-reqs', 'AVAILABLE');
    expect((await aws(['mwaa', 'get-environment', '--name', 'bad-reqs'])).stderr).toMatch(/ResourceNotFoundException/);
  });
});
