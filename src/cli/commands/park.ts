import { EXIT } from '../../errors.js';
import { currentHourlyCost, PARK_STEPS } from '../../ops/park.js';
import { withLock } from '../../ops/with-lock.js';
import { hourlyCostLines, PARK_KEEPS } from '../../output/hourly-cost-report.js';
import type { CommandContext } from '../context.js';
import { configFor, pipelineConfig } from '../pipeline-config.js';
import { confirm, requireYesOrTerminal } from '../prompt.js';
import { openSession } from '../session.js';
import { confirmPlan, finish, runSteps, type RunPlan } from './run-steps.js';

/** `park`: delete what bills by the hour while idle, keep the rest, mark the pipeline parked (runs.md). */
export async function park(ctx: CommandContext, raw: Record<string, unknown>): Promise<number> {
  const startedAt = Date.now();
  const dryRun = Boolean(raw.dryRun);
  pipelineConfig(raw);
  if (!dryRun) requireYesOrTerminal(ctx.global.yes, 'park');
  const session = await openSession(ctx.global);
  const config = await configFor(raw, session, (message) => ctx.output.info(message));
  const plan: RunPlan = { steps: PARK_STEPS, session, config };

  const showSaving = async () => {
    const saving = await currentHourlyCost(session).catch((error: unknown) => error as Error);
    if (saving instanceof Error) ctx.output.info(`Hourly saving: not known (${saving.message})`);
    else for (const line of hourlyCostLines('Hourly saving', saving)) ctx.output.info(line);
    for (const line of PARK_KEEPS) ctx.output.info(line);
  };

  // A dry run makes no write, so it takes no lock either.
  if (dryRun) {
    const results = await runSteps(ctx, plan, 'destroy-plan');
    await showSaving();
    return finish(ctx, plan, results, startedAt, true);
  }

  return withLock(ctx, session, 'park', Boolean(raw.forceUnlock), async () => {
    if (ctx.global.yes) {
      await showSaving();
      return finish(ctx, plan, await runSteps(ctx, plan, 'destroy'), startedAt, false);
    }
    // Shown with the plan, failures included, then asked (default No); what runs is what was confirmed.
    const ask = async (question: string) => {
      await showSaving();
      return confirm(question, ctx.signal);
    };
    const decision = await confirmPlan(ctx, plan, 'destroy-plan', `Park pipeline "${session.names.name}" (delete the resources above)?`, ask);
    if (decision.go) return finish(ctx, plan, await runSteps(ctx, plan, 'destroy', decision.confirmed), startedAt, false);
    if (!decision.cancelled) return finish(ctx, plan, decision.planned, startedAt, false);
    ctx.output.info('cancelled: nothing deleted');
    return EXIT.failed;
  });
}
