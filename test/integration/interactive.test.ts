import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FaultProxy, isCall } from '../support/fault-proxy.js';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';
import { KEY, runCliInTerminal, type PtyResult, type PtyStep } from '../support/pty.js';

/**
 * The interactive path (issue #11 items 1, 2 and 19): the built CLI in a pseudo-terminal, where
 * it asks before it changes anything; keys are typed as a user types them.
 */
let endpoint: TestEndpoint;
let proxy: FaultProxy;
let s3: S3Client;
const BUCKET = 'abalone-data-us-east-1-123456789012';
const STEPS = ['--only', 'ensure-bucket,ensure-roles,ensure-glue'];
const APPLY = 'Apply these changes\\?.*\\(y/N\\)';

const inTerminal = (args: string[], steps: PtyStep[]) => runCliInTerminal(args, { env: { ...endpoint.env, AWS_ENDPOINT_URL: proxy.url }, steps });
const bucketExists = () => s3.send(new HeadBucketCommand({ Bucket: BUCKET })).then(() => true, () => false);
const explain = (run: PtyResult) => `exit ${run.code}${run.error ? ` (${run.error})` : ''}\n${run.screen}`;

beforeAll(async () => {
  endpoint = await startLocalEndpoint();
  proxy = new FaultProxy(endpoint.url);
  await proxy.start();
  s3 = new S3Client({ endpoint: endpoint.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
});
afterAll(async () => {
  s3?.destroy();
  await proxy?.stop();
  await endpoint?.stop();
});
beforeEach(async () => {
  await endpoint.reset();
  proxy.configure({});
  proxy.calls.length = 0;
});

describe('up at a terminal', () => {
  it('yes applies the plan it showed, reading each resource once (item 2)', async () => {
    const run = await inTerminal(['up', ...STEPS], [{ expect: APPLY, send: `y${KEY.enter}` }]);
    expect(run.code, explain(run)).toBe(0);
    expect(run.screen).toMatch(/ensure-glue\s+\+ create/);
    expect(await bucketExists()).toBe(true);
    // The plan read the job once; applying what was confirmed reads nothing again.
    expect(proxy.calls.filter(isCall('glue', 'GetJob'))).toHaveLength(1);
  });

  it('no (the default, Enter) changes nothing and exits 1', async () => {
    const run = await inTerminal(['up', ...STEPS], [{ expect: APPLY, send: KEY.enter }]);
    expect(run.code, explain(run)).toBe(1);
    expect(run.screen).toContain('cancelled: nothing changed');
    expect(await bucketExists()).toBe(false);
  });

  it('Ctrl-C at the prompt changes nothing and exits 130', async () => {
    const run = await inTerminal(['up', ...STEPS], [{ expect: APPLY, send: KEY.ctrlC }]);
    expect(run.code, explain(run)).toBe(130);
    expect(run.screen).toMatch(/interrupted/);
    expect(await bucketExists()).toBe(false);
  });

  describe('a step whose plan failed (item 1)', () => {
    const glueReadFails = () =>
      proxy.configure({ rules: [{ match: isCall('glue', 'GetJob'), fault: { kind: 'error', phase: 'before', error: { status: 400, code: 'AccessDeniedException', message: 'not authorized to perform glue:GetJob' } } }] });
    const FAILED_APPLY = 'Apply these changes \\(only the steps whose plan succeeded\\)\\?.*\\(y/N\\)';

    it('is shown with the plan, and the question is still asked: no changes nothing', async () => {
      glueReadFails();
      const run = await inTerminal(['up', ...STEPS], [{ expect: FAILED_APPLY, send: KEY.enter }]);
      expect(run.code, explain(run)).toBe(1);
      expect(run.screen).toMatch(/the plan of 1 step failed.*\n.*ensure-glue: AccessDeniedException: not authorized to perform glue:GetJob/);
      expect(run.screen).toContain('cancelled: nothing changed');
      expect(await bucketExists()).toBe(false);
    });

    it('yes applies what could be planned, not the failed step', async () => {
      glueReadFails();
      const run = await inTerminal(['up', ...STEPS], [{ expect: FAILED_APPLY, send: `y${KEY.enter}` }]);
      expect(run.code, explain(run)).toBe(1);
      expect(await bucketExists()).toBe(true);
      expect(run.screen).toMatch(/ensure-glue: AccessDeniedException: not applied: its plan failed: not authorized/);
      expect(proxy.calls.filter(isCall('glue', 'CreateJob'))).toHaveLength(0);
    });
  });
});
