/**
 * An environment's configuration: what CreateEnvironment and UpdateEnvironment accept (checked
 * against the model), the defaults AWS fills in, and the checks across members AWS makes.
 */
import {
  AIRFLOW_VERSIONS,
  DEFAULT_AIRFLOW_VERSION,
  ENVIRONMENT_CLASSES,
  WORKER_LIMITS,
  compareVersionStrings,
  versionChangeRefusal,
} from '../shared/mwaa-catalog.js';
import { validationError } from './http.js';
import { Violations, bool, checkMembers, int, list, map, oneOf, str, struct, PATTERNS as P, type Check } from './shapes.js';

export const LOG_MODULES = ['DagProcessingLogs', 'SchedulerLogs', 'TaskLogs', 'WebserverLogs', 'WorkerLogs'] as const;
export type LogModule = (typeof LOG_MODULES)[number];
export const LOG_LEVELS = ['CRITICAL', 'ERROR', 'WARNING', 'INFO', 'DEBUG'] as const;
/** The model's enum (the tool's catalog offers only the first two). */
export const ACCESS_MODES = ['PRIVATE_ONLY', 'PUBLIC_ONLY', 'PUBLIC_AND_PRIVATE'] as const;
export const ENDPOINT_MANAGEMENT = ['CUSTOMER', 'SERVICE'] as const;

export interface ModuleLogging {
  Enabled: boolean;
  LogLevel: string;
}

/** The S3 objects an environment installs: path and optional object version, each. */
export const S3_OBJECTS = [
  ['RequirementsS3Path', 'RequirementsS3ObjectVersion'],
  ['PluginsS3Path', 'PluginsS3ObjectVersion'],
  ['StartupScriptS3Path', 'StartupScriptS3ObjectVersion'],
] as const;

export interface EnvConfig {
  ExecutionRoleArn: string;
  SourceBucketArn: string;
  DagS3Path: string;
  NetworkConfiguration: { SubnetIds: string[]; SecurityGroupIds: string[] };
  RequirementsS3Path?: string;
  RequirementsS3ObjectVersion?: string;
  PluginsS3Path?: string;
  PluginsS3ObjectVersion?: string;
  StartupScriptS3Path?: string;
  StartupScriptS3ObjectVersion?: string;
  AirflowConfigurationOptions: Record<string, string>;
  EnvironmentClass: string;
  MaxWorkers: number;
  MinWorkers: number;
  Schedulers: number;
  MinWebservers: number;
  MaxWebservers: number;
  KmsKey?: string;
  AirflowVersion: string;
  LoggingConfiguration: Record<LogModule, ModuleLogging>;
  WeeklyMaintenanceWindowStart: string;
  WebserverAccessMode: string;
  EndpointManagement: string;
}

const moduleLogging = struct({ Enabled: bool, LogLevel: oneOf(LOG_LEVELS) }, ['Enabled', 'LogLevel']);
const s3Path = str(1, 1024, P.relativePath);
const objectVersion = str(1, 1024);

const COMMON_FIELDS: Record<string, Check> = {
  ExecutionRoleArn: str(1, 1224, P.roleArn),
  SourceBucketArn: str(1, 1224, P.bucketArn),
  DagS3Path: s3Path,
  PluginsS3Path: s3Path,
  PluginsS3ObjectVersion: objectVersion,
  RequirementsS3Path: s3Path,
  RequirementsS3ObjectVersion: objectVersion,
  StartupScriptS3Path: s3Path,
  StartupScriptS3ObjectVersion: objectVersion,
  AirflowConfigurationOptions: map(str(1, 64, P.configKey), str(1, 65536, P.configValue, true)),
  EnvironmentClass: str(1, 1024),
  MaxWorkers: int(1),
  MinWorkers: int(1),
  Schedulers: int(undefined, 5),
  MinWebservers: int(1),
  MaxWebservers: int(1),
  AirflowVersion: str(1, 32, P.airflowVersion),
  LoggingConfiguration: struct(Object.fromEntries(LOG_MODULES.map((m) => [m, moduleLogging]))),
  WeeklyMaintenanceWindowStart: str(1, 9, P.maintenanceWindow),
  WebserverAccessMode: oneOf(ACCESS_MODES),
};

