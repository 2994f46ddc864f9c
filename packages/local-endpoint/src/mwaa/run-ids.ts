/**
 * Run ids and the paths made from them (issue 21, item 3). Airflow refuses a run id that matches
 * neither `[scheduler] allowed_run_id_pattern` (default `^[A-Za-z0-9_.~:+-]+$`) nor RUN_ID_REGEX
 * (apache/airflow airflow/models/dagrun.py, `DagRun.validate_run_id`, 2.10): the emulator checks
 * it where a run is created, and a run's log folder is made only through `within`, so no id
 * (`..` included) can put a file outside the environment's folder.
 */
import { within } from '../shared/paths.js';

/** `[scheduler] allowed_run_id_pattern`'s default (airflow/config_templates/config.yml). */
export const DEFAULT_ALLOWED_RUN_ID_PATTERN = '^[A-Za-z0-9_.~:+-]+$';
/** RUN_ID_REGEX of airflow/models/dagrun.py (2.10). */
export const RUN_ID_REGEX = '^(?:manual|scheduled|dataset_triggered)__(?:\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\+00:00)$';

/**
 * Airflow's ValueError for a run id neither pattern matches, or undefined when it is valid.
 * `options`: the environment's AirflowConfigurationOptions (`scheduler.allowed_run_id_pattern`).
 */
export function runIdProblem(runId: string, options: Record<string, string> = {}): string | undefined {
  const configured = options['scheduler.allowed_run_id_pattern'];
  const regex = configured ?? DEFAULT_ALLOWED_RUN_ID_PATTERN;
  // re2.match: anchored at the start only; both patterns carry their own `$`.
  const matches = (pattern: string) => {
    try {
      return new RegExp(pattern.startsWith('^') ? pattern : `^(?:${pattern})`).test(runId);
    } catch {
      return false;
    }
  };
  if (matches(regex) || matches(RUN_ID_REGEX)) return undefined;
  return `ValueError: The run_id provided '${runId}' does not match the pattern '${regex}' or '${RUN_ID_REGEX}'`;
}

/** The folder of a run's task logs, `<logs>/dag_id=<dag>/run_id=<run>`, verified to stay inside `logsDir`. */
export function runLogDir(logsDir: string, dagId: string, runId: string): string {
  return within(logsDir, `dag_id=${dagId}`, `run_id=${runId}`);
}
