import type { PolicyDocument } from '../../aws/policy.js';
import type { PipelineConfig } from '../../engine/config.js';
import type { Names, RoleNames } from '../../engine/names.js';
import { renderPolicyTemplate, templateVars } from '../templates.js';

export type RoleKey = keyof RoleNames;

/** The one inline policy name the tool writes on each role it manages the policies of. */
export const INLINE_POLICY_NAME = 'abalone-pipeline-least-privilege';

interface RoleDefinition {
  readonly key: RoleKey;
  readonly title: string;
  readonly services: readonly string[];
  /**
   * aws:SourceAccount in the trust policy. On for the services whose docs show it for roles they
   * assume (SageMaker, CodeBuild, MWAA); off for Glue and Lambda, which are not documented to send
   * the key when they assume a role, so a condition on it would make the role unusable.
   */
  readonly sourceAccountCondition: boolean;
  /** The least-privilege policy under templates/iam/, or undefined when another step owns the policies. */
  readonly policyTemplate?: string;
  /** `--managed-policies`: AWS managed policies (paths under arn:<partition>:iam::aws:policy/). */
  readonly managedPolicies?: readonly string[];
}

const DEFINITIONS: readonly RoleDefinition[] = [
  {
    key: 'sagemaker',
    title: 'SageMaker execution role',
    services: ['sagemaker.amazonaws.com'],
    sourceAccountCondition: true,
    policyTemplate: 'iam/sagemaker.json',
    // AmazonSageMakerFullAccess reaches only buckets named *sagemaker*; the book adds S3 access.
    managedPolicies: ['AmazonSageMakerFullAccess', 'AmazonS3FullAccess'],
  },
  {
    key: 'glue',
    title: 'Glue crawler and ETL job role',
    services: ['glue.amazonaws.com'],
    sourceAccountCondition: false,
    policyTemplate: 'iam/glue.json',
    managedPolicies: ['service-role/AWSGlueServiceRole', 'AmazonS3FullAccess'],
  },
  {
    key: 'lambda',
    title: 'analyze-results Lambda execution role',
    services: ['lambda.amazonaws.com'],
    sourceAccountCondition: false,
    policyTemplate: 'iam/lambda.json',
    managedPolicies: ['service-role/AWSLambdaBasicExecutionRole', 'AmazonS3ReadOnlyAccess'],
  },
  {
    key: 'codebuild',
    title: 'CodeBuild deploy role',
    services: ['codebuild.amazonaws.com'],
    sourceAccountCondition: true,
    policyTemplate: 'iam/codebuild.json',
    // AWS has no managed policy for CodeBuild service roles (its docs give a custom one), so this
    // role keeps the least-privilege policy under --managed-policies too.
  },
  {
    key: 'mwaa',
    title: 'MWAA execution role (policies attached by attach-policies)',
    services: ['airflow.amazonaws.com', 'airflow-env.amazonaws.com'],
    sourceAccountCondition: true,
  },
];

/** What one role should look like. `inline`/`managed` are undefined when ensure-roles leaves them alone. */
export interface WantedRole {
  readonly key: RoleKey;
  readonly name: string;
  readonly arn: string;
  readonly description: string;
  readonly services: readonly string[];
  readonly trust: PolicyDocument;
  readonly inline?: ReadonlyMap<string, PolicyDocument>;
  readonly managed?: readonly string[];
}

export function roleArn(names: Names, roleName: string): string {
  return `arn:${names.partition}:iam::${names.account}:role/${roleName}`;
}

export function managedPolicyArn(names: Names, path: string): string {
  return `arn:${names.partition}:iam::aws:policy/${path}`;
}

async function wanted(def: RoleDefinition, names: Names, config: PipelineConfig): Promise<WantedRole> {
  const vars = templateVars(names);
  const name = names.roles[def.key];
  const trust = await renderPolicyTemplate(def.sourceAccountCondition ? 'iam/trust.json' : 'iam/trust-unconditioned.json', {
    ...vars,
    // One service as a string, several as a list: the form IAM gives back.
    services: def.services.length === 1 ? def.services[0]! : def.services,
  });
  const base = {
    key: def.key,
    name,
    arn: roleArn(names, name),
    description: `abalone-pipeline ${names.name}: ${def.title}`,
    services: def.services,
    trust,
  };
  if (!def.policyTemplate) return base;
  const useManaged = config.managedPolicies && def.managedPolicies !== undefined;
  if (useManaged) return { ...base, inline: new Map(), managed: def.managedPolicies!.map((p) => managedPolicyArn(names, p)) };
  const policy = await renderPolicyTemplate(def.policyTemplate, vars);
  return { ...base, inline: new Map([[INLINE_POLICY_NAME, policy]]), managed: [] };
}

export function wantedRoles(names: Names, config: PipelineConfig): Promise<WantedRole[]> {
  return Promise.all(DEFINITIONS.map((d) => wanted(d, names, config)));
}
