import { ENVIRONMENT_CLASSES, type EnvironmentClass } from './mwaa-catalog.js';
import { ToolError } from '../base/errors.js';
import type { PipelineConfig } from './config.js';
import type { ChangeRecord } from './types.js';

/**
 * The one price table: USD list prices, each with its source and the date it was checked. Only
 * us-east-1 has figures of its own; every other region answers with the us-east-1 figure and a
 * source that says it is not verified for that region (see pricesFor), never a silent guess.
 * Data processed by a NAT gateway ($0.045/GB) and the metadata database storage ($0.10/GB-month)
 * come on top of the hourly figures.
 */
export const PRICES_AS_OF = '2025-06';
const PRICES_REGION = 'us-east-1';

const MWAA_PAGE = 'https://aws.amazon.com/managed-workflows-for-apache-airflow/pricing/';
const VPC_PAGE = 'https://aws.amazon.com/vpc/pricing/';
/** Figures the earlier work recorded without a source it could check; searched again 2026-12-01, not found. */
const UNVERIFIED = 'not verified: no AWS pricing page for it could be read (searched 2026-12-01); the figure is the earlier estimate';

export const PRICE_KEYS = [
  'mwaa:mw1.micro', 'mwaa:mw1.small', 'mwaa:mw1.medium', 'mwaa:mw1.large', 'mwaa:mw1.xlarge', 'mwaa:mw1.2xlarge',
  'mwaa-worker:mw1.micro', 'mwaa-worker:mw1.small', 'mwaa-worker:mw1.medium', 'mwaa-worker:mw1.large', 'mwaa-worker:mw1.xlarge', 'mwaa-worker:mw1.2xlarge',
  'nat-gateway', 'public-ipv4',
  'sagemaker-hosting:ml.m5.large', 'sagemaker-training:ml.m5.large', 'sagemaker-transform:ml.m5.large',
  'glue-dpu',
] as const;
export type PriceKey = (typeof PRICE_KEYS)[number];

export interface Price {
  readonly usd: number;
  /** What one `usd` buys: an hour of the resource, or of one DPU or instance. */
  readonly unit: 'hour' | 'worker-hour' | 'instance-hour' | 'DPU-hour';
  /** The page the figure comes from, or why it is not verified. */
  readonly source: string;
  /** When the source was read (YYYY-MM or YYYY-MM-DD). */
  readonly checked: string;
}

const verified = (usd: number, unit: Price['unit'], source: string): Price => ({ usd, unit, source, checked: PRICES_AS_OF });
const unverified = (usd: number, unit: Price['unit']): Price => ({ usd, unit, source: UNVERIFIED, checked: '2026-12-01' });

const US_EAST_1: Readonly<Record<PriceKey, Price>> = {
  'mwaa:mw1.micro': unverified(0.25, 'hour'),
  'mwaa:mw1.small': verified(0.49, 'hour', MWAA_PAGE),
  'mwaa:mw1.medium': verified(0.74, 'hour', MWAA_PAGE),
  'mwaa:mw1.large': verified(0.99, 'hour', MWAA_PAGE),
  'mwaa:mw1.xlarge': unverified(1.98, 'hour'),
  'mwaa:mw1.2xlarge': unverified(3.96, 'hour'),
  // mw1.micro runs exactly one worker (WORKER_LIMITS): it has no additional-worker price.
  'mwaa-worker:mw1.micro': { usd: 0, unit: 'worker-hour', source: 'https://docs.aws.amazon.com/mwaa/latest/userguide/environment-class.html (mw1.micro runs one worker)', checked: PRICES_AS_OF },
  'mwaa-worker:mw1.small': verified(0.055, 'worker-hour', MWAA_PAGE),
  'mwaa-worker:mw1.medium': verified(0.11, 'worker-hour', MWAA_PAGE),
  'mwaa-worker:mw1.large': verified(0.22, 'worker-hour', MWAA_PAGE),
  'mwaa-worker:mw1.xlarge': unverified(0.44, 'worker-hour'),
  'mwaa-worker:mw1.2xlarge': unverified(0.88, 'worker-hour'),
  'nat-gateway': verified(0.045, 'hour', VPC_PAGE),
  // Every public IPv4 address (the NAT gateway's elastic IP) since 2024-02.
  'public-ipv4': verified(0.005, 'hour', VPC_PAGE),
  'sagemaker-hosting:ml.m5.large': unverified(0.115, 'instance-hour'),
  'sagemaker-training:ml.m5.large': unverified(0.115, 'instance-hour'),
  'sagemaker-transform:ml.m5.large': unverified(0.115, 'instance-hour'),
  // Glue Python shell and Spark jobs both bill per DPU-hour (the Python shell job uses a fraction of one).
  'glue-dpu': unverified(0.44, 'DPU-hour'),
};

