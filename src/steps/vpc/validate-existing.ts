import {
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcEndpointsCommand,
  type EC2Client,
  type RouteTable,
  type Subnet,
} from '@aws-sdk/client-ec2';
import type { ResourceState } from '../../engine/types.js';
import { DEFAULT_ROUTE } from './routes.js';

/** What a VPC without internet access needs for MWAA (user guide: "private routing"). */
export const MWAA_ENDPOINT_SERVICES = ['s3', 'monitoring', 'ecr.dkr', 'ecr.api', 'logs', 'sqs', 'kms', 'airflow.api', 'airflow.env', 'airflow.ops'] as const;
/** What the DAG calls besides; without them its tasks fail, though the environment comes up. */
export const DAG_ENDPOINT_SERVICES = ['glue', 'sagemaker.api', 'lambda', 'ssm', 'sts'] as const;

export interface ExistingNetworkReport {
  readonly vpcId?: string;
  readonly problems: string[];
  readonly notices: string[];
  readonly rows: ResourceState[];
}

/** The route that takes a subnet's traffic out: its own table's, else the VPC's main table's. */
function defaultRouteOf(subnet: Subnet, tables: readonly RouteTable[]) {
  const own = tables.find((t) => t.Associations?.some((a) => a.SubnetId === subnet.SubnetId));
  const main = tables.find((t) => t.VpcId === subnet.VpcId && t.Associations?.some((a) => a.Main));
  return (own ?? main)?.Routes?.find((r) => r.DestinationCidrBlock === DEFAULT_ROUTE && r.State !== 'blackhole');
}

function missingServices(serviceNames: readonly string[], region: string, wanted: readonly string[]): string[] {
  return wanted.filter((svc) => !serviceNames.some((name) => name.endsWith(`.${region}.${svc}`)));
}

/**
 * Checks what MWAA requires of a network it is given: two private subnets of one VPC in two
 * Availability Zones, each with a way out (a NAT gateway, or the VPC endpoints MWAA needs), and
 * security groups in that VPC. Creates nothing.
 */
export async function checkExistingNetwork(ec2: EC2Client, region: string, subnetIds: readonly string[], groupIds: readonly string[]): Promise<ExistingNetworkReport> {
  const problems: string[] = [];
  const notices: string[] = [];
  const [subnets, groups] = await Promise.all([
    ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'subnet-id', Values: [...subnetIds] }] })).then((o) => o.Subnets ?? []),
    ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-id', Values: [...groupIds] }] })).then((o) => o.SecurityGroups ?? []),
  ]);
  const missingSubnets = subnetIds.filter((id) => !subnets.some((s) => s.SubnetId === id));
  if (missingSubnets.length > 0) problems.push(`subnet ${missingSubnets.join(', ')} not found in ${region}`);
  const vpcIds = [...new Set(subnets.map((s) => s.VpcId!))];
  if (vpcIds.length > 1) problems.push(`subnets ${subnets.map((s) => `${s.SubnetId} (${s.VpcId})`).join(' and ')} are in different VPCs; MWAA needs both in one`);
  const vpcId = vpcIds.length === 1 ? vpcIds[0] : undefined;
  if (subnets.length === 2 && subnets[0]!.AvailabilityZone === subnets[1]!.AvailabilityZone) {
    problems.push(`subnets ${subnetIds.join(' and ')} are both in ${subnets[0]!.AvailabilityZone}; MWAA needs two different Availability Zones`);
  }

  const rows: ResourceState[] = [];
  if (vpcId) {
    const [tables, endpoints] = await Promise.all([
      ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })).then((o) => o.RouteTables ?? []),
      ec2.send(new DescribeVpcEndpointsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] })).then((o) => (o.VpcEndpoints ?? []).map((e) => e.ServiceName ?? '')),
    ]);
    const endpointGaps = missingServices(endpoints, region, MWAA_ENDPOINT_SERVICES);
    for (const subnet of subnets) {
      const route = defaultRouteOf(subnet, tables);
      const problem = route?.GatewayId?.startsWith('igw-')
        ? `subnet ${subnet.SubnetId} is public (${DEFAULT_ROUTE} → ${route.GatewayId}); MWAA needs private subnets that reach the internet through a NAT gateway`
        : !route && endpointGaps.length > 0
          ? `subnet ${subnet.SubnetId} has no route to a NAT gateway, and VPC ${vpcId} lacks the endpoints MWAA needs without one: ${endpointGaps.map((s) => `com.amazonaws.${region}.${s}`).join(', ')}`
          : undefined;
      if (problem) problems.push(problem);
      const way = route ? `${DEFAULT_ROUTE} → ${route.NatGatewayId ?? route.TransitGatewayId ?? route.NetworkInterfaceId ?? route.InstanceId ?? route.GatewayId}` : 'VPC endpoints';
      rows.push({ type: 'ec2-subnet', id: subnet.SubnetId!, state: problem ? 'failed' : 'ok', detail: problem ?? `existing, ${subnet.AvailabilityZone}, ${way}` });
    }
    const noRoute = subnets.some((s) => !defaultRouteOf(s, tables));
    const dagGaps = missingServices(endpoints, region, DAG_ENDPOINT_SERVICES);
    if (noRoute && endpointGaps.length === 0 && dagGaps.length > 0) {
      notices.push(`VPC ${vpcId} has no internet route; the DAG's tasks also need endpoints for ${dagGaps.map((s) => `com.amazonaws.${region}.${s}`).join(', ')}`);
    }
  }
  for (const id of groupIds) {
    const group = groups.find((g) => g.GroupId === id);
    const problem = !group ? `security group ${id} not found in ${region}` : vpcId && group.VpcId !== vpcId ? `security group ${id} is in ${group.VpcId}, not in the subnets' VPC ${vpcId}` : undefined;
    if (problem) problems.push(problem);
    rows.push({ type: 'ec2-security-group', id, state: problem ? 'failed' : 'ok', detail: problem ?? `existing, ${group?.GroupName ?? ''}` });
  }
  for (const id of missingSubnets) rows.push({ type: 'ec2-subnet', id, state: 'failed', detail: `not found in ${region}` });
  return { vpcId, problems, notices, rows };
}
