import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AllocateAddressCommand,
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteInternetGatewayCommand,
  DeleteNatGatewayCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeAddressesCommand,
  DescribeAvailabilityZonesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcAttributeCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  EC2Client,
  EC2ServiceException,
  ModifySubnetAttributeCommand,
  ModifyVpcAttributeCommand,
  ReleaseAddressCommand,
  ReplaceRouteCommand,
  type Address,
  type InternetGateway,
  type NatGateway,
  type RouteTable,
  type SecurityGroup,
  type Subnet,
  type Vpc,
  type Route,
  type AttachmentStatus,
} from '@aws-sdk/client-ec2';
import { ensureVpc, findNetwork } from '../../../src/steps/ensure-vpc.js';
import { CONVERGED_NETWORK } from '../../../src/steps/vpc/observe.js';
import { hourlyCostLines } from '../../../src/engine/cost.js';
import type { Change } from '../../../src/engine/types.js';
import { stepContext, type StepContextOverrides, type TestStepContext } from '../../support/step-context.js';

const ec2 = mockClient(EC2Client);
const OWNER = { Key: 'abalone-pipeline:name', Value: 'abalone' };
const tags = (name: string) => [OWNER, { Key: 'Name', Value: name }];

interface Account {
  vpcs: Vpc[];
  subnets: Subnet[];
  igws: InternetGateway[];
  addresses: Address[];
  nats: NatGateway[];
  routeTables: RouteTable[];
  groups: SecurityGroup[];
  dns: { support: boolean; hostnames: boolean };
  endpoints: string[];
}

let account: Account;
let ctx: TestStepContext;

function context(overrides: StepContextOverrides = {}): TestStepContext {
  return stepContext({ ...overrides, emulated: true });
}

const empty = (): Account => ({ vpcs: [], subnets: [], igws: [], addresses: [], nats: [], routeTables: [], groups: [], dns: { support: true, hostnames: false }, endpoints: [] });

const defaultRoute = (target: { GatewayId?: string; NatGatewayId?: string }): Route[] => [
  { DestinationCidrBlock: '10.192.0.0/16', GatewayId: 'local', State: 'active' },
  { DestinationCidrBlock: '0.0.0.0/0', State: 'active', ...target },
];

/** The account after `up`: the network exactly as ensure-vpc builds it. */
function converged(natGateways: 1 | 2 = 2): Account {
  const subnet = (id: string, name: string, az: string, cidr: string, pub: boolean): Subnet => ({ SubnetId: id, VpcId: 'vpc-1', AvailabilityZone: az, CidrBlock: cidr, MapPublicIpOnLaunch: pub, Tags: tags(name) });
  const nats = (natGateways === 2 ? [1, 2] : [1]).map(
    (i): NatGateway => ({ NatGatewayId: `nat-${i}`, VpcId: 'vpc-1', SubnetId: `subnet-pub${i}`, State: 'available', NatGatewayAddresses: [{ AllocationId: `eipalloc-${i}` }], Tags: tags(`abalone-nat-${i}`) }),
  );
  return {
    vpcs: [{ VpcId: 'vpc-1', CidrBlock: '10.192.0.0/16', Tags: tags('abalone-vpc') }],
    subnets: [
      subnet('subnet-pub1', 'abalone-public-1', 'us-east-1a', '10.192.10.0/24', true),
      subnet('subnet-pub2', 'abalone-public-2', 'us-east-1b', '10.192.11.0/24', true),
      subnet('subnet-priv1', 'abalone-private-1', 'us-east-1a', '10.192.20.0/24', false),
      subnet('subnet-priv2', 'abalone-private-2', 'us-east-1b', '10.192.21.0/24', false),
    ],
    igws: [{ InternetGatewayId: 'igw-1', Attachments: [{ VpcId: 'vpc-1', State: 'available' as AttachmentStatus }], Tags: tags('abalone-igw') }],
    addresses: nats.map((n, i) => ({ AllocationId: `eipalloc-${i + 1}`, AssociationId: `eipassoc-${i + 1}`, PublicIp: `198.51.100.${i + 1}`, Tags: tags(`abalone-nat-eip-${i + 1}`) })),
    nats,
    routeTables: [
      { RouteTableId: 'rtb-pub', VpcId: 'vpc-1', Routes: defaultRoute({ GatewayId: 'igw-1' }), Associations: [{ RouteTableAssociationId: 'a-1', SubnetId: 'subnet-pub1' }, { RouteTableAssociationId: 'a-2', SubnetId: 'subnet-pub2' }], Tags: tags('abalone-public-routes') },
      { RouteTableId: 'rtb-priv1', VpcId: 'vpc-1', Routes: defaultRoute({ NatGatewayId: 'nat-1' }), Associations: [{ RouteTableAssociationId: 'a-3', SubnetId: 'subnet-priv1' }], Tags: tags('abalone-private-routes-1') },
      { RouteTableId: 'rtb-priv2', VpcId: 'vpc-1', Routes: defaultRoute({ NatGatewayId: natGateways === 2 ? 'nat-2' : 'nat-1' }), Associations: [{ RouteTableAssociationId: 'a-4', SubnetId: 'subnet-priv2' }], Tags: tags('abalone-private-routes-2') },
    ],
    groups: [{ GroupId: 'sg-1', GroupName: 'abalone-airflow-sg', VpcId: 'vpc-1', IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: 'sg-1' }] }], Tags: tags('abalone-airflow-sg') }],
    dns: { support: true, hostnames: true },
    endpoints: [],
  };
}

