import {
  AllocateAddressCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeInternetGatewaysCommand,
  DescribeSecurityGroupsCommand,
  ModifySubnetAttributeCommand,
  ModifyVpcAttributeCommand,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { once } from '../../aws/create-once.js';
import { errorName } from '../../base/errors.js';
import type { StepContext } from '../../engine/types.js';
import type { Builder, Drift, Piece } from './builder.js';
import { clientToken, networkNames, SUBNETS, tagSpecifications, VPC_CIDR, type SubnetSpec } from './layout.js';
import { waitForNats } from './nat-wait.js';
import { named, vpcDns, type Network } from './observe.js';
import { routeDrifts, associate, setDefaultRoute, type RouteTarget } from './routes.js';

const none = async (): Promise<Drift[]> => [];

function vpcPiece(nameTag: string): Piece {
  const enable = (b: Builder, attribute: 'EnableDnsSupport' | 'EnableDnsHostnames') => async () => {
    await b.fresh(() => b.ec2.send(new ModifyVpcAttributeCommand({ VpcId: b.id(nameTag), [attribute]: { Value: true } })));
  };
  const find = (net: Network) => net.vpc?.VpcId;
  return {
    type: 'vpc',
    nameTag,
    detail: `${VPC_CIDR}, DNS support and hostnames`,
    find,
    async create(b) {
      const id = await b.createOnce(find, async () => {
        const out = await b.ec2.send(once(new CreateVpcCommand({ CidrBlock: VPC_CIDR, TagSpecifications: tagSpecifications(b.ctx.names, 'vpc', nameTag) })));
        return out.Vpc!.VpcId!;
      });
      b.ids.set(nameTag, id);
      // DNS support is on by default; hostnames are not, and MWAA's endpoints need both.
      await enable(b, 'EnableDnsHostnames')();
    },
    async drifts(_net, b) {
      const dns = await vpcDns(b.ec2, b.id(nameTag));
      const drifts: Drift[] = [];
      if (!dns.support) drifts.push({ detail: 'DNS support off', fix: enable(b, 'EnableDnsSupport') });
      if (!dns.hostnames) drifts.push({ detail: 'DNS hostnames off', fix: enable(b, 'EnableDnsHostnames') });
      return drifts;
    },
  };
}

function igwPiece(nameTag: string, vpcTag: string): Piece {
  const attach = (b: Builder) => async () => {
    const InternetGatewayId = b.id(nameTag);
    const VpcId = b.id(vpcTag);
    try {
      await b.fresh(() => b.ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId, VpcId })));
    } catch (error) {
      // A retry after a lost response finds the gateway attached: to this VPC, that is success.
      if (errorName(error) !== 'Resource.AlreadyAssociated') throw error;
      const out = await b.ec2.send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: [InternetGatewayId] }));
      if (!out.InternetGateways?.[0]?.Attachments?.some((a) => a.VpcId === VpcId)) throw error;
    }
  };
  const attachedTo = (net: Network, vpcId: string | undefined) => net.igws.find((g) => g.Attachments?.some((a) => a.VpcId === vpcId));
  const find = (net: Network) => (attachedTo(net, net.vpc?.VpcId) ?? named(net.igws, nameTag))?.InternetGatewayId;
  return {
    type: 'internet-gateway',
    nameTag,
    detail: 'attached to the VPC',
    find,
    async create(b) {
      const id = await b.createOnce(find, async () => {
        const out = await b.ec2.send(once(new CreateInternetGatewayCommand({ TagSpecifications: tagSpecifications(b.ctx.names, 'internet-gateway', nameTag) })));
        return out.InternetGateway!.InternetGatewayId!;
      });
      b.ids.set(nameTag, id);
      await attach(b)();
    },
    async drifts(net, b) {
      return attachedTo(net, b.ids.get(vpcTag)) ? [] : [{ detail: 'not attached to the VPC', fix: attach(b) }];
    },
  };
}

