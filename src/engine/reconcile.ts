import { InterruptedError, ToolError, errorMessage, errorName } from '../errors.js';
import { runGraph } from './scheduler.js';
import { record } from './types.js';
import { runMemo, type ChangeRecord, type ProgressEvent, type ResourceState, type Step, type StepContext, type StepName } from './types.js';

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

export interface ReconcileOptions {
  readonly mode: ReconcileMode;
  readonly onEvent: (event: EngineEvent) => void;
}

/** Runs the steps through the scheduler (backwards for destroy) and reports every change. */
export async function reconcile(steps: readonly Step[], base: BaseContext, options: ReconcileOptions): Promise<StepResult[]> {
  const { mode, onEvent } = options;
  const destroying = mode === 'destroy' || mode === 'destroy-plan';
  const applying = mode === 'apply' || mode === 'destroy';
  const ctx: StepContext = { ...base, memo: runMemo(), progress: onEvent };
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
    const planned = destroying ? await step.planDestroy(ctx) : await step.plan(ctx);
    const done: ChangeRecord[] = [];
    partial.set(step.name, done);
    for (const change of planned) {
      if (applying) {
        if (base.signal.aborted) throw new InterruptedError(`interrupted before: ${change.action} ${change.resource}`);
        await change.apply();
      }
      done.push(record(change));
      onEvent({ kind: 'change', step: step.name, change: record(change), planned: !applying });
    }
    const result: StepResult = { step: step.name, status: done.length > 0 ? 'changed' : 'unchanged', changes: done };
    onEvent({ kind: 'step-finished', result });
    return result;
  };

  const outcomes = await runGraph(steps, runStep, {
    reverse: destroying,
    signal: base.signal,
    onSkip: (name, because) =>
      onEvent({ kind: 'step-finished', result: { step: name as StepName, status: 'skipped', changes: [], because } }),
  });

  return outcomes.map((outcome) => {
    if (outcome.state === 'done') return outcome.result!;
    const step = outcome.name as StepName;
    if (outcome.state === 'skipped') return { step, status: 'skipped', changes: [], because: outcome.because };
    return (outcome.error as { result: StepResult }).result;
  });
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
