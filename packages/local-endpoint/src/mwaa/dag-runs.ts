/**
 * What Airflow's metadata database and scheduler hold for one emulated environment: the DAGs the
 * local DAG runner parses from the environment's DAG folder, their paused flags, their import
 * errors, and their runs (state and scheduling), each executed by the runner's `run` subcommand:
 * the process is runner-process.ts, the shipping of task logs task-logs.ts.
 * Behaviour and sources: docs/mwaa-emulator.md, "Airflow CLI".
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isAirflow3 } from '../shared/mwaa-catalog.js';
import type { EnvConfig } from './config.js';
import type { DagFolder } from './dag-folder.js';
import type { DagInfo, DagRun, DagVersion, ImportError, RunnerSetup, RunState, TaskState } from './dag-run-types.js';
import { parseDags, runnerEnv, spawnRun, stopRunner } from './runner-process.js';
import { runIdProblem, runLogDir } from './run-ids.js';
import { shipTaskLogs } from './task-logs.js';

export type { DagInfo, DagRun, DagVersion, ImportError, RunnerSetup, RunState, TaskState } from './dag-run-types.js';

/** An Airflow REST API v2 error: Airflow's HTTP status and its `detail` (HTTPExceptionResponse). */
export class AirflowHttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: unknown,
  ) {
    super(typeof detail === 'string' ? detail : JSON.stringify(detail));
  }
}

/** `[scheduler] allowed_run_id_pattern`'s default, and models/dagrun.py RUN_ID_REGEX (Airflow 3.0). */
export const ALLOWED_RUN_ID_PATTERN = '^[A-Za-z0-9_.~:+-]+$';
export const RUN_ID_REGEX_3 = '^(?:manual|scheduled|asset_triggered)__(?:\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\+00:00)$';

/** What a REST trigger asks for (TriggerDAGRunPostBody, validated by rest-api.ts). */
export interface RestTrigger {
  dagRunId: string | null;
  logicalMs: number | null;
  dataInterval: [number, number] | null;
  runAfterMs: number | null;
  conf: Record<string, unknown>;
  note: string | null;
}

