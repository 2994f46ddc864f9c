import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveNames } from '../../src/engine/names.js';
import { authorizationsOf } from '../support/call-authorizations.js';
import { runCli } from '../support/cli.js';
import { evaluate, type PolicyDocument } from '../support/iam-eval.js';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';
import { RecordingProxy } from '../support/recording-proxy.js';

/**
 * Issue 21, item 5: every AWS call each command makes against the local endpoint is allowed by
 * the operator policy `abalone-pipeline policy --for <command>` prints. moto enforces no IAM, so
 * the test evaluates the policy itself (test/support/iam-eval.ts) for each call's action and
 * resource ARNs (test/support/call-authorizations.ts). The environment `up` creates runs Airflow
 * 3.0.6 (the default), so `runs` reaches Airflow through InvokeRestApi (issue 22).
 */
const ACCOUNT = '123456789012';
const names = deriveNames('abalone', 'us-east-1', ACCOUNT);

let endpoint: TestEndpoint;
let proxy: RecordingProxy;
let work: string;
const policies = new Map<string, PolicyDocument>();
/** Every action evaluated, to show the runs made the calls that matter. */
const seen = new Set<string>();

async function policyFor(command: string): Promise<PolicyDocument> {
  const result = await runCli(['policy', '--for', command, '--account', ACCOUNT, '--region', 'us-east-1'], { env: endpoint.env });
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as PolicyDocument;
}

/** Runs the command through the recorder; returns every authorisation its policy does not allow. */
async function denied(args: string[], expectCode = 0): Promise<string[]> {
  const command = args[0]!;
  if (!policies.has(command)) policies.set(command, await policyFor(command));
  proxy.clear();
  const result = await runCli(args, { env: { ...endpoint.env, AWS_ENDPOINT_URL: proxy.url }, timeoutMs: 300_000 });
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(expectCode);
  expect(proxy.calls.length).toBeGreaterThan(0);
  const out = new Set<string>();
  for (const call of proxy.calls) {
    for (const request of authorizationsOf(call, names)) {
      seen.add(request.action);
      const decision = evaluate(policies.get(command)!, request);
      if (decision !== 'allow') out.add(`${args.join(' ')}: ${request.action} on ${request.resource} ${JSON.stringify(request.context ?? {})} (${decision}; ${call.service}:${call.operation})`);
    }
  }
  return [...out];
}

beforeAll(async () => {
  endpoint = await startLocalEndpoint();
  proxy = new RecordingProxy(endpoint.url);
  await proxy.start();
  work = await mkdtemp(join(tmpdir(), 'operator-policies-'));
}, 60_000);

afterAll(async () => {
  await proxy?.stop();
  await endpoint?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('operator policies: every call a command makes is allowed by the policy `policy --for <command>` prints', () => {
  it('up, status, push-dags, add-data, runs, predict, park, up (resume), destroy', async () => {
    const good = join(work, 'good.csv');
    await writeFile(good, 'M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15\n');
    const found = [
      ...(await denied(['up', '--yes'])),
      ...(await denied(['status'])),
      ...(await denied(['push-dags'])),
      ...(await denied(['add-data', '--no-run', good])),
      ...(await denied(['runs'])),
      // No endpoint is deployed here: predict says so (exit 1) after the calls it makes.
      ...(await denied(['predict', '--row', 'M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15'], 1)),
      ...(await denied(['park', '--yes'])),
      ...(await denied(['up', '--yes'])),
      ...(await denied(['destroy', '--yes'])),
    ];
    expect(found).toEqual([]);
    for (const action of ['iam:CreateRole', 'iam:TagRole', 'iam:PassRole', 'airflow:CreateEnvironment', 'airflow:InvokeRestApi', 'ec2:CreateTags', 'ec2:CreateVpc', 'ec2:DeleteVpc', 's3:CreateBucket', 's3:PutBucketTagging', 's3:PutObject', 'glue:CreateJob', 'lambda:CreateFunction', 'codebuild:CreateProject', 'sagemaker:DescribeEndpoint', 'airflow:DeleteEnvironment', 's3:DeleteBucket']) {
      expect(seen, action).toContain(action);
    }
  }, 900_000);

  it('the evaluator is not vacuous: the run policy does not allow what up does', async () => {
    const runPolicy = await policyFor('run');
    expect(evaluate(runPolicy, { action: 'iam:CreateRole', resource: `arn:aws:iam::${ACCOUNT}:role/${names.roles.glue}` })).toBe('implicit-deny');
    const upPolicy = await policyFor('up');
    const pass = (service: string) => evaluate(upPolicy, { action: 'iam:PassRole', resource: `arn:aws:iam::${ACCOUNT}:role/${names.roles.glue}`, context: { 'iam:passedtoservice': service } });
    expect(pass('glue.amazonaws.com')).toBe('allow');
    expect(pass('ec2.amazonaws.com')).toBe('implicit-deny');
    expect(evaluate(upPolicy, { action: 'ec2:DeleteVpc', resource: '*', context: { 'aws:resourcetag/abalone-pipeline:name': 'other' } })).toBe('implicit-deny');
    expect(evaluate(upPolicy, { action: 'iam:DeleteRole', resource: `arn:aws:iam::${ACCOUNT}:role/someone-elses` })).toBe('implicit-deny');
  }, 60_000);
});