/** The price table for a region: its own figures where verified, else us-east-1's, marked as such. */
export function pricesFor(region: string): Readonly<Record<PriceKey, Price>> {
  if (region === PRICES_REGION) return US_EAST_1;
  const marked = {} as Record<PriceKey, Price>;
  for (const key of PRICE_KEYS) {
    const price = US_EAST_1[key];
    marked[key] = { ...price, source: `not verified for ${region}: the us-east-1 list price (${price.source})` };
  }
  return marked;
}

/** What a user is told the figures are: "list price, <region>, as of <date>". */
export function priceBasis(region: string): string {
  const where = region === PRICES_REGION ? region : `${PRICES_REGION} (not verified for ${region})`;
  return `list price, ${where}, as of ${PRICES_AS_OF}`;
}

interface EnvironmentPrice {
  readonly environment: number;
  /** Each worker above the one the environment includes. */
  readonly extraWorker: number;
}

export const MWAA_HOURLY: Readonly<Record<EnvironmentClass, EnvironmentPrice>> = Object.fromEntries(
  ENVIRONMENT_CLASSES.map((c) => [c, { environment: US_EAST_1[`mwaa:${c}`].usd, extraWorker: US_EAST_1[`mwaa-worker:${c}`].usd }]),
) as Record<EnvironmentClass, EnvironmentPrice>;

export const NAT_GATEWAY_HOURLY = US_EAST_1['nat-gateway'].usd;
export const PUBLIC_IPV4_HOURLY = US_EAST_1['public-ipv4'].usd;

/** The resource names of the changes that start a bill (see ensure-vpc and ensure-mwaa). */
const ENVIRONMENT_RESOURCE = /^arn:[^:]+:airflow:[^:]+:[^:]*:environment\//;
export const VPC_RESOURCE_PREFIX = 'vpc/';
export const NAT_RESOURCE_PREFIX = 'natgateway/';

/** $0.49, $0.055, $0.10: cents, or a tenth of a cent where the price has one. */
const usd = (n: number) => `$${n.toFixed(3).replace(/0$/, '')}`;

/** What the environment costs while idle (its minimum workers), e.g. "~$0.49/h". */
export function environmentHourly(config: Pick<PipelineConfig, 'envClass' | 'minWorkers'>): number {
  const price = MWAA_HOURLY[config.envClass];
  return price.environment + Math.max(0, config.minWorkers - 1) * price.extraWorker;
}

export function natHourly(count: number): number {
  return count * (NAT_GATEWAY_HOURLY + PUBLIC_IPV4_HOURLY);
}

/** The short cost note a billable change's detail carries. */
export function hourlyNote(hourly: number): string {
  return `~${usd(hourly)}/h`;
}

/**
 * The hourly cost of the billable resources these (planned) changes create, as lines for the
 * confirmation prompt; empty when nothing billable is created.
 */
export function hourlyCostLines(changes: readonly ChangeRecord[], config: PipelineConfig, region: string): string[] {
  const creates = changes.filter((c) => c.action === 'create');
  const rows: Array<[string, number, string]> = [];
  if (creates.some((c) => ENVIRONMENT_RESOURCE.test(c.resource))) {
    const price = MWAA_HOURLY[config.envClass];
    const idle = environmentHourly(config);
    const peak = price.environment + (config.maxWorkers - 1) * price.extraWorker;
    const workers = config.minWorkers === config.maxWorkers ? `${config.minWorkers} worker${config.minWorkers === 1 ? '' : 's'}` : `${config.minWorkers}-${config.maxWorkers} workers`;
    rows.push([`MWAA environment ${config.envClass}, ${workers}`, idle, peak > idle ? `up to ${usd(peak)}/h with every worker busy` : '']);
  }
  const nats = creates.filter((c) => c.resource.startsWith(NAT_RESOURCE_PREFIX)).length + (creates.some((c) => c.resource.startsWith(VPC_RESOURCE_PREFIX)) ? config.natGateways : 0);
  if (nats > 0) rows.push([`NAT gateway${nats === 1 ? '' : 's'} × ${nats}, with ${nats === 1 ? 'its' : 'their'} public IPv4 address${nats === 1 ? '' : 'es'}`, natHourly(nats), '$0.045/GB processed']);
  if (rows.length === 0) return [];
  const total = rows.reduce((sum, [, hourly]) => sum + hourly, 0);
  const width = Math.max(...rows.map(([what]) => what.length), 'total'.length);
  const line = (what: string, hourly: number, note: string) => `  ${what.padEnd(width)}  ${`${usd(hourly)}/h`.padStart(9)}${note ? `  (${note})` : ''}`;
  return [
    `Hourly cost of what this run creates (${priceBasis(region)}):`,
    ...rows.map(([what, hourly, note]) => line(what, hourly, note)),
    line('total', total, `about $${Math.round(total * 730)}/month while it exists`),
  ];
}

