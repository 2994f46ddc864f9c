import { planToConfirm, reconcile, type ConfirmedPlan, type ReconcileMode, type StepResult } from '../engine/reconcile.js';
import type { PipelineConfig } from '../engine/config.js';
import type { Step } from '../engine/types.js';
import { EXIT } from '../base/errors.js';
import { RunReporter, runDocument, summaryLine, totals } from '../output/run-report.js';
import { timelineRecorder } from '../output/timeline.js';
import { hourlyCostLines } from '../engine/cost.js';
import type { Session } from '../engine/session.js';
import type { OpContext } from './context.js';

export interface RunPlan {
  readonly steps: readonly Step[];
  readonly session: Session;
  readonly config: PipelineConfig;
}

/**
 * The reconcile runs of `up`, `destroy` and `park` (and `status`'s steps): what the command
 * parsed and asked goes in; the steps run and render as they go; the command gets the results
 * and the exit code they call for.
 */
export interface StepsRequest {
  readonly plan: RunPlan;
  readonly mode: ReconcileMode;
  /** In an apply mode after the user said yes: apply exactly these changes. */
  readonly confirmed?: ConfirmedPlan;
}

/**
 * Runs the steps in one mode and renders as it goes; returns the results. With `confirmed`
 * (an apply mode after the user said yes), applies exactly the confirmed changes.
 */
export async function runSteps(ctx: OpContext, request: StepsRequest): Promise<StepResult[]> {
  const { plan, mode, confirmed } = request;
  return rendered(ctx, mode, (onEvent) => reconcile(plan.steps, baseContext(ctx, plan), { mode, onEvent, confirmed }));
}

function baseContext(ctx: OpContext, plan: RunPlan) {
  return { names: plan.session.names, config: plan.config, clients: plan.session.clients, timing: plan.session.timing, signal: ctx.signal };
}

async function rendered<T>(ctx: OpContext, mode: ReconcileMode, work: (onEvent: RunReporter['onEvent']) => Promise<T>): Promise<T> {
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
export interface ConfirmRequest {
  readonly plan: RunPlan;
  readonly mode: 'plan' | 'destroy-plan';
  readonly question: string;
  /** Asks the command's question (given the question, failures noted): yes/no, or a typed name. */
  readonly ask: (question: string) => Promise<boolean>;
}

export async function confirmPlan(ctx: OpContext, request: ConfirmRequest): Promise<Decision> {
  const { plan, mode, question, ask } = request;
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

export interface FinishRequest {
  readonly plan: RunPlan;
  readonly results: StepResult[];
  /** Date.now() when the command started (the summary's duration). */
  readonly startedAt: number;
  readonly dryRun: boolean;
}

/** Human summary or JSON document, and the exit code the results call for. */
export function finish(ctx: OpContext, request: FinishRequest): number {
  const { plan, results, startedAt, dryRun } = request;
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