function subnetPiece(spec: SubnetSpec, nameTag: string, vpcTag: string): Piece {
  const publicIps = (b: Builder) => async () => {
    await b.fresh(() => b.ec2.send(new ModifySubnetAttributeCommand({ SubnetId: b.id(nameTag), MapPublicIpOnLaunch: { Value: true } })));
  };
  const find = (net: Network) => named(net.subnets, nameTag, net.vpc?.VpcId)?.SubnetId;
  return {
    type: 'subnet',
    nameTag,
    detail: `${spec.cidr}, ${spec.tier}`,
    find,
    async create(b) {
      const id = await b.createOnce(find, async () => {
        const input = { VpcId: b.id(vpcTag), CidrBlock: spec.cidr, AvailabilityZone: b.azs[spec.az], TagSpecifications: tagSpecifications(b.ctx.names, 'subnet', nameTag) };
        const out = await b.fresh(() => b.ec2.send(once(new CreateSubnetCommand(input))));
        return out.Subnet!.SubnetId!;
      });
      b.ids.set(nameTag, id);
      if (spec.tier === 'public') await publicIps(b)();
    },
    async drifts(net, b) {
      const subnet = named(net.subnets, nameTag, b.ids.get(vpcTag));
      return spec.tier === 'public' && subnet?.MapPublicIpOnLaunch !== true ? [{ detail: 'public IPs on launch off', fix: publicIps(b) }] : [];
    },
  };
}

function eipPiece(nameTag: string): Piece {
  const find = (net: Network) => named(net.addresses, nameTag)?.AllocationId;
  return {
    type: 'elastic-ip',
    nameTag,
    detail: 'for a NAT gateway',
    find,
    async create(b) {
      const id = await b.createOnce(find, async () => {
        const out = await b.ec2.send(once(new AllocateAddressCommand({ Domain: 'vpc', TagSpecifications: tagSpecifications(b.ctx.names, 'elastic-ip', nameTag) })));
        return out.AllocationId!;
      });
      b.ids.set(nameTag, id);
    },
    drifts: none,
  };
}

function natPiece(ctx: StepContext, az: 0 | 1, nameTag: string, subnetTag: string, eipTag: string): Piece {
  return {
    type: 'natgateway',
    nameTag,
    detail: `in ${subnetTag}, with ${eipTag}`,
    find: (net) => named(net.nats, nameTag, net.vpc?.VpcId)?.NatGatewayId,
    async create(b) {
      const SubnetId = b.id(subnetTag);
      const AllocationId = b.id(eipTag);
      const out = await b.fresh(() =>
        b.ec2.send(
          new CreateNatGatewayCommand({
            SubnetId,
            AllocationId,
            ClientToken: clientToken(ctx.names.name, b.azs[az], SubnetId, AllocationId),
            TagSpecifications: tagSpecifications(ctx.names, 'natgateway', nameTag),
          }),
        ),
      );
      b.ids.set(nameTag, out.NatGateway!.NatGatewayId!);
      b.natCreated(out.NatGateway!.NatGatewayId!);
    },
    async drifts(net, b) {
      const nat = named(net.nats, nameTag, b.ids.get(b.n.vpc));
      if (nat?.State === 'pending') return [{ detail: 'pending: wait until available', fix: () => waitForNats(ctx, b.ec2, [nat.NatGatewayId!], 'available') }];
      return [];
    },
  };
}

