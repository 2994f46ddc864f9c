import { AirflowCli, lastErrorLine, usableEnvironment, type MwaaEnvironment } from '../aws/airflow-cli.js';
import { AirflowRestApi } from '../aws/airflow-rest.js';
import type { Clients } from '../aws/clients.js';
import { isAirflow3 } from '../engine/mwaa-catalog.js';
import { sleep } from '../aws/retry.js';
import { readRunRecord, runRecordKey, type RunRecord } from '../aws/run-records.js';
import { endpointStatus } from '../aws/sagemaker-endpoint.js';
import type { Names } from '../engine/names.js';
import type { RunEvent, RunOutcome, RunResult, TaskStateRow } from '../engine/run-types.js';
import { describeWait, waitTimeoutMs, type RunTiming } from '../engine/timing.js';
import { InterruptedError, ToolError } from '../base/errors.js';
import { registerSecret } from '../output/redact.js';
import type { OpContext } from './context.js';
import { PipelineDag, pipelineImportErrors, type ImportError } from './pipeline-dag.js';
import { RestPipelineDag } from './pipeline-dag-rest.js';
import { isScheduledRunFor, unpauseOutcome, type DagDriver } from './dag-driver.js';

export type { Decision, RunEvent, RunOutcome, RunResult, TaskLog } from '../engine/run-types.js';
export type { RunTiming } from '../engine/timing.js';

export interface RunDeps {
  readonly clients: Clients;
  readonly names: Names;
  readonly timing: RunTiming;
  readonly signal: AbortSignal;
  readonly onEvent: (event: RunEvent) => void;
  readonly env?: NodeJS.ProcessEnv;
}

const TERMINAL_TASK = new Set(['success', 'failed', 'skipped', 'upstream_failed', 'removed']);
const FINISHED_RUN = new Set(['success', 'failed']);
/** Tasks that run before the short-circuit decides; every other task is skipped when nothing is new. */
const BEFORE_DECISION = new Set(['load_config', 'check_new_data']);

export interface OpenDag {
  readonly dag: DagDriver;
  readonly environment: MwaaEnvironment;
  /** How Airflow is reached: `rest` (Airflow 3: InvokeRestApi, REST API v2) or `cli` (Airflow 2: MWAA's CLI endpoint). */
  readonly via: 'rest' | 'cli';
}

/**
 * Checks the environment (exists, AVAILABLE, reachable web server), then the driver for its
 * Airflow version: 3.x through MWAA's InvokeRestApi and Airflow's REST API v2 (`RestPipelineDag`),
 * whose CLI changed and whose CLI support on MWAA is undocumented; 2.x through MWAA's CLI
 * endpoint (`PipelineDag`).
 */
export async function openPipelineDag(clients: Clients, names: Names, timing: RunTiming, signal: AbortSignal): Promise<OpenDag> {
  const mwaa = await clients.mwaa();
  const environment = await usableEnvironment(mwaa, names.environment);
  return { environment, ...dagDriverFor(environment, { mwaa, names, endpointUrl: clients.endpoint('mwaa'), timing, signal }) };
}

/** The driver for an environment, by its AirflowVersion (no call made here). */
export function dagDriverFor(
  environment: MwaaEnvironment,
  deps: { mwaa: Awaited<ReturnType<Clients['mwaa']>>; names: Names; endpointUrl: string | undefined; timing: RunTiming; signal: AbortSignal },
): { dag: DagDriver; via: 'rest' | 'cli' } {
  if (isAirflow3(environment.AirflowVersion)) {
    const api = new AirflowRestApi({
      mwaa: deps.mwaa,
      environment: deps.names.environment,
      ...(environment.Arn ? { environmentArn: environment.Arn } : {}),
      signal: deps.signal,
      requestTimeoutMs: deps.timing.cli.requestTimeoutMs,
    });
    return { dag: new RestPipelineDag(api), via: 'rest' };
  }
  const cli = new AirflowCli({ mwaa: deps.mwaa, environment: deps.names.environment, endpointUrl: deps.endpointUrl, timing: deps.timing.cli, signal: deps.signal, registerSecret });
  return { dag: new PipelineDag(cli), via: 'cli' };
}

function importErrorStop(errors: readonly ImportError[]): void {
  const ours = pipelineImportErrors(errors);
  if (ours.length === 0) return;
  const lines = ours.map((e) => `${e.filepath}: ${lastErrorLine(e.error) || e.error.trim()}`);
  throw new ToolError('DagImportError', `Airflow cannot import the pipeline's DAG (an import error, not a run): ${lines.join('; ')}. Fix the file and run \`abalone-pipeline push-dags\``);
}

/**
 * Starts one run: an import error stops here; a paused DAG is unpaused (MWAA creates DAGs
 * paused). When unpausing makes Airflow's scheduler start a run (it does for the latest
 * interval, even with catchup=False), that run is followed instead of triggering a second one:
 * - a driver that reads the DAG's next run (Airflow 3, `unpauseForRun`) says so at once: `starts-now`
 *   looks for that run (`isScheduledRunFor`) for at most the timing's `scheduledRunWaitMs`, `none`
 *   triggers at once, waiting for nothing;
 * - the CLI (`unknown`) looks for a scheduled run for at most the same bound.
 * A run that has not appeared within the bound is not waited for: one is triggered.
 */
