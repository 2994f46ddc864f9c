import { spawn, spawnSync } from 'node:child_process';
import { S3Client, PutObjectCommand, CreateBucketCommand } from '@aws-sdk/client-s3';
import type { TestEndpoint } from './local-endpoint.js';

export const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
export const XGBOOST_IMAGE = '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1';
export const ROLE = 'arn:aws:iam::123456789012:role/local-test';

export function sdkConfig(endpoint: TestEndpoint) {
  return { endpoint: endpoint.url, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 };
}

export function s3Client(endpoint: TestEndpoint): S3Client {
  return new S3Client({ ...sdkConfig(endpoint), forcePathStyle: true });
}

export async function putText(s3: S3Client, bucket: string, key: string, body: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

export async function createBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
}

/** Polls `read` until `done` says so (no timing asserted: the test's own timeout bounds it). */
export async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, intervalMs = 200): Promise<T> {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Runs a Python script with the endpoint's AWS environment; returns its stdout parsed as JSON. */
/** The interpreter with xgboost, looked for as the local endpoint looks ($ABALONE_PYTHON, python3, /usr/bin/python3). */
export function xgboostPython(): string {
  const candidates = [process.env.ABALONE_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  const found = candidates.find((python) => spawnSync(python, ['-c', 'import numpy, xgboost'], { stdio: 'ignore' }).status === 0);
  if (!found) throw new Error('no Python with xgboost 1.7 (npm test installs it first: node scripts/ensure-python.js)');
  return found;
}

export function runPython(script: string, options: { python?: string; env?: Record<string, string>; args?: string[] } = {}): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.python ?? 'python3', ['-c', script, ...(options.args ?? [])], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`python exited ${code}:\n${err}`));
      try {
        resolve(JSON.parse(out));
      } catch {
        reject(new Error(`python stdout is not JSON:\n${out}\n${err}`));
      }
    });
  });
}

/** CSV rows `label,f1,f2,f3` of a known linear function with a little noise, seeded. */
export function linearRows(n: number, seed: number, withLabel = true): string {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = [rand(), rand(), rand()];
    const y = 3 * x[0]! + 2 * x[1]! - x[2]! + (rand() - 0.5) * 0.05;
    lines.push((withLabel ? [y, ...x] : x).map((v) => v.toFixed(6)).join(','));
  }
  return `${lines.join('\n')}\n`;
}
