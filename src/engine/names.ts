/** Every resource name the pipeline uses, derived from its name, region and account: no local state. */
export interface Names {
  readonly name: string;
  readonly region: string;
  readonly account: string;
  readonly partition: string;
  readonly tagKey: string;
  readonly bucket: string;
  readonly bucketArn: string;
  readonly dataPrefix: string;
  readonly rawDataKey: string;
  readonly newDataPrefix: string;
  readonly processedPrefix: string;
  readonly modelsPrefix: string;
  readonly evaluationPrefix: string;
  readonly airflowPrefix: string;
  readonly airflowSourceBundleKey: string;
  readonly ssmPrefix: string;
  readonly lockParameter: string;
  readonly environment: string;
  readonly glueDatabase: string;
  readonly crawler: string;
  readonly etlJob: string;
  readonly analyzeFunction: string;
  readonly deployProject: string;
  readonly endpoint: string;
  readonly roles: RoleNames;
}

export interface RoleNames {
  readonly sagemaker: string;
  readonly glue: string;
  readonly lambda: string;
  readonly codebuild: string;
  readonly mwaa: string;
}

export const TAG_KEY = 'abalone-pipeline:name';

export const NAME_PATTERN = /^[a-z](?:[a-z0-9-]*[a-z0-9])?$/;

/** The ARN of a regional resource of this pipeline's account: `arn:<partition>:<service>:<region>:<account>:<resource>`. */
export function regionalArn(names: Pick<Names, 'partition' | 'region' | 'account'>, service: string, resource: string): string {
  return `arn:${names.partition}:${service}:${names.region}:${names.account}:${resource}`;
}

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/**
 * IAM role names are global to the account, so they carry the region too:
 * `<name>-<role>-<region>`, e.g. `abalone-glue-eu-west-1` (20 + 1 + 9 + 1 + 14 = 45 <= 64).
 */
function roleName(name: string, role: string, region: string): string {
  return `${name}-${role}-${region}`;
}

export function deriveNames(name: string, region: string, account: string, partition = partitionOf(region)): Names {
  const bucket = `${name}-data-${region}-${account}`;
  const dataPrefix = `${name}_data/`;
  return {
    name,
    region,
    account,
    partition,
    tagKey: TAG_KEY,
    bucket,
    bucketArn: `arn:${partition}:s3:::${bucket}`,
    dataPrefix,
    rawDataKey: `${dataPrefix}raw/abalone.data`,
    newDataPrefix: `${dataPrefix}new/`,
    processedPrefix: `${dataPrefix}processed/`,
    modelsPrefix: `${dataPrefix}models/`,
    evaluationPrefix: `${dataPrefix}evaluation/`,
    airflowPrefix: 'airflow/',
    airflowSourceBundleKey: 'airflow-source/bundle.zip',
    ssmPrefix: `/abalone-pipeline/${name}`,
    lockParameter: `/abalone-pipeline/${name}/lock`,
    environment: `${name}-airflow-environment`,
    glueDatabase: `${name.replace(/-/g, '_')}_new`,
    crawler: `${name}-crawler`,
    etlJob: `${name}-etl-job`,
    analyzeFunction: `${name}-analyze-results`,
    deployProject: `${name}-deploy-airflow`,
    endpoint: `${name}-endpoint`,
    roles: {
      sagemaker: roleName(name, 'sagemaker', region),
      glue: roleName(name, 'glue', region),
      lambda: roleName(name, 'lambda', region),
      codebuild: roleName(name, 'codebuild', region),
      mwaa: roleName(name, 'mwaa-exec', region),
    },
  };
}

/** Where the DAG writes its run records, one `<run id>.json` each (docs/runs.md; layout.py). */
export function runsPrefix(names: Names): string {
  return `${names.dataPrefix}runs/`;
}