/** What bills by the hour in a pipeline now (from `status`, or what `park` would remove). */
export interface HourlyInventory {
  readonly region: string;
  readonly environment?: Pick<PipelineConfig, 'envClass' | 'minWorkers' | 'maxWorkers'>;
  readonly natGateways: number;
  readonly endpoint?: { readonly instanceType: string; readonly instanceCount: number };
}

export interface HourlyCostItem {
  readonly item: 'environment' | 'nat-gateways' | 'endpoint';
  readonly usd: number;
  readonly detail: string;
}

export interface HourlyCost {
  readonly usd: number;
  readonly items: readonly HourlyCostItem[];
  readonly basis: string;
}

/** Rounded to a millionth of a dollar, so that float sums such as 0.49 + 0.1 read 0.59. */
const round = (n: number) => Math.round(n * 1e6) / 1e6;

/**
 * The hourly cost of what exists, itemised (the environment at its minimum workers, the NAT
 * gateways with their public IPv4 addresses, the endpoint's instances). Pure: the caller reads
 * the inventory. An endpoint instance type without a price in the table is an error naming it.
 */
export function hourlyCost(inventory: HourlyInventory): HourlyCost {
  const prices = pricesFor(inventory.region);
  const items: HourlyCostItem[] = [];
  const env = inventory.environment;
  if (env) {
    const base = prices[`mwaa:${env.envClass}`];
    const worker = prices[`mwaa-worker:${env.envClass}`].usd;
    const idle = round(base.usd + Math.max(0, env.minWorkers - 1) * worker);
    const peak = round(base.usd + Math.max(0, env.maxWorkers - 1) * worker);
    const workers = env.minWorkers === env.maxWorkers ? `${env.minWorkers} worker${env.minWorkers === 1 ? '' : 's'}` : `${env.minWorkers}-${env.maxWorkers} workers`;
    const busy = peak > idle ? ` (up to ${usd(peak)}/h with every worker busy)` : '';
    items.push({ item: 'environment', usd: idle, detail: `MWAA ${env.envClass}, ${workers}${busy}${notVerified(base)}` });
  }
  if (inventory.natGateways > 0) {
    const n = inventory.natGateways;
    const each = prices['nat-gateway'].usd + prices['public-ipv4'].usd;
    items.push({
      item: 'nat-gateways',
      usd: round(n * each),
      detail: `${n} NAT gateway${n === 1 ? ' with its public IPv4 address' : 's with their public IPv4 addresses'} (${usd(prices['nat-gateway'].usd)}/GB processed on top)`,
    });
  }
  const endpoint = inventory.endpoint;
  if (endpoint && endpoint.instanceCount > 0) {
    const key = `sagemaker-hosting:${endpoint.instanceType}`;
    if (!(PRICE_KEYS as readonly string[]).includes(key)) {
      throw new ToolError('UnknownPrice', `no list price is known for the SageMaker endpoint instance type ${endpoint.instanceType}; the price table (src/engine/cost.ts) has ${PRICE_KEYS.filter((k) => k.startsWith('sagemaker-hosting:')).map((k) => k.split(':')[1]).join(', ')}`);
    }
    const price = prices[key as PriceKey];
    items.push({ item: 'endpoint', usd: round(endpoint.instanceCount * price.usd), detail: `SageMaker endpoint ${endpoint.instanceType} × ${endpoint.instanceCount}${notVerified(price)}` });
  }
  return { usd: round(items.reduce((sum, i) => sum + i.usd, 0)), items, basis: priceBasis(inventory.region) };
}

/** Within one region's figures, say which ones no source confirmed. */
function notVerified(price: Price): string {
  return price.source.startsWith('not verified:') ? ' (price not verified)' : '';
}
