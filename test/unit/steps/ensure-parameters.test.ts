import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AddTagsToResourceCommand,
  DeleteParametersCommand,
  GetParametersCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  SSMClient,
  SSMServiceException,
  type Parameter,
} from '@aws-sdk/client-ssm';
import { ensureParameters, wantedParameters } from '../../../src/steps/ensure-parameters.js';
import { stepContext, type TestStepContext } from '../../support/step-context.js';

const ssm = mockClient(SSMClient);
const TAG = { Key: 'abalone-pipeline:name', Value: 'abalone' };
let ctx: TestStepContext;

/** Serves GetParameters from a store, as SSM does: unknown names come back in InvalidParameters. */
function serve(store: Record<string, Partial<Parameter>>, tagged = true): void {
  ssm.on(GetParametersCommand).callsFake(({ Names }: { Names: string[] }) => ({
    Parameters: Names.filter((n) => store[n]).map((n) => ({ Name: n, Type: 'String', ...store[n] })),
    InvalidParameters: Names.filter((n) => !store[n]),
  }));
  ssm.on(ListTagsForResourceCommand).resolves({ TagList: tagged ? [TAG] : [] });
}

function converged(c: TestStepContext): Record<string, Partial<Parameter>> {
  return Object.fromEntries(wantedParameters(c.names, c.config).map((p) => [p.name, { Value: p.value }]));
}

beforeEach(() => {
  ssm.reset();
  ssm.onAnyCommand().rejects(new Error('unstubbed'));
  ctx = stepContext();
});

describe('ensure-parameters', () => {
  it('creates the six String parameters the DAG reads and the stored settings, tagged', async () => {
    serve({});
    ssm.on(PutParameterCommand).resolves({});
    const changes = await ensureParameters.plan(ctx);
    expect(changes.every((c) => c.action === 'create')).toBe(true);
    for (const c of changes) await c.apply();
    const puts = ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input);
    expect(Object.fromEntries(puts.map((p) => [p.Name, p.Value]))).toEqual({
      '/abalone-pipeline/abalone/data-bucket': 'abalone-data-us-east-1-123456789012',
      '/abalone-pipeline/abalone/sagemaker-role-arn': 'arn:aws:iam::123456789012:role/abalone-sagemaker-us-east-1',
      '/abalone-pipeline/abalone/analyze-results-function': 'abalone-analyze-results',
      '/abalone-pipeline/abalone/crawler-name': 'abalone-crawler',
      '/abalone-pipeline/abalone/etl-job-name': 'abalone-etl-job',
      '/abalone-pipeline/abalone/rmse-threshold': '3.1',
      '/abalone-pipeline/abalone/settings': JSON.stringify({
        envClass: 'mw1.small',
        minWorkers: 1,
        maxWorkers: 10,
        airflowVersion: '2.10.3',
        webserverAccess: 'PUBLIC_ONLY',
        natGateways: 2,
        etlEngine: 'pythonshell',
        managedPolicies: false,
        rmseThreshold: 3.1,
      }),
    });
    for (const p of puts) expect(p).toMatchObject({ Type: 'String', Tags: [TAG] });
    expect(changes[0]!.resource).toBe('arn:aws:ssm:us-east-1:123456789012:parameter/abalone-pipeline/abalone/data-bucket');
  });

  it('is a no-op, and status is ok, when every value matches', async () => {
    serve(converged(ctx));
    expect(await ensureParameters.plan(ctx)).toEqual([]);
    const states = await ensureParameters.status(ctx);
    expect(states).toHaveLength(7);
    expect(states.every((s) => s.state === 'ok' && s.type === 'ssm-parameter')).toBe(true);
  });

  it('restores a drifted value with Overwrite, and a changed --rmse-threshold updates the threshold', async () => {
    const store = converged(ctx);
    store['/abalone-pipeline/abalone/crawler-name'] = { Value: 'someone-elses-crawler' };
    serve(store);
    ssm.on(PutParameterCommand).resolves({});
    const status = await ensureParameters.status(ctx);
    expect(status.find((s) => s.state === 'drift')).toEqual({
      type: 'ssm-parameter',
      id: '/abalone-pipeline/abalone/crawler-name',
      state: 'drift',
      detail: 'value "someone-elses-crawler" (want "abalone-crawler")',
    });
    const changes = await ensureParameters.plan(ctx);
    expect(changes).toHaveLength(1);
    await changes[0]!.apply();
    expect(ssm.commandCalls(PutParameterCommand)[0]!.args[0].input).toEqual({
      Name: '/abalone-pipeline/abalone/crawler-name',
      Value: 'abalone-crawler',
      Type: 'String',
      Overwrite: true,
    });

    const stricter = stepContext({ config: { rmseThreshold: 2.5 } });
    serve(converged(ctx));
    const threshold = await ensureParameters.plan(stricter);
    expect(threshold.map((c) => c.resource.split('/').pop())).toEqual(['rmse-threshold', 'settings']);
    expect(threshold[0]!.detail).toBe('value "3.1" (want "2.5")');
    expect(threshold[1]!.detail).toBe('settings: rmseThreshold 3.1 → 2.5');
  });

  it('adds a missing tag without touching the value', async () => {
    serve(converged(ctx), false);
    ssm.on(AddTagsToResourceCommand).resolves({});
    const changes = await ensureParameters.plan(ctx);
    expect(changes).toHaveLength(7);
    await changes[0]!.apply();
    expect(ssm.commandCalls(AddTagsToResourceCommand)[0]!.args[0].input).toEqual({
      ResourceType: 'Parameter',
      ResourceId: '/abalone-pipeline/abalone/data-bucket',
      Tags: [TAG],
    });
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  it('never reads or writes another pipeline’s parameters', async () => {
    const other = stepContext({ name: 'other' });
    serve({ ...converged(ctx) });
    ssm.on(PutParameterCommand).resolves({});
    const changes = await ensureParameters.plan(other);
    expect(changes).toHaveLength(7);
    for (const c of changes) await c.apply();
    const touched = [
      ...ssm.commandCalls(GetParametersCommand).flatMap((c) => c.args[0].input.Names ?? []),
      ...ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input.Name!),
    ];
    expect(touched.every((n) => n.startsWith('/abalone-pipeline/other/'))).toBe(true);
    const values = ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input.Value!);
    expect(values.some((v) => v.includes('abalone-'))).toBe(false);
  });

  it('propagates AccessDenied', async () => {
    ssm.on(GetParametersCommand).rejects(new SSMServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'denied', $metadata: {} }));
    await expect(ensureParameters.plan(ctx)).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('deletes only the parameters that exist on destroy (the lock is not its own)', async () => {
    const store = converged(ctx);
    delete store['/abalone-pipeline/abalone/rmse-threshold'];
    serve(store);
    ssm.on(DeleteParametersCommand).resolves({});
    const changes = await ensureParameters.planDestroy(ctx);
    expect(changes).toHaveLength(6);
    for (const c of changes) await c.apply();
    const deleted = ssm.commandCalls(DeleteParametersCommand).flatMap((c) => c.args[0].input.Names ?? []);
    expect(deleted).not.toContain('/abalone-pipeline/abalone/lock');
    expect(deleted).toHaveLength(6);
  });
});
