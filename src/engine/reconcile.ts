import { InterruptedError, ToolError, errorMessage, errorName, foreignCode } from '../base/errors.js';
import { runGraph } from './scheduler.js';
import { record } from './types.js';
import { runMemo, type Change, type ChangeRecord, type StillDeleting, type ProgressEvent, type ResourceState, type Step, type StepContext, type StepName } from './types.js';

export type StepStatus = 'changed' | 'unchanged' | 'failed' | 'skipped';

export interface ErrorInfo {
  readonly code: string;
  readonly message: string;
}

export interface StepResult {
  readonly step: StepName;
  readonly status: StepStatus;
  readonly changes: ChangeRecord[];
  readonly error?: ErrorInfo;
  /** For skipped steps: the step whose failure (or the interruption) caused it. */
  readonly because?: string;
  /** `destroy --no-wait`: what this step asked AWS to delete and is still being deleted. */
  readonly stillDeleting?: readonly string[];
}

export type EngineEvent =
  | ProgressEvent
  | { readonly kind: 'step-started'; readonly step: StepName }
  | { readonly kind: 'change'; readonly step: StepName; readonly change: ChangeRecord; readonly planned: boolean }
  | { readonly kind: 'step-finished'; readonly result: StepResult };

/** plan: read and report only; apply: make the changes; destroy/destroy-plan: the same, for deletion. */
export type ReconcileMode = 'plan' | 'apply' | 'destroy-plan' | 'destroy';

/** A StepContext without what each run makes for itself (its memo, its event sink). */
export type BaseContext = Omit<StepContext, 'progress' | 'memo'>;

/**
 * What the user saw and confirmed: each step's planned changes (each knows how to apply itself),
 * or the reason its plan failed. A step absent here was not planned (a dependency's plan failed).
 */
export interface ConfirmedPlan {
  readonly steps: ReadonlyMap<StepName, { readonly changes: readonly Change[] } | { readonly error: ErrorInfo }>;
  /** Points the planning run's progress (what the changes report while they apply) at the applying run. */
  readonly redirect: (onEvent: (event: EngineEvent) => void) => void;
}

export interface ReconcileOptions {
  readonly mode: ReconcileMode;
  readonly onEvent: (event: EngineEvent) => void;
  /**
   * Apply modes: apply these confirmed changes instead of planning again, so that what runs is
   * what was shown. A change that no longer holds (the state moved since the plan) stops its step.
   */
  readonly confirmed?: ConfirmedPlan;
}

/** A confirmed change whose apply failed: what was confirmed, what AWS said, and what to do. */
export class PlanMovedError extends ToolError {
  constructor(change: ChangeRecord, cause: ErrorInfo, rest: number) {
    super(
      foreignCode(cause.code),
      `${change.action} ${change.resource} (as confirmed) failed: ${cause.message.replace(/\.$/, '')}. ` +
        `The state may have moved since the plan: ${rest > 0 ? `the ${rest} later change${rest === 1 ? '' : 's'} of this step ${rest === 1 ? 'was' : 'were'} not applied; ` : ''}` +
        'run the command again to see a fresh plan',
    );
  }
}

/** Runs the steps through the scheduler (backwards for destroy) and reports every change. */
export async function reconcile(steps: readonly Step[], base: BaseContext, options: ReconcileOptions): Promise<StepResult[]> {
  return run(steps, base, options, { progress: options.onEvent });
}

/**
 * Plans (plan or destroy-plan) and keeps what it planned, to be applied later by `reconcile`
 * with `confirmed` exactly as shown, without planning again.
 */
export async function planToConfirm(steps: readonly Step[], base: BaseContext, options: ReconcileOptions): Promise<{ results: StepResult[]; confirmed: ConfirmedPlan }> {
  if (options.mode === 'apply' || options.mode === 'destroy') throw new Error('planToConfirm plans; it does not apply');
  const planned = new Map<StepName, readonly Change[]>();
  const sink: Sink = { progress: options.onEvent, onPlanned: (step, changes) => void planned.set(step, changes) };
  const results = await run(steps, base, options, sink);
  const entries = new Map<StepName, { changes: readonly Change[] } | { error: ErrorInfo }>();
  for (const r of results) {
    if (r.status === 'failed') entries.set(r.step, { error: r.error! });
    else if (r.status !== 'skipped') entries.set(r.step, { changes: planned.get(r.step) ?? [] });
  }
  return { results, confirmed: { steps: entries, redirect: (onEvent) => void (sink.progress = onEvent) } };
}

interface Sink {
  progress: (event: EngineEvent) => void;
  readonly onPlanned?: (step: StepName, changes: readonly Change[]) => void;
}

