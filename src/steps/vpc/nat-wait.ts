import {
  DescribeNatGatewaysCommand,
  waitUntilNatGatewayAvailable,
  waitUntilNatGatewayDeleted,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import type { StepContext } from '../../engine/types.js';
import { sdkWait } from '../sdk-wait.js';

type Goal = 'available' | 'deleted';

async function reasons(ec2: EC2Client, ids: readonly string[]): Promise<string> {
  try {
    const out = await ec2.send(new DescribeNatGatewaysCommand({ NatGatewayIds: [...ids] }));
    return (out.NatGateways ?? []).map((n) => `${n.NatGatewayId} ${n.State}${n.FailureMessage ? ` (${n.FailureMessage})` : ''}`).join(', ');
  } catch {
    return ids.join(', ');
  }
}

/**
 * Waits with the SDK's waiter until every NAT gateway is available (or deleted), showing the
 * wait; short delays against an emulator, the SDK's own against AWS.
 */
export async function waitForNats(ctx: StepContext, ec2: EC2Client, ids: readonly string[], goal: Goal): Promise<void> {
  if (ids.length === 0) return;
  const wait = goal === 'available' ? waitUntilNatGatewayAvailable : waitUntilNatGatewayDeleted;
  await sdkWait(
    ctx,
    { step: 'ensure-vpc', what: `NAT gateway${ids.length === 1 ? '' : 's'} ${ids.join(', ')}`, goal, waiter: ctx.timing.natGateway, failureCode: 'NatGatewayFailed', describe: () => reasons(ec2, ids) },
    (params) => wait({ client: ec2, ...params }, { NatGatewayIds: [...ids] }),
  );
}
