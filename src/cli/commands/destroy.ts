import { EXIT } from '../../errors.js';
import { selectSteps } from '../../steps/index.js';
import type { CommandContext } from '../context.js';
import { configFor, pipelineConfig } from '../pipeline-config.js';
import { requireYesOrTerminal } from '../prompt.js';
import { openSession } from '../session.js';
import { withLock } from '../../ops/with-lock.js';
import { confirmPlan, finish, runSteps, type RunPlan } from './run-steps.js';

export async function destroy(ctx: CommandContext, raw: Record<string, unknown>): Promise<number> {
  const startedAt = Date.now();
  pipelineConfig(raw);
  requireYesOrTerminal(ctx.global.yes, 'destroy');
  const session = await openSession(ctx.global);
  const config = await configFor(raw, session, (message) => ctx.output.info(message));
  const plan: RunPlan = { steps: selectSteps(undefined), session, config };

  // The lock is released (deleted) last, so that nothing of the pipeline remains.
  return withLock(ctx, session, 'destroy', Boolean(raw.forceUnlock), async () => {
    if (ctx.global.yes) return finish(ctx, plan, await runSteps(ctx, plan, 'destroy'), startedAt, false);
    const decision = await confirmPlan(ctx, plan, 'destroy-plan', `Delete these resources of pipeline "${session.names.name}"?`);
    if (decision.go) return finish(ctx, plan, await runSteps(ctx, plan, 'destroy', decision.confirmed), startedAt, false);
    if (!decision.cancelled) return finish(ctx, plan, decision.planned, startedAt, false);
    ctx.output.info('cancelled: nothing deleted');
    return EXIT.failed;
  });
}
