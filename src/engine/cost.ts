import type { EnvironmentClass } from '../aws/mwaa-catalog.js';
import type { PipelineConfig } from './config.js';
import type { ChangeRecord } from './types.js';

/**
 * Hourly list prices in US East (N. Virginia), USD, from
 * https://aws.amazon.com/managed-workflows-for-apache-airflow/pricing/ and
 * https://aws.amazon.com/vpc/pricing/ (NAT gateway; public IPv4 address since 2024-02).
 * Other regions cost up to about a third more. Data processed by a NAT gateway
 * ($0.045/GB) and the metadata database storage ($0.10/GB-month) come on top.
 */
export const PRICES_AS_OF = '2025-06';

interface EnvironmentPrice {
  readonly environment: number;
  /** Each worker above the one the environment includes. */
  readonly extraWorker: number;
}

export const MWAA_HOURLY: Readonly<Record<EnvironmentClass, EnvironmentPrice>> = {
  'mw1.micro': { environment: 0.25, extraWorker: 0 },
  'mw1.small': { environment: 0.49, extraWorker: 0.055 },
  'mw1.medium': { environment: 0.74, extraWorker: 0.11 },
  'mw1.large': { environment: 0.99, extraWorker: 0.22 },
  'mw1.xlarge': { environment: 1.98, extraWorker: 0.44 },
  'mw1.2xlarge': { environment: 3.96, extraWorker: 0.88 },
};

export const NAT_GATEWAY_HOURLY = 0.045;
export const PUBLIC_IPV4_HOURLY = 0.005;

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
  const where = region === 'us-east-1' ? 'us-east-1' : `us-east-1; ${region} may cost more`;
  return [
    `Hourly cost of what this run creates (list prices ${where}, as of ${PRICES_AS_OF}):`,
    ...rows.map(([what, hourly, note]) => line(what, hourly, note)),
    line('total', total, `about $${Math.round(total * 730)}/month while it exists`),
  ];
}