type Filter = { Name?: string; Values?: string[] };

/** What EC2 does with the filters the step uses: the owner tag, ids, and NAT states. */
function filtered<T extends { Tags?: { Key?: string; Value?: string }[] }>(items: T[], filters: Filter[] | undefined, id?: (item: T) => string | undefined): T[] {
  return items.filter((item) =>
    (filters ?? []).every((f) => {
      if (f.Name === 'tag:abalone-pipeline:name') return item.Tags?.some((t) => t.Key === OWNER.Key && f.Values?.includes(t.Value!));
      if (f.Name === 'state') return f.Values?.includes((item as { State?: string }).State!);
      if (f.Name === 'subnet-id' || f.Name === 'group-id') return f.Values?.includes(id?.(item) ?? '');
      return true;
    }),
  );
}

/** Serves every Describe call from `account`; Create calls hand out ids. */
function serve(): void {
  ec2.on(DescribeVpcsCommand).callsFake(async ({ Filters }) => ({ Vpcs: filtered(account.vpcs, Filters) }));
  ec2.on(DescribeSubnetsCommand).callsFake(async ({ Filters }) => ({ Subnets: filtered(account.subnets, Filters, (s) => s.SubnetId) }));
  ec2.on(DescribeInternetGatewaysCommand).callsFake(async ({ Filters }) => ({ InternetGateways: filtered(account.igws, Filters) }));
  ec2.on(DescribeAddressesCommand).callsFake(async ({ Filters }) => ({ Addresses: filtered(account.addresses, Filters) }));
  ec2.on(DescribeNatGatewaysCommand).callsFake(async ({ NatGatewayIds, Filter }) => ({
    NatGateways: NatGatewayIds ? account.nats.filter((n) => NatGatewayIds.includes(n.NatGatewayId!)) : filtered(account.nats, Filter),
  }));
  ec2.on(DescribeRouteTablesCommand).callsFake(async ({ Filters }) => ({ RouteTables: filtered(account.routeTables, Filters) }));
  ec2.on(DescribeSecurityGroupsCommand).callsFake(async ({ Filters }) => ({ SecurityGroups: filtered(account.groups, Filters, (g) => g.GroupId) }));
  ec2.on(DescribeVpcAttributeCommand).callsFake(async ({ Attribute }) =>
    Attribute === 'enableDnsSupport' ? { EnableDnsSupport: { Value: account.dns.support } } : { EnableDnsHostnames: { Value: account.dns.hostnames } },
  );
  ec2.on(DescribeVpcEndpointsCommand).callsFake(async () => ({ VpcEndpoints: account.endpoints.map((ServiceName) => ({ ServiceName })) }));
  ec2.on(DescribeAvailabilityZonesCommand).resolves({
    AvailabilityZones: [
      { ZoneName: 'us-east-1-bos-1a', State: 'available', ZoneType: 'local-zone', OptInStatus: 'opted-in' },
      { ZoneName: 'us-east-1b', State: 'available', ZoneType: 'availability-zone', OptInStatus: 'opt-in-not-required' },
      { ZoneName: 'us-east-1a', State: 'available', ZoneType: 'availability-zone', OptInStatus: 'opt-in-not-required' },
    ],
  });
  let n = 0;
  const next = (prefix: string) => `${prefix}-new${++n}`;
  ec2.on(CreateVpcCommand).callsFake(async () => ({ Vpc: { VpcId: next('vpc') } }));
  ec2.on(CreateInternetGatewayCommand).callsFake(async () => ({ InternetGateway: { InternetGatewayId: next('igw') } }));
  ec2.on(CreateSubnetCommand).callsFake(async () => ({ Subnet: { SubnetId: next('subnet') } }));
  ec2.on(AllocateAddressCommand).callsFake(async () => ({ AllocationId: next('eipalloc') }));
  ec2.on(CreateNatGatewayCommand).callsFake(async ({ SubnetId }) => {
    const nat: NatGateway = { NatGatewayId: next('nat'), SubnetId, State: 'available' };
    account.nats.push(nat);
    return { NatGateway: nat };
  });
  ec2.on(CreateRouteTableCommand).callsFake(async () => ({ RouteTable: { RouteTableId: next('rtb') } }));
  ec2.on(CreateSecurityGroupCommand).callsFake(async () => ({ GroupId: next('sg') }));
  ec2.on(ModifyVpcAttributeCommand).resolves({});
  ec2.on(AttachInternetGatewayCommand).resolves({});
  ec2.on(ModifySubnetAttributeCommand).resolves({});
  ec2.on(CreateRouteCommand).resolves({});
  ec2.on(ReplaceRouteCommand).resolves({});
  ec2.on(AssociateRouteTableCommand).resolves({});
  ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({});
}

