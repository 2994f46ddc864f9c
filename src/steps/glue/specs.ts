import type { Crawler, Job, JobUpdate } from '@aws-sdk/client-glue';
import type { EtlEngine, PipelineConfig } from '../../engine/config.js';
import { regionalArn, type Names } from '../../engine/names.js';
import { roleArn } from '../roles/specs.js';
import { airflowScriptsPrefix, glueTempPrefix } from '../templates.js';

/** Newest Glue version for Spark jobs (Glue 5.0: Spark 3.5, Python 3.11). */
export const SPARK_GLUE_VERSION = '5.0';
/** Python shell jobs run Python 3.9 on Glue 3.0 (the newest Python shell runtime). */
export const PYTHONSHELL_GLUE_VERSION = '3.0';
export const PYTHONSHELL_DPU = 0.0625;
export const SPARK_WORKER_TYPE = 'G.1X';
export const SPARK_WORKERS = 2;
export const JOB_TIMEOUT_MINUTES = 10;

export const SCHEMA_CHANGE_POLICY = { UpdateBehavior: 'UPDATE_IN_DATABASE', DeleteBehavior: 'LOG' } as const;

const SCRIPTS: Record<EtlEngine, string> = {
  pythonshell: 'abalone_etl_pythonshell.py',
  spark: 'abalone_etl_spark.py',
};
const CORE_SCRIPT = 'abalone_etl_core.py';

export function glueArn(names: Names, kind: 'database' | 'crawler' | 'job', name: string): string {
  return regionalArn(names, 'glue', `${kind}/${name}`);
}

export function tags(names: Names): Record<string, string> {
  return { [names.tagKey]: names.name };
}

function scriptUri(names: Names, file: string): string {
  return `s3://${names.bucket}/${airflowScriptsPrefix(names)}${file}`;
}

export function crawlerTarget(names: Names): string {
  return `s3://${names.bucket}/${names.newDataPrefix}`;
}

export interface CrawlerSpec {
  readonly Name: string;
  readonly Role: string;
  readonly DatabaseName: string;
  readonly Description: string;
  readonly Targets: { S3Targets: Array<{ Path: string }> };
  readonly SchemaChangePolicy: { UpdateBehavior: 'UPDATE_IN_DATABASE'; DeleteBehavior: 'LOG' };
}

export function crawlerSpec(names: Names): CrawlerSpec {
  return {
    Name: names.crawler,
    Role: roleArn(names, names.roles.glue),
    DatabaseName: names.glueDatabase,
    Description: `abalone-pipeline ${names.name}: catalogs new survey data`,
    Targets: { S3Targets: [{ Path: crawlerTarget(names) }] },
    SchemaChangePolicy: { ...SCHEMA_CHANGE_POLICY },
  };
}

/** The complete job definition: UpdateJob replaces the whole definition with it. */
export function jobSpec(names: Names, config: PipelineConfig): JobUpdate {
  const engine = config.etlEngine;
  const common: JobUpdate = {
    Description: `abalone-pipeline ${names.name}: abalone ETL (${engine})`,
    Role: roleArn(names, names.roles.glue),
    Timeout: JOB_TIMEOUT_MINUTES,
    MaxRetries: 0,
    ExecutionProperty: { MaxConcurrentRuns: 1 },
    DefaultArguments: {
      '--bucket': names.bucket,
      '--raw_key': names.rawDataKey,
      '--new_prefix': names.newDataPrefix,
      '--output_prefix': names.processedPrefix,
      '--extra-py-files': scriptUri(names, CORE_SCRIPT),
      '--TempDir': `s3://${names.bucket}/${glueTempPrefix(names)}`,
    },
  };
  if (engine === 'spark') {
    return {
      ...common,
      Command: { Name: 'glueetl', ScriptLocation: scriptUri(names, SCRIPTS.spark), PythonVersion: '3' },
      GlueVersion: SPARK_GLUE_VERSION,
      WorkerType: SPARK_WORKER_TYPE,
      NumberOfWorkers: SPARK_WORKERS,
    };
  }
  return {
    ...common,
    Command: { Name: 'pythonshell', ScriptLocation: scriptUri(names, SCRIPTS.pythonshell), PythonVersion: '3.9' },
    GlueVersion: PYTHONSHELL_GLUE_VERSION,
    MaxCapacity: PYTHONSHELL_DPU,
  };
}

/** A role given by ARN or by name, as its name. */
function roleName(role: string | undefined): string | undefined {
  return role?.split('/').pop();
}

function differs(label: string, actual: unknown, wanted: unknown): string[] {
  return actual === wanted ? [] : [`${label} ${actual === undefined ? 'unset' : String(actual)} (want ${String(wanted)})`];
}

export function crawlerDifferences(want: CrawlerSpec, actual: Crawler): string[] {
  const paths = (actual.Targets?.S3Targets ?? []).map((t) => t.Path ?? '').sort();
  const wantedPaths = want.Targets.S3Targets.map((t) => t.Path);
  const otherTargets = Object.entries(actual.Targets ?? {}).filter(([key, list]) => key !== 'S3Targets' && Array.isArray(list) && list.length > 0);
  return [
    ...differs('role', roleName(actual.Role), roleName(want.Role)),
    ...differs('database', actual.DatabaseName, want.DatabaseName),
    ...differs('S3 targets', paths.join(', '), wantedPaths.join(', ')),
    ...otherTargets.map(([key]) => `unexpected ${key}`),
    ...differs('schema update behavior', actual.SchemaChangePolicy?.UpdateBehavior, want.SchemaChangePolicy.UpdateBehavior),
    ...differs('schema delete behavior', actual.SchemaChangePolicy?.DeleteBehavior, want.SchemaChangePolicy.DeleteBehavior),
  ];
}

function engineOf(job: Job | JobUpdate): string | undefined {
  return job.Command?.Name;
}

export function jobDifferences(want: JobUpdate, actual: Job): string[] {
  const out = [
    ...differs('engine', engineOf(actual), engineOf(want)),
    ...differs('role', roleName(actual.Role), roleName(want.Role)),
    ...differs('script', actual.Command?.ScriptLocation, want.Command?.ScriptLocation),
    ...differs('Python version', actual.Command?.PythonVersion, want.Command?.PythonVersion),
    ...differs('Glue version', actual.GlueVersion, want.GlueVersion),
    ...differs('timeout', actual.Timeout, want.Timeout),
    ...differs('max retries', actual.MaxRetries ?? 0, want.MaxRetries),
    ...differs('max concurrent runs', actual.ExecutionProperty?.MaxConcurrentRuns, want.ExecutionProperty?.MaxConcurrentRuns),
  ];
  if (want.WorkerType) {
    out.push(...differs('worker type', actual.WorkerType, want.WorkerType), ...differs('workers', actual.NumberOfWorkers, want.NumberOfWorkers));
  } else {
    out.push(...differs('DPU', actual.MaxCapacity, want.MaxCapacity));
  }
  const wantedArgs = want.DefaultArguments ?? {};
  const actualArgs = actual.DefaultArguments ?? {};
  for (const [key, value] of Object.entries(wantedArgs)) out.push(...differs(`argument ${key}`, actualArgs[key], value));
  for (const key of Object.keys(actualArgs).filter((k) => !(k in wantedArgs))) out.push(`argument ${key} not expected`);
  return out;
}
