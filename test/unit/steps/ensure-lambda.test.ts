import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  InvalidParameterValueException,
  LambdaClient,
  LambdaServiceException,
  ResourceNotFoundException,
  TagResourceCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import { ensureLambda, functionSettings, lambdaSourceDir } from '../../../src/steps/ensure-lambda.js';
import { zipFolder } from '../../../src/base/files/zip.js';
import { ARTIFACTS_DIR, stepContext, type TestStepContext } from '../../support/step-context.js';
import type { Change } from '../../../src/engine/types.js';

const lambda = mockClient(LambdaClient);
const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:abalone-analyze-results';
const TAGS = { 'abalone-pipeline:name': 'abalone' };
let ctx: TestStepContext;
let code: { zip: Buffer; sha256: string };

function configuration(overrides: Partial<FunctionConfiguration> = {}): FunctionConfiguration {
  return {
    FunctionName: 'abalone-analyze-results',
    FunctionArn: ARN,
    ...functionSettings(ctx.names),
    CodeSha256: code.sha256,
    State: 'Active',
    LastUpdateStatus: 'Successful',
    ...overrides,
  };
}

beforeAll(async () => {
  code = await zipFolder(lambdaSourceDir(ARTIFACTS_DIR));
});

beforeEach(() => {
  lambda.reset();
  lambda.onAnyCommand().rejects(new Error('unstubbed'));
  ctx = stepContext();
});

afterEach(() => {
  vi.useRealTimers();
});

async function applyAll(changes: Array<Pick<Change, 'apply'>>, fakeTimers = false): Promise<void> {
  const run = (async () => {
    for (const c of changes) await c.apply();
  })();
  if (fakeTimers) await vi.runAllTimersAsync();
  await run;
}