async function run(steps: readonly Step[], base: BaseContext, options: ReconcileOptions, sink: Sink): Promise<StepResult[]> {
  const { mode, onEvent, confirmed } = options;
  const destroying = mode === 'destroy' || mode === 'destroy-plan';
  const applying = mode === 'apply' || mode === 'destroy';
  confirmed?.redirect(onEvent);
  const ctx: StepContext = { ...base, memo: runMemo(), progress: (event) => sink.progress(event) };
  const partial = new Map<StepName, ChangeRecord[]>();

  const runStep = async (step: Step): Promise<StepResult> => {
    try {
      return await reconcileStep(step);
    } catch (error) {
      const result: StepResult = { step: step.name, status: 'failed', changes: partial.get(step.name) ?? [], error: toErrorInfo(error) };
      onEvent({ kind: 'step-finished', result });
      throw Object.assign(new Error(result.error!.message), { result });
    }
  };

  const reconcileStep = async (step: Step): Promise<StepResult> => {
    onEvent({ kind: 'step-started', step: step.name });
    const planned = applying && confirmed ? confirmedChanges(confirmed, step.name) : destroying ? await step.planDestroy(ctx) : await step.plan(ctx);
    if (!applying) sink.onPlanned?.(step.name, planned);
    const done: ChangeRecord[] = [];
    partial.set(step.name, done);
    const stillDeleting: string[] = [];
    for (const [index, change] of planned.entries()) {
      if (applying) {
        if (base.signal.aborted) throw new InterruptedError(`interrupted before: ${change.action} ${change.resource}`);
        let outcome: void | StillDeleting;
        if (!confirmed) outcome = await change.apply();
        else {
          try {
            outcome = await change.apply();
          } catch (error) {
            // The tool's own diagnoses (a wait that timed out, a failed environment) stand as they are;
            // an AWS refusal of a confirmed call is said in terms of what was confirmed.
            if (error instanceof ToolError) throw error;
            throw new PlanMovedError(change, toErrorInfo(error), planned.length - index - 1);
          }
        }
        if (outcome) {
          stillDeleting.push(outcome.stillDeleting);
          done.push(record(change));
          onEvent({ kind: 'change', step: step.name, change: record(change), planned: false });
          // The step's later changes (what is deleted after it) wait for the next run.
          break;
        }
      }
      done.push(record(change));
      onEvent({ kind: 'change', step: step.name, change: record(change), planned: !applying });
    }
    const result: StepResult = { step: step.name, status: done.length > 0 ? 'changed' : 'unchanged', changes: done, ...(stillDeleting.length > 0 ? { stillDeleting } : {}) };
    onEvent({ kind: 'step-finished', result });
    return result;
  };

  const holding = new Set<string>();
  const skipBecause = (because: string) => (holding.has(because) ? `waiting for ${because} (still deleting)` : because);
  const outcomes = await runGraph(steps, runStep, {
    reverse: destroying,
    signal: base.signal,
    holds: (result) => {
      if (!result.stillDeleting) return false;
      holding.add(result.step);
      return true;
    },
    onSkip: (name, because) =>
      onEvent({ kind: 'step-finished', result: { step: name as StepName, status: 'skipped', changes: [], because: skipBecause(because) } }),
  });

  return outcomes.map((outcome) => {
    if (outcome.state === 'done') return outcome.result!;
    const step = outcome.name as StepName;
    if (outcome.state === 'skipped') return { step, status: 'skipped', changes: [], because: skipBecause(outcome.because!) };
    return (outcome.error as { result: StepResult }).result;
  });
}

function confirmedChanges(confirmed: ConfirmedPlan, step: StepName): readonly Change[] {
  const entry = confirmed.steps.get(step);
  if (!entry) throw new ToolError('NotPlanned', 'not applied: it was not in the confirmed plan');
  if ('error' in entry) throw new ToolError(foreignCode(entry.error.code), `not applied: its plan failed: ${entry.error.message}`);
  return entry.changes;
}

export interface ResourceRow extends ResourceState {
  readonly step: StepName;
}

/** Reads every step's resources concurrently; `status` makes no mutating call. */
export async function inspect(steps: readonly Step[], base: BaseContext, onEvent: (e: ProgressEvent) => void): Promise<ResourceRow[]> {
  const ctx: StepContext = { ...base, memo: runMemo(), progress: onEvent };
  const perStep = await Promise.all(
    steps.map(async (step) => {
      try {
        const states = await step.status(ctx);
        return states.map((s) => ({ step: step.name, ...s }));
      } catch (error) {
        const info = toErrorInfo(error);
        return [{ step: step.name, type: 'step', id: step.name, state: 'failed' as const, detail: `${info.code}: ${info.message}` }];
      }
    }),
  );
  return perStep.flat();
}

export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof ToolError) return { code: error.code, message: error.message };
  return { code: errorName(error), message: errorMessage(error) };
}
