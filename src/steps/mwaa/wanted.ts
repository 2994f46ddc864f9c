import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { CreateEnvironmentInput, LoggingConfigurationInput } from '@aws-sdk/client-mwaa';
import { readOrUndefined } from '../../aws/errors.js';
import { VERSIONED_FILES } from '../../engine/airflow-folder.js';
import { regionalArn, type Names } from '../../engine/names.js';
import type { StepContext } from '../../engine/types.js';
import type { NetworkIds } from '../vpc/observe.js';
import { roleArn } from '../roles/specs.js';

/** Task logs at INFO (what a DAG author reads); the service's own components at WARNING. */
export const LOG_LEVELS = {
  DagProcessingLogs: 'WARNING',
  SchedulerLogs: 'WARNING',
  TaskLogs: 'INFO',
  WebserverLogs: 'WARNING',
  WorkerLogs: 'WARNING',
} as const;

export type LogModule = keyof typeof LOG_LEVELS;

export function loggingConfiguration(): LoggingConfigurationInput {
  return Object.fromEntries(Object.entries(LOG_LEVELS).map(([module, LogLevel]) => [module, { Enabled: true, LogLevel }]));
}

export function environmentArn(names: Names): string {
  return regionalArn(names, 'airflow', `environment/${names.environment}`);
}

/** The Airflow option the DAG reads its SSM prefix from: conf.get("abalone", "ssm_prefix"). */
export function airflowOptions(names: Names): Record<string, string> {
  return { 'abalone.ssm_prefix': names.ssmPrefix };
}

export type ObjectVersions = Partial<Record<string, string>>;

/**
 * The requirements file (and plugins, startup script, when present) with its current S3 object
 * version: MWAA ignores a changed file unless the environment names the new version.
 */
export async function objectVersions(s3: S3Client, names: Names): Promise<ObjectVersions> {
  const found = await Promise.all(
    Object.entries(VERSIONED_FILES).map(async ([file, fields]) => {
      const Key = `${names.airflowPrefix}${file}`;
      const head = await readOrUndefined(() => s3.send(new HeadObjectCommand({ Bucket: names.bucket, Key })));
      if (!head) return {};
      return { [fields.path]: Key, ...(head.VersionId && head.VersionId !== 'null' ? { [fields.version]: head.VersionId } : {}) };
    }),
  );
  return Object.assign({}, ...found) as ObjectVersions;
}

/** Everything `up` sets on the environment. */
export function wantedEnvironment(ctx: StepContext, network: NetworkIds, versions: ObjectVersions): CreateEnvironmentInput {
  const { names, config } = ctx;
  return {
    Name: names.environment,
    ExecutionRoleArn: roleArn(names, names.roles.mwaa),
    SourceBucketArn: names.bucketArn,
    DagS3Path: `${names.airflowPrefix}dags`,
    ...versions,
    NetworkConfiguration: { SubnetIds: [...network.subnetIds], SecurityGroupIds: [...network.securityGroupIds] },
    EnvironmentClass: config.envClass,
    MinWorkers: config.minWorkers,
    MaxWorkers: config.maxWorkers,
    AirflowVersion: config.airflowVersion,
    WebserverAccessMode: config.webserverAccess,
    LoggingConfiguration: loggingConfiguration(),
    AirflowConfigurationOptions: airflowOptions(names),
    Tags: { [names.tagKey]: names.name },
  };
}
