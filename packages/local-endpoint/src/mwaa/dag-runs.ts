/**
 * What Airflow's metadata database and scheduler hold for one emulated environment: the DAGs the
 * local DAG runner parses from the environment's DAG folder, their paused flags, their import
 * errors, and their runs (state and scheduling), each executed by the runner's `run` subcommand:
 * the process is runner-process.ts, the shipping of task logs task-logs.ts.
 * Behaviour and sources: docs/mwaa-emulator.md, "Airflow CLI".
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvConfig } from './config.js';
import type { DagFolder } from './dag-folder.js';
import type { DagInfo, DagRun, ImportError, RunnerSetup, RunState, TaskState } from './dag-run-types.js';
import { parseDags, runnerEnv, spawnRun, stopRunner } from './runner-process.js';
import { runIdProblem, runLogDir } from './run-ids.js';
import { shipTaskLogs } from './task-logs.js';

export type { DagInfo, DagRun, ImportError, RunnerSetup, RunState, TaskState } from './dag-run-types.js';

/** An Airflow error the CLI reports on stderr: `SystemExit(message)` or an exception's last line. */
export class AirflowCliError extends Error {}

/** A schedule the endpoint cannot turn into a run: reported as unsupported, not silently ignored. */
export class UnsupportedSchedule extends Error {}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The preset schedules whose intervals the endpoint computes (cron equivalents included). */
const INTERVALS: Record<string, number> = { '@daily': DAY, '0 0 * * *': DAY, '@hourly': HOUR, '0 * * * *': HOUR };

/** Python's `datetime.isoformat()` of a UTC instant: `2026-12-01T10:00:00+00:00`, microseconds only when non-zero. */
export function pyIso(ms: number): string {
  const d = new Date(ms);
  const base = d.toISOString().slice(0, 19);
  const frac = d.getUTCMilliseconds() ? `.${String(d.getUTCMilliseconds()).padStart(3, '0')}000` : '';
  return `${base}${frac}+00:00`;
}

/** Python's `str(datetime)`: the isoformat with a space between date and time. */
export function pyStrDate(ms: number): string {
  return pyIso(ms).replace('T', ' ');
}

export class AirflowEnvironment {
  readonly dags = new Map<string, DagInfo>();
  readonly paused = new Map<string, boolean>();
  importErrors: ImportError[] = [];
  readonly runs: DagRun[] = [];
  private dagsDir?: string;
  private config: EnvConfig;
  /** Set by kill(): the environment is gone and its directory with it; nothing may write there again. */
  private closed = false;
  private selfUrl = '';

  constructor(
    readonly region: string,
    readonly name: string,
    config: EnvConfig,
    private readonly folder: DagFolder,
    private readonly workDir: string,
    private readonly setup: RunnerSetup,
  ) {
    this.config = config;
  }

  /** Syncs the DAG folder (as MWAA does continuously) and re-parses it when it changed. */
  async refresh(config: EnvConfig, selfUrl: string): Promise<void> {
    this.config = config;
    this.selfUrl = selfUrl;
    const { dir, changed } = await this.folder.sync(config.SourceBucketArn, config.DagS3Path);
    this.dagsDir = dir;
    if (!changed || this.closed) return;
    const parsed = await parseDags(this.setup, dir, this.env());
    if (this.closed) return;
    this.importErrors = parsed.import_errors;
    for (const dag of parsed.dags) {
      const isNew = !this.dags.has(dag.dag_id);
      this.dags.set(dag.dag_id, dag);
      if (isNew) {
        this.paused.set(dag.dag_id, dag.is_paused_upon_creation ?? this.pausedAtCreation());
        if (!this.paused.get(dag.dag_id)) this.createScheduledRun(dag);
      }
    }
    this.schedule();
  }

  /** `[core] dags_are_paused_at_creation`, True unless the environment's options say otherwise (Airflow's default). */
  private pausedAtCreation(): boolean {
    const value = this.config.AirflowConfigurationOptions['core.dags_are_paused_at_creation'];
    return value === undefined ? true : !/^(false|f|0|no|off)$/i.test(value.trim());
  }

