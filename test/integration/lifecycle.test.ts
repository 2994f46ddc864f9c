import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GetBucketPolicyCommand, HeadBucketCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateEndpointCommand, CreateEndpointConfigCommand, CreateModelCommand, ListModelsCommand, SageMakerClient, waitUntilEndpointInService } from '@aws-sdk/client-sagemaker';
import { parseJson, runCli } from '../support/cli.js';
import { CountingProxy } from '../support/counting-proxy.js';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';

const STEPS = ['--only', 'ensure-bucket,upload-data'];
const BUCKET = 'abalone-data-us-east-1-123456789012';

let endpoint: TestEndpoint;
let proxy: CountingProxy;
let s3: S3Client;

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { env: { ...endpoint.env, ...env } });

beforeAll(async () => {
  endpoint = await startLocalEndpoint();
  proxy = new CountingProxy(endpoint.url);
  await proxy.start();
  s3 = new S3Client({ endpoint: endpoint.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});

afterAll(async () => {
  await proxy?.stop();
  await endpoint?.stop();
});

beforeEach(async () => {
  await endpoint.reset();
  proxy.clear();
});

describe('up, status, destroy of the storage steps', () => {
  it('creates the bucket and data, then a second up changes nothing and makes no mutating call', async () => {
    const first = await cli(['up', '--yes', '--json', ...STEPS]);
    expect(first.code, first.stderr).toBe(0);
    const doc = parseJson(first);
    expect(doc).toMatchObject({ name: 'abalone', region: 'us-east-1', dryRun: false });
    const bucket = doc.steps.find((s: any) => s.step === 'ensure-bucket');
    expect(bucket.status).toBe('changed');
    expect(bucket.changes).toEqual([
      { action: 'create', resource: `arn:aws:s3:::${BUCKET}`, detail: 'versioning, public access block, SSE-S3, TLS-only policy' },
    ]);
    const data = doc.steps.find((s: any) => s.step === 'upload-data');
    expect(data.changes[0]).toMatchObject({ action: 'upload', resource: `s3://${BUCKET}/abalone_data/raw/abalone.data` });

    const second = await cli(['up', '--yes', '--json', ...STEPS], { AWS_ENDPOINT_URL: proxy.url });
    expect(second.code, second.stderr).toBe(0);
    for (const step of parseJson(second).steps) {
      expect(step).toMatchObject({ status: 'unchanged', changes: [] });
    }
    expect(proxy.calls.length).toBeGreaterThan(0);
    expect(proxy.mutating()).toEqual([]);

    const status = await cli(['status', '--json']);
    const rows = parseJson(status).resources.filter((r: any) => ['ensure-bucket', 'upload-data'].includes(r.step));
    expect(rows.map((r: any) => [r.step, r.type, r.state])).toEqual([
      ['ensure-bucket', 's3-bucket', 'ok'],
      ['upload-data', 's3-object', 'ok'],
    ]);
  });

  it('prints one human line per change and a summary', async () => {
    const run = await cli(['up', '--yes', ...STEPS]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/ensure-bucket\s+\+ create\s+arn:aws:s3:::abalone-data-us-east-1-123456789012/);
    expect(run.stdout).toMatch(/upload-data\s+↑ upload\s+s3:\/\/.*abalone\.data/);
    expect(run.stdout).toMatch(/^Done: 1 created, 1 uploaded \(\d+\.\d+s\)$/m);
    const again = await cli(['up', '--yes', ...STEPS]);
    expect(again.stdout).toMatch(/ensure-bucket\s+unchanged/);
    expect(again.stdout).toMatch(/Done: nothing changed; 2 steps unchanged/);
  });

  it('detects drift in status and repairs it with up', async () => {
    await cli(['up', '--yes', ...STEPS]);
    await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Suspended' } }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'abalone_data/raw/abalone.data', Body: 'M,0.1,0.1,0.1,0.1,0.1,0.1,0.1,1\n' }));

    const drifted = await cli(['status', '--json']);
    expect(drifted.code).toBe(3);
    const rows = parseJson(drifted).resources;
    expect(rows.find((r: any) => r.step === 'ensure-bucket')).toMatchObject({ state: 'drift', detail: expect.stringContaining('versioning Suspended') });
    expect(rows.find((r: any) => r.step === 'upload-data')).toMatchObject({ state: 'drift' });

    const repair = await cli(['up', '--yes', '--json', ...STEPS]);
    const steps = parseJson(repair).steps;
    expect(steps.find((s: any) => s.step === 'ensure-bucket').changes).toEqual([
      expect.objectContaining({ action: 'update', detail: 'versioning Suspended (want Enabled)' }),
    ]);
    expect(steps.find((s: any) => s.step === 'upload-data').changes[0]).toMatchObject({ action: 'upload' });
    const after = await cli(['status', '--json']);
    const converged = parseJson(after).resources.filter((r: any) => ['ensure-bucket', 'upload-data'].includes(r.step));
    expect(converged.every((r: any) => r.state === 'ok')).toBe(true);
  });

  it('keeps the TLS-only bucket policy exactly as written', async () => {
    await cli(['up', '--yes', ...STEPS]);
    const policy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy!);
    expect(policy.Statement[0]).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
  });

  it('--dry-run plans without a mutating call', async () => {
    const plan = await cli(['up', '--dry-run', '--json', ...STEPS], { AWS_ENDPOINT_URL: proxy.url });
    expect(plan.code, plan.stderr).toBe(0);
    const doc = parseJson(plan);
    expect(doc.dryRun).toBe(true);
    expect(doc.steps.map((s: any) => s.changes[0]?.action)).toEqual(['create', 'upload']);
    expect(proxy.mutating()).toEqual([]);
    await expect(s3.send(new HeadBucketCommand({ Bucket: BUCKET }))).rejects.toThrow();
  });

  it('destroy removes the bucket with every object version; --keep-data keeps it', async () => {
    await cli(['up', '--yes', ...STEPS]);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'abalone_data/raw/abalone.data', Body: 'second version' }));

    const kept = await cli(['destroy', '--yes', '--keep-data', '--json']);
    expect(kept.code, kept.stderr).toBe(0);
    await expect(s3.send(new HeadBucketCommand({ Bucket: BUCKET }))).resolves.toBeDefined();

    const gone = await cli(['destroy', '--yes', '--json']);
    expect(gone.code, gone.stderr).toBe(0);
    expect(parseJson(gone).steps.find((s: any) => s.step === 'ensure-bucket').changes).toEqual([
      expect.objectContaining({ action: 'delete', resource: `arn:aws:s3:::${BUCKET}` }),
    ]);
    await expect(s3.send(new HeadBucketCommand({ Bucket: BUCKET }))).rejects.toThrow();
    const status = await cli(['status', '--json']);
    expect(status.code).toBe(3);
  });

  it('destroy removes the endpoint, configs and models the DAG deployed, and only this pipeline\'s', async () => {
    const local = { endpoint: endpoint.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
    const sagemaker = new SageMakerClient(local);
    await cli(['up', '--yes', '--only', 'ensure-bucket,ensure-roles']);
    // The endpoint serves its model: the local endpoint fetches ModelDataUrl while Creating, as SageMaker does.
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'abalone_data/models/train/output/model.tar.gz', Body: 'model' }));
    const container = {
      Image: '683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1',
      ModelDataUrl: `s3://${BUCKET}/abalone_data/models/train/output/model.tar.gz`,
    };
    const role = 'arn:aws:iam::123456789012:role/abalone-sagemaker-us-east-1';
    // Tagged as the DAG tags what it deploys (sagemaker_specs.tags); the other pipeline's with its own name.
    const tags = (name: string) => [{ Key: 'abalone-pipeline:name', Value: name }];
    for (const [ModelName, owner] of [['abalone-model-20261128-130501', 'abalone'], ['abalone-x-model-20261128-130501', 'abalone-x']] as const) {
      await sagemaker.send(new CreateModelCommand({ ModelName, ExecutionRoleArn: role, PrimaryContainer: container, Tags: tags(owner) }));
    }
    await sagemaker.send(new CreateEndpointConfigCommand({
      EndpointConfigName: 'abalone-config-20261128-130501',
      ProductionVariants: [{ VariantName: 'main', ModelName: 'abalone-model-20261128-130501', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }],
      Tags: tags('abalone'),
    }));
    await sagemaker.send(new CreateEndpointCommand({ EndpointName: 'abalone-endpoint', EndpointConfigName: 'abalone-config-20261128-130501', Tags: tags('abalone') }));
    // Creating -> InService (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html)
    await waitUntilEndpointInService({ client: sagemaker, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { EndpointName: 'abalone-endpoint' });

    const status = parseJson(await cli(['status', '--json'])).resources.find((r: any) => r.step === 'model-endpoint');
    expect(status).toMatchObject({ type: 'sagemaker-endpoint', id: 'abalone-endpoint', state: 'ok', detail: expect.stringMatching(/^InService/) });

    const gone = await cli(['destroy', '--yes', '--json']);
    expect(gone.code, gone.stderr).toBe(0);
    expect(parseJson(gone).steps.find((s: any) => s.step === 'model-endpoint').changes).toHaveLength(3);
    const left = (await sagemaker.send(new ListModelsCommand({}))).Models?.map((m) => m.ModelName);
    expect(left).toEqual(['abalone-x-model-20261128-130501']);
  });

  it('without a terminal and without --yes, up and destroy exit 2 naming --yes', async () => {
    for (const command of ['up', 'destroy']) {
      const run = await cli([command]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--yes');
    }
    await expect(s3.send(new HeadBucketCommand({ Bucket: BUCKET }))).rejects.toThrow();
  });
});
