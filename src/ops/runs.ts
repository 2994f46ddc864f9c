import { environmentProblem } from '../aws/airflow-cli.js';
import type { Clients } from '../aws/clients.js';
import { getEnvironment } from '../aws/mwaa-environment.js';
import type { Names } from '../engine/names.js';
import type { OpContext } from './context.js';
import type { DagRunRow } from './pipeline-dag.js';
import { openPipelineDag } from './run.js';
import { newestRunRecords, type RunRecord } from '../aws/run-records.js';
import type { Decision, RunSummary } from '../engine/run-types.js';
import type { RunTiming } from '../engine/timing.js';

export type { RunSummary } from '../engine/run-types.js';

export interface RunsResult {
  readonly runs: RunSummary[];
  /** Why Airflow's own list was not joined (the environment is parked, missing, private...). */
  readonly airflowUnavailable?: string;
}

function fromRecord(record: RunRecord, airflow: DagRunRow | undefined): RunSummary {
  return {
    runId: record.runId,
    // A record is written by the run's record_run task, so the run got that far: success unless Airflow says otherwise.
    state: airflow?.state ?? 'success',
    start: record.start,
    end: record.end,
    decision: record.decision,
    rmse: record.rmse,
    threshold: record.threshold,
    endpoint: record.endpoint,
    dataFiles: record.dataFiles.length,
    rows: record.rows,
  };
}

function fromAirflow(run: DagRunRow): RunSummary {
  // Every run that reaches a decision writes a record; a successful run without one short-circuited.
  const decision: Decision | null = run.state === 'success' ? 'skipped' : null;
  return { runId: run.runId, state: run.state, start: run.start ?? run.executionDate, end: run.end, decision, rmse: null, threshold: null, endpoint: null, dataFiles: null, rows: null };
}

/** The newest `limit` runs: the records in the bucket, joined with Airflow's list while the environment exists. */
export async function listRuns(ctx: OpContext, request: { readonly limit: number }): Promise<RunsResult> {
  const { limit } = request;
  const session = await ctx.openSession();
  const deps = { clients: session.clients, names: session.names, timing: session.timing.run, signal: ctx.signal };
  const [records, airflow] = await Promise.all([newestRunRecords(await deps.clients.s3(), deps.names, limit), airflowRuns(deps)]);
  const byId = new Map((airflow.runs ?? []).map((r) => [r.runId, r]));
  const merged = new Map<string, RunSummary>();
  for (const record of records) merged.set(record.runId, fromRecord(record, byId.get(record.runId)));
  for (const run of airflow.runs ?? []) if (!merged.has(run.runId)) merged.set(run.runId, fromAirflow(run));
  const time = (r: RunSummary) => (r.start ? Date.parse(r.start) || 0 : 0);
  const runs = [...merged.values()].sort((a, b) => time(b) - time(a) || b.runId.localeCompare(a.runId)).slice(0, limit);
  return { runs, ...(airflow.unavailable ? { airflowUnavailable: airflow.unavailable } : {}) };
}

async function airflowRuns(deps: { clients: Clients; names: Names; timing: RunTiming; signal: AbortSignal }): Promise<{ runs?: DagRunRow[]; unavailable?: string }> {
  const environment = await getEnvironment(await deps.clients.mwaa(), deps.names.environment);
  const problem = environmentProblem(deps.names.environment, environment);
  if (problem) return { unavailable: problem.message };
  const { dag } = await openPipelineDag(deps.clients, deps.names, deps.timing, deps.signal);
  return { runs: await dag.listRuns() };
}
