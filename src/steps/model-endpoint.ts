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
  waitUntilEndpointDeleted,
  waitUntilEndpointInService,
  type DescribeEndpointCommandOutput,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { isNotFound } from '../aws/errors.js';
import { errorName } from '../base/errors.js';
import { hourlyCost, hourlyNote } from '../engine/cost.js';
import type { KeptEndpoint } from '../engine/settings.js';
import { regionalArn, type Names } from '../engine/names.js';
import { sdkWait, type SdkWaiterParams } from './sdk-wait.js';
import { change, type Change, type ResourceState, type Step, type StepContext } from '../engine/types.js';
import { isOurs, leaveAlone, notOursDetail } from '../engine/ownership.js';

/**
 * What the DAG deploys at run time: the endpoint `<name>-endpoint`, and one model and one
 * endpoint config per run (`<name>-model-<YYYYMMDD-HHMMSS>`, `<name>-config-...`; see
 * artifacts/airflow/dags/abalone_pipeline/layout.py). `up` creates none of them, except that it
 * resumes a parked pipeline's endpoint from the endpoint config `park` kept; `park` deletes only
 * the endpoint (billed by the hour), `destroy` removes all of them.
 */
const SAGEMAKER_NAME_MAX = 63;

/** The DAG's `resource_name`: `<name>-<kind>-<suffix>`, the name cut so the whole fits 63. */
export function runResourcePattern(name: string, kind: 'model' | 'config'): RegExp {
  const tailLength = `-${kind}-YYYYMMDD-HHMMSS`.length;
  const head = name.slice(0, SAGEMAKER_NAME_MAX - tailLength).replace(/-+$/, '');
  return new RegExp(`^${head.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-${kind}-\\d{8}-\\d{6}$`);
}

async function listNames(
  list: (token: string | undefined) => Promise<{ names: string[]; next?: string }>,
): Promise<string[]> {
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await list(token);
    names.push(...page.names);
    token = page.next;
  } while (token);
  return names;
}

/** The pipeline tag of a SageMaker resource (the DAG tags each model, config and the endpoint as it creates them). */
async function sagemakerTag(sagemaker: SageMakerClient, names: Names, ResourceArn: string | undefined): Promise<string | undefined> {
  if (!ResourceArn) return undefined;
  const out = await sagemaker.send(new ListTagsCommand({ ResourceArn })).catch((error: unknown) => {
    if (endpointGone(error)) return undefined;
    throw error;
  });
  return out?.Tags?.find((t) => t.Key === names.tagKey)?.Value;
}

/** Only what carries the pipeline's tag is deleted; the rest is left alone, saying so. */
async function ours(ctx: StepContext, sagemaker: SageMakerClient, items: ReadonlyArray<{ name: string; arn?: string }>): Promise<string[]> {
  const tags = await Promise.all(items.map((i) => sagemakerTag(sagemaker, ctx.names, i.arn)));
  return items.filter((item, n) => isOurs(ctx.names, tags[n]) || (leaveAlone(ctx, 'model-endpoint', item.arn ?? item.name, tags[n]), false)).map((i) => i.name);
}

async function observe(sagemaker: SageMakerClient, names: Names) {
  const arns = new Map<string, string | undefined>();
  const [endpoint, models, configs] = await Promise.all([
    describeEndpoint(sagemaker, names),
    listNames(async (NextToken) => {
      const out = await sagemaker.send(new ListModelsCommand({ NameContains: `${names.name}-model-`, NextToken }));
      for (const m of out.Models ?? []) arns.set(`model/${m.ModelName}`, m.ModelArn);
      return { names: (out.Models ?? []).map((m) => m.ModelName!), next: out.NextToken };
    }),
    listNames(async (NextToken) => {
      const out = await sagemaker.send(new ListEndpointConfigsCommand({ NameContains: `${names.name}-config-`, NextToken }));
      for (const c of out.EndpointConfigs ?? []) arns.set(`config/${c.EndpointConfigName}`, c.EndpointConfigArn);
      return { names: (out.EndpointConfigs ?? []).map((c) => c.EndpointConfigName!), next: out.NextToken };
    }),
  ]);
  return {
    endpoint,
    models: models.filter((m) => runResourcePattern(names.name, 'model').test(m)).sort(),
    configs: configs.filter((c) => runResourcePattern(names.name, 'config').test(c)).sort(),
    arns,
  };
}

/** SageMaker's describe of a missing endpoint is a ValidationException "Could not find endpoint". */
function endpointGone(error: unknown): boolean {
  return isNotFound(error) || (errorName(error) === 'ValidationException' && /could not find/i.test(String((error as Error).message)));
}

function arn(names: Names, type: string, id: string): string {
  return regionalArn(names, 'sagemaker', `${type}/${id.toLowerCase()}`);
}

/** Describes the endpoint config; undefined when it no longer exists. */
async function describeConfig(sagemaker: SageMakerClient, name: string) {
  return sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name })).catch((error: unknown) => {
    if (endpointGone(error)) return undefined;
    throw error;
  });
}