export const TAGS_CHECK = map(str(1, 128, P.tag), str(1, 256, P.tag), 1, 50);

const CREATE_FIELDS: Record<string, Check> = {
  ...COMMON_FIELDS,
  NetworkConfiguration: struct(
    { SubnetIds: list(2, 2, str(1, 1024, P.subnetId)), SecurityGroupIds: list(1, 5, str(1, 1024, P.securityGroupId)) },
    ['SubnetIds', 'SecurityGroupIds'],
  ),
  KmsKey: str(1, 1224, P.kmsKey),
  Tags: TAGS_CHECK,
  EndpointManagement: oneOf(ENDPOINT_MANAGEMENT),
};
const CREATE_REQUIRED = ['ExecutionRoleArn', 'SourceBucketArn', 'DagS3Path', 'NetworkConfiguration'];

const UPDATE_FIELDS: Record<string, Check> = {
  ...COMMON_FIELDS,
  NetworkConfiguration: struct({ SecurityGroupIds: list(1, 5, str(1, 1024, P.securityGroupId)) }, ['SecurityGroupIds']),
  WorkerReplacementStrategy: oneOf(['FORCED', 'GRACEFUL']),
};

export function checkEnvironmentName(name: string): void {
  const v = new Violations();
  str(1, 80, P.environmentName)(v, name, 'Name');
  v.throwIfAny();
}

/** A CreateEnvironment body, checked, with AWS's defaults filled in. */
export function configFromCreate(body: Record<string, unknown>): { config: EnvConfig; tags: Record<string, string> } {
  const v = new Violations();
  checkMembers(v, body, CREATE_FIELDS, CREATE_REQUIRED);
  v.throwIfAny();
  const b = body as Partial<EnvConfig> & { Tags?: Record<string, string>; LoggingConfiguration?: Partial<EnvConfig['LoggingConfiguration']> };
  const environmentClass = b.EnvironmentClass ?? 'mw1.small';
  const micro = environmentClass === 'mw1.micro';
  const logging = Object.fromEntries(
    LOG_MODULES.map((m) => [m, b.LoggingConfiguration?.[m] ?? { Enabled: false, LogLevel: 'INFO' }]),
  ) as EnvConfig['LoggingConfiguration'];
  const config: EnvConfig = {
    ...pickObjects(b),
    ExecutionRoleArn: b.ExecutionRoleArn!,
    SourceBucketArn: b.SourceBucketArn!,
    DagS3Path: b.DagS3Path!,
    NetworkConfiguration: {
      SubnetIds: [...b.NetworkConfiguration!.SubnetIds],
      SecurityGroupIds: [...b.NetworkConfiguration!.SecurityGroupIds],
    },
    AirflowConfigurationOptions: { ...(b.AirflowConfigurationOptions ?? {}) },
    EnvironmentClass: environmentClass,
    MaxWorkers: b.MaxWorkers ?? (micro ? 1 : 10),
    MinWorkers: b.MinWorkers ?? 1,
    Schedulers: b.Schedulers ?? (micro ? 1 : 2),
    MinWebservers: b.MinWebservers ?? (micro ? 1 : 2),
    MaxWebservers: b.MaxWebservers ?? (micro ? 1 : 2),
    ...(b.KmsKey ? { KmsKey: b.KmsKey } : {}),
    AirflowVersion: b.AirflowVersion ?? DEFAULT_AIRFLOW_VERSION,
    LoggingConfiguration: logging,
    WeeklyMaintenanceWindowStart: b.WeeklyMaintenanceWindowStart ?? 'SUN:03:30',
    WebserverAccessMode: b.WebserverAccessMode ?? 'PRIVATE_ONLY',
    EndpointManagement: b.EndpointManagement ?? 'SERVICE',
  };
  checkConfig(config);
  return { config, tags: { ...(b.Tags ?? {}) } };
}

