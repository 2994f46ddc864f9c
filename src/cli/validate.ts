import { AIRFLOW_VERSIONS, DAG_AIRFLOW_VERSIONS, ENVIRONMENT_CLASSES, WEBSERVER_ACCESS_MODES, WORKER_LIMITS, type EnvironmentClass } from '../engine/mwaa-catalog.js';
import { NAME_PATTERN, deriveNames } from '../engine/names.js';
import { STEP_NAMES, type StepName } from '../engine/types.js';
import type { EtlEngine, WebserverAccess } from '../engine/config.js';
import { UsageError } from '../base/errors.js';

const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;
const SUBNET_PATTERN = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP_PATTERN = /^sg-[0-9a-f]{8,17}$/;

/** AWS limits on the names derived from the pipeline name, checked with the longest account id. */
const NAME_LIMITS: ReadonlyArray<[string, (n: ReturnType<typeof deriveNames>) => string, number]> = [
  ['S3 bucket', (n) => n.bucket, 63],
  ['IAM role', (n) => Object.values(n.roles).reduce((a, b) => (a.length >= b.length ? a : b)), 64],
  ['Lambda function', (n) => n.analyzeFunction, 64],
  ['SageMaker endpoint', (n) => n.endpoint, 63],
  ['MWAA environment', (n) => n.environment, 80],
];

/** Prefixes S3 does not allow at the start of a bucket name (the pipeline name starts it). */
const RESERVED_BUCKET_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'];

export function validateName(name: string, region: string): string {
  if (name.length === 0) throw new UsageError('--name is empty: give the pipeline a name such as "abalone"', 'InvalidName');
  if (!NAME_PATTERN.test(name)) {
    throw new UsageError(
      `--name "${name}" is not valid: use lower-case letters, digits and hyphens, starting with a letter and not ending with a hyphen ` +
        '(it becomes part of S3 bucket and IAM role names)',
      'InvalidName',
    );
  }
  const reserved = RESERVED_BUCKET_PREFIXES.find((prefix) => name.startsWith(prefix));
  if (reserved) {
    throw new UsageError(`--name "${name}" starts with "${reserved}", which S3 reserves for bucket names: choose another name`, 'InvalidName');
  }
  const names = deriveNames(name, region, '123456789012');
  for (const [what, pick, limit] of NAME_LIMITS) {
    const derived = pick(names);
    if (derived.length > limit) {
      throw new UsageError(
        `--name "${name}" is too long: the ${what} name "${derived}" would be ${derived.length} characters (AWS allows ${limit}); ` +
          `use at most ${name.length - (derived.length - limit)} characters`,
        'InvalidName',
      );
    }
  }
  return name;
}

export function validateRegion(region: string): string {
  if (!REGION_PATTERN.test(region)) {
    throw new UsageError(`--region "${region}" is not an AWS region name (e.g. us-east-1, eu-west-1)`, 'InvalidRegion');
  }
  return region;
}

export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`${flag} "${value}" is not one of: ${allowed.join(', ')}`, 'InvalidOption');
  }
  return value as T;
}

export function integer(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`${flag} "${value}" must be a whole number from ${min} to ${max}`, 'InvalidOption');
  }
  return n;
}

export function positiveNumber(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} "${value}" must be a positive number`, 'InvalidOption');
  return n;
}

export function idList(flag: string, value: string, pattern: RegExp, example: string): string[] {
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = ids.filter((id) => !pattern.test(id));
  if (ids.length === 0 || bad.length > 0) {
    throw new UsageError(`${flag} "${value}" is not a comma-separated list of ids like ${example}${bad.length ? ` (bad: ${bad.join(', ')})` : ''}`, 'InvalidOption');
  }
  return ids;
}

export const subnetIds = (value: string) => {
  const ids = idList('--subnet-ids', value, SUBNET_PATTERN, 'subnet-0123abcd,subnet-4567ef01');
  if (ids.length !== 2 || ids[0] === ids[1]) {
    throw new UsageError(`--subnet-ids needs exactly two different private subnets (MWAA's requirement); got ${ids.length === 2 ? 'the same subnet twice' : ids.length}`, 'InvalidOption');
  }
  return ids;
};
export const securityGroupIds = (value: string) => idList('--security-group-ids', value, SECURITY_GROUP_PATTERN, 'sg-0123abcd');

export const envClass = (value: string): EnvironmentClass => oneOf('--env-class', value, ENVIRONMENT_CLASSES);
export const airflowVersion = (value: string) => {
  if (!(DAG_AIRFLOW_VERSIONS as readonly string[]).includes(value)) {
    const mwaa = (AIRFLOW_VERSIONS as readonly string[]).includes(value)
      ? ` (MWAA runs ${value}, but the DAG and its requirements are not tested on it)`
      : ` (not a version MWAA runs: ${AIRFLOW_VERSIONS.join(', ')})`;
    throw new UsageError(`--airflow-version "${value}": the DAG is tested on Airflow ${DAG_AIRFLOW_VERSIONS.join(', ')} only${mwaa}; accepted: ${DAG_AIRFLOW_VERSIONS.join(', ')}`, 'InvalidOption');
  }
  return value as (typeof DAG_AIRFLOW_VERSIONS)[number];
};
export const webserverAccess = (value: string): WebserverAccess => oneOf('--webserver-access', value, WEBSERVER_ACCESS_MODES);
export const etlEngine = (value: string): EtlEngine => oneOf('--etl-engine', value, ['pythonshell', 'spark'] as const);
export const natGateways = (value: string): 1 | 2 => integer('--nat-gateways', value, 1, 2) as 1 | 2;
export const workers = (flag: string) => (value: string) => integer(flag, value, WORKER_LIMITS.min, WORKER_LIMITS.max);

export function stepList(value: string): StepName[] {
  const steps = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = steps.filter((s) => !(STEP_NAMES as readonly string[]).includes(s));
  if (steps.length === 0 || unknown.length > 0) {
    throw new UsageError(`--only: unknown step ${unknown.join(', ') || '(none given)'}; steps are: ${STEP_NAMES.join(', ')}`, 'InvalidOption');
  }
  return steps as StepName[];
}