const MUTATING = /^(Create|Delete|Modify|Attach|Detach|Allocate|Release|Associate|Disassociate|Replace|Authorize)/;
const mutatingCalls = () => ec2.calls().map((c) => (c.args[0] as object).constructor.name.replace(/Command$/, '')).filter((n) => MUTATING.test(n));
const inputs = <T extends object>(command: new (input: T) => unknown) => ec2.commandCalls(command as never).map((c) => (c.args[0] as { input: T }).input);
const summary = (changes: Change[]) => changes.map((c) => `${c.action} ${c.resource}: ${c.detail}`);

async function applyAll(changes: Change[]): Promise<void> {
  for (const c of changes) await c.apply();
}

beforeEach(() => {
  ec2.reset();
  ec2.onAnyCommand().rejects(new Error('unstubbed call'));
  account = empty();
  serve();
  ctx = context();
});

describe('ensure-vpc: an empty account', () => {
  it('plans one create of the whole network, in two zones that need no opt-in, with no mutating call', async () => {
    const changes = await ensureVpc.plan(ctx);
    expect(summary(changes)).toEqual([
      'create vpc/abalone-vpc: 10.192.0.0/16 in us-east-1a and us-east-1b: 2 public and 2 private subnets, internet gateway, 2 NAT gateways ~$0.10/h, route tables, security group',
    ]);
    expect(mutatingCalls()).toEqual([]);
    expect(hourlyCostLines(changes, ctx.config, 'us-east-1').join('\n')).toMatch(/NAT gateways × 2.*\$0\.10\/h/);
  });

  it('creates every resource tagged at creation, in the order AWS needs, and waits for the NAT gateways', async () => {
    await applyAll(await ensureVpc.plan(ctx));
    expect(mutatingCalls()).toEqual([
      'CreateVpc', 'ModifyVpcAttribute', 'CreateInternetGateway', 'AttachInternetGateway',
      'CreateSubnet', 'ModifySubnetAttribute', 'CreateSubnet', 'ModifySubnetAttribute', 'CreateSubnet', 'CreateSubnet',
      'AllocateAddress', 'AllocateAddress', 'CreateNatGateway', 'CreateNatGateway',
      'CreateRouteTable', 'CreateRoute', 'AssociateRouteTable', 'AssociateRouteTable',
      'CreateRouteTable', 'CreateRoute', 'AssociateRouteTable', 'CreateRouteTable', 'CreateRoute', 'AssociateRouteTable',
      'CreateSecurityGroup', 'AuthorizeSecurityGroupIngress',
    ]);
    const created = ec2.calls().map((c) => (c.args[0] as { input: { TagSpecifications?: Array<{ Tags: Array<{ Key: string; Value: string }> }> } }).input).filter((i) => 'TagSpecifications' in i);
    expect(created).toHaveLength(14);
    for (const input of created) expect(input.TagSpecifications![0]!.Tags).toEqual([OWNER, { Key: 'Name', Value: expect.stringMatching(/^abalone-/) }]);
    expect(inputs(CreateVpcCommand)[0]).toMatchObject({ CidrBlock: '10.192.0.0/16' });
    expect(inputs(ModifyVpcAttributeCommand)[0]).toEqual({ VpcId: 'vpc-new1', EnableDnsHostnames: { Value: true } });
    expect(inputs(CreateSubnetCommand).map((i) => `${i.CidrBlock} ${i.AvailabilityZone}`)).toEqual([
      '10.192.10.0/24 us-east-1a', '10.192.11.0/24 us-east-1b', '10.192.20.0/24 us-east-1a', '10.192.21.0/24 us-east-1b',
    ]);
    const nats = inputs(CreateNatGatewayCommand);
    expect(nats.map((i) => [i.SubnetId, i.AllocationId])).toEqual([['subnet-new3', 'eipalloc-new7'], ['subnet-new4', 'eipalloc-new8']]);
    expect(nats[0]!.ClientToken).toMatch(/^[0-9a-f]{40}$/);
    expect(nats[0]!.ClientToken).not.toBe(nats[1]!.ClientToken);
    expect(inputs(CreateRouteCommand).map((r) => r.GatewayId ?? r.NatGatewayId)).toEqual(['igw-new2', 'nat-new9', 'nat-new10']);
    expect(inputs(AuthorizeSecurityGroupIngressCommand)[0]).toEqual({ GroupId: 'sg-new14', IpPermissions: [{ IpProtocol: '-1', UserIdGroupPairs: [{ GroupId: 'sg-new14' }] }] });
    expect(inputs(DescribeNatGatewaysCommand).filter((i) => i.NatGatewayIds)).toEqual([{ NatGatewayIds: ['nat-new9', 'nat-new10'] }]);
    expect(ctx.events.map((e) => e.kind)).toEqual(['waiting', 'wait-done']);
  });

  it('derives the NAT client token from its inputs: the same for a retried request, another for a new subnet', async () => {
    await applyAll(await ensureVpc.plan(ctx));
    const first = inputs(CreateNatGatewayCommand)[0]!.ClientToken;
    ec2.resetHistory();
    account = empty();
    await applyAll(await ensureVpc.plan(ctx));
    expect(inputs(CreateNatGatewayCommand)[0]!.ClientToken).not.toBe(first);
    const { clientToken } = await import('../../../src/steps/vpc/layout.js');
    expect(clientToken('abalone', 'us-east-1a', 'subnet-1', 'eipalloc-1')).toBe(clientToken('abalone', 'us-east-1a', 'subnet-1', 'eipalloc-1'));
  });

  it('with --nat-gateways 1 makes one NAT gateway that both private route tables use', async () => {
    ctx = context({ config: { natGateways: 1 } });
    const changes = await ensureVpc.plan(ctx);
    expect(changes[0]!.detail).toContain('1 NAT gateway ~$0.05/h');
    await applyAll(changes);
    expect(inputs(CreateNatGatewayCommand)).toHaveLength(1);
    expect(inputs(AllocateAddressCommand)).toHaveLength(1);
    expect(inputs(CreateRouteCommand).map((r) => r.GatewayId ?? r.NatGatewayId)).toEqual(['igw-new2', 'nat-new8', 'nat-new8']);
  });

  it('fails clearly when a NAT gateway fails, naming AWS’s reason', async () => {
    ec2.on(CreateNatGatewayCommand).callsFake(async ({ SubnetId }) => {
      const nat: NatGateway = { NatGatewayId: 'nat-bad', SubnetId, State: 'failed', FailureMessage: 'Elastic IP address [eipalloc-x] is already associated' };
      account.nats = [nat];
      return { NatGateway: nat };
    });
    await expect(applyAll(await ensureVpc.plan(ctx))).rejects.toMatchObject({
      code: 'NatGatewayFailed',
      message: expect.stringContaining('did not become available: nat-bad failed (Elastic IP address [eipalloc-x] is already associated)'),
    });
  });
});