export async function startRun(dag: DagDriver, options: { force: boolean; timing: RunTiming; signal: AbortSignal; onEvent: (e: RunEvent) => void }): Promise<{ runId: string; state: string }> {
  importErrorStop(await dag.importErrors());
  const unpausedAt = Date.now();
  const outcome = await unpauseOutcome(dag);
  if (outcome.wasPaused) {
    options.onEvent({ kind: 'notice', message: `DAG ${dag.dagId} was paused (MWAA creates DAGs paused): unpaused it` });
  }
  const scheduled =
    outcome.scheduledRun === 'starts-now' && outcome.nextRunAfter !== null
      ? await scheduledRunFor(dag, outcome.nextRunAfter, options)
      : outcome.scheduledRun === 'unknown'
        ? await scheduledRunAfterUnpause(dag, unpausedAt, options)
        : undefined;
  if (scheduled) {
    if (options.force) {
      options.onEvent({ kind: 'notice', message: `unpausing started the scheduled run ${scheduled.runId}; following it instead of starting a second run (it has no force in its conf: if it skips, run \`abalone-pipeline run --force\` again)` });
    } else {
      options.onEvent({ kind: 'notice', message: `unpausing started the scheduled run ${scheduled.runId}: following it instead of starting a second run` });
    }
    options.onEvent({ kind: 'started', runId: scheduled.runId, state: scheduled.state, how: 'scheduled' });
    return scheduled;
  }
  const run = await dag.trigger(options.force ? { force: true } : undefined);
  options.onEvent({ kind: 'started', runId: run.runId, state: run.state, how: 'triggered' });
  return run;
}

/** The scheduled run for `nextRunAfter` (Airflow 3), looked for at most `scheduledRunWaitMs`. */
async function scheduledRunFor(dag: DagDriver, nextRunAfter: string, options: { timing: RunTiming; signal: AbortSignal }) {
  const until = Date.now() + options.timing.scheduledRunWaitMs;
  for (;;) {
    const found = (await dag.listRuns()).find((r) => isScheduledRunFor(r, nextRunAfter));
    if (found) return { runId: found.runId, state: found.state };
    if (Date.now() >= until) return undefined;
    await sleep(options.timing.pollMs, options.signal);
  }
}

/** A scheduled run started about when the DAG was unpaused (the CLI cannot say whether one comes), looked for at most `scheduledRunWaitMs`. */
async function scheduledRunAfterUnpause(dag: DagDriver, unpausedAt: number, options: { timing: RunTiming; signal: AbortSignal }) {
  const until = Date.now() + options.timing.scheduledRunWaitMs;
  for (;;) {
    const runs = await dag.listRuns();
    const found = runs.find(
      (r) => r.runId.startsWith('scheduled__') && (r.state === 'queued' || r.state === 'running' || (r.start !== null && Date.parse(r.start) >= unpausedAt - 60_000)),
    );
    if (found) return { runId: found.runId, state: found.state };
    if (Date.now() >= until) return undefined;
    await sleep(options.timing.pollMs, options.signal);
  }
}

/** Follows a run until it ends: one event per task state change, bounded by ABALONE_WAIT_TIMEOUT. */
export async function followRun(open: OpenDag, runId: string, deps: RunDeps): Promise<RunOutcome> {
  const { dag } = open;
  const timeoutMs = waitTimeoutMs(deps.timing.followTimeoutMs, deps.env);
  const deadline = Date.now() + timeoutMs;
  const seen = new Map<string, string | null>();
  let tasks: TaskStateRow[] = [];
  let runState = 'queued';
  try {
    for (let poll = 0; ; poll++) {
      tasks = await dag.taskStates(runId);
      for (const task of tasks) {
        if (task.state !== null && seen.get(task.taskId) !== task.state) deps.onEvent({ kind: 'task', task, at: new Date() });
        seen.set(task.taskId, task.state);
      }
      deps.onEvent({ kind: 'running', taskIds: tasks.filter((t) => t.state === 'running').map((t) => t.taskId) });
      const allDone = tasks.length > 0 && tasks.every((t) => t.state !== null && TERMINAL_TASK.has(t.state));
      // The run's own state decides the end (Airflow sets it from its leaf tasks); it is read
      // when every task has ended, and now and then meanwhile (a dagrun_timeout ends a run too).
      if (allDone || poll % 6 === 5) {
        const run = (await dag.listRuns()).find((r) => r.runId === runId);
        if (run) runState = run.state;
        if (run && FINISHED_RUN.has(run.state)) {
          if (!allDone) tasks = await dag.taskStates(runId);
          break;
        }
      }
      if (Date.now() >= deadline) {
        throw new ToolError('WaitTimeout', `gave up following run ${runId} after ${describeWait(timeoutMs)} (still ${runState}); the run goes on in Airflow: \`abalone-pipeline runs\` shows how it ends`);
      }
      await sleep(deps.timing.pollMs, deps.signal);
    }
  } catch (error) {
    if (deps.signal.aborted || error instanceof InterruptedError) {
      throw new InterruptedError(`stopped following run ${runId}; the run goes on in Airflow: \`abalone-pipeline runs\` shows how it ends`);
    }
    throw error;
  }
  return finish(open, runId, runState, tasks, deps);
}

