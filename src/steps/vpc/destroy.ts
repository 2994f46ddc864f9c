import {
  DeleteInternetGatewayCommand,
  DeleteNatGatewayCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  ReleaseAddressCommand,
  type EC2Client,
  type ResourceType,
  type Tag,
} from '@aws-sdk/client-ec2';
import { retryOn } from '../../aws/retry.js';
import { errorMessage, errorName } from '../../base/errors.js';
import { change, type Change, type StepContext } from '../../engine/types.js';
import { nameTagOf, resourceLabel } from './layout.js';
import { waitForNats } from './nat-wait.js';
import { isEc2NotFound, type Network } from './observe.js';

/**
 * EC2 refuses to delete what something still uses (DependencyViolation), e.g. a subnet while the
 * network interfaces of a just-deleted Airflow environment are being released: wait and retry,
 * for up to about 9 minutes against AWS.
 */
const BUSY: ReadonlySet<string> = new Set(['DependencyViolation', 'InvalidIPAddress.InUse']);

async function gone(ctx: StepContext, what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await retryOn((e) => BUSY.has(errorName(e)), call, {
      attempts: 20,
      ...ctx.timing.ec2InUse,
      signal: ctx.signal,
      onWait: ({ attempt, attempts, delayMs, error }) =>
        ctx.progress({ kind: 'notice', step: 'ensure-vpc', message: `${what} is still in use (${errorMessage(error)}); retrying in ${Math.round(delayMs / 1000)}s (attempt ${attempt + 1} of ${attempts})` }),
    });
  } catch (error) {
    if (!isEc2NotFound(error)) throw error;
  }
}

const label = (type: ResourceType, tags: Tag[] | undefined, id: string) => resourceLabel(type, nameTagOf(tags) ?? id);

/** The part of the network inside one VPC (a duplicate a retried CreateVpc left behind). */
export function scopeToVpc(net: Network, vpcId: string): Network {
  const nats = net.nats.filter((n) => n.VpcId === vpcId);
  const natAddresses = new Set(nats.flatMap((n) => (n.NatGatewayAddresses ?? []).map((a) => a.AllocationId)));
  return {
    vpc: net.vpcs.find((v) => v.VpcId === vpcId),
    vpcs: net.vpcs.filter((v) => v.VpcId === vpcId),
    subnets: net.subnets.filter((s) => s.VpcId === vpcId),
    igws: net.igws.filter((g) => g.Attachments?.some((a) => a.VpcId === vpcId)),
    addresses: net.addresses.filter((a) => natAddresses.has(a.AllocationId)),
    nats,
    routeTables: net.routeTables.filter((t) => t.VpcId === vpcId),
    securityGroups: net.securityGroups.filter((g) => g.VpcId === vpcId),
  };
}

/** Deletes every NAT gateway at once, the first time any NAT change applies: each then waits for its own. */
function natDeleter(ec2: EC2Client, ids: readonly string[]): () => Promise<void> {
  let started: Promise<void> | undefined;
  return () =>
    (started ??= Promise.all(
      ids.map(async (NatGatewayId) => {
        try {
          await ec2.send(new DeleteNatGatewayCommand({ NatGatewayId }));
        } catch (error) {
          if (!isEc2NotFound(error)) throw error;
        }
      }),
    ).then(() => undefined));
}

/**
 * Deletes, in the order AWS accepts: NAT gateways (waited for, since they hold their addresses
 * and subnets), elastic IPs, internet gateways, route tables, subnets, security groups, VPCs.
 */
export function destroyChanges(ctx: StepContext, ec2: EC2Client, net: Network): Change[] {
  const changes: Change[] = [];
  const startNatDeletes = natDeleter(ec2, net.nats.filter((n) => n.State !== 'deleting').map((n) => n.NatGatewayId!));
  for (const nat of net.nats) {
    const id = nat.NatGatewayId!;
    changes.push(
      change('delete', label('natgateway', nat.Tags, id), `${id}, waiting until it is deleted`, async () => {
        await startNatDeletes();
        await waitForNats(ctx, ec2, [id], 'deleted');
      }),
    );
  }
  for (const address of net.addresses) {
    const id = address.AllocationId!;
    changes.push(change('delete', label('elastic-ip', address.Tags, id), `release ${address.PublicIp ?? id}`, () => gone(ctx, id, () => ec2.send(new ReleaseAddressCommand({ AllocationId: id })))));
  }
  for (const igw of net.igws) {
    const id = igw.InternetGatewayId!;
    const vpcs = (igw.Attachments ?? []).map((a) => a.VpcId!).filter(Boolean);
    changes.push(
      change('delete', label('internet-gateway', igw.Tags, id), vpcs.length > 0 ? `${id}, detached from ${vpcs.join(', ')} first` : id, async () => {
        for (const VpcId of vpcs) {
          await gone(ctx, id, async () => {
            try {
              await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: id, VpcId }));
            } catch (error) {
              if (errorName(error) !== 'Gateway.NotAttached') throw error;
            }
          });
        }
        await gone(ctx, id, () => ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: id })));
      }),
    );
  }
  for (const table of net.routeTables) {
    const id = table.RouteTableId!;
    const associations = (table.Associations ?? []).filter((a) => !a.Main && a.RouteTableAssociationId);
    changes.push(
      change('delete', label('route-table', table.Tags, id), associations.length > 0 ? `${id}, its subnet associations first` : id, async () => {
        for (const a of associations) await gone(ctx, id, () => ec2.send(new DisassociateRouteTableCommand({ AssociationId: a.RouteTableAssociationId! })));
        await gone(ctx, id, () => ec2.send(new DeleteRouteTableCommand({ RouteTableId: id })));
      }),
    );
  }
  for (const subnet of net.subnets) {
    const id = subnet.SubnetId!;
    changes.push(change('delete', label('subnet', subnet.Tags, id), `${id}, ${subnet.CidrBlock}`, () => gone(ctx, id, () => ec2.send(new DeleteSubnetCommand({ SubnetId: id })))));
  }
  for (const group of net.securityGroups) {
    const id = group.GroupId!;
    changes.push(change('delete', label('security-group', group.Tags, id), id, () => gone(ctx, id, () => ec2.send(new DeleteSecurityGroupCommand({ GroupId: id })))));
  }
  for (const vpc of net.vpcs) {
    const id = vpc.VpcId!;
    changes.push(change('delete', label('vpc', vpc.Tags, id), `${id}, ${vpc.CidrBlock}`, () => gone(ctx, id, () => ec2.send(new DeleteVpcCommand({ VpcId: id })))));
  }
  return changes;
}