  /** Unpauses `dagId`; returns the DAG ids it changed (none when it was not paused or does not exist). */
  unpause(dagId: string): string[] {
    const dag = this.dags.get(dagId);
    if (!dag || this.paused.get(dagId) === false) return [];
    if (dag.schedule !== null && INTERVALS[dag.schedule] === undefined) {
      throw new UnsupportedSchedule(
        `this endpoint does not support the schedule '${dag.schedule}' of DAG ${dagId}: it computes the scheduled run of @daily and @hourly DAGs (or none for schedule=None)`,
      );
    }
    this.paused.set(dagId, false);
    this.createScheduledRun(dag);
    this.schedule();
    return [dagId];
  }

  /** Airflow's scheduler with catchup=False: one run for the latest complete data interval. */
  private createScheduledRun(dag: DagInfo): void {
    const interval = dag.schedule === null ? undefined : INTERVALS[dag.schedule];
    if (interval === undefined) return;
    const end = Math.floor(this.setup.now().getTime() / interval) * interval;
    const start = end - interval;
    const runId = `scheduled__${pyIso(start)}`;
    if (this.runs.some((r) => r.dagId === dag.dag_id && (r.runId === runId || r.logicalMs === start))) return;
    this.runs.push(this.newRun(dag.dag_id, runId, 'scheduled', start, [start, end], {}, false));
  }

  /** `airflow dags trigger`: a queued manual run (trigger_dag in airflow/api/common/trigger_dag.py). */
  trigger(dagId: string, conf: Record<string, unknown>, runId: string | undefined, replaceMicroseconds: boolean): DagRun {
    const dag = this.dags.get(dagId);
    if (!dag) throw new AirflowCliError(`airflow.exceptions.DagNotFound: Dag id ${dagId} not found in DagModel`);
    const now = this.setup.now().getTime();
    const logical = replaceMicroseconds ? Math.floor(now / 1000) * 1000 : now;
    const id = runId ?? `manual__${pyIso(logical)}`;
    const badId = runIdProblem(id, this.config.AirflowConfigurationOptions);
    if (badId) throw new AirflowCliError(badId);
    const existing = this.runs.find((r) => r.dagId === dagId && (r.runId === id || r.logicalMs === logical));
    if (existing) {
      throw new AirflowCliError(
        `airflow.exceptions.DagRunAlreadyExists: A Dag Run already exists for dag id ${dagId} at ${pyStrDate(logical)} with run id ${id}`,
      );
    }
    const interval = dag.schedule === null ? undefined : INTERVALS[dag.schedule];
    if (dag.schedule !== null && interval === undefined) {
      throw new UnsupportedSchedule(
        `this endpoint does not support the schedule '${dag.schedule}' of DAG ${dagId}: it computes data intervals for @daily, @hourly and None only`,
      );
    }
    // infer_manual_data_interval: the last complete period before the logical date (exact for schedule=None).
    const end = interval === undefined ? logical : Math.floor(logical / interval) * interval;
    const start = interval === undefined ? logical : end - interval;
    const run = this.newRun(dagId, id, 'manual', logical, [start, end], conf, true);
    this.runs.push(run);
    this.schedule();
    return run;
  }

  private newRun(dagId: string, runId: string, runType: DagRun['runType'], logicalMs: number, dataInterval: [number, number], conf: Record<string, unknown>, externalTrigger: boolean): DagRun {
    const safe = `${this.runs.length + 1}`;
    return {
      dagId,
      runId,
      runType,
      logicalMs,
      dataInterval,
      conf,
      externalTrigger,
      state: 'queued',
      startDate: null,
      endDate: null,
      tasks: [],
      stateFile: join(this.workDir, 'state', `run-${safe}.json`),
      logsDir: join(this.workDir, 'logs'),
      finished: false,
      shippedLogs: new Set(),
      logsShipped: Promise.resolve(),
    };
  }

  /** The runs of a DAG with what their state files say now. */
  runsOf(dagId: string): DagRun[] {
    const runs = this.runs.filter((r) => r.dagId === dagId);
    runs.forEach((r) => this.read(r));
    return runs;
  }

