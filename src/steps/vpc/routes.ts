import {
  AssociateRouteTableCommand,
  CreateRouteCommand,
  DescribeRouteTablesCommand,
  ReplaceRouteCommand,
  ReplaceRouteTableAssociationCommand,
  type RouteTable,
} from '@aws-sdk/client-ec2';
import { ToolError, errorName } from '../../base/errors.js';
import type { Builder, Drift } from './builder.js';

export const DEFAULT_ROUTE = '0.0.0.0/0';

export interface RouteTarget {
  readonly kind: 'igw' | 'nat';
  readonly nameTag: string;
}

/** Points the table's 0.0.0.0/0 at the target, creating the route or replacing its target. */
export async function setDefaultRoute(b: Builder, RouteTableId: string, target: RouteTarget, exists = false): Promise<void> {
  const id = b.id(target.nameTag);
  const input = { RouteTableId, DestinationCidrBlock: DEFAULT_ROUTE, ...(target.kind === 'igw' ? { GatewayId: id } : { NatGatewayId: id }) };
  if (exists) {
    await b.fresh(() => b.ec2.send(new ReplaceRouteCommand(input)));
    return;
  }
  try {
    await b.fresh(() => b.ec2.send(new CreateRouteCommand(input)));
  } catch (error) {
    if (errorName(error) !== 'RouteAlreadyExists') throw error;
    await b.ec2.send(new ReplaceRouteCommand(input));
  }
}

/** Associates the subnet with the table; a subnet can have one table, so an older association is replaced. */
export async function associate(b: Builder, RouteTableId: string, SubnetId: string): Promise<void> {
  try {
    await b.fresh(() => b.ec2.send(new AssociateRouteTableCommand({ RouteTableId, SubnetId })));
  } catch (error) {
    if (errorName(error) !== 'Resource.AlreadyAssociated') throw error;
    const out = await b.ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'association.subnet-id', Values: [SubnetId] }] }));
    const current = (out.RouteTables ?? []).flatMap((t) => t.Associations ?? []).find((a) => a.SubnetId === SubnetId);
    if (!current?.RouteTableAssociationId) throw new ToolError('RouteTableAssociation', `subnet ${SubnetId} is associated with a route table that cannot be found`);
    if (current.RouteTableId === RouteTableId) return;
    await b.ec2.send(new ReplaceRouteTableAssociationCommand({ AssociationId: current.RouteTableAssociationId, RouteTableId }));
  }
}

export function routeDrifts(b: Builder, table: RouteTable, target: RouteTarget, subnets: readonly string[]): Drift[] {
  const tableId = table.RouteTableId!;
  const drifts: Drift[] = [];
  const want = b.ids.get(target.nameTag);
  const route = table.Routes?.find((r) => r.DestinationCidrBlock === DEFAULT_ROUTE);
  const actual = route?.GatewayId ?? route?.NatGatewayId;
  if (!route || !want || actual !== want || route.State === 'blackhole') {
    const now = route ? `${DEFAULT_ROUTE} → ${actual ?? 'nothing'}${route.State === 'blackhole' ? ' (blackhole)' : ''}` : `no ${DEFAULT_ROUTE} route`;
    // `park` deletes the NAT gateways and keeps the private route tables: their default route
    // then points at nothing (a blackhole) until `up` recreates the gateway and points it there.
    const leftByPark = target.kind === 'nat' && !want;
    drifts.push({ detail: `${now} (want ${target.nameTag})`, leftByPark, fix: () => setDefaultRoute(b, tableId, target, route !== undefined) });
  }
  for (const subnet of subnets) {
    const subnetId = b.ids.get(subnet);
    if (subnetId && table.Associations?.some((a) => a.SubnetId === subnetId)) continue;
    drifts.push({ detail: `not associated with ${subnet}`, fix: () => associate(b, tableId, b.id(subnet)) });
  }
  return drifts;
}