/** The endpoint as `park` keeps it for `up`: its config and the instances that config runs; undefined when there is no endpoint. */
export async function keptEndpoint(ctx: StepContext): Promise<KeptEndpoint | undefined> {
  const sagemaker = await ctx.clients.sagemaker();
  const endpoint = await describeEndpoint(sagemaker, ctx.names);
  if (!endpoint?.EndpointConfigName || endpoint.EndpointStatus === 'Deleting') return undefined;
  const config = await describeConfig(sagemaker, endpoint.EndpointConfigName);
  const variant = config?.ProductionVariants?.find((v) => v.InstanceType);
  return { config: endpoint.EndpointConfigName, instanceType: variant?.InstanceType ?? 'unknown', instanceCount: variant?.InitialInstanceCount ?? 0 };
}

async function describeEndpoint(sagemaker: SageMakerClient, names: Names): Promise<DescribeEndpointCommandOutput | undefined> {
  return sagemaker.send(new DescribeEndpointCommand({ EndpointName: names.endpoint })).catch((error: unknown) => {
    if (endpointGone(error)) return undefined;
    throw error;
  });
}

/** The endpoint's status (and failure reason) for a wait's messages; "gone" when it no longer exists. */
async function endpointStateText(sagemaker: SageMakerClient, names: Names): Promise<string> {
  const now = await describeEndpoint(sagemaker, names);
  return now ? `${now.EndpointStatus}${now.FailureReason ? ` (${now.FailureReason})` : ''}` : 'gone';
}

/** Waits, as every wait of the tool does (sdkWait), until the endpoint is deleted or InService. */
function waitForEndpoint(ctx: StepContext, sagemaker: SageMakerClient, goal: 'deleted' | 'InService', wait: (params: SdkWaiterParams) => Promise<unknown>): Promise<void> {
  const { names } = ctx;
  const deleting = goal === 'deleted';
  return sdkWait(
    ctx,
    {
      step: 'model-endpoint',
      what: `endpoint ${names.endpoint}`,
      goal,
      waiter: deleting ? ctx.timing.endpointDeleted : ctx.timing.endpointInService,
      failureCode: deleting ? 'EndpointDeleteFailed' : 'EndpointCreateFailed',
      describe: () => endpointStateText(sagemaker, names),
    },
    wait,
  );
}

/**
 * Deletes the endpoint (its config and model stay): for destroy and park alike. It waits until the
 * endpoint is gone, or, with --no-wait, only requests the deletion and says it is still going on.
 */
function deleteEndpointChange(ctx: StepContext, sagemaker: SageMakerClient, endpoint: DescribeEndpointCommandOutput, kept: string): Change {
  const { names } = ctx;
  const request = async (): Promise<boolean> => {
    try {
      await sagemaker.send(new DeleteEndpointCommand({ EndpointName: names.endpoint }));
      return true;
    } catch (error) {
      if (endpointGone(error)) return false;
      throw error;
    }
  };
  if (!ctx.config.wait) {
    return change('delete', arn(names, 'endpoint', names.endpoint), `${endpoint.EndpointStatus}${kept}; DeleteEndpoint, not waiting for it (--no-wait)`, async () => {
      if (await request()) return { stillDeleting: `endpoint ${names.endpoint} (Deleting)` };
    });
  }
  return change('delete', arn(names, 'endpoint', names.endpoint), `${endpoint.EndpointStatus}${kept}; waits until it is gone`, async () => {
    await request();
    await waitForEndpoint(ctx, sagemaker, 'deleted', (params) => waitUntilEndpointDeleted({ client: sagemaker, ...params }, { EndpointName: names.endpoint }));
  });
}

/**
 * What `park` removes of the SageMaker resources: the endpoint only (billed by the hour while idle).
 * "Deleting an endpoint will not delete the endpoint configuration or the SageMaker AI model"
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/realtime-endpoints-delete-resources.html), so
 * CreateEndpoint with the kept config brings the same model back.
 */
export async function planParkEndpoint(ctx: StepContext): Promise<Change[]> {
  const sagemaker = await ctx.clients.sagemaker();
  const endpoint = await describeEndpoint(sagemaker, ctx.names);
  if (!endpoint) return [];
  if ((await ours(ctx, sagemaker, [{ name: ctx.names.endpoint, arn: endpoint.EndpointArn }])).length === 0) return [];
  const kept = endpoint.EndpointConfigName ? `, endpoint config ${endpoint.EndpointConfigName} and its model kept for up` : '';
  return [deleteEndpointChange(ctx, sagemaker, endpoint, kept)];
}

/**
 * Resuming a parked pipeline: when park deleted the endpoint, create it again from the endpoint
 * config it served (the last approved model), tagged as the DAG's deploy tags it, and wait until
 * it is InService. A config deleted since is said, not failed on: the next approved run deploys one.
 */
