import { HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { runCli } from '../support/cli.js';
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

// Issue #11 item 6: deleting what users added takes the typed pipeline name.
describe('destroy at a terminal', () => {
  const TYPE_NAME = 'Type the pipeline name \\(abalone\\) to delete everything:';
  const upBucket = async () => {
    const up = await runCli(['up', '--yes', '--only', 'ensure-bucket,ensure-roles'], { env: endpoint.env });
    expect(up.code, up.stderr).toBe(0);
  };
  const addUserData = () => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'abalone_data/new/2026-12-01.csv', Body: 'M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15\n' }));

  it('with data users added, asks for the pipeline name: a wrong name deletes nothing, the right one deletes', async () => {
    await upBucket();
    await addUserData();
    const wrong = await inTerminal(['destroy'], [{ expect: TYPE_NAME, send: `abalon${KEY.enter}` }]);
    expect(wrong.code, explain(wrong)).toBe(1);
    expect(wrong.screen).toMatch(/holds what `up` cannot put back: 1 object under abalone_data\/new\/ \(data added with add-data\)/);
    expect(wrong.screen).toContain('that is not "abalone"');
    expect(wrong.screen).toContain('cancelled: nothing deleted');
    expect(await bucketExists()).toBe(true);

    const right = await inTerminal(['destroy'], [{ expect: TYPE_NAME, send: `abalone${KEY.enter}` }]);
    expect(right.code, explain(right)).toBe(0);
    expect(await bucketExists()).toBe(false);
  });

  it('without such data asks yes or no; with --keep-data it never asks for the name', async () => {
    await upBucket();
    const plain = await inTerminal(['destroy'], [{ expect: 'Delete these resources of pipeline "abalone"\\?.*\\(y/N\\)', send: KEY.enter }]);
    expect(plain.code, explain(plain)).toBe(1);
    await addUserData();
    const kept = await inTerminal(['destroy', '--keep-data'], [{ expect: '\\(y/N\\)', send: `y${KEY.enter}` }]);
    expect(kept.code, explain(kept)).toBe(0);
    expect(kept.screen).not.toContain('Type the pipeline name');
    expect(await bucketExists()).toBe(true);
  });

  it('--yes skips the question for scripts, user data or not', async () => {
    await upBucket();
    await addUserData();
    const run = await inTerminal(['destroy', '--yes'], []);
    expect(run.code, explain(run)).toBe(0);
    expect(run.screen).not.toContain('Type the pipeline name');
    expect(await bucketExists()).toBe(false);
  });
});
