import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, runCli } from '../support/cli.js';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';

/**
 * `destroy --no-wait` (issue #11 item 3; docs/cli.md): requests the environment's deletion
 * without waiting, deletes what does not depend on it, says what is still being deleted, and a
 * second destroy finishes the job. The MWAA emulator keeps a deleted environment DELETING for
 * ABALONE_MWAA_DELETE_DELAY seconds, as MWAA does for about 20 minutes.
 */
let endpoint: TestEndpoint;
let s3: S3Client;
const BUCKET = 'abalone-data-us-east-1-123456789012';
const cli = (args: string[]) => runCli(args, { env: endpoint.env, timeoutMs: 240_000 });
const bucketExists = () => s3.send(new HeadBucketCommand({ Bucket: BUCKET })).then(() => true, () => false);

beforeAll(async () => {
  endpoint = await startLocalEndpoint({ ABALONE_MWAA_DELETE_DELAY: '8' });
  s3 = new S3Client({ endpoint: endpoint.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});
afterAll(async () => {
  s3?.destroy();
  await endpoint?.stop();
});

describe('destroy --no-wait', () => {
  it('requests the environment deletion, deletes what does not depend on it, and a second destroy finishes', async () => {
    const up = await cli(['up', '--yes']);
    expect(up.code, up.stderr).toBe(0);

    const first = await cli(['destroy', '--yes', '--no-wait', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const steps = Object.fromEntries(parseJson(first).steps.map((s: any) => [s.step, s]));
    expect(steps['ensure-mwaa']).toMatchObject({ status: 'changed', changes: [expect.objectContaining({ action: 'delete', detail: expect.stringContaining('--no-wait') })] });
    // Nothing the environment uses (its dependencies, src/steps/*.ts dependsOn: the network, the
    // policies, the files, the parameters and what they name) goes while it is being deleted;
    // what it does not use is gone.
    for (const kept of ['ensure-vpc', 'attach-policies', 'ensure-bucket', 'ensure-roles', 'ensure-parameters', 'ensure-glue', 'ensure-lambda', 'upload-airflow']) expect(steps[kept].status, kept).toBe('skipped');
    expect(steps['ensure-codebuild'].status).toBe('changed');
    expect(first.stderr).toMatch(/still being deleted: environment abalone-airflow-environment \(DELETING/);
    expect(first.stderr).toMatch(/Run `abalone-pipeline destroy` again to finish the job/);
    expect(await bucketExists()).toBe(true);

    const status = parseJson(await cli(['status', '--json']));
    expect(status.resources.find((r: any) => r.type === 'mwaa-environment')).toMatchObject({ state: 'deleting' });

    const second = await cli(['destroy', '--yes', '--json']);
    expect(second.code, second.stderr).toBe(0);
    expect(parseJson(second).steps.every((s: any) => s.status !== 'skipped' && s.status !== 'failed')).toBe(true);
    expect(second.stderr).not.toMatch(/still being deleted/);
    expect(await bucketExists()).toBe(false);
    const after = parseJson(await cli(['status', '--json']));
    expect(after.resources.find((r: any) => r.type === 'mwaa-environment')).toMatchObject({ state: 'missing' });
  }, 240_000);
});
