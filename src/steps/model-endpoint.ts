import {
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  ListEndpointConfigsCommand,
  ListModelsCommand,
  waitUntilEndpointDeleted,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { isNotFound } from '../aws/errors.js';
import { errorName } from '../errors.js';
import { regionalArn, type Names } from '../engine/names.js';
import { sdkWait } from './sdk-wait.js';
import { change, type Change, type ResourceState, type Step, type StepContext } from '../engine/types.js';

/**
 * What the DAG deploys at run time: the endpoint `<name>-endpoint`, and one model and one
 * endpoint config per run (`<name>-model-<YYYYMMDD-HHMMSS>`, `<name>-config-...`; see
 * artifacts/airflow/dags/abalone_pipeline/layout.py). `up` creates none of them; `destroy`
 * removes them, since a forgotten endpoint is billed by the hour.
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

async function observe(sagemaker: SageMakerClient, names: Names) {
  const [endpoint, models, configs] = await Promise.all([
    sagemaker.send(new DescribeEndpointCommand({ EndpointName: names.endpoint })).catch((error: unknown) => {
      if (endpointGone(error)) return undefined;
      throw error;
    }),
    listNames(async (NextToken) => {
      const out = await sagemaker.send(new ListModelsCommand({ NameContains: `${names.name}-model-`, NextToken }));
      return { names: (out.Models ?? []).map((m) => m.ModelName!), next: out.NextToken };
    }),
    listNames(async (NextToken) => {
      const out = await sagemaker.send(new ListEndpointConfigsCommand({ NameContains: `${names.name}-config-`, NextToken }));
      return { names: (out.EndpointConfigs ?? []).map((c) => c.EndpointConfigName!), next: out.NextToken };
    }),
  ]);
  return {
    endpoint,
    models: models.filter((m) => runResourcePattern(names.name, 'model').test(m)).sort(),
    configs: configs.filter((c) => runResourcePattern(names.name, 'config').test(c)).sort(),
  };
}

/** SageMaker's describe of a missing endpoint is a ValidationException "Could not find endpoint". */
function endpointGone(error: unknown): boolean {
  return isNotFound(error) || (errorName(error) === 'ValidationException' && /could not find/i.test(String((error as Error).message)));
}

function arn(names: Names, type: string, id: string): string {
  return regionalArn(names, 'sagemaker', `${type}/${id.toLowerCase()}`);
}

export const modelEndpoint: Step = {
  name: 'model-endpoint',
  dependsOn: ['ensure-roles', 'ensure-bucket'],

  async plan(): Promise<Change[]> {
    return [];
  },

  async status(ctx: StepContext): Promise<ResourceState[]> {
    const { endpoint, models, configs } = await observe(await ctx.clients.sagemaker(), ctx.names);
    const kept = `${models.length} model${models.length === 1 ? '' : 's'}, ${configs.length} endpoint config${configs.length === 1 ? '' : 's'} from DAG runs`;
    if (!endpoint) return [{ type: 'sagemaker-endpoint', id: ctx.names.endpoint, state: 'ok', detail: `not deployed yet (the DAG deploys it when a model passes the RMSE threshold); ${kept}` }];
    const state = endpoint.EndpointStatus === 'Failed' ? 'failed' : endpoint.EndpointStatus === 'Updating' ? 'updating' : endpoint.EndpointStatus === 'Creating' ? 'creating' : 'ok';
    return [{ type: 'sagemaker-endpoint', id: ctx.names.endpoint, state, detail: `${endpoint.EndpointStatus}, config ${endpoint.EndpointConfigName}; ${kept}` }];
  },

  async planDestroy(ctx: StepContext): Promise<Change[]> {
    const sagemaker = await ctx.clients.sagemaker();
    const { names } = ctx;
    const { endpoint, models, configs } = await observe(sagemaker, names);
    const changes: Change[] = [];
    if (endpoint && !ctx.config.wait) {
      // --no-wait: request the deletion; the configs and models it uses wait for a second destroy.
      changes.push(
        change('delete', arn(names, 'endpoint', names.endpoint), `${endpoint.EndpointStatus}; DeleteEndpoint, not waiting for it (--no-wait)`, async () => {
          try {
            await sagemaker.send(new DeleteEndpointCommand({ EndpointName: names.endpoint }));
          } catch (error) {
            if (endpointGone(error)) return;
            throw error;
          }
          return { stillDeleting: `endpoint ${names.endpoint} (Deleting)` };
        }),
      );
      return changes;
    }
    if (endpoint) {
      changes.push(
        change('delete', arn(names, 'endpoint', names.endpoint), `${endpoint.EndpointStatus}; waits until it is gone`, async () => {
          try {
            await sagemaker.send(new DeleteEndpointCommand({ EndpointName: names.endpoint }));
          } catch (error) {
            if (!endpointGone(error)) throw error;
          }
          await sdkWait(
            ctx,
            {
              step: 'model-endpoint',
              what: `endpoint ${names.endpoint}`,
              goal: 'deleted',
              waiter: ctx.timing.endpointDeleted,
              failureCode: 'EndpointDeleteFailed',
              describe: async () => {
                const now = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: names.endpoint }));
                return `${now.EndpointStatus}${now.FailureReason ? ` (${now.FailureReason})` : ''}`;
              },
            },
            (params) => waitUntilEndpointDeleted({ client: sagemaker, ...params }, { EndpointName: names.endpoint }),
          );
        }),
      );
    }
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
