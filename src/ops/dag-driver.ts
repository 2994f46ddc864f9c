import type { TaskStateRow } from '../engine/run-types.js';
import type { DagRunRow, ImportError } from './pipeline-dag.js';

/**
 * What `run`, `runs` and `add-data` need from Airflow for the pipeline's DAG, whichever way Airflow
 * is reached: `PipelineDag` (Airflow 2.10 through MWAA's CLI endpoint, ops/pipeline-dag.ts) and
 * `RestPipelineDag` (Airflow 3 through InvokeRestApi and REST API v2, ops/pipeline-dag-rest.ts)
 * both satisfy it with the same row types.
 */
export interface DagDriver {
  readonly dagId: string;
  importErrors(): Promise<ImportError[]>;
  /** Unpauses the DAG; true when it was paused. */
  unpause(): Promise<boolean>;
  trigger(conf: Record<string, unknown> | undefined): Promise<{ runId: string; state: string }>;
  listRuns(): Promise<DagRunRow[]>;
  taskStates(runId: string): Promise<TaskStateRow[]>;
  /** Unpauses and says whether that makes the scheduler start a run now (drivers that can read the DAG's next run). */
  unpauseForRun?(): Promise<UnpauseOutcome>;
}

/**
 * What unpausing means for a run:
 * - `starts-now`: the DAG was paused and its next scheduled run is due (`next_dagrun_run_after`
 *   is not in the future), so the scheduler creates that run at its next loop: follow it
 *   (`isScheduledRunFor` finds it in `listRuns`) instead of triggering a second one;
 * - `none`: no scheduled run comes now (the DAG was not paused, its next run is in the future or
 *   not planned, or the scheduler would skip it): trigger one at once, waiting for nothing;
 * - `unknown`: the driver cannot tell (the CLI prints no next run): look for a scheduled run for a
 *   bounded time, as run.ts does for Airflow 2.
 */
export type ScheduledRunAfterUnpause = 'starts-now' | 'none' | 'unknown';

export interface UnpauseOutcome {
  readonly wasPaused: boolean;
  readonly scheduledRun: ScheduledRunAfterUnpause;
  /** The DAG's `next_dagrun_run_after` after unpausing (ISO date-time), when the driver knows it. */
  readonly nextRunAfter: string | null;
}

/** Unpauses through `unpauseForRun` when the driver has it, else through `unpause` (outcome `unknown` when it was paused). */
export async function unpauseOutcome(dag: DagDriver): Promise<UnpauseOutcome> {
  if (dag.unpauseForRun) return dag.unpauseForRun();
  const wasPaused = await dag.unpause();
  return { wasPaused, scheduledRun: wasPaused ? 'unknown' : 'none', nextRunAfter: null };
}

/**
 * The scheduled run unpausing started: run type `scheduled` (or a `scheduled__` run id when the
 * row has no type) whose `run_after` is the DAG's `next_dagrun_run_after` as read when unpausing.
 * Rows without `runAfter` (the CLI's) are compared by their execution date.
 */
export function isScheduledRunFor(row: DagRunRow & { readonly runType?: string; readonly runAfter?: string }, nextRunAfter: string): boolean {
  const scheduled = row.runType !== undefined ? row.runType === 'scheduled' : row.runId.startsWith('scheduled__');
  if (!scheduled) return false;
  const when = Date.parse(row.runAfter ?? row.executionDate);
  return Number.isFinite(when) && when === Date.parse(nextRunAfter);
}
