import {
  DescribeAddressesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcsCommand,
  type Address,
  type EC2Client,
  type InternetGateway,
  type NatGateway,
  type RouteTable,
  type SecurityGroup,
  type Subnet,
  type Vpc,
} from '@aws-sdk/client-ec2';
import { errorName } from '../../base/errors.js';
import type { Names } from '../../engine/names.js';
import { MemoKey, type StepContext } from '../../engine/types.js';
import { nameTagOf, networkNames, ownerFilter, SUBNETS } from './layout.js';

/** EC2 says "not found" as `Invalid<Thing>ID.NotFound` (and `NatGatewayNotFound`). */
export function isEc2NotFound(error: unknown): boolean {
  const name = errorName(error);
  return name.endsWith('.NotFound') || name === 'NatGatewayNotFound';
}

/** NAT gateways in these states still hold their subnet and address. */
const LIVE_NAT_STATES = ['pending', 'available', 'deleting'];

/** Everything in the account tagged as this pipeline's, and the VPC the pipeline uses. */
export interface Network {
  readonly vpc?: Vpc;
  readonly vpcs: readonly Vpc[];
  readonly subnets: readonly Subnet[];
  readonly igws: readonly InternetGateway[];
  readonly addresses: readonly Address[];
  readonly nats: readonly NatGateway[];
  readonly routeTables: readonly RouteTable[];
  readonly securityGroups: readonly SecurityGroup[];
}

/**
 * The VPC that holds the most of our subnets: CreateVpc has no client token, so a retried call
 * can leave a second, emptier VPC with the same tag (the plan deletes it).
 */
function mainVpc(vpcs: readonly Vpc[], subnets: readonly Subnet[]): Vpc | undefined {
  const count = (v: Vpc) => subnets.filter((s) => s.VpcId === v.VpcId).length;
  return [...vpcs].sort((a, b) => count(b) - count(a) || (a.VpcId ?? '').localeCompare(b.VpcId ?? ''))[0];
}

export async function observeNetwork(ec2: EC2Client, names: Names): Promise<Network> {
  const Filters = ownerFilter(names);
  const [vpcs, subnets, igws, addresses, nats, routeTables, securityGroups] = await Promise.all([
    ec2.send(new DescribeVpcsCommand({ Filters })).then((o) => o.Vpcs ?? []),
    ec2.send(new DescribeSubnetsCommand({ Filters })).then((o) => o.Subnets ?? []),
    ec2.send(new DescribeInternetGatewaysCommand({ Filters })).then((o) => o.InternetGateways ?? []),
    ec2.send(new DescribeAddressesCommand({ Filters })).then((o) => o.Addresses ?? []),
    ec2
      .send(new DescribeNatGatewaysCommand({ Filter: [...Filters, { Name: 'state', Values: LIVE_NAT_STATES }] }))
      .then((o) => (o.NatGateways ?? []).filter((n) => LIVE_NAT_STATES.includes(n.State ?? ''))),
    ec2.send(new DescribeRouteTablesCommand({ Filters })).then((o) => o.RouteTables ?? []),
    ec2.send(new DescribeSecurityGroupsCommand({ Filters })).then((o) => o.SecurityGroups ?? []),
  ]);
  return { vpc: mainVpc(vpcs, subnets), vpcs, subnets, igws, addresses, nats, routeTables, securityGroups };
}

/** The one resource with this Name tag (in the VPC, when given). */
export function named<T extends { Tags?: { Key?: string; Value?: string }[]; VpcId?: string }>(
  items: readonly T[],
  nameTag: string,
  vpcId?: string,
): T | undefined {
  return items.find((i) => nameTagOf(i.Tags) === nameTag && (vpcId === undefined || i.VpcId === vpcId));
}

export async function vpcDns(ec2: EC2Client, VpcId: string): Promise<{ support: boolean; hostnames: boolean }> {
  const [support, hostnames] = await Promise.all([
    ec2.send(new DescribeVpcAttributeCommand({ VpcId, Attribute: 'enableDnsSupport' })),
    ec2.send(new DescribeVpcAttributeCommand({ VpcId, Attribute: 'enableDnsHostnames' })),
  ]);
  return { support: support.EnableDnsSupport?.Value === true, hostnames: hostnames.EnableDnsHostnames?.Value === true };
}

/** The subnets and security groups the Airflow environment runs in. */
export interface NetworkIds {
  readonly vpcId?: string;
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

/**
 * In the run's memo: the network ensure-vpc read and found as `up` builds it (nothing to change),
 * so that later steps of the same run (ensure-mwaa) use it instead of reading it again.
 */
export const CONVERGED_NETWORK = new MemoKey<Network>('the network ensure-vpc read and found nothing to change in');

/**
 * The network ensure-mwaa uses: the one given with --subnet-ids/--security-group-ids, or the
 * private subnets and security group ensure-vpc made, found by tag (in `known`, ensure-vpc's
 * reading of this run, when it has one). Undefined when not built yet.
 */
export async function findNetwork(ctx: StepContext, known?: Network): Promise<NetworkIds | undefined> {
  const { config, names } = ctx;
  if (config.subnetIds && config.securityGroupIds) return { subnetIds: [...config.subnetIds], securityGroupIds: [...config.securityGroupIds] };
  const [vpcs, subnets, groups] = known
    ? [known.vpcs, known.subnets, known.securityGroups]
    : await ctx.clients.ec2().then((ec2) => {
        const Filters = ownerFilter(names);
        return Promise.all([
          ec2.send(new DescribeVpcsCommand({ Filters })).then((o) => o.Vpcs ?? []),
          ec2.send(new DescribeSubnetsCommand({ Filters })).then((o) => o.Subnets ?? []),
          ec2.send(new DescribeSecurityGroupsCommand({ Filters })).then((o) => o.SecurityGroups ?? []),
        ]);
      });
  const vpcId = mainVpc(vpcs, subnets)?.VpcId;
  if (!vpcId) return undefined;
  const n = networkNames(names);
  const privateIds = SUBNETS.filter((s) => s.tier === 'private').map((s) => named(subnets, n.subnet(s), vpcId)?.SubnetId);
  const group = named(groups, n.securityGroup, vpcId)?.GroupId;
  if (!group || privateIds.some((id) => !id)) return undefined;
  return { vpcId, subnetIds: privateIds as string[], securityGroupIds: [group] };
}
