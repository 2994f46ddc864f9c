/**
 * What Amazon MWAA accepts, shared by option validation and the MWAA emulator.
 * Source: MWAA API reference (CreateEnvironment) and the MWAA user guide's
 * "Apache Airflow versions" and "environment class" pages, as of 2026-11.
 */
export const ENVIRONMENT_CLASSES = ['mw1.micro', 'mw1.small', 'mw1.medium', 'mw1.large', 'mw1.xlarge', 'mw1.2xlarge'] as const;
export type EnvironmentClass = (typeof ENVIRONMENT_CLASSES)[number];

/**
 * The Airflow versions MWAA runs: the valid AirflowVersion values of the MWAA API model
 * (botocore 1.43.107: "Valid values: 2.7.2, 2.8.1, 2.9.2, 2.10.1, 2.10.3, 2.11.0, and 3.0.6").
 */
export const AIRFLOW_VERSIONS = ['2.7.2', '2.8.1', '2.9.2', '2.10.1', '2.10.3', '2.11.0', '3.0.6'] as const;
/**
 * The versions the DAG is tested on, and so the only ones `up`/`status` accept for
 * `--airflow-version` (issues 19, 22): one requirements file each
 * (`artifacts/airflow/requirements/<version>.txt`, its constraints), and the local DAG runner
 * runs both. On 3.x the tool reaches Airflow through InvokeRestApi and REST API v2; on 2.10.3
 * through MWAA's CLI endpoint.
 */
export const DAG_AIRFLOW_VERSIONS = ['3.0.6', '2.10.3'] as const;
/**
 * What a new pipeline gets: Airflow 2 reaches its end of life on 2026-04-22, and MWAA itself
 * creates the latest version when none is given. An existing environment keeps its own version
 * unless `--airflow-version` is typed (cli/pipeline-config.ts).
 */
export const DEFAULT_AIRFLOW_VERSION = '3.0.6';

/** The major version of an Airflow version string (3 for 3.0.6), NaN when unreadable. */
export function airflowMajor(version: string | undefined): number {
  return Number.parseInt(String(version ?? '').split('.')[0] ?? '', 10);
}

/** Airflow 3 and later: reached through InvokeRestApi and REST API v2 (ops/open-dag.ts). */
export function isAirflow3(version: string | undefined): boolean {
  return airflowMajor(version) >= 3;
}

/**
 * The version `up` wants for an environment that already runs `own` when none was typed or
 * stored: its own when the DAG is tested on it, else the tested version of its major line (an
 * in-place minor upgrade for 2.x, never a silent move from Airflow 2 to 3).
 */
export function keptAirflowVersion(own: string): string {
  if ((DAG_AIRFLOW_VERSIONS as readonly string[]).includes(own)) return own;
  const major = airflowMajor(own);
  return DAG_AIRFLOW_VERSIONS.find((v) => airflowMajor(v) === major) ?? DEFAULT_AIRFLOW_VERSION;
}

/** MWAA's limits on worker counts (MinWorkers/MaxWorkers are 1..25). mw1.micro runs exactly one worker. */
export const WORKER_LIMITS = { min: 1, max: 25 } as const;

export const WEBSERVER_ACCESS_MODES = ['PUBLIC_ONLY', 'PRIVATE_ONLY'] as const;

/** Environment names: letters first, then letters, digits, `-` and `_`, at most 80 characters. */
export const ENVIRONMENT_NAME_PATTERN = /^[a-zA-Z][0-9a-zA-Z_-]{0,79}$/;
