import type { StepName } from '../../engine/types.js';
import { assertFolder } from '../../engine/airflow-folder.js';
import { EXIT } from '../../errors.js';
import { selectSteps } from '../../steps/index.js';
import type { CommandContext } from '../context.js';
import { configFor, pipelineConfig } from '../pipeline-config.js';
import { requireYesOrTerminal } from '../prompt.js';
import { openSession } from '../session.js';
import { withLock } from '../../ops/with-lock.js';
import { resumeCostLines, resumeIfParked } from './resume.js';
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

  for (const line of resumeCostLines(config, session)) ctx.output.info(line);
  // A dry run makes no write, so it takes no lock either.
  if (dryRun) return finish(ctx, plan, await runSteps(ctx, plan, 'plan'), startedAt, true);

  return withLock(ctx, session, 'up', Boolean(raw.forceUnlock), async () => {
    // --yes: plan and apply each step in one pass. Otherwise apply exactly what was confirmed.
    let results;
    if (ctx.global.yes) results = await runSteps(ctx, plan, 'apply');
    else {
      const decision = await confirmPlan(ctx, plan, 'plan', 'Apply these changes?');
      if (decision.go) results = await runSteps(ctx, plan, 'apply', decision.confirmed);
      else if (!decision.cancelled) return finish(ctx, plan, decision.planned, startedAt, false);
      else {
        ctx.output.info('cancelled: nothing changed');
        return EXIT.failed;
      }
    }
    return resumeIfParked(ctx, config, session, results, finish(ctx, plan, results, startedAt, false));
  });
}
