import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CreateEndpointCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  ListEndpointConfigsCommand,
  ListModelsCommand,
  ListTagsCommand,
  SageMakerClient,
  SageMakerServiceException,
} from '@aws-sdk/client-sagemaker';
import { keptEndpoint, modelEndpoint, planParkEndpoint, runResourcePattern } from '../../../src/steps/model-endpoint.js';
import { stepContext } from '../../support/step-context.js';
import { timingProfile } from '../../../src/engine/timing.js';
import { InterruptedError } from '../../../src/base/errors.js';

const sagemaker = mockClient(SageMakerClient);
const notFound = () => new SageMakerServiceException({ name: 'ValidationException', $fault: 'client', message: 'Could not find endpoint "abalone-endpoint".', $metadata: {} });

const smArn = (type: string, name: string) => `arn:aws:sagemaker:us-east-1:123456789012:${type}/${name.toLowerCase()}`;

/** `foreign`: names whose resources lack the pipeline's tag (the DAG tags what it creates). */
function serve(options: { endpoint?: string; models?: string[]; configs?: string[]; foreign?: string[] }) {
  if (options.endpoint) sagemaker.on(DescribeEndpointCommand).resolves({ EndpointName: 'abalone-endpoint', EndpointArn: smArn('endpoint', 'abalone-endpoint'), EndpointStatus: options.endpoint as never, EndpointConfigName: 'abalone-config-20261128-130501' });
  else sagemaker.on(DescribeEndpointCommand).rejects(notFound());
  sagemaker.on(ListModelsCommand).resolves({ Models: (options.models ?? []).map((ModelName) => ({ ModelName, ModelArn: smArn('model', ModelName), CreationTime: new Date() })) });
  sagemaker.on(ListEndpointConfigsCommand).resolves({ EndpointConfigs: (options.configs ?? []).map((EndpointConfigName) => ({ EndpointConfigName, EndpointConfigArn: smArn('endpoint-config', EndpointConfigName), CreationTime: new Date() })) });
  const foreign = new Set(options.foreign ?? []);
  sagemaker.on(ListTagsCommand).callsFake(async ({ ResourceArn }: { ResourceArn: string }) => ({
    Tags: foreign.has(ResourceArn.split('/').pop()!) ? [{ Key: 'team', Value: 'x' }] : [{ Key: 'abalone-pipeline:name', Value: 'abalone' }],
  }));
}

beforeEach(() => {
  sagemaker.reset();
  sagemaker.onAnyCommand().rejects(new Error('unstubbed call'));
});
afterEach(() => sagemaker.reset());

