import { EXIT } from '../../base/errors.js';
import { currentHourlyCost, PARK_STEPS } from '../../ops/park.js';
import { withLock } from '../../ops/with-lock.js';
import { hourlyCostLines, PARK_KEEPS } from '../../output/hourly-cost-report.js';
import type { CommandContext } from '../context.js';
import type { ParkOptions } from '../options.js';
import { configFor, pipelineConfig } from '../pipeline-config.js';
import { confirm, requireYesOrTerminal } from '../prompt.js';
import { opContext } from '../op-context.js';
import { confirmPlan, finish, runSteps, type RunPlan } from '../../ops/reconcile-run.js';

/** `park`: delete what bills by the hour while idle, keep the rest, mark the pipeline parked (docs/runs.md). */
export async function park(ctx: CommandContext, options: ParkOptions): Promise<number> {
  const startedAt = Date.now();
  const { dryRun } = options;
  pipelineConfig(options);
  if (!dryRun) requireYesOrTerminal(ctx.global.yes, 'park');
  const op = opContext(ctx);
  const session = await op.openSession();
  const config = await configFor(options, session, (message) => ctx.output.info(message));
  const plan: RunPlan = { steps: PARK_STEPS, session, config };

  const showSaving = async () => {
    const saving = await currentHourlyCost(op).catch((error: unknown) => error as Error);
    if (saving instanceof Error) ctx.output.info(`Hourly saving: not known (${saving.message})`);
    else for (const line of hourlyCostLines('Hourly saving', saving)) ctx.output.info(line);
    for (const line of PARK_KEEPS) ctx.output.info(line);
  };

  // A dry run makes no write, so it takes no lock either.
  if (dryRun) {
    const results = await runSteps(op, { plan, mode: 'destroy-plan' });
    await showSaving();
    return finish(op, { plan, results, startedAt, dryRun: true });
  }

  return withLock(op, { command: 'park', force: options.forceUnlock, work: async () => {
    if (ctx.global.yes) {
      await showSaving();
      return finish(op, { plan, results: await runSteps(op, { plan, mode: 'destroy' }), startedAt, dryRun: false });
    }
    // Shown with the plan, failures included, then asked (default No); what runs is what was confirmed.
    const ask = async (question: string) => {
      await showSaving();
      return confirm(question, ctx.signal);
    };
    const decision = await confirmPlan(op, { plan, mode: 'destroy-plan', question: `Park pipeline "${session.names.name}" (delete the resources above)?`, ask });
    if (decision.go) return finish(op, { plan, results: await runSteps(op, { plan, mode: 'destroy', confirmed: decision.confirmed }), startedAt, dryRun: false });
    if (!decision.cancelled) return finish(op, { plan, results: decision.planned, startedAt, dryRun: false });
    ctx.output.info('cancelled: nothing deleted');
    return EXIT.failed;
  } });
}
