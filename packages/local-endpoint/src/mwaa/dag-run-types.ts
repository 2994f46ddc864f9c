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
  task_id: string;
  state: string | null;
  start_date: string | null;
  end_date: string | null;
  try_number: number;
  log_path: string | null;
}

export interface DagRun {
  dagId: string;
  runId: string;
  runType: 'manual' | 'scheduled';
  logicalMs: number;
  dataInterval: [number, number];
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
