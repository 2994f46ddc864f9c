import { lastErrorLine, parseJsonRows, type AirflowCli } from '../aws/airflow-cli.js';
import { ToolError } from '../base/errors.js';
import type { TaskStateRow } from '../engine/run-types.js';

/** The DAG the pipeline ships (artifacts/airflow/dags/abalone_pipeline_dag.py). */
export const DAG_ID = 'abalone_pipeline';

/**
 * The Airflow 2.10 CLI commands `run`, `runs` and `add-data` use, all in MWAA's list of supported
 * commands (https://docs.aws.amazon.com/mwaa/latest/userguide/airflow-cli-command-reference.html),
 * read with the field names of apache/airflow's airflow/cli/commands/dag_command.py and
 * task_command.py (v2-10): list-runs `{dag_id, run_id, state, execution_date, start_date, end_date}`,
 * states-for-dag-run `{dag_id, execution_date, task_id, state, start_date, end_date}`, trigger
 * `{dag_run_id, state, run_type, conf, ...}`, list-import-errors `{filepath, error}`.
 */
export interface DagRunRow {
  readonly runId: string;
  readonly state: string;
  readonly executionDate: string;
  readonly start: string | null;
  readonly end: string | null;
}

export type { TaskStateRow } from '../engine/run-types.js';

export interface ImportError {
  readonly filepath: string;
  readonly error: string;
}

const orNull = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

function rowsOf(command: string, out: { stdout: string; stderr: string }): Record<string, unknown>[] {
  const rows = parseJsonRows(out.stdout);
  if (rows) return rows;
  const reason = lastErrorLine(out.stderr) || out.stdout.trim().split('\n')[0] || 'no output';
  throw new ToolError('AirflowCliError', `\`airflow ${command}\` failed: ${reason}`);
}

/** A DAG that Airflow does not know: not parsed yet, or its file failed to import. */
function dagMissing(text: string): boolean {
  return /does not exist in 'dag' table|DagNotFound|Dag id \S+ not found/i.test(text);
}

export class PipelineDag {
  constructor(
    private readonly cli: AirflowCli,
    readonly dagId = DAG_ID,
  ) {}

  async importErrors(): Promise<ImportError[]> {
    const command = 'dags list-import-errors -o json';
    const out = await this.cli.run(command);
    // The command exits 1 when there are errors (dag_list_import_errors); its stdout is the list.
    return rowsOf(command, out).map((r) => ({ filepath: String(r.filepath ?? ''), error: String(r.error ?? '') }));
  }

  /** Unpauses the DAG; true when it was paused (Airflow prints "No paused DAGs were found" otherwise). */
  async unpause(): Promise<boolean> {
    const command = `dags unpause ${this.dagId} -o json`;
    const out = await this.cli.run(command);
    if (/No paused DAGs were found/.test(out.stdout)) return false;
    const rows = parseJsonRows(out.stdout);
    if (rows && rows.some((r) => r.dag_id === this.dagId)) return true;
    throw this.failure(command, out);
  }

  /**
   * Triggers a run; returns its id and state. `--no-replace-microseconds`: Airflow's CLI zeroes the
   * logical date's microseconds by default (cli_config.py ARG_REPLACE_MICRO), so two triggers in
   * one second (a skipped run, then add-data's) would collide with DagRunAlreadyExists.
   */
  async trigger(conf: Record<string, unknown> | undefined): Promise<{ runId: string; state: string }> {
    const confArg = conf ? ` -c '${JSON.stringify(conf)}'` : '';
    const command = `dags trigger ${this.dagId}${confArg} --no-replace-microseconds -o json`;
    const out = await this.cli.run(command);
    const rows = parseJsonRows(out.stdout);
    const row = rows?.find((r) => typeof r.dag_run_id === 'string');
    if (row) return { runId: String(row.dag_run_id), state: String(row.state ?? 'queued') };
    throw this.failure(command, out);
  }

  async listRuns(): Promise<DagRunRow[]> {
    const command = `dags list-runs -d ${this.dagId} -o json`;
    const out = await this.cli.run(command);
    if (dagMissing(out.stderr)) throw this.failure(command, out);
    return rowsOf(command, out).map((r) => ({
      runId: String(r.run_id),
      state: String(r.state ?? ''),
      executionDate: String(r.execution_date ?? ''),
      start: orNull(r.start_date),
      end: orNull(r.end_date),
    }));
  }

  async taskStates(runId: string): Promise<TaskStateRow[]> {
    const command = `tasks states-for-dag-run ${this.dagId} ${runId} -o json`;
    const out = await this.cli.run(command);
    return rowsOf(command, out).map((r) => ({ taskId: String(r.task_id), state: orNull(r.state), start: orNull(r.start_date), end: orNull(r.end_date) }));
  }

  private failure(command: string, out: { stdout: string; stderr: string }): ToolError {
    const text = `${out.stderr}\n${out.stdout}`;
    if (dagMissing(text)) {
      return new ToolError('DagNotFound', `Airflow does not know the DAG ${this.dagId} (yet): it parses new DAG files within a few minutes of \`push-dags\`; if this persists, check \`abalone-pipeline run\` for an import error`);
    }
    const reason = lastErrorLine(out.stderr) || out.stdout.trim().split('\n')[0] || 'no output';
    return new ToolError('AirflowCliError', `\`airflow ${command}\` failed: ${reason}`);
  }
}

/** The import errors that concern the pipeline's own DAG files. */
export function pipelineImportErrors(errors: readonly ImportError[]): ImportError[] {
  return errors.filter((e) => /abalone_pipeline/.test(e.filepath));
}