/** `skipped`: check_new_data succeeded and short-circuited every later task (docs/runs.md, "What the DAG does with new data"). */
export function isSkipped(tasks: readonly TaskStateRow[]): boolean {
  const check = tasks.find((t) => t.taskId === 'check_new_data');
  const later = tasks.filter((t) => !BEFORE_DECISION.has(t.taskId));
  return check?.state === 'success' && later.length > 0 && later.every((t) => t.state === 'skipped');
}

async function finish(open: OpenDag, runId: string, state: string, tasks: TaskStateRow[], deps: RunDeps): Promise<RunOutcome> {
  if (state !== 'success') {
    const failed = tasks.filter((t) => t.state === 'failed').sort((a, b) => (a.end ?? '').localeCompare(b.end ?? ''));
    return { runId, state, tasks, result: null, failed: failed.map((t) => ({ taskId: t.taskId, where: taskLogWhere(open.environment, deps, runId, t.taskId) })) };
  }
  if (isSkipped(tasks)) {
    return { runId, state, tasks, failed: [], result: { decision: 'skipped', rmse: null, threshold: null, endpoint: null, endpointStatus: null, dataFiles: null, rows: null } };
  }
  const record = await readRunRecord(await deps.clients.s3(), deps.names, runId);
  if (!record) {
    return { runId, state, tasks, failed: [], result: null, missingRecord: `s3://${deps.names.bucket}/${runRecordKey(deps.names, runId)}` };
  }
  return { runId, state, tasks, failed: [], result: await resultOf(record, deps) };
}

async function resultOf(record: RunRecord, deps: Pick<RunDeps, 'clients'>): Promise<RunResult> {
  let status: string | null = null;
  if (record.decision === 'deployed' && record.endpoint) {
    try {
      status = (await endpointStatus(deps.clients, record.endpoint)) ?? 'not found';
    } catch {
      status = 'not found';
    }
  }
  return {
    decision: record.decision,
    rmse: record.rmse,
    threshold: record.threshold,
    endpoint: record.endpoint,
    endpointStatus: status,
    dataFiles: record.dataFiles.length,
    rows: record.rows,
  };
}

/**
 * Where a task's log is, the same on AWS and on the local endpoint: MWAA sends task logs to the
 * CloudWatch Logs group of the environment's TaskLogs module (`airflow-<env>-Task`), one stream
 * per attempt, named by Airflow's log_filename_template with every ':' made '_' (the Amazon
 * provider's CloudwatchTaskHandler, which MWAA's TaskLogHandler extends:
 * aws/amazon-mwaa-docker-images images/airflow/2.10.3/python/mwaa/logging/cloudwatch_handlers.py).
 * Airflow's CLI does not report a task's try number, so the attempt is left for the reader.
 */
export function taskLogWhere(environment: MwaaEnvironment, deps: Pick<RunDeps, 'names'>, runId: string, taskId: string): string {
  const stream = `dag_id=abalone_pipeline/run_id=${runId}/task_id=${taskId}/`.replace(/:/g, '_');
  const taskLogs = environment.LoggingConfiguration?.TaskLogs;
  if (taskLogs && taskLogs.Enabled === false) return `nowhere in CloudWatch Logs: the environment ${deps.names.environment} does not send task logs (TaskLogs disabled)`;
  const arn = taskLogs?.CloudWatchLogGroupArn;
  const group = arn?.split(':log-group:')[1]?.replace(/:\*$/, '') ?? `airflow-${deps.names.environment}-Task`;
  return `CloudWatch Logs group ${group}, stream ${stream}attempt=<n>.log (n: its last attempt)`;
}

export interface RunRequest {
  /** Retrain even when no data is new (run conf `{"force": true}`). */
  readonly force: boolean;
  /** Follow the run to its end; false returns once it is started. */
  readonly follow: boolean;
  /** Each task state change, notice and start, as it happens (the command renders them). */
  readonly onEvent: (event: RunEvent) => void;
  /** Where ABALONE_WAIT_TIMEOUT is read (default: process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

/** `run`: start a run and (unless follow is false) follow it to its end. */
export async function runPipeline(ctx: OpContext, request: RunRequest): Promise<RunOutcome> {
  const session = await ctx.openSession();
  const deps: RunDeps = {
    clients: session.clients,
    names: session.names,
    timing: session.timing.run,
    signal: ctx.signal,
    onEvent: request.onEvent,
    ...(request.env ? { env: request.env } : {}),
  };
  const options = request;
  const open = await openPipelineDag(deps.clients, deps.names, deps.timing, deps.signal);
  const started = await startRun(open.dag, { force: options.force, timing: deps.timing, signal: deps.signal, onEvent: deps.onEvent });
  if (!options.follow) return { runId: started.runId, state: started.state, tasks: [], result: null, failed: [] };
  return followRun(open, started.runId, deps);
}
