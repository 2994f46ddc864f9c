import type { StepName } from '../../engine/types.js';
import { assertFolder } from '../../engine/airflow-folder.js';
import { EXIT } from '../../base/errors.js';
import { selectSteps } from '../../steps/index.js';
import type { CommandContext } from '../context.js';
import type { UpOptions } from '../options.js';
import { configFor, pipelineConfig } from '../pipeline-config.js';
import { requireYesOrTerminal } from '../prompt.js';
import { opContext } from '../op-context.js';
import { confirm } from '../prompt.js';
import { withLock } from '../../ops/with-lock.js';
import { resumeCostLines, resumeIfParked } from '../../ops/resume.js';
import { stepList } from '../validate.js';
import { confirmPlan, finish, runSteps, type RunPlan } from '../../ops/reconcile-run.js';

export async function up(ctx: CommandContext, options: UpOptions): Promise<number> {
  const startedAt = Date.now();
  const { dryRun } = options;
  const shaped = pipelineConfig(options);
  // A --dir that is not a folder is a usage error before any AWS call, not a failed step after others ran.
  if (options.dir !== undefined) await assertFolder(shaped.airflowDir);
  const only: StepName[] | undefined = options.only === undefined ? undefined : stepList(options.only);
  if (!dryRun) requireYesOrTerminal(ctx.global.yes, 'up');

  const op = opContext(ctx);
  const session = await op.openSession();
  const config = await configFor(options, session, (message) => ctx.output.info(message));
  const plan: RunPlan = { steps: selectSteps(only), session, config };

  for (const line of resumeCostLines(config, session)) ctx.output.info(line);
  // A dry run makes no write, so it takes no lock either.
  if (dryRun) return finish(op, { plan, results: await runSteps(op, { plan, mode: 'plan' }), startedAt, dryRun: true });

  return withLock(op, { command: 'up', force: options.forceUnlock, work: async () => {
    // --yes: plan and apply each step in one pass. Otherwise apply exactly what was confirmed.
    let results;
    if (ctx.global.yes) results = await runSteps(op, { plan, mode: 'apply' });
    else {
      const decision = await confirmPlan(op, { plan, mode: 'plan', question: 'Apply these changes?', ask: (q) => confirm(q, ctx.signal) });
      if (decision.go) results = await runSteps(op, { plan, mode: 'apply', confirmed: decision.confirmed });
      else if (!decision.cancelled) return finish(op, { plan, results: decision.planned, startedAt, dryRun: false });
      else {
        ctx.output.info('cancelled: nothing changed');
        return EXIT.failed;
      }
    }
    return resumeIfParked(op, { config, results, code: finish(op, { plan, results, startedAt, dryRun: false }) });
  } });
}
