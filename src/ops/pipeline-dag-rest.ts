import { AirflowRestError, type AirflowRestApi } from '../aws/airflow-rest.js';
import type { TaskStateRow } from '../engine/run-types.js';
import { ToolError } from '../base/errors.js';
import type { DagDriver, UnpauseOutcome } from './dag-driver.js';
import { DAG_ID, type DagRunRow, type ImportError } from './pipeline-dag.js';

/**
 * The pipeline DAG on Airflow 3, through MWAA's InvokeRestApi and Airflow's REST API v2: the same
 * operations and row types as `PipelineDag` (the Airflow 2.10 CLI endpoint), so run.ts and runs.ts
 * can use either (`DagDriver`, ops/dag-driver.ts).
 *
 * Every path, parameter and field is the OpenAPI spec of the v2 client, apache/airflow-client-python
 * tag 3.0.2 (`spec/v2.yaml`, commit d71f13a738cb4752517f66a568f416e4541b377c; paths there carry the
 * `/api/v2` prefix, which InvokeRestApi's `Path` leaves out), checked unchanged for these calls at
 * tag 3.2.1 (where `order_by` became an array: one value is still accepted):
 *
 * | operation    | call (operationId)                                                       | answer (schema)                |
 * |--------------|--------------------------------------------------------------------------|--------------------------------|
 * | importErrors | GET /importErrors ?limit&offset (get_import_errors)                      | ImportErrorCollectionResponse  |
 * | unpause      | GET /dags/{dag_id} (get_dag), then PATCH /dags/{dag_id} {is_paused:false} (patch_dag, DAGPatchBody) | DAGResponse |
 * | trigger      | POST /dags/{dag_id}/dagRuns (trigger_dag_run, TriggerDAGRunPostBody)      | DAGRunResponse                 |
 * | listRuns     | GET /dags/{dag_id}/dagRuns ?order_by=-run_after&limit (get_dag_runs)      | DAGRunCollectionResponse       |
 * | taskStates   | POST /dags/~/dagRuns/~/taskInstances/list {dag_ids, dag_run_ids, page_limit, page_offset} (get_task_instances_batch, TaskInstancesBatchBody) | TaskInstanceCollectionResponse |
 *
 * InvokeRestApi's `Path` is at most 64 characters, so no call puts a run id in the path:
 * `/dags/abalone_pipeline/dagRuns/manual__2026-10-01T12:00:00.123456+00:00/taskInstances` would be
 * 85; the batch route (both path ids are the constant `~` in the spec) is 36. Pages are bounded
 * (InvokeRestApi fails on answers over 6 MB) and followed by `total_entries`.
 */

/** A row of `GET /dags/{dag_id}/dagRuns`: `DagRunRow` plus what v2 says about the run's kind and timing. */
export interface RestDagRunRow extends DagRunRow {
  /** DAGRunResponse.run_type: backfill | scheduled | manual | asset_triggered (3.2: asset_materialization). */
  readonly runType: string;
  /** DAGRunResponse.run_after (required): when the run was due. */
  readonly runAfter: string;
  /** DAGRunResponse.logical_date: null for runs triggered without one (Airflow 3). */
  readonly logicalDate: string | null;
}

/** DAGResponse (3.0.2), the fields read here. */
interface DagResponse {
  readonly dag_id: string;
  readonly is_paused: boolean;
  readonly is_stale: boolean;
  readonly has_import_errors: boolean;
  readonly next_dagrun_run_after?: string | null;
}

/** DAGRunResponse (3.0.2), the fields read here; required: dag_run_id, dag_id, run_after, run_type, state, dag_versions. */
interface DagRunResponse {
  readonly dag_run_id: string;
  readonly dag_id: string;
  readonly state: string;
  readonly run_type: string;
  readonly run_after: string;
  readonly logical_date?: string | null;
  readonly start_date?: string | null;
  readonly end_date?: string | null;
}

/** TaskInstanceResponse (3.0.2), the fields read here; `state` is a TaskInstanceState or null ("no status"). */
interface TaskInstanceResponse {
  readonly task_id: string;
  readonly dag_run_id: string;
  readonly map_index: number;
  readonly state?: string | null;
  readonly start_date?: string | null;
  readonly end_date?: string | null;
}

/** ImportErrorResponse (3.0.2): filename is relative to the DAG bundle on Airflow 3. */
interface ImportErrorResponse {
  readonly import_error_id: number;
  readonly timestamp: string;
  readonly filename: string;
  readonly bundle_name?: string | null;
  readonly stack_trace: string;
}

