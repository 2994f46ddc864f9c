/**
 * What a pipeline run looks like to the tool: the rows Airflow's CLI reports, the events of
 * following a run, its outcome and the run summaries and predictions the commands print. ops
 * produce them, output renders them.
 */

export interface TaskStateRow {
  readonly taskId: string;
  /** Airflow's state, or null while the task has none (not yet scheduled). */
  readonly state: string | null;
  readonly start: string | null;
  readonly end: string | null;
}

export type RunEvent =
  | { kind: 'notice'; message: string }
  | { kind: 'started'; runId: string; state: string; how: 'triggered' | 'scheduled' }
  | { kind: 'task'; task: TaskStateRow; at: Date }
  | { kind: 'running'; taskIds: string[] };

export type Decision = 'deployed' | 'rejected' | 'skipped';

export interface RunResult {
  readonly decision: Decision;
  readonly rmse: number | null;
  readonly threshold: number | null;
  readonly endpoint: string | null;
  /** DescribeEndpoint's status after a deployment (e.g. InService). */
  readonly endpointStatus: string | null;
  readonly dataFiles: number | null;
  readonly rows: number | null;
}

export interface TaskLog {
  readonly taskId: string;
  /** Where its log is: the CloudWatch Logs group and stream of the failed attempt. */
  readonly where: string;
}

export interface RunOutcome {
  readonly runId: string;
  readonly state: string;
  readonly tasks: TaskStateRow[];
  readonly result: RunResult | null;
  readonly failed: TaskLog[];
  /** Set when the run succeeded but its record could not be found. */
  readonly missingRecord?: string;
}

export interface RunSummary {
  readonly runId: string;
  readonly state: string | null;
  readonly start: string | null;
  readonly end: string | null;
  readonly decision: Decision | null;
  readonly rmse: number | null;
  readonly threshold: number | null;
  readonly endpoint: string | null;
  readonly dataFiles: number | null;
  readonly rows: number | null;
}

export interface Prediction {
  readonly row: number;
  readonly rings: number;
  readonly ageYears: number;
}

export interface RejectedSource {
  /** The CSV file, or "--row". */
  readonly source: string;
  readonly errors: Array<{ row: number; reason: string }>;
}
