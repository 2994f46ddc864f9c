import { planToConfirm, reconcile, type ConfirmedPlan, type ReconcileMode, type StepResult } from '../../engine/reconcile.js';
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

/**
 * Runs the steps in one mode and renders as it goes; returns the results. With `confirmed`
 * (an apply mode after the user said yes), applies exactly the confirmed changes.
 */
export async function runSteps(ctx: CommandContext, plan: RunPlan, mode: ReconcileMode, confirmed?: ConfirmedPlan): Promise<StepResult[]> {
  return rendered(ctx, mode, (onEvent) => reconcile(plan.steps, baseContext(ctx, plan), { mode, onEvent, confirmed }));
}

function baseContext(ctx: CommandContext, plan: RunPlan) {
  return { names: plan.session.names, config: plan.config, clients: plan.session.clients, timing: plan.session.timing, signal: ctx.signal };
}

async function rendered<T>(ctx: CommandContext, mode: ReconcileMode, work: (onEvent: RunReporter['onEvent']) => Promise<T>): Promise<T> {
  const reporter = new RunReporter(ctx.output, mode === 'destroy' || mode === 'destroy-plan');
  const timeline = timelineRecorder(mode);
  const onEvent: typeof reporter.onEvent = timeline ? (event) => (timeline(event), reporter.onEvent(event)) : reporter.onEvent;
  try {
    return await work(onEvent);
  } finally {
    reporter.stop();
  }
}

/** What the user decided after seeing the plan. */
export type Decision =
  /** Apply exactly these changes. */
  | { readonly go: true; readonly confirmed: ConfirmedPlan; readonly planned: StepResult[] }
  /** Nothing to apply (or the user said no): the plan's results are the run's. */
  | { readonly go: false; readonly cancelled: boolean; readonly planned: StepResult[] };

/**
 * On a terminal without --yes: show the plan, with any step whose plan failed, then ask
 * (default No). A failed plan never skips the question: what can be applied is asked about.
 */
export async function confirmPlan(
  ctx: CommandContext,
  plan: RunPlan,
  mode: 'plan' | 'destroy-plan',
  question: string,
  /** Asks instead of the yes/no question (given the question, failures noted), e.g. a typed name. */
  ask: (question: string) => Promise<boolean> = (q) => confirm(q, ctx.signal),
): Promise<Decision> {
  const { results, confirmed } = await rendered(ctx, mode, (onEvent) => planToConfirm(plan.steps, baseContext(ctx, plan), { mode, onEvent }));
  const t = totals(results);
  const count = Object.values(t.counts).reduce((a, b) => a + b, 0);
  if (count === 0 || ctx.signal.aborted) return { go: false, cancelled: false, planned: results };
  ctx.output.info(summaryLine(results, 0, true).replace(/ \(0\.0s\)$/, ''));
  if (t.failed.length > 0) {
    const { style } = ctx.output;
    ctx.output.info(style.red(`the plan of ${t.failed.length} step${t.failed.length === 1 ? '' : 's'} failed; ${t.failed.length === 1 ? 'it' : 'they'} and what depends on ${t.failed.length === 1 ? 'it' : 'them'} will not be applied:`));
    for (const f of t.failed) ctx.output.info(`  ${f.step}: ${f.error?.code}: ${f.error?.message}`);
  }
  // Before anything billable is created: what it will cost by the hour.
  if (mode === 'plan') for (const line of hourlyCostLines(results.flatMap((r) => r.changes), plan.config, plan.session.names.region)) ctx.output.info(line);
  const asked = t.failed.length > 0 ? `${question.replace(/\?$/, '')} (only the steps whose plan succeeded)?` : question;
  if (await ask(asked)) return { go: true, confirmed, planned: results };
  return { go: false, cancelled: true, planned: results };
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
  const stillDeleting = results.flatMap((r) => r.stillDeleting ?? []);
  if (stillDeleting.length > 0) {
    const waiting = results.filter((r) => r.status === 'skipped').map((r) => r.step);
    output.info(`still being deleted: ${stillDeleting.join('; ')}.`);
    output.info(`not deleted yet, since ${waiting.length === 1 ? 'it is' : 'they are'} used until then: ${waiting.join(', ') || 'nothing'}. Run \`abalone-pipeline destroy\` again to finish the job: it waits until these are gone, then deletes the rest.`);
  }
  if (t.failed.length > 0) {
    output.info(output.style.red(`${t.failed.length} step${t.failed.length === 1 ? '' : 's'} failed:`));
    for (const f of t.failed) output.info(`  ${f.step}: ${f.error?.code}: ${f.error?.message}`);
    return EXIT.failed;
  }
  return EXIT.ok;
}