/** An UpdateEnvironment body, checked, applied over the current configuration. */
export function configFromUpdate(current: EnvConfig, body: Record<string, unknown>): EnvConfig {
  const v = new Violations();
  checkMembers(v, body, UPDATE_FIELDS, []);
  v.throwIfAny();
  const b = body as Partial<Omit<EnvConfig, 'NetworkConfiguration' | 'LoggingConfiguration'>> & {
    NetworkConfiguration?: { SecurityGroupIds: string[] };
    LoggingConfiguration?: Partial<EnvConfig['LoggingConfiguration']>;
  };
  const next: EnvConfig = structuredClone(current);
  for (const key of Object.keys(COMMON_FIELDS) as (keyof EnvConfig)[]) {
    if (key === 'LoggingConfiguration' || b[key as keyof typeof b] === undefined) continue;
    (next as unknown as Record<string, unknown>)[key] = structuredClone(b[key as keyof typeof b]);
  }
  for (const m of LOG_MODULES) {
    const given = b.LoggingConfiguration?.[m];
    if (given) next.LoggingConfiguration[m] = { Enabled: given.Enabled, LogLevel: given.LogLevel };
  }
  if (b.NetworkConfiguration) next.NetworkConfiguration.SecurityGroupIds = [...b.NetworkConfiguration.SecurityGroupIds];
  checkConfig(next);
  const refusal = versionChangeRefusal(current.AirflowVersion, next.AirflowVersion);
  if (refusal) throw validationError(refusal);
  return next;
}

function pickObjects(b: Partial<EnvConfig>): Partial<EnvConfig> {
  const out: Partial<EnvConfig> = {};
  for (const [path, version] of S3_OBJECTS) {
    if (b[path] !== undefined) out[path] = b[path];
    if (b[version] !== undefined) out[version] = b[version];
  }
  return out;
}

/** The checks across members: catalog values, worker/scheduler/webserver bounds per class. */
function checkConfig(c: EnvConfig): void {
  const fail = (message: string): never => {
    throw validationError(message);
  };
  if (!(ENVIRONMENT_CLASSES as readonly string[]).includes(c.EnvironmentClass)) {
    fail(`Invalid EnvironmentClass '${c.EnvironmentClass}'. Valid values: ${ENVIRONMENT_CLASSES.join(', ')}.`);
  }
  if (!(AIRFLOW_VERSIONS as readonly string[]).includes(c.AirflowVersion)) {
    fail(`Apache Airflow version ${c.AirflowVersion} is not supported. Supported versions: ${AIRFLOW_VERSIONS.join(', ')}.`);
  }
  const micro = c.EnvironmentClass === 'mw1.micro';
  const workersMax = micro ? 1 : WORKER_LIMITS.max;
  for (const key of ['MinWorkers', 'MaxWorkers'] as const) {
    if (c[key] < WORKER_LIMITS.min || c[key] > workersMax) {
      fail(`${key} must be between ${WORKER_LIMITS.min} and ${workersMax} for ${c.EnvironmentClass}; got ${c[key]}.`);
    }
  }
  if (c.MinWorkers > c.MaxWorkers) fail(`MinWorkers (${c.MinWorkers}) must not exceed MaxWorkers (${c.MaxWorkers}).`);
  const [schedMin, schedMax] = micro ? [1, 1] : [2, 5];
  if (c.Schedulers < schedMin || c.Schedulers > schedMax) {
    fail(`Schedulers must be between ${schedMin} and ${schedMax} for ${c.EnvironmentClass}; got ${c.Schedulers}.`);
  }
  const [webMin, webMax] = micro ? [1, 1] : [2, 5];
  for (const key of ['MinWebservers', 'MaxWebservers'] as const) {
    if (c[key] < webMin || c[key] > webMax) {
      fail(`${key} must be between ${webMin} and ${webMax} for ${c.EnvironmentClass}; got ${c[key]}.`);
    }
  }
  if (c.MinWebservers > c.MaxWebservers) {
    fail(`MinWebservers (${c.MinWebservers}) must not exceed MaxWebservers (${c.MaxWebservers}).`);
  }
  for (const [path, version] of S3_OBJECTS) {
    if (c[version] !== undefined && c[path] === undefined) fail(`${version} requires ${path}.`);
  }
}

export const compareVersions = compareVersionStrings;
