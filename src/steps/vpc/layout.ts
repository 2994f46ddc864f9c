import { createHash } from 'node:crypto';
import type { ResourceType, Tag, TagSpecification } from '@aws-sdk/client-ec2';
import type { Names } from '../../engine/names.js';

/**
 * The network of MWAA's "Create MWAA VPC" quick-create template: one VPC, a public and a
 * private subnet in each of two Availability Zones, NAT gateways in the public subnets.
 */
export const VPC_CIDR = '10.192.0.0/16';

export type Tier = 'public' | 'private';

export interface SubnetSpec {
  readonly tier: Tier;
  /** 0 or 1: which of the two Availability Zones. */
  readonly az: 0 | 1;
  readonly cidr: string;
}

export const SUBNETS: readonly SubnetSpec[] = [
  { tier: 'public', az: 0, cidr: '10.192.10.0/24' },
  { tier: 'public', az: 1, cidr: '10.192.11.0/24' },
  { tier: 'private', az: 0, cidr: '10.192.20.0/24' },
  { tier: 'private', az: 1, cidr: '10.192.21.0/24' },
];

/** The `Name` tag of each resource: how a run finds the pieces an earlier run made. */
export const networkNames = (names: Names) => ({
  vpc: `${names.name}-vpc`,
  igw: `${names.name}-igw`,
  subnet: (s: Pick<SubnetSpec, 'tier' | 'az'>) => `${names.name}-${s.tier}-${s.az + 1}`,
  eip: (az: number) => `${names.name}-nat-eip-${az + 1}`,
  nat: (az: number) => `${names.name}-nat-${az + 1}`,
  publicRoutes: `${names.name}-public-routes`,
  privateRoutes: (az: number) => `${names.name}-private-routes-${az + 1}`,
  securityGroup: `${names.name}-airflow-sg`,
});

export type NetworkNames = ReturnType<typeof networkNames>;

/** How a change names an EC2 resource before it has an id: `<type>/<Name tag>`. */
export function resourceLabel(type: ResourceType, nameTag: string): string {
  return `${type}/${nameTag}`;
}

export function ownerFilter(names: Names) {
  return [{ Name: `tag:${names.tagKey}`, Values: [names.name] }];
}

/** Tags go on at creation, so that an interrupted run never leaves a resource it cannot find. */
export function tagSpecifications(names: Names, type: ResourceType, nameTag: string): TagSpecification[] {
  return [{ ResourceType: type, Tags: [{ Key: names.tagKey, Value: names.name }, { Key: 'Name', Value: nameTag }] }];
}

export function nameTagOf(tags: readonly Tag[] | undefined): string | undefined {
  return tags?.find((t) => t.Key === 'Name')?.Value;
}

/**
 * A client token for a create call: the same for a retry of the same request (so a lost response
 * never makes a second resource), different once the inputs differ (a later run's new subnet),
 * since EC2 remembers tokens for a while after the resource is gone.
 */
export function clientToken(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 40);
}