describe('ensure-vpc: an existing network', () => {
  it('is unchanged when converged, with only reads, and status says ok for every piece', async () => {
    account = converged();
    expect(await ensureVpc.plan(ctx)).toEqual([]);
    expect(mutatingCalls()).toEqual([]);
    const rows = await ensureVpc.status(ctx);
    expect(rows.map((r) => `${r.type} ${r.id} ${r.state}`)).toEqual([
      'ec2-vpc abalone-vpc ok',
      'ec2-internet-gateway abalone-igw ok',
      'ec2-subnet abalone-public-1 ok',
      'ec2-subnet abalone-public-2 ok',
      'ec2-subnet abalone-private-1 ok',
      'ec2-subnet abalone-private-2 ok',
      'ec2-elastic-ip abalone-nat-eip-1 ok',
      'ec2-elastic-ip abalone-nat-eip-2 ok',
      'ec2-natgateway abalone-nat-1 ok',
      'ec2-natgateway abalone-nat-2 ok',
      'ec2-route-table abalone-public-routes ok',
      'ec2-route-table abalone-private-routes-1 ok',
      'ec2-route-table abalone-private-routes-2 ok',
      'ec2-security-group abalone-airflow-sg ok',
    ]);
  });

  it('repairs drift piece by piece, and remakes only what is missing', async () => {
    account = converged();
    account.dns.hostnames = false;
    account.subnets = account.subnets.filter((s) => s.SubnetId !== 'subnet-priv2');
    account.routeTables[1]!.Routes = defaultRoute({ NatGatewayId: 'nat-gone' }).map((r): Route => (r.NatGatewayId ? { ...r, State: 'blackhole' } : r));
    account.groups[0]!.IpPermissions = [];
    const changes = await ensureVpc.plan(ctx);
    expect(summary(changes)).toEqual([
      'update vpc/abalone-vpc: DNS hostnames off',
      'create subnet/abalone-private-2: 10.192.21.0/24, private',
      'update route-table/abalone-private-routes-1: 0.0.0.0/0 → nat-gone (blackhole) (want abalone-nat-1)',
      'update route-table/abalone-private-routes-2: not associated with abalone-private-2',
      'update security-group/abalone-airflow-sg: no all-traffic rule for its own members',
    ]);
    expect((await ensureVpc.status(ctx)).filter((r) => r.state !== 'ok').map((r) => `${r.id} ${r.state}`)).toEqual([
      'abalone-vpc drift', 'abalone-private-2 missing', 'abalone-private-routes-1 drift', 'abalone-private-routes-2 drift', 'abalone-airflow-sg drift',
    ]);
    await applyAll(changes);
    expect(inputs(CreateSubnetCommand)).toEqual([expect.objectContaining({ CidrBlock: '10.192.21.0/24', AvailabilityZone: 'us-east-1b', VpcId: 'vpc-1' })]);
    expect(inputs(AssociateRouteTableCommand)).toEqual([{ RouteTableId: 'rtb-priv2', SubnetId: 'subnet-new1' }]);
    expect(inputs(CreateRouteCommand)).toEqual([]);
    expect(inputs(ReplaceRouteCommand)).toEqual([{ RouteTableId: 'rtb-priv1', DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-1' }]);
  });

  it('replaces a route that appeared since it was read instead of failing', async () => {
    account = converged();
    account.routeTables[2]!.Routes = defaultRoute({}).slice(0, 1);
    ec2.on(CreateRouteCommand).rejects(new EC2ServiceException({ name: 'RouteAlreadyExists', $fault: 'client', $metadata: {} }));
    await applyAll(await ensureVpc.plan(ctx));
    expect(inputs(ReplaceRouteCommand)).toEqual([{ RouteTableId: 'rtb-priv2', DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: 'nat-2' }]);
  });

  it('goes from 2 NAT gateways to 1: reroutes, then deletes the second with its address', async () => {
    account = converged(2);
    ctx = context({ config: { natGateways: 1 } });
    ec2.on(DeleteNatGatewayCommand).callsFake(async ({ NatGatewayId }) => {
      account.nats = account.nats.map((n) => (n.NatGatewayId === NatGatewayId ? { ...n, State: 'deleted' } : n));
      return { NatGatewayId };
    });
    ec2.on(ReleaseAddressCommand).resolves({});
    const changes = await ensureVpc.plan(ctx);
    expect(summary(changes)).toEqual([
      'update route-table/abalone-private-routes-2: 0.0.0.0/0 → nat-2 (want abalone-nat-1)',
      'delete natgateway/abalone-nat-2: nat-2, waiting until it is deleted',
      'delete elastic-ip/abalone-nat-eip-2: release 198.51.100.2',
    ]);
    await applyAll(changes);
    expect(mutatingCalls()).toEqual(['ReplaceRoute', 'DeleteNatGateway', 'ReleaseAddress']);
  });

  it('exposes the private subnets and the security group by tag, or the ones given', async () => {
    account = converged();
    expect(await findNetwork(ctx)).toEqual({ vpcId: 'vpc-1', subnetIds: ['subnet-priv1', 'subnet-priv2'], securityGroupIds: ['sg-1'] });
    account = empty();
    expect(await findNetwork(ctx)).toBeUndefined();
    ec2.resetHistory();
    const given = context({ config: { subnetIds: ['subnet-a', 'subnet-b'], securityGroupIds: ['sg-c'] } });
    expect(await findNetwork(given)).toEqual({ subnetIds: ['subnet-a', 'subnet-b'], securityGroupIds: ['sg-c'] });
    expect(ec2.calls()).toHaveLength(0);
  });

  it("leaves a converged network in the run's memo, and findNetwork then reads nothing again", async () => {
    account = converged();
    expect(await ensureVpc.plan(ctx)).toEqual([]);
    const known = ctx.memo.get(CONVERGED_NETWORK);
    expect(known?.vpc?.VpcId).toBe('vpc-1');
    ec2.resetHistory();
    account = empty(); // a read now would find nothing: the answer must come from the memo
    expect(await findNetwork(ctx, known)).toEqual({ vpcId: 'vpc-1', subnetIds: ['subnet-priv1', 'subnet-priv2'], securityGroupIds: ['sg-1'] });
    expect(ec2.calls()).toHaveLength(0);
    expect(context().memo.get(CONVERGED_NETWORK)).toBeUndefined();
  });
});

describe('ensure-vpc: --subnet-ids and --security-group-ids', () => {
  const given = (subnetIds: string[], securityGroupIds = ['sg-mine']) => context({ config: { subnetIds, securityGroupIds } });
  const mine = (id: string, az: string, vpc = 'vpc-mine'): Subnet => ({ SubnetId: id, VpcId: vpc, AvailabilityZone: az });
  const routes = (target: { GatewayId?: string; NatGatewayId?: string } | undefined, subnets: string[], main = false): RouteTable => ({
    RouteTableId: `rtb-${subnets.join('-') || 'main'}`,
    VpcId: 'vpc-mine',
    Routes: target ? defaultRoute(target) : defaultRoute({}).slice(0, 1),
    Associations: [...subnets.map((SubnetId) => ({ SubnetId })), ...(main ? [{ Main: true }] : [])],
  });

  beforeEach(() => {
    account.subnets = [mine('subnet-a', 'us-east-1a'), mine('subnet-b', 'us-east-1b'), mine('subnet-c', 'us-east-1a'), mine('subnet-x', 'us-east-1b', 'vpc-other')];
    account.groups = [{ GroupId: 'sg-mine', VpcId: 'vpc-mine', GroupName: 'mine' }, { GroupId: 'sg-other', VpcId: 'vpc-other' }];
    account.routeTables = [routes({ NatGatewayId: 'nat-mine' }, ['subnet-a', 'subnet-b', 'subnet-c'])];
  });

  it('creates nothing and passes two private subnets with a NAT route in two zones', async () => {
    ctx = given(['subnet-a', 'subnet-b']);
    expect(await ensureVpc.plan(ctx)).toEqual([]);
    expect(mutatingCalls()).toEqual([]);
    expect(await ensureVpc.status(ctx)).toEqual([
      { type: 'ec2-subnet', id: 'subnet-a', state: 'ok', detail: 'existing, us-east-1a, 0.0.0.0/0 → nat-mine' },
      { type: 'ec2-subnet', id: 'subnet-b', state: 'ok', detail: 'existing, us-east-1b, 0.0.0.0/0 → nat-mine' },
      { type: 'ec2-security-group', id: 'sg-mine', state: 'ok', detail: 'existing, mine' },
    ]);
    expect(await ensureVpc.planDestroy(ctx)).toEqual([]);
  });

  it('names each problem: one zone, another VPC, a public subnet, a missing group', async () => {
    await expect(ensureVpc.plan(given(['subnet-a', 'subnet-c']))).rejects.toMatchObject({ code: 'InvalidNetwork', message: expect.stringContaining('subnets subnet-a and subnet-c are both in us-east-1a') });
    await expect(ensureVpc.plan(given(['subnet-a', 'subnet-x']))).rejects.toThrow(/in different VPCs/);
    await expect(ensureVpc.plan(given(['subnet-a', 'subnet-b'], ['sg-other']))).rejects.toThrow(/security group sg-other is in vpc-other, not in the subnets' VPC vpc-mine/);
    await expect(ensureVpc.plan(given(['subnet-a', 'subnet-nope'], ['sg-nope']))).rejects.toThrow(/subnet subnet-nope not found in us-east-1.*security group sg-nope not found/);
    account.routeTables = [routes({ GatewayId: 'igw-mine' }, ['subnet-a']), routes({ NatGatewayId: 'nat-mine' }, ['subnet-b'])];
    await expect(ensureVpc.plan(given(['subnet-a', 'subnet-b']))).rejects.toThrow(/subnet subnet-a is public \(0\.0\.0\.0\/0 → igw-mine\); MWAA needs private subnets/);
  });

  it('accepts subnets without internet only when the VPC has the endpoints MWAA needs, through the main route table', async () => {
    account.routeTables = [routes(undefined, [], true)];
    await expect(ensureVpc.plan(given(['subnet-a', 'subnet-b']))).rejects.toThrow(/subnet subnet-a has no route to a NAT gateway, and VPC vpc-mine lacks the endpoints MWAA needs without one: com\.amazonaws\.us-east-1\.s3, .*airflow\.ops/);
    account.endpoints = ['s3', 'monitoring', 'ecr.dkr', 'ecr.api', 'logs', 'sqs', 'kms', 'airflow.api', 'airflow.env', 'airflow.ops'].map((s) => `com.amazonaws.us-east-1.${s}`);
    ctx = given(['subnet-a', 'subnet-b']);
    expect(await ensureVpc.plan(ctx)).toEqual([]);
    expect(ctx.events).toEqual([{ kind: 'notice', step: 'ensure-vpc', message: expect.stringContaining("the DAG's tasks also need endpoints for com.amazonaws.us-east-1.glue") }]);
  });
});

describe('ensure-vpc: destroy', () => {
  it('deletes everything tagged, in the order AWS accepts, waiting for the NAT gateways', async () => {
    account = converged();
    ec2.on(DeleteNatGatewayCommand).callsFake(async ({ NatGatewayId }) => {
      account.nats = account.nats.map((n) => (n.NatGatewayId === NatGatewayId ? { ...n, State: 'deleted' } : n));
      return { NatGatewayId };
    });
    ec2.on(ReleaseAddressCommand).resolves({});
    ec2.on(DetachInternetGatewayCommand).resolves({});
    ec2.on(DeleteInternetGatewayCommand).resolves({});
    ec2.on(DisassociateRouteTableCommand).resolves({});
    ec2.on(DeleteRouteTableCommand).resolves({});
    ec2.on(DeleteSubnetCommand).resolves({});
    ec2.on(DeleteSecurityGroupCommand).resolves({});
    ec2.on(DeleteVpcCommand).resolves({});
    const changes = await ensureVpc.planDestroy(ctx);
    expect(changes.map((c) => `${c.action} ${c.resource}`)).toEqual([
      'delete natgateway/abalone-nat-1',
      'delete natgateway/abalone-nat-2',
      'delete elastic-ip/abalone-nat-eip-1',
      'delete elastic-ip/abalone-nat-eip-2',
      'delete internet-gateway/abalone-igw',
      'delete route-table/abalone-public-routes',
      'delete route-table/abalone-private-routes-1',
      'delete route-table/abalone-private-routes-2',
      'delete subnet/abalone-public-1',
      'delete subnet/abalone-public-2',
      'delete subnet/abalone-private-1',
      'delete subnet/abalone-private-2',
      'delete security-group/abalone-airflow-sg',
      'delete vpc/abalone-vpc',
    ]);
    await applyAll(changes);
    expect(mutatingCalls()).toEqual([
      'DeleteNatGateway', 'DeleteNatGateway', 'ReleaseAddress', 'ReleaseAddress', 'DetachInternetGateway', 'DeleteInternetGateway',
      'DisassociateRouteTable', 'DisassociateRouteTable', 'DeleteRouteTable', 'DisassociateRouteTable', 'DeleteRouteTable', 'DisassociateRouteTable', 'DeleteRouteTable',
      'DeleteSubnet', 'DeleteSubnet', 'DeleteSubnet', 'DeleteSubnet', 'DeleteSecurityGroup', 'DeleteVpc',
    ]);
    expect(inputs(DescribeNatGatewaysCommand).filter((i) => i.NatGatewayIds)).toEqual([{ NatGatewayIds: ['nat-1'] }, { NatGatewayIds: ['nat-2'] }]);
  });

  it('retries a deletion AWS refuses while something still uses it, and takes not-found as done', async () => {
    account = { ...empty(), subnets: converged().subnets.slice(0, 1) };
    ec2.on(DeleteSubnetCommand)
      .rejectsOnce(new EC2ServiceException({ name: 'DependencyViolation', $fault: 'client', $metadata: {}, message: "The subnet 'subnet-pub1' has dependencies and cannot be deleted." }))
      .rejectsOnce(new EC2ServiceException({ name: 'InvalidSubnetID.NotFound', $fault: 'client', $metadata: {}, message: 'gone' }));
    await applyAll(await ensureVpc.planDestroy(ctx));
    expect(inputs(DeleteSubnetCommand)).toHaveLength(2);
    expect(ctx.events).toEqual([{ kind: 'notice', step: 'ensure-vpc', message: expect.stringMatching(/^subnet-pub1 is still in use \(The subnet .* has dependencies.*attempt 2 of 20/) }]);
  });

  it('has nothing to delete in an empty account', async () => {
    expect(await ensureVpc.planDestroy(ctx)).toEqual([]);
  });
});
