/** What Airflow's metadata holds for DAGs and runs here, shared by dag-runs.ts, runner-process.ts and task-logs.ts. */
import type { ChildProcess } from 'node:child_process';

export interface DagInfo {
  dag_id: string;
  fileloc: string;
  schedule: string | null;
  is_paused_upon_creation: boolean | null;
  max_active_runs: number;
  tags: string[];
  owners: string;
}

export interface ImportError {
  filename: string;
  stack_trace: string;
}

export type RunState = 'queued' | 'running' | 'success' | 'failed';

export interface TaskState {
  /** TaskInstance.id, given by the emulator the first time it sees the task instance. */
  id?: string;
  /** task.retries, when the runner reports it. */
  max_tries?: number;
  operator?: string;
  task_id: string;
  state: string | null;
  start_date: string | null;
  end_date: string | null;
  try_number: number;
  log_path: string | null;
}

/** A version of a DAG (Airflow 3's DagVersion): a new one each time its file's content changes. */
export interface DagVersion {
  id: string;
  versionNumber: number;
  dagId: string;
  createdMs: number;
  /** sha256 of the DAG file the version was parsed from. */
  digest: string;
}

export interface DagRun {
  /** DagRun.id: the order runs were created in. */
  seq: number;
  dagId: string;
  runId: string;
  runType: 'manual' | 'scheduled';
  /** null: an Airflow 3 manual run triggered without a logical date. */
  logicalMs: number | null;
  /** When the run was due (Airflow 3's run_after; on 2.x the data interval's end). */
  runAfterMs: number;
  /** null together with logicalMs. */
  dataInterval: [number, number] | null;
  queuedMs: number;
  /** DagRunTriggeredByType: cli, rest_api, timetable. */
  triggeredBy: 'cli' | 'rest_api' | 'timetable';
  note: string | null;
  /** The DAG's version when the run was created (Airflow 3). */
  dagVersion?: DagVersion;
  conf: Record<string, unknown>;
  externalTrigger: boolean;
  state: RunState;
  startDate: string | null;
  endDate: string | null;
  tasks: TaskState[];
  stateFile: string;
  logsDir: string;
  process?: ChildProcess;
  finished: boolean;
  /** Task attempt logs sent to CloudWatch Logs (or being sent), by path. */
  shippedLogs: Set<string>;
  /** Settles when every log sent so far is in CloudWatch Logs. */
  logsShipped: Promise<void>;
}

export interface RunnerSetup {
  /** Absolute path of dag-runner/runner.py (or a stand-in keeping its command line, dag-runner/README.md). */
  runnerPath: string;
  /** An interpreter that imports boto3 and jinja2, or undefined when there is none. */
  python: () => Promise<string | undefined>;
  now: () => Date;
}
