import type { StepName } from '../../engine/types.js';
import { assertFolder } from '../../engine/airflow-folder.js';
import { EXIT } from '../../errors.js';
import { selectSteps } from '../../steps/index.js';
import type { CommandContext } from '../context.js';
import { configFor, pipelineConfig } from '../pipeline-config.js';
import { requireYesOrTerminal } from '../prompt.js';
import { openSession } from '../session.js';
import { withLock } from '../../ops/with-lock.js';
import { stepList } from '../validate.js';
import { confirmPlan, finish, runSteps, type RunPlan } from './run-steps.js';

export async function up(ctx: CommandContext, raw: Record<string, unknown>): Promise<number> {
  const startedAt = Date.now();
  const dryRun = Boolean(raw.dryRun);
  const shaped = pipelineConfig(raw);
  // A --dir that is not a folder is a usage error before any AWS call, not a failed step after others ran.
  if (raw.dir !== undefined) await assertFolder(shaped.airflowDir);
  const only: StepName[] | undefined = raw.only === undefined ? undefined : stepList(String(raw.only));
  if (!dryRun) requireYesOrTerminal(ctx.global.yes, 'up');

  const session = await openSession(ctx.global);
  const config = await configFor(raw, session, (message) => ctx.output.info(message));
  const plan: RunPlan = { steps: selectSteps(only), session, config };

  // A dry run makes no write, so it takes no lock either.
  if (dryRun) return finish(ctx, plan, await runSteps(ctx, plan, 'plan'), startedAt, true);

  return withLock(ctx, session, 'up', Boolean(raw.forceUnlock), async () => {
    // --yes: plan and apply each step in one pass. Otherwise apply exactly what was confirmed.
    if (ctx.global.yes) return finish(ctx, plan, await runSteps(ctx, plan, 'apply'), startedAt, false);
    const decision = await confirmPlan(ctx, plan, 'plan', 'Apply these changes?');
    if (decision.go) return finish(ctx, plan, await runSteps(ctx, plan, 'apply', decision.confirmed), startedAt, false);
    if (!decision.cancelled) return finish(ctx, plan, decision.planned, startedAt, false);
    ctx.output.info('cancelled: nothing changed');
    return EXIT.failed;
  });
}
