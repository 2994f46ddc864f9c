import { reconcile, type ReconcileMode, type StepResult } from '../../engine/reconcile.js';
import type { PipelineConfig } from '../../engine/config.js';
import type { Step } from '../../engine/types.js';
import { EXIT } from '../../errors.js';
import { RunReporter, runDocument, summaryLine, totals } from '../../output/run-report.js';
import { timelineRecorder } from '../../output/timeline.js';
import type { CommandContext } from '../context.js';
import { hourlyCostLines } from '../../engine/cost.js';
import { confirm } from '../prompt.js';
import type { Session } from '../session.js';

export interface RunPlan {
  readonly steps: readonly Step[];
  readonly session: Session;
  readonly config: PipelineConfig;
}

/** Runs the steps in one mode and renders as it goes; returns the results. */
export async function runSteps(ctx: CommandContext, plan: RunPlan, mode: ReconcileMode): Promise<StepResult[]> {
  const reporter = new RunReporter(ctx.output, mode === 'destroy' || mode === 'destroy-plan');
  const timeline = timelineRecorder(mode);
  const onEvent: typeof reporter.onEvent = timeline ? (event) => (timeline(event), reporter.onEvent(event)) : reporter.onEvent;
  try {
    return await reconcile(
      plan.steps,
      { names: plan.session.names, config: plan.config, clients: plan.session.clients, timing: plan.session.timing, signal: ctx.signal },
      { mode, onEvent },
    );
  } finally {
    reporter.stop();
  }
}

/** On a terminal without --yes: show the plan, then ask. True when the run may go on. */
export async function confirmPlan(ctx: CommandContext, plan: RunPlan, mode: 'plan' | 'destroy-plan', question: string): Promise<boolean> {
  const results = await runSteps(ctx, plan, mode);
  const t = totals(results);
  if (t.failed.length > 0) return true; // the real run reports the failure properly
  const count = Object.values(t.counts).reduce((a, b) => a + b, 0);
  if (count === 0) return true;
  ctx.output.info(summaryLine(results, 0, true).replace(/ \(0\.0s\)$/, ''));
  // Before anything billable is created: what it will cost by the hour.
  if (mode === 'plan') for (const line of hourlyCostLines(results.flatMap((r) => r.changes), plan.config, plan.session.names.region)) ctx.output.info(line);
  return confirm(question, ctx.signal);
}

/** Human summary or JSON document, and the exit code the results call for. */
export function finish(ctx: CommandContext, plan: RunPlan, results: StepResult[], startedAt: number, dryRun: boolean): number {
  const { output } = ctx;
  const t = totals(results);
  if (output.json) output.result(runDocument(plan.session.names.name, plan.session.names.region, dryRun, results));
  else output.line(summaryLine(results, Date.now() - startedAt, dryRun));
  if (ctx.signal.aborted) {
    const done = results.filter((r) => r.status === 'changed' || r.status === 'unchanged').map((r) => r.step);
    const notDone = results.filter((r) => r.status === 'skipped' || r.status === 'failed').map((r) => r.step);
    output.info(`interrupted. done: ${done.join(', ') || 'nothing'}; not done: ${notDone.join(', ') || 'nothing'}. Run the same command again to finish.`);
    return EXIT.interrupted;
  }
  if (t.failed.length > 0) {
    output.info(output.style.red(`${t.failed.length} step${t.failed.length === 1 ? '' : 's'} failed:`));
    for (const f of t.failed) output.info(`  ${f.step}: ${f.error?.code}: ${f.error?.message}`);
    return EXIT.failed;
  }
  return EXIT.ok;
}
