/**
 * What Amazon MWAA accepts (the emulator's copy of the CLI's src/engine/mwaa-catalog.ts: keep the two equal).
 * Source: MWAA API reference (CreateEnvironment), botocore 1.43.107's MWAA model, and the MWAA user
 * guide's "Apache Airflow versions", "Changing the Apache Airflow version" and "environment class" pages.
 */
export const ENVIRONMENT_CLASSES = ['mw1.micro', 'mw1.small', 'mw1.medium', 'mw1.large', 'mw1.xlarge', 'mw1.2xlarge'] as const;
export type EnvironmentClass = (typeof ENVIRONMENT_CLASSES)[number];

/**
 * The Airflow versions MWAA accepts: botocore 1.43.107's model (CreateEnvironmentInput.AirflowVersion:
 * "Valid values: 2.7.2, 2.8.1, 2.9.2, 2.10.1, 2.10.3, 2.11.0, and 3.0.6"). Omitted, MWAA takes
 * "the latest version" (same model), 3.0.6.
 */
export const AIRFLOW_VERSIONS = ['2.7.2', '2.8.1', '2.9.2', '2.10.1', '2.10.3', '2.11.0', '3.0.6'] as const;
export const DEFAULT_AIRFLOW_VERSION = '3.0.6';

/** Whether a version is Airflow 3 (REST API v2, InvokeRestApi; no emulated CLI). */
export const isAirflow3 = (version: string): boolean => version.split('.')[0] === '3';

/**
 * Whether UpdateEnvironment may change `from` to `to` in place (MWAA user guide, "Changing the Apache
 * Airflow version"): minor upgrades within a major version; 2.x to 3.x only from 2.11.x ("you must first
 * perform a minor upgrade to the latest Airflow 2.11.x version followed by an upgrade to 3.x";
 * "from Airflow 2.10.3 and below, you need to create a new environment"); 3.x down to 2.11.x ("You can
 * also downgrade from Airflow version 3.y.z to Airflow version 2.11.x"); nothing else. Returns the rule
 * a refused change breaks, or undefined when it is allowed.
 */
export function versionChangeRefusal(from: string, to: string): string | undefined {
  if (from === to) return undefined;
  const [fromMajor, fromMinor] = from.split('.').map(Number) as [number, number];
  const [toMajor, toMinor] = to.split('.').map(Number) as [number, number];
  const older = compareVersionStrings(to, from) < 0;
  if (fromMajor === toMajor) {
    return older
      ? `Amazon MWAA does not support downgrading Apache Airflow from version ${from} to ${to}; within a major version only upgrades are supported.`
      : undefined;
  }
  if (fromMajor === 2 && toMajor === 3) {
    return fromMinor === 11
      ? undefined
      : `Amazon MWAA does not support upgrading Apache Airflow from version ${from} to ${to} in place: a major version upgrade to 3.x must start from the latest 2.11.x version (upgrade to 2.11.0 first), or create a new environment and migrate your resources.`;
  }
  if (fromMajor === 3 && toMajor === 2) {
    return toMinor === 11
      ? undefined
      : `Amazon MWAA does not support downgrading Apache Airflow from version ${from} to ${to}: a 3.x environment can be downgraded only to Apache Airflow 2.11.x.`;
  }
  return `Amazon MWAA does not support changing Apache Airflow from version ${from} to ${to}.`;
}

export function compareVersionStrings(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** MWAA's limits on worker counts (MinWorkers/MaxWorkers are 1..25). mw1.micro runs exactly one worker. */
export const WORKER_LIMITS = { min: 1, max: 25 } as const;

export const WEBSERVER_ACCESS_MODES = ['PUBLIC_ONLY', 'PRIVATE_ONLY'] as const;

/** Environment names: letters first, then letters, digits, `-` and `_`, at most 80 characters. */
export const ENVIRONMENT_NAME_PATTERN = /^[a-zA-Z][0-9a-zA-Z_-]{0,79}$/;