/** utils/helpers.py get_random_string: 8 ASCII letters and digits. */
function randomString(length = 8): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}

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
  /** DAG versions per DAG, oldest first (Airflow 3's dag_version table). */
  readonly versions = new Map<string, DagVersion[]>();
  /** The DAGs the latest parse found; the others are stale unless their file has an import error. */
  private seen = new Set<string>();
  /** Each DAG's file, relative to the DAG folder it was parsed from (each sync is a new directory). */
  private readonly dagFiles = new Map<string, string>();
  /** The files of the latest import errors, relative to the DAG folder. */
  private errorFiles = new Set<string>();
  /** When the DAG folder was last parsed, and when each import error was first seen (by file). */
  lastParsedMs: number | null = null;
  readonly importErrorIds = new Map<string, { id: number; timestamp: number }>();
  private importErrorSeq = 0;
  private runSeq = 0;
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

  /** Whether the environment runs Airflow 3 (its AirflowVersion now: an update may change it). */
  get airflow3(): boolean {
    return isAirflow3(this.config.AirflowVersion);
  }

  /** The synced DAG folder (Airflow 3's `dags-folder` bundle root), once synced. */
  get bundleRoot(): string | undefined {
    return this.dagsDir;
  }

  /** Syncs the DAG folder (as MWAA does continuously) and re-parses it when it changed. */
  async refresh(config: EnvConfig, selfUrl: string): Promise<void> {
    const versionChanged = config.AirflowVersion !== this.config.AirflowVersion;
    this.config = config;
    this.selfUrl = selfUrl;
    const { dir, changed } = await this.folder.sync(config.SourceBucketArn, config.DagS3Path);
    this.dagsDir = dir;
    if ((!changed && !(versionChanged && this.lastParsedMs !== null)) || this.closed) return;
    const parsed = await parseDags(this.setup, dir, this.env());
    if (this.closed) return;
    const now = this.setup.now().getTime();
    this.lastParsedMs = now;
    this.importErrors = parsed.import_errors;
    const files = new Set(parsed.import_errors.map((e) => e.filename));
    for (const f of [...this.importErrorIds.keys()]) if (!files.has(f)) this.importErrorIds.delete(f);
    for (const f of files) if (!this.importErrorIds.has(f)) this.importErrorIds.set(f, { id: ++this.importErrorSeq, timestamp: now });
    this.seen = new Set(parsed.dags.map((d) => d.dag_id));
    this.errorFiles = new Set(parsed.import_errors.map((e) => relative(dir, e.filename)));
    for (const dag of parsed.dags) this.dagFiles.set(dag.dag_id, relative(dir, dag.fileloc));
    for (const dag of parsed.dags) {
      const isNew = !this.dags.has(dag.dag_id);
      this.dags.set(dag.dag_id, dag);
      this.noteVersion(dag, now);
      if (isNew) {
        this.paused.set(dag.dag_id, dag.is_paused_upon_creation ?? this.pausedAtCreation());
        if (!this.paused.get(dag.dag_id)) this.createScheduledRun(dag);
      }
    }
    this.schedule();
  }

  /** A new DagVersion when the DAG's file differs from the one its latest version was parsed from. */
  private noteVersion(dag: DagInfo, now: number): void {
    let digest = '';
    try {
      digest = createHash('sha256').update(readFileSync(dag.fileloc)).digest('hex');
    } catch {
      digest = `unreadable:${dag.fileloc}`;
    }
    const list = this.versions.get(dag.dag_id) ?? [];
    if (list.at(-1)?.digest === digest) return;
    list.push({ id: randomUUID(), versionNumber: list.length + 1, dagId: dag.dag_id, createdMs: now, digest });
    this.versions.set(dag.dag_id, list);
  }

  /** DagModel.is_stale: the DAG is no longer in the folder (a file that fails to import keeps its DAGs). */
  isStale(dagId: string): boolean {
    const dag = this.dags.get(dagId);
    if (!dag || this.seen.has(dagId)) return false;
    return !this.hasImportErrors(dagId);
  }

  /** DagModel.has_import_errors: the DAG's file fails to import now. */
  hasImportErrors(dagId: string): boolean {
    const file = this.dagFiles.get(dagId);
    return file !== undefined && this.errorFiles.has(file);
  }

  /** The cron period of a schedule the endpoint computes (ms), undefined for None; throws for others. */
  periodOf(dag: DagInfo): number | undefined {
    if (dag.schedule === null) return undefined;
    const period = INTERVALS[dag.schedule];
    if (period === undefined) {
      throw new UnsupportedSchedule(
        `this endpoint does not support the schedule '${dag.schedule}' of DAG ${dag.dag_id}: it computes the runs of @daily and @hourly DAGs (or none for schedule=None)`,
      );
    }
    return period;
  }

  /**
   * Airflow 3's next scheduled run of a DAG (DagModel.next_dagrun / next_dagrun_create_after) under
   * CronTriggerTimetable with catchup=False: the latest cron time <= now unless a scheduled run has
   * been made for it (then the one after); null for schedule=None.
   */
  nextRunAfter(dag: DagInfo): number | null {
    const period = this.periodOf(dag);
    if (period === undefined) return null;
    const latest = Math.floor(this.setup.now().getTime() / period) * period;
    const last = Math.max(-Infinity, ...this.runs.filter((r) => r.dagId === dag.dag_id && r.runType === 'scheduled').map((r) => r.runAfterMs));
    return last >= latest ? last + period : latest;
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
    this.periodOf(dag);
    this.paused.set(dagId, false);
    this.createScheduledRun(dag);
    this.schedule();
    return [dagId];
  }

  /** Pauses `dagId` (PATCH is_paused=true): queued runs stay queued, running ones go on. */
  pause(dagId: string): void {
    if (this.dags.has(dagId)) this.paused.set(dagId, true);
  }

  /**
   * Airflow's scheduler with catchup=False, once, for the DAG just unpaused or created unpaused.
   * 2.x (CronDataIntervalTimetable): the latest complete data interval, logical date its start.
   * 3.x (CronTriggerTimetable, `create_cron_data_intervals` False): the latest cron time <= now,
   * logical date = run_after = data interval start = end = that time.
   */
  private createScheduledRun(dag: DagInfo): void {
    const interval = dag.schedule === null ? undefined : INTERVALS[dag.schedule];
    if (interval === undefined) return;
    const latest = Math.floor(this.setup.now().getTime() / interval) * interval;
    const [start, end] = this.airflow3 ? [latest, latest] : [latest - interval, latest];
    const runId = `scheduled__${pyIso(start)}`;
    if (this.runs.some((r) => r.dagId === dag.dag_id && (r.runId === runId || r.logicalMs === start))) return;
    this.runs.push(this.newRun(dag.dag_id, runId, 'scheduled', start, [start, end], {}, false, { runAfterMs: end, triggeredBy: 'timetable' }));
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
    const run = this.newRun(dagId, id, 'manual', logical, [start, end], conf, true, { runAfterMs: logical, triggeredBy: 'cli' });
    this.runs.push(run);
    this.schedule();
    return run;
  }

  /**
   * `POST /dags/{dag_id}/dagRuns` on Airflow 3 (routes/public/dag_run.py trigger_dag_run and
   * TriggerDAGRunPostBody.validate_context; models/dag.py create_dagrun's run-id checks): a queued
   * manual run, `triggered_by` rest_api. Errors are Airflow's HTTP answers.
   */
  triggerRest(dagId: string, body: RestTrigger): DagRun {
    const dag = this.dags.get(dagId);
    if (!dag || this.isStale(dagId)) throw new AirflowHttpError(404, `DAG with dag_id: '${dagId}' not found`);
    if (this.hasImportErrors(dagId)) throw new AirflowHttpError(400, `DAG with dag_id: '${dagId}' has import errors and cannot be triggered`);
    if (dag.schedule !== null && INTERVALS[dag.schedule] === undefined) {
      throw new UnsupportedSchedule(`this endpoint does not support the schedule '${dag.schedule}' of DAG ${dagId}: it computes the timetables of @daily, @hourly and None only`);
    }
    const now = this.setup.now().getTime();
    let runAfter = body.runAfterMs ?? now;
    let interval: [number, number] | null = null;
    if (body.logicalMs !== null) {
      // CronTriggerTimetable and NullTimetable infer_manual_data_interval: an exact interval at the logical date
      interval = body.dataInterval ?? [body.logicalMs, body.logicalMs];
      if (!body.dataInterval) runAfter = interval[1];
    }
    const runId = body.dagRunId ?? (body.logicalMs !== null ? `manual__${pyIso(runAfter)}` : `manual__${pyIso(runAfter)}_${randomString()}`);
    if (!new RegExp(RUN_ID_REGEX_3).test(runId) && !new RegExp(ALLOWED_RUN_ID_PATTERN).test(runId)) {
      throw new AirflowHttpError(400, `The run_id provided '${runId}' does not match regex pattern '${ALLOWED_RUN_ID_PATTERN}' or '${RUN_ID_REGEX_3}'`);
    }
    const inferred = /^(scheduled|backfill|asset_triggered)__/.exec(runId)?.[1];
    if (inferred) throw new AirflowHttpError(400, `A manual DAG run cannot use ID '${runId}' since it is reserved for ${inferred} runs`);
    const clash = this.runs.find((r) => r.dagId === dagId && (r.runId === runId || (body.logicalMs !== null && r.logicalMs === body.logicalMs)));
    if (clash) {
      const key = clash.runId === runId ? `(dag_id, run_id)=(${dagId}, ${runId})` : `(dag_id, logical_date)=(${dagId}, ${pyStrDate(body.logicalMs!)})`;
      const constraint = clash.runId === runId ? 'dag_run_dag_id_run_id_key' : 'dag_run_dag_id_logical_date_key';
      throw new AirflowHttpError(409, {
        reason: 'Unique constraint violation',
        statement: 'INSERT INTO dag_run (dag_id, queued_at, logical_date, start_date, end_date, state, run_id, creating_job_id, run_type, triggered_by, conf, data_interval_start, data_interval_end, run_after, last_scheduling_decision, log_template_id, updated_at, clear_number, backfill_id, bundle_version, scheduled_by_job_id, context_carrier, created_dag_version_id) VALUES (...)',
        orig_error: `duplicate key value violates unique constraint "${constraint}"\nDETAIL:  Key ${key} already exists.\n`,
      });
    }
    const run = this.newRun(dagId, runId, 'manual', body.logicalMs, interval, body.conf, true, { runAfterMs: runAfter, triggeredBy: 'rest_api', note: body.note });
    this.runs.push(run);
    this.schedule();
    return run;
  }

  private newRun(
    dagId: string,
    runId: string,
    runType: DagRun['runType'],
    logicalMs: number | null,
    dataInterval: [number, number] | null,
    conf: Record<string, unknown>,
    externalTrigger: boolean,
    more: { runAfterMs: number; triggeredBy: DagRun['triggeredBy']; note?: string | null },
  ): DagRun {
    const seq = ++this.runSeq;
    const safe = `${seq}`;
    return {
      seq,
      dagId,
      runId,
      runType,
      logicalMs,
      runAfterMs: more.runAfterMs,
      dataInterval,
      queuedMs: this.setup.now().getTime(),
      triggeredBy: more.triggeredBy,
      note: more.note ?? null,
      ...(this.versions.get(dagId)?.length ? { dagVersion: this.versions.get(dagId)!.at(-1)! } : {}),
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
      const queued = mine.filter((r) => r.state === 'queued').sort((a, b) => (a.logicalMs ?? a.runAfterMs) - (b.logicalMs ?? b.runAfterMs) || a.seq - b.seq);
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
    const child = spawnRun(python!, this.setup, this.dagsDir!, run, run.logicalMs === null ? null : pyIso(run.logicalMs), this.env(), log);
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
        // TaskInstance.id: given once, kept across reads
        const ids = new Map(run.tasks.map((t) => [t.task_id, t.id]));
        run.tasks = file.tasks.map((t) => ({ ...t, id: ids.get(t.task_id) ?? randomUUID() }));
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
