import {
  DescribeNatGatewaysCommand,
  waitUntilNatGatewayAvailable,
  waitUntilNatGatewayDeleted,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { describeWait } from '../../engine/timing.js';
import { InterruptedError, ToolError, errorName } from '../../errors.js';
import type { StepContext } from '../../engine/types.js';

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
  const what = `NAT gateway${ids.length === 1 ? '' : 's'} ${ids.join(', ')}`;
  ctx.progress({ kind: 'waiting', step: 'ensure-vpc', message: `${what}: waiting until ${goal}` });
  const { maxWaitTime } = ctx.timing.natGateway;
  const params = { client: ec2, ...ctx.timing.natGateway, abortSignal: ctx.signal };
  try {
    const wait = goal === 'available' ? waitUntilNatGatewayAvailable : waitUntilNatGatewayDeleted;
    await wait(params, { NatGatewayIds: [...ids] });
  } catch (error) {
    if (ctx.signal.aborted || errorName(error) === 'AbortError') {
      throw new InterruptedError(`stopped waiting for ${what}; AWS goes on with it: run the same command again to finish`);
    }
    const timedOut = errorName(error) === 'TimeoutError';
    throw new ToolError(
      timedOut ? 'WaitTimeout' : 'NatGatewayFailed',
      `${what} did not become ${goal}${timedOut ? ` within ${describeWait(maxWaitTime * 1000)}; run the same command again to keep waiting` : ''}: ${await reasons(ec2, ids)}`,
    );
  } finally {
    ctx.progress({ kind: 'wait-done', step: 'ensure-vpc' });
  }
}
