import { InterruptedError, ToolError } from '../base/errors.js';
import { hourlyNote, natHourly } from '../engine/cost.js';
import { change, type Change, type ResourceState, type Step, type StepContext } from '../engine/types.js';
import { Builder, chooseAzs, type Drift, type Piece } from './vpc/builder.js';
import { destroyChanges, scopeToVpc } from './vpc/destroy.js';
import { nameTagOf, networkNames, resourceLabel, VPC_CIDR } from './vpc/layout.js';
import { CONVERGED_NETWORK, observeNetwork, type Network } from './vpc/observe.js';
import { networkPieces } from './vpc/pieces.js';
import { checkExistingNetwork } from './vpc/validate-existing.js';

export { findNetwork, type NetworkIds } from './vpc/observe.js';

interface Evaluated {
  readonly piece: Piece;
  readonly id?: string;
  readonly drifts: Drift[];
}

async function evaluate(ctx: StepContext) {
  const ec2 = await ctx.clients.ec2();
  const net = await observeNetwork(ec2, ctx.names);
  const azs = await chooseAzs(ec2, net, networkNames(ctx.names), ctx.names.region);
  const b = new Builder(ec2, ctx, azs);
  const pieces = networkPieces(ctx);
  for (const piece of pieces) {
    const id = piece.find(net);
    if (id) b.ids.set(piece.nameTag, id);
  }
  const evaluated: Evaluated[] = await Promise.all(
    pieces.map(async (piece) => {
      const id = b.ids.get(piece.nameTag);
      return { piece, id, drifts: id ? await piece.drifts(net, b) : [] };
    }),
  );
  return { ec2, net, b, evaluated, unwanted: unwanted(net, new Set(b.ids.values())) };
}

/**
 * What the network holds that `up` would not make: a second NAT gateway after --nat-gateways 1,
 * an address no NAT uses, a duplicate VPC left by a retried CreateVpc.
 */
function unwanted(net: Network, kept: ReadonlySet<string>): Network[] {
  if (!net.vpc) return [];
  const vpcId = net.vpc.VpcId;
  const nats = net.nats.filter((n) => n.VpcId === vpcId && n.State !== 'deleting' && !kept.has(n.NatGatewayId!));
  const natAddresses = new Set(nats.flatMap((n) => (n.NatGatewayAddresses ?? []).map((a) => a.AllocationId)));
  const addresses = net.addresses.filter((a) => !kept.has(a.AllocationId!) && (!a.AssociationId || natAddresses.has(a.AllocationId)));
  const strays: Network = { vpcs: [], subnets: [], igws: [], routeTables: [], securityGroups: [], nats, addresses };
  const duplicates = net.vpcs.filter((v) => v.VpcId !== vpcId).map((v) => scopeToVpc(net, v.VpcId!));
  return [strays, ...duplicates];
}

function unwantedRows(networks: readonly Network[]): ResourceState[] {
  const row = (type: string, tags: { Key?: string; Value?: string }[] | undefined, id: string): ResourceState => ({
    type: `ec2-${type}`,
    id: nameTagOf(tags) ?? id,
    state: 'drift',
    detail: `${id}: not part of the network up builds (destroyed by up)`,
  });
  return networks.flatMap((n) => [
    ...n.nats.map((x) => row('natgateway', x.Tags, x.NatGatewayId!)),
    ...n.addresses.map((x) => row('elastic-ip', x.Tags, x.AllocationId!)),
    ...n.vpcs.map((x) => row('vpc', x.Tags, x.VpcId!)),
  ]);
}

function createDetail(ctx: StepContext, azs: readonly string[]): string {
  const nats = ctx.config.natGateways;
  return `${VPC_CIDR} in ${azs.join(' and ')}: 2 public and 2 private subnets, internet gateway, ${nats} NAT gateway${nats === 1 ? '' : 's'} ${hourlyNote(natHourly(nats))}, route tables, security group`;
}

async function validateExisting(ctx: StepContext) {
  const { config } = ctx;
  return checkExistingNetwork(await ctx.clients.ec2(), ctx.names.region, config.subnetIds ?? [], config.securityGroupIds ?? []);
}

/** What `park` deletes of the network: the NAT gateways and their elastic IPs. */
const PARKED_TYPES: ReadonlySet<string> = new Set(['natgateway', 'elastic-ip']);