/** Runs listed per call: newest first, far below 6 MB (a DAGRunResponse is about 1 KB plus its conf). */
export const RUNS_LIMIT = 50;
/** Page size of the task-instance and import-error lists (TaskInstancesBatchBody.page_limit defaults to 100). */
export const PAGE_SIZE = 100;
/** Pages read at most per list (import errors of the whole environment, task instances of one run). */
const MAX_PAGES = 20;

/** Airflow's `[scheduler] allowed_run_id_pattern` default (config reference): what a dag_run_id we choose must match. */
export const ALLOWED_RUN_ID = /^[A-Za-z0-9_.~:+-]+$/;

const orNull = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

export interface RestPipelineDagOptions {
  /** Now, for tests. */
  readonly now?: () => number;
  /** The random part of a dag_run_id, for tests. */
  readonly randomSuffix?: () => string;
}

export class RestPipelineDag implements DagDriver {
  constructor(
    private readonly api: AirflowRestApi,
    readonly dagId = DAG_ID,
    private readonly options: RestPipelineDagOptions = {},
  ) {}

  private get dagPath(): string {
    return `/dags/${encodeURIComponent(this.dagId)}`;
  }

  /** GET /importErrors: every page (`total_entries`), as `{filepath: filename, error: stack_trace}`. */
  async importErrors(): Promise<ImportError[]> {
    const rows: ImportError[] = [];
    for (let page = 0; page < MAX_PAGES; page++) {
      const { body } = await this.api.request<{ import_errors?: ImportErrorResponse[]; total_entries?: number }>('GET', '/importErrors', {
        query: { limit: PAGE_SIZE, offset: page * PAGE_SIZE },
      });
      const errors = body?.import_errors ?? [];
      rows.push(...errors.map((e) => ({ filepath: String(e.filename ?? ''), error: String(e.stack_trace ?? '') })));
      if (errors.length < PAGE_SIZE || rows.length >= (body?.total_entries ?? 0)) break;
    }
    return rows;
  }

  /** Unpauses the DAG; true when it was paused. */
  async unpause(): Promise<boolean> {
    return (await this.unpauseForRun()).wasPaused;
  }

  /**
   * GET /dags/{dag_id}; when `is_paused`, PATCH /dags/{dag_id} `{"is_paused": false}` (DAGPatchBody:
   * its only field, required). The scheduler creates a scheduled run for a DAG that is unpaused, not
   * stale, without import errors and whose `next_dagrun_create_after` (DAGResponse
   * `next_dagrun_run_after`) is not in the future (DagModel.dags_needing_dagruns); for this DAG
   * (@daily, catchup=False) unpausing therefore starts today's run at once. Read from the PATCH
   * answer, that decides the outcome without waiting (dag-driver.ts).
   */
  async unpauseForRun(): Promise<UnpauseOutcome> {
    const before = await this.dagRequest<DagResponse>('GET', this.dagPath);
    if (!before.is_paused) return { wasPaused: false, scheduledRun: 'none', nextRunAfter: orNull(before.next_dagrun_run_after) };
    const after = await this.dagRequest<DagResponse>('PATCH', this.dagPath, { body: { is_paused: false } });
    const nextRunAfter = orNull(after?.next_dagrun_run_after) ?? orNull(before.next_dagrun_run_after);
    const now = (this.options.now ?? Date.now)();
    const due = nextRunAfter !== null && Date.parse(nextRunAfter) <= now;
    const schedulable = after?.is_stale !== true && after?.has_import_errors !== true;
    return { wasPaused: true, scheduledRun: due && schedulable ? 'starts-now' : 'none', nextRunAfter };
  }

  /**
   * POST /dags/{dag_id}/dagRuns with TriggerDAGRunPostBody `{dag_run_id, logical_date: null, conf}`.
   * `logical_date` has no default in the server model (required but nullable on 3.x): null makes a
   * manual run without a logical date. The run id is ours (`manual__<now ISO>_<random>`, within
   * `allowed_run_id_pattern`), so a POST the SDK retried after a lost answer meets 409 Conflict for
   * its own run, which is then read back instead of starting a second one.
   */
  async trigger(conf: Record<string, unknown> | undefined): Promise<{ runId: string; state: string }> {
    const runId = this.newRunId();
    try {
      const run = await this.dagRequest<DagRunResponse>('POST', `${this.dagPath}/dagRuns`, { body: { dag_run_id: runId, logical_date: null, conf: conf ?? {} } });
      return { runId: typeof run?.dag_run_id === 'string' ? run.dag_run_id : runId, state: typeof run?.state === 'string' ? run.state : 'queued' };
    } catch (error) {
      if (error instanceof AirflowRestError && error.status === 409) {
        const existing = (await this.listRuns()).find((r) => r.runId === runId);
        if (existing) return { runId, state: existing.state };
      }
      throw error;
    }
  }

