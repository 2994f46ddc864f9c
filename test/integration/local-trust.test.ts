import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateCliTokenCommand, CreateEnvironmentCommand, GetEnvironmentCommand } from '@aws-sdk/client-mwaa';
import { CreateBucketCommand, GetObjectCommand, PutBucketVersioningCommand, PutObjectCommand, PutPublicAccessBlockCommand } from '@aws-sdk/client-s3';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand } from '@aws-sdk/client-ec2';
import { createClients, type Clients } from '../../src/aws/clients.js';
import { BIN } from '../support/cli.js';

/**
 * The local endpoint's trust boundary (issue 21; packages/local-endpoint/README.md, "Trust
 * boundary"), against `abalone-pipeline local` started from the built CLI with its own TMPDIR and
 * a parent environment holding (fake) AWS keys: a crafted credential scope leaves the temp folder
 * intact after Ctrl-C, a foreign Host, Origin or cross-site request gets 403 and a log line, a
 * traversal run id is refused as Airflow refuses it, and neither moto nor the DAG runner sees the
 * parent's AWS variables.
 */
const FAKE_RUNNER = fileURLToPath(new URL('../../packages/local-endpoint/test/fixtures/fake-dag-runner.py', import.meta.url));
const PARENT_SECRET = 'parent-secret-key-that-must-not-leak';
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'airflow-env.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

let temp: string;
let child: ChildProcess;
let url = '';
let port = 0;
let stderr = '';
let clients: Clients;

function send(path: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    r.once('error', reject);
    r.end();
  });
}

/** The process ids under `pid` (Linux: /proc). */
function descendants(pid: number): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    return [];
  }
  const kids = out.split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
  return kids.flatMap((k) => [k, ...descendants(k)]);
}