function stateOf(e: Evaluated, net: Network, parked: boolean): ResourceState {
  const type = `ec2-${e.piece.type}`;
  if (!e.id && parked && PARKED_TYPES.has(e.piece.type)) return { type, id: e.piece.nameTag, state: 'parked', detail: 'deleted by park; up recreates it' };
  if (!e.id) return { type, id: e.piece.nameTag, state: 'missing', detail: '' };
  if (parked && e.drifts.length > 0 && e.drifts.every((d) => d.leftByPark)) {
    return { type, id: e.piece.nameTag, state: 'parked', detail: `${e.id}: ${e.drifts.map((d) => d.detail).join('; ')}; up points it at the recreated NAT gateway` };
  }
  const nat = e.piece.type === 'natgateway' ? net.nats.find((n) => n.NatGatewayId === e.id) : undefined;
  if (nat?.State === 'pending') return { type, id: e.piece.nameTag, state: 'creating', detail: e.id };
  if (nat?.State === 'deleting') return { type, id: e.piece.nameTag, state: 'deleting', detail: e.id };
  if (e.drifts.length > 0) return { type, id: e.piece.nameTag, state: 'drift', detail: `${e.id}: ${e.drifts.map((d) => d.detail).join('; ')}` };
  return { type, id: e.piece.nameTag, state: 'ok', detail: e.id };
}

/** The MWAA quick-create network, found by tag; or, with --subnet-ids, the checks of a given one. */
export const ensureVpc: Step = {
  name: 'ensure-vpc',
  // After the bucket: when the pipeline's name is taken (the bucket belongs to another account),
  // no NAT gateway is created for a pipeline that cannot exist.
  dependsOn: ['ensure-bucket'],

  async plan(ctx: StepContext): Promise<Change[]> {
    if (ctx.config.subnetIds) {
      const report = await validateExisting(ctx);
      for (const message of report.notices) ctx.progress({ kind: 'notice', step: 'ensure-vpc', message });
      if (report.problems.length > 0) {
        throw new ToolError('InvalidNetwork', `the network given with --subnet-ids/--security-group-ids cannot host MWAA: ${report.problems.join('; ')}`);
      }
      return [];
    }
    const { ec2, net, b, evaluated, unwanted: extra } = await evaluate(ctx);
    const missing = evaluated.filter((e) => !e.id);
    if (!net.vpc) {
      const label = resourceLabel('vpc', b.n.vpc);
      return [
        change('create', label, createDetail(ctx, b.azs), async () => {
          for (const e of missing) {
            // Ctrl-C stops between pieces: the rerun finds what was made by its tags and makes the rest.
            if (ctx.signal.aborted) throw new InterruptedError(`interrupted before: create ${resourceLabel(e.piece.type, e.piece.nameTag)}`);
            await e.piece.create(b);
          }
          await b.settle();
        }),
      ];
    }
    const changes: Change[] = [];
    for (const e of evaluated) {
      const label = resourceLabel(e.piece.type, e.piece.nameTag);
      if (!e.id) {
        const cost = e.piece.type === 'natgateway' ? `, ${hourlyNote(natHourly(1))}` : '';
        changes.push(
          change('create', label, `${e.piece.detail}${cost}`, async () => {
            await e.piece.create(b);
            await b.settle();
          }),
        );
      }
      for (const d of e.drifts) changes.push(change('update', label, d.detail, () => d.fix()));
    }
    for (const network of extra) changes.push(...destroyChanges(ctx, ec2, network));
    if (changes.length === 0) ctx.memo.set(CONVERGED_NETWORK, net);
    return changes;
  },

  async status(ctx: StepContext): Promise<ResourceState[]> {
    if (ctx.config.subnetIds) return (await validateExisting(ctx)).rows;
    const { net, evaluated, unwanted: extra } = await evaluate(ctx);
    return [...evaluated.map((e) => stateOf(e, net, ctx.config.parked !== undefined)), ...unwantedRows(extra)];
  },

  async planDestroy(ctx: StepContext): Promise<Change[]> {
    const ec2 = await ctx.clients.ec2();
    return destroyChanges(ctx, ec2, await observeNetwork(ec2, ctx.names));
  },
};

/**
 * What `park` removes of the network: the NAT gateways and their elastic IPs (billed by the hour),
 * with destroy's own deletes. DeleteNatGateway "disassociates its Elastic IP address, but does
 * not release the address" (billed as a public IPv4 address), so the addresses are released too
 * (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteNatGateway.html). It "does
 * not delete any NAT gateway routes": the private route tables keep theirs, in the `blackhole`
 * state ("the route's target isn't available", API_Route.html), free and unused while nothing
 * runs; `up` points them at the recreated gateways (routeDrifts), so park deletes no route.
 */
export async function planParkNetwork(ctx: StepContext): Promise<Change[]> {
  const ec2 = await ctx.clients.ec2();
  const net = await observeNetwork(ec2, ctx.names);
  const natOnly: Network = { vpcs: [], subnets: [], igws: [], routeTables: [], securityGroups: [], nats: net.nats, addresses: net.addresses };
  return destroyChanges(ctx, ec2, natOnly);
}