describe('ensure-lambda', () => {
  it('creates the function from a deterministic zip of artifacts/lambda/analyze_results and waits until it is Active', async () => {
    lambda
      .on(GetFunctionCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }))
      .resolves({ Configuration: configuration() });
    lambda.on(CreateFunctionCommand).resolves({});
    const changes = await ensureLambda.plan(ctx);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ action: 'create', resource: ARN, detail: `python3.12, 128 MB, 60 s, code ${code.sha256}` });
    await applyAll(changes);
    const input = lambda.commandCalls(CreateFunctionCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      FunctionName: 'abalone-analyze-results',
      Runtime: 'python3.12',
      Handler: 'analyze_results.handler',
      MemorySize: 128,
      Timeout: 60,
      Role: 'arn:aws:iam::123456789012:role/abalone-lambda-us-east-1',
      Tags: TAGS,
    });
    expect(Buffer.from(input.Code!.ZipFile!).equals(code.zip)).toBe(true);
    expect((await zipFolder(lambdaSourceDir(ARTIFACTS_DIR))).sha256).toBe(code.sha256);
  });

  it('is a no-op, and status is ok, when code, configuration and tag match', async () => {
    lambda.on(GetFunctionCommand).resolves({ Configuration: configuration(), Tags: TAGS });
    expect(await ensureLambda.plan(ctx)).toEqual([]);
    expect(await ensureLambda.status(ctx)).toEqual([{ type: 'lambda-function', id: 'abalone-analyze-results', state: 'ok', detail: '' }]);
  });

  it('updates changed code and waits for the update to finish', async () => {
    vi.useFakeTimers();
    lambda
      .on(GetFunctionCommand)
      .resolvesOnce({ Configuration: configuration({ CodeSha256: 'old=' }), Tags: TAGS })
      .resolvesOnce({ Configuration: configuration({ LastUpdateStatus: 'InProgress' }) })
      .resolves({ Configuration: configuration() });
    lambda.on(UpdateFunctionCodeCommand).resolves({});
    const changes = await ensureLambda.plan(ctx);
    expect(changes.map((c) => c.detail)).toEqual([`code changed (CodeSha256 ${code.sha256})`]);
    await applyAll(changes, true);
    expect(lambda.commandCalls(UpdateFunctionCodeCommand)[0]!.args[0].input.FunctionName).toBe('abalone-analyze-results');
    expect(ctx.events.map((e) => e.kind)).toEqual(['waiting', 'wait-done']);
  });

  it('reports configuration drift and restores the configuration', async () => {
    lambda.on(GetFunctionCommand).resolves({ Configuration: configuration({ MemorySize: 512, Handler: 'other.handler' }), Tags: TAGS });
    lambda.on(UpdateFunctionConfigurationCommand).resolves({});
    expect((await ensureLambda.status(ctx))[0]).toMatchObject({
      state: 'drift',
      detail: 'Handler other.handler (want analyze_results.handler); MemorySize 512 (want 128)',
    });
    const changes = await ensureLambda.plan(ctx);
    expect(changes).toHaveLength(1);
    await applyAll(changes);
    expect(lambda.commandCalls(UpdateFunctionConfigurationCommand)[0]!.args[0].input).toMatchObject({ MemorySize: 128, Handler: 'analyze_results.handler' });
  });

  it("a function with the pipeline's name but not its tag is not adopted, changed or deleted; --adopt tags it", async () => {
    lambda.on(GetFunctionCommand).resolves({ Configuration: configuration(), Tags: {} });
    lambda.on(TagResourceCommand).resolves({});
    await expect(ensureLambda.plan(ctx)).rejects.toMatchObject({ code: 'NotOurs' });
    expect((await ensureLambda.status(ctx))[0]!.detail).toMatch(/^not this pipeline's/);
    expect(await ensureLambda.planDestroy(ctx)).toEqual([]);
    const changes = await ensureLambda.plan(stepContext({ config: { adopt: true } }));
    await applyAll(changes);
    expect(lambda.commandCalls(TagResourceCommand)[0]!.args[0].input).toEqual({ Resource: ARN, Tags: TAGS });
  });

  it('retries while Lambda cannot assume the new role yet, with a notice', async () => {
    vi.useFakeTimers();
    lambda
      .on(GetFunctionCommand)
      .rejectsOnce(new ResourceNotFoundException({ message: 'Function not found', $metadata: {} }))
      .resolves({ Configuration: configuration() });
    lambda
      .on(CreateFunctionCommand)
      .rejectsOnce(new InvalidParameterValueException({ message: 'The role defined for the function cannot be assumed by Lambda.', $metadata: {} }))
      .rejectsOnce(new InvalidParameterValueException({ message: 'The role defined for the function cannot be assumed by Lambda.', $metadata: {} }))
      .resolves({});
    await applyAll(await ensureLambda.plan(ctx), true);
    expect(lambda.commandCalls(CreateFunctionCommand)).toHaveLength(3);
    const notices = ctx.events.filter((e) => e.kind === 'notice');
    expect(notices).toHaveLength(2);
    expect(notices[0]).toMatchObject({ step: 'ensure-lambda', message: expect.stringContaining('retrying in 1s (attempt 2 of 8)') });
  });

  it('fails when the function ends up Failed', async () => {
    lambda
      .on(GetFunctionCommand)
      .resolvesOnce({ Configuration: configuration({ CodeSha256: 'old=' }), Tags: TAGS })
      .resolves({ Configuration: configuration({ LastUpdateStatus: 'Failed', LastUpdateStatusReason: 'bad zip' }) });
    lambda.on(UpdateFunctionCodeCommand).resolves({});
    await expect(applyAll(await ensureLambda.plan(ctx))).rejects.toMatchObject({ code: 'LambdaFailed', message: expect.stringContaining('bad zip') });
  });

  it('propagates AccessDenied', async () => {
    lambda.on(GetFunctionCommand).rejects(new LambdaServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'denied', $metadata: {} }));
    await expect(ensureLambda.plan(ctx)).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('deletes the function on destroy, and plans nothing when it is gone', async () => {
    lambda.on(GetFunctionCommand).resolves({ Configuration: configuration(), Tags: TAGS });
    lambda.on(DeleteFunctionCommand).resolves({});
    const changes = await ensureLambda.planDestroy(ctx);
    expect(changes.map((c) => [c.action, c.resource])).toEqual([['delete', ARN]]);
    await applyAll(changes);
    expect(lambda.commandCalls(DeleteFunctionCommand)).toHaveLength(1);
    lambda.on(GetFunctionCommand).rejects(new ResourceNotFoundException({ message: 'gone', $metadata: {} }));
    expect(await ensureLambda.planDestroy(ctx)).toEqual([]);
  });
});