async function planResume(ctx: StepContext, sagemaker: SageMakerClient, kept: KeptEndpoint): Promise<Change[]> {
  const { names } = ctx;
  if (!(await describeConfig(sagemaker, kept.config))) {
    ctx.progress({ kind: 'notice', step: 'model-endpoint', message: `the endpoint config ${kept.config} park kept no longer exists: ${names.endpoint} is not recreated (the next run whose model passes the threshold deploys one)` });
    return [];
  }
  let cost = '';
  try {
    cost = `, ${hourlyNote(hourlyCost({ region: names.region, natGateways: 0, endpoint: kept }).usd)}`;
  } catch {
    // An instance type the price table lacks: the endpoint is resumed all the same.
  }
  return [
    change('create', arn(names, 'endpoint', names.endpoint), `from the kept endpoint config ${kept.config} (${kept.instanceType} × ${kept.instanceCount}${cost})`, async () => {
      try {
        await sagemaker.send(new CreateEndpointCommand({ EndpointName: names.endpoint, EndpointConfigName: kept.config, Tags: [{ Key: names.tagKey, Value: names.name }] }));
      } catch (error) {
        // A retry after a lost response finds the endpoint it asked for: wait for it as usual.
        if (!(errorName(error) === 'ValidationException' && /already exist/i.test(String((error as Error).message)))) throw error;
      }
      if (!ctx.config.wait) return;
      await waitForEndpoint(ctx, sagemaker, 'InService', (params) => waitUntilEndpointInService({ client: sagemaker, ...params }, { EndpointName: names.endpoint }));
    }),
  ];
}

export const modelEndpoint: Step = {
  name: 'model-endpoint',
  dependsOn: ['ensure-roles', 'ensure-bucket'],

  async plan(ctx: StepContext): Promise<Change[]> {
    const kept = ctx.config.parked?.endpoint;
    if (!kept) return [];
    const sagemaker = await ctx.clients.sagemaker();
    if (await describeEndpoint(sagemaker, ctx.names)) return [];
    return planResume(ctx, sagemaker, kept);
  },

  async status(ctx: StepContext): Promise<ResourceState[]> {
    const { endpoint, models, configs } = await observe(await ctx.clients.sagemaker(), ctx.names);
    const kept = `${models.length} model${models.length === 1 ? '' : 's'}, ${configs.length} endpoint config${configs.length === 1 ? '' : 's'} from DAG runs`;
    const parked = ctx.config.parked?.endpoint;
    if (!endpoint && parked) return [{ type: 'sagemaker-endpoint', id: ctx.names.endpoint, state: 'parked', detail: `deleted by park; up recreates it from endpoint config ${parked.config}; ${kept}` }];
    if (!endpoint) return [{ type: 'sagemaker-endpoint', id: ctx.names.endpoint, state: 'ok', detail: `not deployed yet (the DAG deploys it when a model passes the RMSE threshold); ${kept}` }];
    const tag = await sagemakerTag(await ctx.clients.sagemaker(), ctx.names, endpoint.EndpointArn);
    if (!isOurs(ctx.names, tag)) return [{ type: 'sagemaker-endpoint', id: ctx.names.endpoint, state: 'drift', detail: notOursDetail(ctx.names, tag) }];
    const state = endpoint.EndpointStatus === 'Failed' ? 'failed' : endpoint.EndpointStatus === 'Updating' ? 'updating' : endpoint.EndpointStatus === 'Creating' ? 'creating' : 'ok';
    return [{ type: 'sagemaker-endpoint', id: ctx.names.endpoint, state, detail: `${endpoint.EndpointStatus}, config ${endpoint.EndpointConfigName}; ${kept}` }];
  },

  async planDestroy(ctx: StepContext): Promise<Change[]> {
    const sagemaker = await ctx.clients.sagemaker();
    const { names } = ctx;
    const observed = await observe(sagemaker, names);
    const endpoint = observed.endpoint && (await ours(ctx, sagemaker, [{ name: names.endpoint, arn: observed.endpoint.EndpointArn }])).length > 0 ? observed.endpoint : undefined;
    const configs = await ours(ctx, sagemaker, observed.configs.map((name) => ({ name, arn: observed.arns.get(`config/${name}`) })));
    const models = await ours(ctx, sagemaker, observed.models.map((name) => ({ name, arn: observed.arns.get(`model/${name}`) })));
    const changes: Change[] = [];
    if (endpoint) changes.push(deleteEndpointChange(ctx, sagemaker, endpoint, ''));
    // --no-wait: the configs and models the endpoint uses wait for a second destroy.
    if (endpoint && !ctx.config.wait) return changes;
    for (const config of configs) {
      changes.push(
        change('delete', arn(names, 'endpoint-config', config), 'endpoint config of a DAG run', async () => {
          await sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: config })).catch(ignoreGone);
        }),
      );
    }
    for (const model of models) {
      changes.push(
        change('delete', arn(names, 'model', model), 'model of a DAG run', async () => {
          await sagemaker.send(new DeleteModelCommand({ ModelName: model })).catch(ignoreGone);
        }),
      );
    }
    return changes;
  },
};

function ignoreGone(error: unknown): void {
  if (!endpointGone(error)) throw error;
}