describe('model-endpoint', () => {
  it('creates nothing on up: the DAG deploys the endpoint', async () => {
    expect(await modelEndpoint.plan(stepContext())).toEqual([]);
    expect(sagemaker.calls()).toHaveLength(0);
  });

  it('status reports the endpoint and what DAG runs left, never missing before the first deploy', async () => {
    serve({});
    expect(await modelEndpoint.status(stepContext())).toEqual([
      expect.objectContaining({ type: 'sagemaker-endpoint', id: 'abalone-endpoint', state: 'ok', detail: expect.stringMatching(/^not deployed yet/) }),
    ]);
    serve({ endpoint: 'Updating', models: ['abalone-model-20261128-130501'] });
    expect((await modelEndpoint.status(stepContext()))[0]).toMatchObject({ state: 'updating', detail: expect.stringContaining('1 model, 0 endpoint configs') });
    serve({ endpoint: 'Failed' });
    expect((await modelEndpoint.status(stepContext()))[0]!.state).toBe('failed');
  });

  it("destroy and park leave alone what has the pipeline's names but not its tag, saying so; status says whose it is not", async () => {
    serve({ endpoint: 'InService', models: ['abalone-model-20261128-130501'], configs: ['abalone-config-20261128-130501'], foreign: ['abalone-endpoint', 'abalone-model-20261128-130501'] });
    sagemaker.on(DeleteEndpointConfigCommand).resolves({});
    const ctx = stepContext();
    const changes = await modelEndpoint.planDestroy(ctx);
    expect(changes.map((c) => c.resource.split(':').pop())).toEqual(['endpoint-config/abalone-config-20261128-130501']);
    expect(ctx.events.map((e) => (e as { message: string }).message)).toEqual([
      expect.stringMatching(/^left alone: .*endpoint\/abalone-endpoint is not this pipeline's/),
      expect.stringMatching(/^left alone: .*model\/abalone-model-20261128-130501 is not this pipeline's/),
    ]);
    expect(await planParkEndpoint(stepContext())).toEqual([]);
    expect((await modelEndpoint.status(stepContext()))[0]).toMatchObject({ state: 'drift', detail: expect.stringMatching(/^not this pipeline's/) });
  });

  it('destroy deletes the endpoint (and waits), then every run config and model of this pipeline only', async () => {
    serve({
      endpoint: 'InService',
      models: ['abalone-model-20261128-130501', 'abalone-config-model-20261128-130501', 'abalone-model-latest'],
      configs: ['abalone-config-20261128-130501', 'abalone-config-20261129-080000'],
    });
    sagemaker.on(DeleteEndpointCommand).resolves({});
    sagemaker.on(DeleteEndpointConfigCommand).resolves({});
    sagemaker.on(DeleteModelCommand).resolves({});
    const changes = await modelEndpoint.planDestroy(stepContext());
    expect(changes.map((c) => c.resource.split(':').pop())).toEqual([
      'endpoint/abalone-endpoint',
      'endpoint-config/abalone-config-20261128-130501',
      'endpoint-config/abalone-config-20261129-080000',
      'model/abalone-model-20261128-130501',
    ]);
    sagemaker.on(DescribeEndpointCommand).rejects(notFound());
    for (const c of changes) await c.apply();
    expect(sagemaker.commandCalls(DeleteEndpointCommand)[0]!.args[0].input).toEqual({ EndpointName: 'abalone-endpoint' });
    expect(sagemaker.commandCalls(DeleteModelCommand).map((c) => c.args[0].input.ModelName)).toEqual(['abalone-model-20261128-130501']);
  });

  // Issue #11 item 4: the endpoint wait obeys ABALONE_WAIT_TIMEOUT and Ctrl-C like every other wait.
  it('the endpoint wait ends in WaitTimeout, not the SDK waiter error, once ABALONE_WAIT_TIMEOUT has passed', async () => {
    serve({ endpoint: 'Deleting' });
    sagemaker.on(DeleteEndpointCommand).resolves({});
    const ctx = { ...stepContext({ emulated: true }), timing: timingProfile({ emulated: true, env: { ABALONE_WAIT_TIMEOUT: '2' } }) };
    const [deleteEndpoint] = await modelEndpoint.planDestroy(ctx);
    await expect(deleteEndpoint!.apply()).rejects.toMatchObject({ code: 'WaitTimeout', message: expect.stringMatching(/endpoint abalone-endpoint did not become deleted within 2s; run the same command again.*: Deleting/) });
  });

  it('Ctrl-C stops the endpoint wait with an interruption, saying AWS goes on', async () => {
    serve({ endpoint: 'Deleting' });
    sagemaker.on(DeleteEndpointCommand).resolves({});
    const controller = new AbortController();
    const ctx = stepContext({ emulated: true, signal: controller.signal });
    const [deleteEndpoint] = await modelEndpoint.planDestroy(ctx);
    const applied = deleteEndpoint!.apply();
    setTimeout(() => controller.abort(), 50);
    await expect(applied).rejects.toBeInstanceOf(InterruptedError);
    await expect(applied).rejects.toThrow(/stopped waiting for endpoint abalone-endpoint/);
  });

  // Issue #11 item 3: destroy --no-wait requests the endpoint's deletion and leaves the rest for a second destroy.
  it('--no-wait requests the endpoint deletion without waiting, and reports it still deleting', async () => {
    serve({ endpoint: 'InService', models: ['abalone-model-20261128-130501'], configs: ['abalone-config-20261128-130501'] });
    sagemaker.on(DeleteEndpointCommand).resolves({});
    const changes = await modelEndpoint.planDestroy(stepContext({ config: { wait: false } }));
    expect(changes.map((c) => c.resource.split(':').pop())).toEqual(['endpoint/abalone-endpoint']);
    const describesBefore = sagemaker.commandCalls(DescribeEndpointCommand).length;
    expect(await changes[0]!.apply()).toEqual({ stillDeleting: 'endpoint abalone-endpoint (Deleting)' });
    expect(sagemaker.commandCalls(DescribeEndpointCommand)).toHaveLength(describesBefore);
    expect(sagemaker.commandCalls(DeleteEndpointConfigCommand)).toHaveLength(0);
  });

  it('nothing to delete when the DAG never ran', async () => {
    serve({});
    expect(await modelEndpoint.planDestroy(stepContext())).toEqual([]);
  });

  it('matches the DAG names exactly, including a name the DAG had to shorten', () => {
    expect(runResourcePattern('abalone', 'model').test('abalone-model-20261128-130501')).toBe(true);
    expect(runResourcePattern('abalone', 'model').test('abalone-config-model-20261128-130501')).toBe(false);
    const long = 'a'.repeat(50);
    expect(runResourcePattern(long, 'config').test(`${'a'.repeat(40)}-config-20261128-130501`)).toBe(true);
  });

  it('propagates other errors', async () => {
    sagemaker.on(DescribeEndpointCommand).rejects(new SageMakerServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'denied', $metadata: {} }));
    sagemaker.on(ListModelsCommand).resolves({ Models: [] });
    sagemaker.on(ListEndpointConfigsCommand).resolves({ EndpointConfigs: [] });
    await expect(modelEndpoint.planDestroy(stepContext())).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  describe('park and resume', () => {
    const kept = { config: 'abalone-config-20261128-130501', instanceType: 'ml.m5.large', instanceCount: 1 };
    const parked = { parked: { since: '2026-12-01T10:00:00.000Z', endpoint: kept } };

    it('park deletes the endpoint only: its config and model stay for up', async () => {
      serve({ endpoint: 'InService', models: ['abalone-model-20261128-130501'], configs: [kept.config] });
      const changes = await planParkEndpoint(stepContext());
      expect(changes.map((c) => [c.action, c.resource.split(':').pop(), c.detail])).toEqual([
        ['delete', 'endpoint/abalone-endpoint', `InService, endpoint config ${kept.config} and its model kept for up; waits until it is gone`],
      ]);
      serve({});
      expect(await planParkEndpoint(stepContext())).toEqual([]);
    });

    it('keptEndpoint reads the config and instances the endpoint serves', async () => {
      serve({ endpoint: 'InService' });
      sagemaker.on(DescribeEndpointConfigCommand).resolves({ EndpointConfigName: kept.config, ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'm', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }] });
      expect(await keptEndpoint(stepContext())).toEqual(kept);
      serve({});
      expect(await keptEndpoint(stepContext())).toBeUndefined();
    });

    it('up on a parked pipeline creates the endpoint from the kept config, tagged, and waits until InService', async () => {
      sagemaker.on(DescribeEndpointCommand).rejectsOnce(notFound()).resolves({ EndpointName: 'abalone-endpoint', EndpointStatus: 'InService', EndpointConfigName: kept.config });
      sagemaker.on(DescribeEndpointConfigCommand).resolves({ EndpointConfigName: kept.config });
      sagemaker.on(CreateEndpointCommand).resolves({ EndpointArn: 'arn' });
      const ctx = stepContext({ config: parked, emulated: true });
      const changes = await modelEndpoint.plan(ctx);
      expect(changes.map((c) => [c.action, c.resource.split(':').pop()])).toEqual([['create', 'endpoint/abalone-endpoint']]);
      expect(changes[0]!.detail).toMatch(/^from the kept endpoint config abalone-config-20261128-130501 \(ml\.m5\.large × 1, ~\$[\d.]+\/h\)$/);
      await changes[0]!.apply();
      expect(sagemaker.commandCalls(CreateEndpointCommand)[0]!.args[0].input).toEqual({
        EndpointName: 'abalone-endpoint',
        EndpointConfigName: kept.config,
        Tags: [{ Key: 'abalone-pipeline:name', Value: 'abalone' }],
      });
    });

    it('up on a parked pipeline whose kept config was deleted since says so and creates nothing', async () => {
      sagemaker.on(DescribeEndpointCommand).rejects(notFound());
      sagemaker.on(DescribeEndpointConfigCommand).rejects(new SageMakerServiceException({ name: 'ValidationException', $fault: 'client', message: `Could not find endpoint configuration "${kept.config}".`, $metadata: {} }));
      const ctx = stepContext({ config: parked });
      expect(await modelEndpoint.plan(ctx)).toEqual([]);
      expect(ctx.events).toEqual([{ kind: 'notice', step: 'model-endpoint', message: expect.stringMatching(/no longer exists: abalone-endpoint is not recreated/) }]);
    });

    it('up on a parked pipeline whose endpoint is back already changes nothing', async () => {
      serve({ endpoint: 'InService' });
      expect(await modelEndpoint.plan(stepContext({ config: parked }))).toEqual([]);
    });

    it('status calls a parked endpoint parked, not missing', async () => {
      serve({ configs: [kept.config] });
      expect((await modelEndpoint.status(stepContext({ config: parked })))[0]).toMatchObject({ state: 'parked', detail: expect.stringContaining(`from endpoint config ${kept.config}`) });
    });
  });
});
