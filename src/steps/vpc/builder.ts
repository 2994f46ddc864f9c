import { DescribeAvailabilityZonesCommand, type EC2Client, type ResourceType } from '@aws-sdk/client-ec2';
import { createOnce } from '../../aws/create-once.js';
import { retryOn } from '../../aws/retry.js';
import { ToolError } from '../../base/errors.js';
import type { StepContext } from '../../engine/types.js';
import { networkNames, SUBNETS, type NetworkNames } from './layout.js';
import { waitForNats } from './nat-wait.js';
import { isEc2NotFound, named, observeNetwork, type Network } from './observe.js';

/** One way an existing piece differs from what `up` builds, and how to restore it. */
export interface Drift {
  readonly detail: string;
  /** A difference `park` leaves on purpose (a default route to a NAT gateway it deleted). */
  readonly leftByPark?: boolean;
  fix(): Promise<void>;
}

/** One resource of the network: how to find it, make it, and check it. */
export interface Piece {
  readonly type: ResourceType;
  readonly nameTag: string;
  readonly detail: string;
  find(net: Network): string | undefined;
  create(b: Builder): Promise<void>;
  drifts(net: Network, b: Builder): Promise<Drift[]>;
}

/**
 * The ids of the pieces, by Name tag: those found, then those created as the changes apply in
 * order (a change made later in the plan uses the id an earlier one produced).
 */
export class Builder {
  readonly ids = new Map<string, string>();
  readonly n: NetworkNames;
  private readonly newNats: string[] = [];

  constructor(
    readonly ec2: EC2Client,
    readonly ctx: StepContext,
    readonly azs: readonly [string, string],
  ) {
    this.n = networkNames(ctx.names);
  }

  id(nameTag: string): string {
    const id = this.ids.get(nameTag);
    if (!id) throw new ToolError('NetworkIncomplete', `${nameTag} does not exist, and this run did not create it`);
    return id;
  }

  /**
   * Sends a call that names resources this run may just have made: EC2 is eventually consistent,
   * so a new VPC, subnet or gateway can be "not found" for a moment. Retried a few times, briefly.
   */
  fresh<T>(call: () => Promise<T>): Promise<T> {
    return retryOn(isEc2NotFound, call, { attempts: 6, ...this.ctx.timing.fresh.ec2, signal: this.ctx.signal });
  }

  /**
   * A create call without an idempotency token (sent with once()): when its outcome is unknown,
   * the network is read again and the piece found there is the one it made.
   */
  createOnce(find: (net: Network) => string | undefined, create: () => Promise<string>): Promise<string> {
    return createOnce(this.ctx, create, async () => find(await observeNetwork(this.ec2, this.ctx.names)));
  }

  natCreated(id: string): void {
    this.newNats.push(id);
  }

  /** Waits for the NAT gateways this run created, so that nothing uses the network before it routes. */
  async settle(): Promise<void> {
    await waitForNats(this.ctx, this.ec2, this.newNats.splice(0), 'available');
  }
}

/** The two Availability Zones: those of the subnets already made, else the region's first two. */
export async function chooseAzs(ec2: EC2Client, net: Network, n: NetworkNames, region: string): Promise<readonly [string, string]> {
  const existing = [0, 1].map((az) =>
    SUBNETS.filter((s) => s.az === az)
      .map((s) => named(net.subnets, n.subnet(s), net.vpc?.VpcId)?.AvailabilityZone)
      .find(Boolean),
  );
  if (existing[0] && existing[1]) return [existing[0], existing[1]];
  const out = await ec2.send(new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'state', Values: ['available'] }] }));
  const zones = (out.AvailabilityZones ?? [])
    .filter((z) => (z.ZoneType ?? 'availability-zone') === 'availability-zone' && (z.OptInStatus ?? 'opt-in-not-required') === 'opt-in-not-required')
    .map((z) => z.ZoneName!)
    .filter((z) => z && !existing.includes(z))
    .sort();
  const pick = [existing[0] ?? zones.shift(), existing[1] ?? zones.shift()];
  if (!pick[0] || !pick[1]) {
    throw new ToolError('NotEnoughAvailabilityZones', `MWAA needs subnets in two Availability Zones, and ${region} has fewer than two available without opting in`);
  }
  return [pick[0], pick[1]];
}
