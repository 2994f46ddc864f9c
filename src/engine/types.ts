import type { SessionClients } from './clients.js';
import type { PipelineConfig } from './config.js';
import type { Names } from './names.js';
import type { TimingProfile } from './timing.js';

export const STEP_NAMES = [
  'ensure-bucket',
  'upload-data',
  'upload-airflow',
  'ensure-roles',
  'ensure-glue',
  'ensure-lambda',
  'ensure-codebuild',
  'ensure-parameters',
  'ensure-vpc',
  'ensure-mwaa',
  'attach-policies',
  'model-endpoint',
] as const;
export type StepName = (typeof STEP_NAMES)[number];

export type ChangeAction = 'create' | 'update' | 'delete' | 'upload';

/** A change as reported: what happens to which resource. */
export interface ChangeRecord {
  readonly action: ChangeAction;
  readonly resource: string;
  readonly detail: string;
}

/**
 * What a change reports when it only requested something AWS finishes later (`destroy --no-wait`):
 * what is still being deleted. Whatever that depends on waits for a later run.
 */
export interface StillDeleting {
  readonly stillDeleting: string;
}

/** A planned change that knows how to apply itself. */
export interface Change extends ChangeRecord {
  apply(): Promise<void | StillDeleting>;
}

/** `parked`: removed by `park` on purpose (billed by the hour while idle); `up` recreates it. */
export type ResourceStateName = 'ok' | 'missing' | 'drift' | 'creating' | 'updating' | 'deleting' | 'failed' | 'parked';

export interface ResourceState {
  readonly type: string;
  readonly id: string;
  readonly state: ResourceStateName;
  readonly detail: string;
}

/** Progress a step reports while it works; the renderer decides how it looks. */
export type ProgressEvent =
  | { readonly kind: 'waiting'; readonly step: string; readonly message: string }
  | { readonly kind: 'wait-done'; readonly step: string }
  | { readonly kind: 'notice'; readonly step: string; readonly message: string };

/** A typed key into a run's memo; the description says what its value is. */
export class MemoKey<T> {
  declare private readonly valueType: T;
  constructor(readonly description: string) {}
}

/**
 * What a step of one run learned that a later step of the same run may reuse instead of reading
 * it again. One memo per reconcile run, in its StepContext: nothing outlives the run.
 */
export interface RunMemo {
  get<T>(key: MemoKey<T>): T | undefined;
  set<T>(key: MemoKey<T>, value: T): void;
}

export function runMemo(): RunMemo {
  const values = new Map<MemoKey<unknown>, unknown>();
  return {
    get: <T>(key: MemoKey<T>) => values.get(key) as T | undefined,
    set: (key, value) => void values.set(key, value),
  };
}

export interface StepContext {
  readonly names: Names;
  readonly config: PipelineConfig;
  readonly clients: SessionClients;
  /** Every delay and wait bound, chosen once for the session (AWS or the local endpoint). */
  readonly timing: TimingProfile;
  readonly signal: AbortSignal;
  /** This run's memo (see RunMemo). */
  readonly memo: RunMemo;
  progress(event: ProgressEvent): void;
}

/**
 * One reconcile step: it reads the current state and returns the changes that would make it
 * what `up` builds (an empty list when converged); each change applies itself.
 */
export interface Step {
  readonly name: StepName;
  readonly dependsOn: readonly StepName[];
  plan(ctx: StepContext): Promise<Change[]>;
  status(ctx: StepContext): Promise<ResourceState[]>;
  planDestroy(ctx: StepContext): Promise<Change[]>;
}

export function change(action: ChangeAction, resource: string, detail: string, apply: () => Promise<void | StillDeleting>): Change {
  return { action, resource, detail, apply };
}

export function record(c: ChangeRecord): ChangeRecord {
  return { action: c.action, resource: c.resource, detail: c.detail };
}