  /**
   * GET /dags/{dag_id}/dagRuns `?order_by=-run_after&limit=<limit>`: the newest runs first (a run
   * just triggered has the latest run_after). `executionDate` is `logical_date ?? run_after`
   * (v2 has no execution_date; a manual run without a logical date has only run_after).
   */
  async listRuns(limit = RUNS_LIMIT): Promise<RestDagRunRow[]> {
    const body = await this.dagRequest<{ dag_runs?: DagRunResponse[] }>('GET', `${this.dagPath}/dagRuns`, { query: { order_by: '-run_after', limit } });
    return (body?.dag_runs ?? []).map((r) => ({
      runId: String(r.dag_run_id),
      state: String(r.state ?? ''),
      executionDate: String(r.logical_date ?? r.run_after ?? ''),
      start: orNull(r.start_date),
      end: orNull(r.end_date),
      runType: String(r.run_type ?? ''),
      runAfter: String(r.run_after ?? ''),
      logicalDate: orNull(r.logical_date),
    }));
  }

  /**
   * POST /dags/~/dagRuns/~/taskInstances/list with TaskInstancesBatchBody `{dag_ids: [dag],
   * dag_run_ids: [run], page_limit, page_offset}`: the run's task instances without its id in the
   * path (InvokeRestApi's 64-character `Path`). An unknown run gives no rows, as the CLI does.
   */
  async taskStates(runId: string): Promise<TaskStateRow[]> {
    const rows: TaskStateRow[] = [];
    for (let page = 0; page < MAX_PAGES; page++) {
      const { body } = await this.api.request<{ task_instances?: TaskInstanceResponse[]; total_entries?: number }>('POST', '/dags/~/dagRuns/~/taskInstances/list', {
        body: { dag_ids: [this.dagId], dag_run_ids: [runId], page_limit: PAGE_SIZE, page_offset: page * PAGE_SIZE },
      });
      const instances = (body?.task_instances ?? []).filter((t) => t.dag_run_id === undefined || t.dag_run_id === runId);
      rows.push(...instances.map((t) => ({ taskId: String(t.task_id), state: orNull(t.state), start: orNull(t.start_date), end: orNull(t.end_date) })));
      if ((body?.task_instances ?? []).length < PAGE_SIZE || rows.length >= (body?.total_entries ?? 0)) break;
    }
    return rows;
  }

  /** A call about the DAG itself: Airflow's 404 is `DagNotFound`, as PipelineDag reports a DAG the CLI does not know. */
  private async dagRequest<T>(method: 'GET' | 'PATCH' | 'POST', path: string, options: { query?: Record<string, string | number>; body?: Record<string, unknown> } = {}): Promise<T> {
    try {
      return (await this.api.request<T>(method, path, options)).body;
    } catch (error) {
      if (error instanceof AirflowRestError && error.status === 404) throw dagNotFound(this.dagId);
      throw error;
    }
  }

  private newRunId(): string {
    const now = new Date((this.options.now ?? Date.now)()).toISOString();
    const suffix = (this.options.randomSuffix ?? randomSuffix)();
    const runId = `manual__${now}_${suffix}`;
    if (!ALLOWED_RUN_ID.test(runId)) throw new ToolError('InvalidRunId', `internal: the run id ${runId} does not match Airflow's allowed_run_id_pattern`);
    return runId;
  }
}

function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 10).padEnd(8, '0');
}

/** The error PipelineDag gives for a DAG Airflow does not know (ops/pipeline-dag.ts `failure`), word for word. */
export function dagNotFound(dagId: string): ToolError {
  return new ToolError('DagNotFound', `Airflow does not know the DAG ${dagId} (yet): it parses new DAG files within a few minutes of \`push-dags\`; if this persists, check \`abalone-pipeline run\` for an import error`);
}