function routeTablePiece(nameTag: string, vpcTag: string, target: RouteTarget, subnetTags: readonly string[]): Piece {
  return {
    type: 'route-table',
    nameTag,
    detail: `0.0.0.0/0 → ${target.nameTag}, for ${subnetTags.join(' and ')}`,
    find: (net) => named(net.routeTables, nameTag, net.vpc?.VpcId)?.RouteTableId,
    async create(b) {
      const VpcId = b.id(vpcTag);
      const out = await b.fresh(() =>
        b.ec2.send(new CreateRouteTableCommand({ VpcId, ClientToken: clientToken(b.ctx.names.name, VpcId, nameTag), TagSpecifications: tagSpecifications(b.ctx.names, 'route-table', nameTag) })),
      );
      const id = out.RouteTable!.RouteTableId!;
      b.ids.set(nameTag, id);
      await setDefaultRoute(b, id, target);
      for (const subnet of subnetTags) await associate(b, id, b.id(subnet));
    },
    async drifts(net, b) {
      const table = named(net.routeTables, nameTag, b.ids.get(vpcTag));
      return table ? routeDrifts(b, table, target, subnetTags) : [];
    },
  };
}

const selfReferencing = (group: SecurityGroup) =>
  (group.IpPermissions ?? []).some((p) => p.IpProtocol === '-1' && (p.UserIdGroupPairs ?? []).some((g) => g.GroupId === group.GroupId));

function securityGroupPiece(nameTag: string, vpcTag: string): Piece {
  const allowSelf = (b: Builder) => async () => {
    const GroupId = b.id(nameTag);
    try {
      await b.fresh(() => b.ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId }] }] })));
    } catch (error) {
      if (errorName(error) !== 'InvalidPermission.Duplicate') throw error;
    }
  };
  return {
    type: 'security-group',
    nameTag,
    detail: 'all traffic between its members',
    find: (net) => named(net.securityGroups, nameTag, net.vpc?.VpcId)?.GroupId,
    async create(b) {
      const VpcId = b.id(vpcTag);
      try {
        const out = await b.fresh(() =>
          b.ec2.send(
            new CreateSecurityGroupCommand({
              GroupName: nameTag,
              Description: `abalone-pipeline ${b.ctx.names.name}: Amazon MWAA, all traffic between members`,
              VpcId,
              TagSpecifications: tagSpecifications(b.ctx.names, 'security-group', nameTag),
            }),
          ),
        );
        b.ids.set(nameTag, out.GroupId!);
      } catch (error) {
        // No client token here: a retry after a lost response finds the group by its name.
        if (errorName(error) !== 'InvalidGroup.Duplicate') throw error;
        const out = await b.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [VpcId] }, { Name: 'group-name', Values: [nameTag] }] }));
        b.ids.set(nameTag, out.SecurityGroups![0]!.GroupId!);
      }
      await allowSelf(b)();
    },
    async drifts(net, b) {
      const group = named(net.securityGroups, nameTag, b.ids.get(vpcTag));
      return group && !selfReferencing(group) ? [{ detail: 'no all-traffic rule for its own members', fix: allowSelf(b) }] : [];
    },
  };
}

/** Every piece of the network, in the order AWS needs them made. */
export function networkPieces(ctx: StepContext): Piece[] {
  const n = networkNames(ctx.names);
  const azs = ctx.config.natGateways === 2 ? ([0, 1] as const) : ([0] as const);
  const subnetTag = (tier: SubnetSpec['tier'], az: 0 | 1) => n.subnet({ tier, az });
  return [
    vpcPiece(n.vpc),
    igwPiece(n.igw, n.vpc),
    ...SUBNETS.map((s) => subnetPiece(s, n.subnet(s), n.vpc)),
    ...azs.map((az) => eipPiece(n.eip(az))),
    ...azs.map((az) => natPiece(ctx, az, n.nat(az), subnetTag('public', az), n.eip(az))),
    routeTablePiece(n.publicRoutes, n.vpc, { kind: 'igw', nameTag: n.igw }, [subnetTag('public', 0), subnetTag('public', 1)]),
    ...([0, 1] as const).map((az) =>
      routeTablePiece(n.privateRoutes(az), n.vpc, { kind: 'nat', nameTag: n.nat(ctx.config.natGateways === 2 ? az : 0) }, [subnetTag('private', az)]),
    ),
    securityGroupPiece(n.securityGroup, n.vpc),
  ];
}