beforeAll(async () => {
  temp = mkdtempSync(join(tmpdir(), 'abalone-trust-it-'));
  writeFileSync(join(temp, 'keep.txt'), 'the user’s own file');
  child = spawn(process.execPath, [BIN, 'local', '--port', '0'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TMPDIR: temp,
      AWS_ACCESS_KEY_ID: 'AKIAPARENTKEYNOTLEAK',
      AWS_SECRET_ACCESS_KEY: PARENT_SECRET,
      AWS_SESSION_TOKEN: PARENT_SECRET,
      AWS_PROFILE: 'parent-profile',
      ABALONE_LOCAL_DAG_RUNNER: FAKE_RUNNER,
      ABALONE_MWAA_CREATE_DELAY: '0.3',
      ABALONE_MWAA_UPDATE_DELAY: '0.3',
      ABALONE_MWAA_DELETE_DELAY: '0.3',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`local did not start in 60s:\n${stderr}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('AWS_DISABLE_HOST_PREFIX_INJECTION')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`local exited (${code}) before it was ready:\n${stderr}`));
    });
  });
  url = /^export AWS_ENDPOINT_URL=(\S+)$/m.exec(stdout)![1]!;
  port = Number(new URL(url).port);
  clients = createClients({ region: 'us-east-1', endpointUrl: url, maxAttempts: 1, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}, 90_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGINT');
    await exited;
  }
  if (temp) rmSync(temp, { recursive: true, force: true });
});

describe('the local endpoint’s trust boundary (built CLI)', () => {
  it("answers a credential scope naming no region with AWS's error, as query parameter or header", async () => {
    const query = new URLSearchParams({ 'X-Amz-Credential': 'a/20260101/../airflow/aws4_request', 'X-Amz-Algorithm': 'AWS4-HMAC-SHA256' });
    const viaQuery = await send(`/environments?${query}`, {});
    expect(viaQuery.status).toBe(403);
    expect(viaQuery.body).toContain('Credential should be scoped to a valid region.');
    const viaHeader = await send('/environments', { authorization: 'AWS4-HMAC-SHA256 Credential=a/20260101/../airflow/aws4_request, SignedHeaders=host, Signature=00' });
    expect(viaHeader.status).toBe(403);
    expect(stderr).toMatch(/local endpoint: refused GET \/environments: its credential scope names no AWS region/);
  });

  it('refuses a foreign Host (DNS rebinding), a foreign Origin and a cross-site browser request with 403 and a log line', async () => {
    const rebound = await send('/moto-api/reset', { host: `rebind.attacker.example:${port}` }, 'POST');
    expect(rebound.status).toBe(403);
    const crossOrigin = await send('/moto-api/reset', { origin: 'https://attacker.example' }, 'POST');
    expect(crossOrigin.status).toBe(403);
    const img = await send('/', { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' });
    expect(img.status).toBe(403);
    const put = await send('/abalone-trust-it/airflow/dags/evil.py', { host: `attacker.example:${port}` }, 'PUT');
    expect(put.status).toBe(403);
    expect(stderr).toContain('local endpoint: refused POST /moto-api/reset: its Host "rebind.attacker.example');
    expect(stderr).toContain('local endpoint: refused POST /moto-api/reset: its Origin "https://attacker.example" is not allowed');
    expect(stderr).toContain('Sec-Fetch-Site');
    // what the CLI, the SDKs and fetch send still passes
    const reset = await fetch(`${url}/moto-api/reset`, { method: 'POST' });
    expect(reset.status).toBe(200);
    const viaLocalhost = await send('/moto-api/data.json', { host: `localhost:${port}` });
    expect(viaLocalhost.status).toBe(200);
  });

  it('refuses a traversal run id as Airflow does; the runner (boto3) works and sees none of the parent’s AWS variables', async () => {
    const bucket = 'abalone-trust-it';
    const s3 = await clients.s3();
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new PutPublicAccessBlockCommand({
      Bucket: bucket,
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
    }));
    const spec = { dag_id: 'demo', schedule: null, max_active_runs: 1, tasks: ['only'], s3_probe: { bucket, key: 'probe/env.json' } };
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'dags/demo.py', Body: `# fake-dag: ${JSON.stringify(spec)}\n` }));
    const role = (await (await clients.iam()).send(new CreateRoleCommand({ RoleName: 'trust-it-exec', AssumeRolePolicyDocument: TRUST }))).Role!.Arn!;
    const ec2 = await clients.ec2();
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.40.0.0/16' }))).Vpc!.VpcId!;
    const subnet = async (cidr: string, zone: string) => (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: cidr, AvailabilityZone: zone }))).Subnet!.SubnetId!;
    const subnets = [await subnet('10.40.1.0/24', 'us-east-1a'), await subnet('10.40.2.0/24', 'us-east-1b')];
    const sg = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpc, GroupName: 'trust-it', Description: 'trust-it' }))).GroupId!;
    const mwaa = await clients.mwaa();
    await mwaa.send(new CreateEnvironmentCommand({
      Name: 'trust-it',
      ExecutionRoleArn: role,
      SourceBucketArn: `arn:aws:s3:::${bucket}`,
      DagS3Path: 'dags',
      AirflowVersion: '2.10.3', // the CLI endpoint serves Airflow 2
      NetworkConfiguration: { SubnetIds: subnets, SecurityGroupIds: [sg] },
    }));
    for (let i = 0; i < 100 && (await mwaa.send(new GetEnvironmentCommand({ Name: 'trust-it' }))).Environment?.Status !== 'AVAILABLE'; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    const cli = async (command: string) => {
      const { CliToken } = await mwaa.send(new CreateCliTokenCommand({ Name: 'trust-it' }));
      const response = await fetch(`${url}/aws_mwaa/cli`, { method: 'POST', headers: { Authorization: `Bearer ${CliToken}`, 'Content-Type': 'text/plain' }, body: command });
      const body = (await response.json()) as { stdout: string; stderr: string };
      return { stdout: Buffer.from(body.stdout, 'base64').toString(), stderr: Buffer.from(body.stderr, 'base64').toString() };
    };
    await cli('dags unpause demo');
    const bad = await cli('dags trigger demo -r x/../../../../tmp/pwned -o json');
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toBe(
      "ValueError: The run_id provided 'x/../../../../tmp/pwned' does not match the pattern '^[A-Za-z0-9_.~:+-]+$' or '^(?:manual|scheduled|dataset_triggered)__(?:\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\+00:00)$'\n",
    );
    expect(existsSync(join(temp, 'pwned'))).toBe(false);

    const good = JSON.parse((await cli('dags trigger demo -r my-run.1 -o json')).stdout)[0];
    expect(good.dag_run_id).toBe('my-run.1');
    let state = '';
    for (let i = 0; i < 300 && state !== 'success' && state !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = (JSON.parse((await cli('dags list-runs -d demo -o json')).stdout) as Array<{ state: string }>)[0]?.state ?? '';
    }
    expect(state).toBe('success');
    const probe = await (await clients.s3()).send(new GetObjectCommand({ Bucket: bucket, Key: 'probe/env.json' }));
    const env = JSON.parse(await probe.Body!.transformToString()) as Record<string, string>;
    expect(env).toMatchObject({ AWS_ENDPOINT_URL: url, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
    expect(env.AWS_SESSION_TOKEN).toBeUndefined();
    expect(env.AWS_PROFILE).toBeUndefined();
    expect(JSON.stringify(env)).not.toContain(PARENT_SECRET);
  }, 120_000);

  it.skipIf(!existsSync('/proc/self/environ'))('gives moto and every other child no AWS key of the parent’s and a working directory of the endpoint’s', () => {
    const pids = descendants(child.pid!);
    const moto = pids.filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('moto');
      } catch {
        return false;
      }
    });
    expect(moto.length).toBeGreaterThan(0);
    for (const pid of pids) {
      let environ = '';
      let cwd = '';
      try {
        environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        continue; // it has ended
      }
      expect(environ).not.toContain(PARENT_SECRET);
      expect(environ).not.toContain('AKIAPARENTKEYNOTLEAK');
      expect(environ).not.toContain('AWS_PROFILE=');
      if (moto.includes(pid)) expect(cwd.startsWith(temp), cwd).toBe(true);
    }
  });

  it('Ctrl-C leaves the temp folder and the user’s files in it, and removes only what the endpoint made', async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    await exited;
    expect(existsSync(temp)).toBe(true);
    expect(readFileSync(join(temp, 'keep.txt'), 'utf8')).toBe('the user’s own file');
    expect(readdirSync(temp).filter((n) => n.startsWith('abalone-'))).toEqual([]);
  }, 30_000);
});