  /** Starts queued runs of unpaused DAGs, oldest logical date first, within each DAG's max_active_runs. */
  private schedule(): void {
    for (const [dagId, dag] of this.dags) {
      if (this.paused.get(dagId) !== false) continue;
      const mine = this.runs.filter((r) => r.dagId === dagId);
      let active = mine.filter((r) => r.state === 'running').length;
      const queued = mine.filter((r) => r.state === 'queued').sort((a, b) => a.logicalMs - b.logicalMs);
      for (const run of queued) {
        if (active >= Math.max(1, dag.max_active_runs)) break;
        active++;
        run.state = 'running';
        run.startDate = pyIso(this.setup.now().getTime());
        void this.start(run);
      }
    }
  }

  private async start(run: DagRun): Promise<void> {
    const python = await this.setup.python();
    if (this.closed || run.finished) {
      run.finished = true;
      return;
    }
    const logDir = runLogDir(run.logsDir, run.dagId, run.runId);
    mkdirSync(logDir, { recursive: true });
    mkdirSync(join(this.workDir, 'state'), { recursive: true });
    const log = openSync(join(logDir, 'runner.log'), 'a');
    const problem = !python
      ? 'the local endpoint found no python3 that imports boto3 and jinja2 (set ABALONE_PYTHON to one)'
      : !existsSync(this.setup.runnerPath)
        ? `the local DAG runner is missing at ${this.setup.runnerPath}`
        : !this.dagsDir
          ? 'the DAG folder has not been synced'
          : undefined;
    if (problem) {
      writeSync(log, `${problem}\n`);
      closeSync(log);
      void this.finish(run, 1);
      return;
    }
    const child = spawnRun(python!, this.setup, this.dagsDir!, run, pyIso(run.logicalMs), this.env(), log);
    closeSync(log);
    run.process = child;
    let exited = false;
    const onEnd = (code: number) => {
      if (exited) return;
      exited = true;
      void this.finish(run, code);
    };
    child.once('error', () => onEnd(1));
    child.once('exit', (code) => onEnd(code ?? 1));
  }

  /**
   * The run ends once its last task logs are in CloudWatch Logs, so a client that sees the run
   * failed can read the failed task's log at once.
   */
  private async finish(run: DagRun, code: number): Promise<void> {
    if (run.finished || this.closed) {
      run.finished = true;
      run.process = undefined;
      return;
    }
    run.process = undefined;
    const fileState = this.read(run);
    await run.logsShipped;
    if (run.finished || this.closed) return;
    run.finished = true;
    run.state = fileState === 'success' && code === 0 ? 'success' : fileState === 'failed' || code !== 0 ? 'failed' : 'success';
    run.endDate ??= pyIso(this.setup.now().getTime());
    this.schedule();
  }

  /**
   * Reads the runner's state file (written atomically) into the run; returns the state it says.
   * A run the file says ended stays `running` here until finish() (its last logs are on their way).
   */
  private read(run: DagRun): RunState | undefined {
    if (run.finished || run.state === 'queued' || !existsSync(run.stateFile)) return undefined;
    try {
      const file = JSON.parse(readFileSync(run.stateFile, 'utf8')) as Partial<{ state: RunState; start_date: string; end_date: string | null; tasks: TaskState[] }>;
      if (file.state === 'running' || file.state === 'success' || file.state === 'failed') run.state = 'running';
      if (file.start_date) run.startDate = file.start_date;
      if (Array.isArray(file.tasks)) {
        run.tasks = file.tasks;
        shipTaskLogs(run, {
          enabled: !!this.config.LoggingConfiguration.TaskLogs?.Enabled,
          environment: this.name,
          region: this.region,
          endpointUrl: this.selfUrl,
          closed: () => this.closed,
        });
      }
      if (file.end_date && (file.state === 'success' || file.state === 'failed')) run.endDate = file.end_date;
      return file.state;
    } catch {
      // a state file is replaced by rename, so a partial read means it is not there yet
      return undefined;
    }
  }

  /** Ends every running run (SIGTERM: the runner fails the run and writes its state; SIGKILL after 3 s). */
  async kill(): Promise<void> {
    this.closed = true;
    const waits = this.runs.map((run) => {
      const child = run.process;
      if (!child) {
        run.finished = true;
        return Promise.resolve();
      }
      return stopRunner(child);
    });
    await Promise.all(waits);
  }

  private env(): NodeJS.ProcessEnv {
    return runnerEnv(this.region, this.selfUrl, this.config);
  }
}
