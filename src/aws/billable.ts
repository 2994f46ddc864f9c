import { DescribeNatGatewaysCommand } from '@aws-sdk/client-ec2';
import { DescribeEndpointCommand, DescribeEndpointConfigCommand } from '@aws-sdk/client-sagemaker';
import type { HourlyInventory } from '../engine/cost.js';
import type { Names } from '../engine/names.js';
import { ToolError, errorMessage, errorName } from '../base/errors.js';
import type { Clients } from './clients.js';
import { isNotFound } from './errors.js';
import { ENVIRONMENT_CLASSES, type EnvironmentClass } from '../engine/mwaa-catalog.js';
import { getEnvironment } from './mwaa-environment.js';

/** NAT gateways bill from `pending` until they are `deleted` (https://aws.amazon.com/vpc/pricing/). */
const BILLED_NAT_STATES = ['pending', 'available'];

/**
 * What of the pipeline bills by the hour now, read from AWS (not from what `up` would build): the
 * Airflow environment as it is configured, the NAT gateways tagged as the pipeline's, the
 * endpoint's instances. Reads only; the caller prices it with engine/cost.ts hourlyCost().
 */
export async function readBillable(clients: Clients, names: Names): Promise<HourlyInventory> {
  const [environment, natGateways, endpoint] = await Promise.all([readEnvironment(clients, names), countNats(clients, names), readEndpoint(clients, names)]);
  return { region: names.region, natGateways, ...(environment ? { environment } : {}), ...(endpoint ? { endpoint } : {}) };
}

async function readEnvironment(clients: Clients, names: Names): Promise<HourlyInventory['environment']> {
  const env = await getEnvironment(await clients.mwaa(), names.environment);
  if (!env || env.Status === 'DELETING' || env.Status === 'DELETED') return undefined;
  const envClass = env.EnvironmentClass ?? '';
  if (!(ENVIRONMENT_CLASSES as readonly string[]).includes(envClass)) {
    throw new ToolError('UnknownPrice', `no list price is known for the environment class ${envClass || '(none)'} of ${names.environment}`);
  }
  return { envClass: envClass as EnvironmentClass, minWorkers: env.MinWorkers ?? 1, maxWorkers: env.MaxWorkers ?? env.MinWorkers ?? 1 };
}

async function countNats(clients: Clients, names: Names): Promise<number> {
  const ec2 = await clients.ec2();
  const out = await ec2.send(new DescribeNatGatewaysCommand({ Filter: [{ Name: `tag:${names.tagKey}`, Values: [names.name] }, { Name: 'state', Values: BILLED_NAT_STATES }] }));
  return (out.NatGateways ?? []).filter((n) => BILLED_NAT_STATES.includes(n.State ?? '')).length;
}

/** SageMaker's describe of a missing endpoint or config is a ValidationException "Could not find ...". */
const gone = (error: unknown) => isNotFound(error) || (errorName(error) === 'ValidationException' && /could not find/i.test(errorMessage(error)));

async function readEndpoint(clients: Clients, names: Names): Promise<HourlyInventory['endpoint']> {
  const sagemaker = await clients.sagemaker();
  const orGone = <T>(p: Promise<T>) =>
    p.catch((error: unknown) => {
      if (gone(error)) return undefined;
      throw error;
    });
  const endpoint = await orGone(sagemaker.send(new DescribeEndpointCommand({ EndpointName: names.endpoint })));
  // A Failed endpoint runs no instance; one being deleted has stopped billing.
  if (!endpoint?.EndpointConfigName || endpoint.EndpointStatus === 'Failed' || endpoint.EndpointStatus === 'Deleting') return undefined;
  const variants = endpoint.ProductionVariants ?? [];
  const config = await orGone(sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.EndpointConfigName })));
  const variant = config?.ProductionVariants?.find((v) => v.InstanceType);
  if (!variant) return undefined;
  const running = variants.find((v) => v.VariantName === variant.VariantName)?.CurrentInstanceCount;
  return { instanceType: variant.InstanceType!, instanceCount: running ?? variant.InitialInstanceCount ?? 1 };
}
