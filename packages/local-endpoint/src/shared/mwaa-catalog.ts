/**
 * What Amazon MWAA accepts (the emulator's copy of the CLI's src/engine/mwaa-catalog.ts: keep the two equal).
 * Source: MWAA API reference (CreateEnvironment) and the MWAA user guide's
 * "Apache Airflow versions" and "environment class" pages, as of 2026-11.
 */
export const ENVIRONMENT_CLASSES = ['mw1.micro', 'mw1.small', 'mw1.medium', 'mw1.large', 'mw1.xlarge', 'mw1.2xlarge'] as const;
export type EnvironmentClass = (typeof ENVIRONMENT_CLASSES)[number];

/** Airflow 2 versions MWAA runs. The DAG uses Airflow 2 operators; 2.10.3 is what it is tested against. */
export const AIRFLOW_VERSIONS = ['2.5.1', '2.6.3', '2.7.2', '2.8.1', '2.9.2', '2.10.1', '2.10.3'] as const;
export const DEFAULT_AIRFLOW_VERSION = '2.10.3';

/** MWAA's limits on worker counts (MinWorkers/MaxWorkers are 1..25). mw1.micro runs exactly one worker. */
export const WORKER_LIMITS = { min: 1, max: 25 } as const;

export const WEBSERVER_ACCESS_MODES = ['PUBLIC_ONLY', 'PRIVATE_ONLY'] as const;

/** Environment names: letters first, then letters, digits, `-` and `_`, at most 80 characters. */
export const ENVIRONMENT_NAME_PATTERN = /^[a-zA-Z][0-9a-zA-Z_-]{0,79}$/;
