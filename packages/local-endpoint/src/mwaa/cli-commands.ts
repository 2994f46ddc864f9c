/**
 * The Airflow 2.10 CLI commands the CLI's `run` uses (docs/mwaa-emulator.md, "Airflow CLI"), answered from an AirflowEnvironment with
 * the output Airflow prints (apache/airflow airflow/cli/commands/dag_command.py and
 * task_command.py, airflow/api/client/local_client.py for `dags trigger`).
 */
import { printAs, type Row } from './airflow-console.js';
import type { CliCommand } from './cli-args.js';
import { AirflowCliError, pyIso, pyStrDate, type AirflowEnvironment, type DagRun } from './dag-runs.js';

export interface CliOutput {
  stdout: string;
  stderr: string;
}

/** A format Airflow has and this endpoint does not print (yaml, plain). */
export class UnsupportedOutput extends Error {}

export function runCommand(env: AirflowEnvironment, command: CliCommand): CliOutput {
  if (command.output === 'yaml' || command.output === 'plain') {
    throw new UnsupportedOutput(`this endpoint does not support -o ${command.output}; it prints json and table`);
  }
  const output = command.output;
  try {
    switch (command.kind) {
      case 'unpause': {
        // set_is_paused: rows of the DAGs it changed, with is_paused read from the session's stale object.
        const changed = env.unpause(command.dagId);
        if (!changed.length) return { stdout: 'No paused DAGs were found\n', stderr: '' };
        return { stdout: printAs(changed.map((dagId) => ({ dag_id: dagId, is_paused: false })), output), stderr: '' };
      }
      case 'trigger': {
        const conf = parseConf(command.conf);
        const run = env.trigger(command.dagId, conf, command.runId, command.replaceMicroseconds);
        return { stdout: printAs([triggerRow(run)], output), stderr: '' };
      }
      case 'list-runs': {
        requireDag(env, command.dagId);
        const runs = env
          .runsOf(command.dagId)
          .filter((r) => !command.state || r.state === command.state)
          .sort((a, b) => logicalOf(b) - logicalOf(a));
        return { stdout: printAs(runs.map(listRunsRow), output), stderr: '' };
      }
      case 'states-for-dag-run': {
        const run = findRun(env, command.dagId, command.runIdOrDate);
        const rows = run.tasks.map((t) => ({
          dag_id: run.dagId,
          execution_date: pyIso(logicalOf(run)),
          task_id: t.task_id,
          state: t.state,
          start_date: t.start_date ?? '',
          end_date: t.end_date ?? '',
        }));
        return { stdout: printAs(rows, output), stderr: '' };
      }
      case 'list-import-errors': {
        const rows = env.importErrors.map((e) => ({ filepath: e.filename, error: e.stack_trace }));
        return { stdout: printAs(rows, output), stderr: '' };
      }
    }
  } catch (error) {
    if (error instanceof AirflowCliError) return { stdout: '', stderr: `${error.message}\n` };
    throw error;
  }
}

/** A run's logical date; a run made on Airflow 3 without one (then downgraded to 2.11) shows its run_after. */
function logicalOf(run: DagRun): number {
  return run.logicalMs ?? run.runAfterMs;
}

function requireDag(env: AirflowEnvironment, dagId: string): void {
  if (!env.dags.has(dagId)) throw new AirflowCliError(`DAG: ${dagId} does not exist in 'dag' table`);
}

/** `trigger_dag` reads the conf with json.loads; a run's conf is a JSON object. */
function parseConf(raw: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  let conf: unknown;
  try {
    conf = JSON.parse(raw);
  } catch (error) {
    throw new AirflowCliError(`json.decoder.JSONDecodeError: ${(error as Error).message}`);
  }
  if (conf === null || typeof conf !== 'object' || Array.isArray(conf)) {
    throw new AirflowCliError(`ValueError: The conf must be a JSON object, got ${raw}`);
  }
  return conf as Record<string, unknown>;
}

/** LocalClient.trigger_dag's dict (airflow/api/client/local_client.py, 2.10). */
function triggerRow(run: DagRun): Row {
  return {
    conf: run.conf,
    dag_id: run.dagId,
    dag_run_id: run.runId,
    data_interval_start: pyStrDate((run.dataInterval ?? [logicalOf(run)])[0]!),
    data_interval_end: pyStrDate((run.dataInterval ?? [0, logicalOf(run)])[1]!),
    end_date: null,
    external_trigger: run.externalTrigger,
    last_scheduling_decision: null,
    logical_date: pyStrDate(logicalOf(run)),
    run_type: run.runType,
    start_date: null,
    state: 'queued',
  };
}

/** dag_list_dag_runs' mapper. */
function listRunsRow(run: DagRun): Row {
  return {
    dag_id: run.dagId,
    run_id: run.runId,
    state: run.state,
    execution_date: pyIso(logicalOf(run)),
    start_date: run.startDate ?? '',
    end_date: run.endDate ?? '',
  };
}

/** task_states_for_dag_run: by run id, else by a logical date. */
function findRun(env: AirflowEnvironment, dagId: string, value: string): DagRun {
  const runs = env.runsOf(dagId);
  const byId = runs.find((r) => r.runId === value);
  if (byId) return byId;
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) {
    throw new AirflowCliError(`airflow.exceptions.AirflowException: Error parsing the supplied execution_date. Error: Unable to parse string [${value}]`);
  }
  const byDate = runs.find((r) => logicalOf(r) === parsed);
  if (byDate) return byDate;
  throw new AirflowCliError(
    `airflow.exceptions.DagRunNotFound: DagRun for ${dagId} with run_id or execution_date of '${value}' not found`,
  );
}
