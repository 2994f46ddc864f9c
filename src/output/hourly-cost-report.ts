import type { HourlyCost } from '../engine/cost.js';

const usd = (n: number) => `$${n.toFixed(3).replace(/0$/, '')}`;

/**
 * The hourly cost, itemised, under a heading that says what it is the cost of and its basis
 * ("list price, <region>, as of <date>"); e.g. status's footer, park's saving, up's resume.
 */
export function hourlyCostLines(heading: string, cost: HourlyCost): string[] {
  if (cost.items.length === 0) return [`${heading} (${cost.basis}): $0/h, nothing billed by the hour exists`];
  const width = Math.max(...cost.items.map((i) => i.item.length));
  return [
    `${heading} (${cost.basis}): ${usd(cost.usd)}/h, about $${Math.round(cost.usd * 730)}/month`,
    ...cost.items.map((i) => `  ${i.item.padEnd(width)}  ${`${usd(i.usd)}/h`.padStart(9)}  ${i.detail}`),
  ];
}

/** The JSON form (`status --json`'s `hourlyCost`). */
export function hourlyCostDocument(cost: HourlyCost) {
  return { usd: cost.usd, items: cost.items.map((i) => ({ item: i.item, usd: i.usd, detail: i.detail })), basis: cost.basis };
}

/** What `park` keeps, and what goes with the environment: shown before it asks. */
export const PARK_KEEPS = [
  'Kept: the bucket with its data and run records, IAM roles, Glue crawler and job, Lambda function,',
  'CodeBuild project, SSM parameters, the VPC with its subnets, route tables and security group, and',
  "the endpoint's config and model. The private route tables' default routes point at the deleted",
  'NAT gateways (blackhole routes, free) until `up` recreates the gateways and points them there.',
  "Airflow's own run history (its metadata database) goes with the environment; `runs` reads the run",
  'records in the bucket, which stay. `abalone-pipeline up` resumes the pipeline.',
];
