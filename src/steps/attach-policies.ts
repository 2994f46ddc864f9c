import {
  AttachRolePolicyCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRolePolicyCommand,
  PutRolePolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { isNotFound, readOrUndefined } from '../aws/errors.js';
import { diffPolicies, parsePolicy, type PolicyDocument } from '../aws/policy.js';
import type { PipelineConfig } from '../engine/config.js';
import type { Names } from '../engine/names.js';
import { change, type Change, type ResourceState, type Step, type StepContext } from '../engine/types.js';
import { attachedPolicyArns, inlinePolicyNames, roleTag } from './roles/iam.js';
import { isOurs, leaveAlone } from '../engine/ownership.js';
import { INLINE_POLICY_NAME, managedPolicyArn, roleArn } from './roles/specs.js';
import { renderPolicyTemplate, templateVars } from './templates.js';

/**
 * `--managed-policies`: the AWS managed policies that cover what the DAG calls (SageMaker, Glue,
 * S3, Lambda, SSM). MWAA's own permissions stay in the inline policy in both modes: no managed
 * policy grants the environment's log groups, Celery queues and AWS-owned key.
 */
export const DAG_MANAGED_POLICIES = ['AmazonSageMakerFullAccess', 'AWSGlueConsoleFullAccess', 'AmazonS3FullAccess', 'AWSLambda_FullAccess', 'AmazonSSMReadOnlyAccess'] as const;

export interface WantedPolicies {
  readonly inline: ReadonlyMap<string, PolicyDocument>;
  readonly managed: readonly string[];
}

/** The MWAA execution role's policy: the user guide's, plus what the DAG needs (or the managed policies). */
export async function wantedMwaaPolicies(names: Names, config: PipelineConfig): Promise<WantedPolicies> {
  const dnsSuffix = names.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
  const vars = { ...templateVars(names), sqsViaService: `sqs.${names.region}.${dnsSuffix}` };
  const environment = await renderPolicyTemplate('iam/mwaa-execution.json', vars);
  if (config.managedPolicies) {
    return { inline: new Map([[INLINE_POLICY_NAME, environment]]), managed: DAG_MANAGED_POLICIES.map((p) => managedPolicyArn(names, p)) };
  }
  const dag = await renderPolicyTemplate('iam/mwaa-dag.json', vars);
  return { inline: new Map([[INLINE_POLICY_NAME, { Version: environment.Version, Statement: [...environment.Statement, ...dag.Statement] }]]), managed: [] };
}

interface Finding {
  readonly action: 'create' | 'update' | 'delete';
  readonly type: 'iam-inline-policy' | 'iam-managed-policy';
  readonly policy: string;
  readonly detail: string;
  apply(): Promise<void>;
}

const shortName = (arn: string) => arn.split(':policy/')[1] ?? arn;

async function observe(ctx: StepContext): Promise<{ iam: IAMClient; role: string; roleExists: boolean; want: WantedPolicies; findings: Finding[] }> {
  const { names } = ctx;
  const RoleName = names.roles.mwaa;
  const [iam, want] = await Promise.all([ctx.clients.iam(), wantedMwaaPolicies(names, ctx.config)]);
  let inline: string[] = [];
  let attached: string[] = [];
  let roleExists = true;
  try {
    [inline, attached] = await Promise.all([inlinePolicyNames(iam, RoleName), attachedPolicyArns(iam, RoleName)]);
  } catch (error) {
    // In a dry run the role ensure-roles will create is not there yet: plan the policies anyway.
    if (!isNotFound(error)) throw error;
    roleExists = false;
  }
  const put = (name: string, doc: PolicyDocument) => async () => {
    await iam.send(new PutRolePolicyCommand({ RoleName, PolicyName: name, PolicyDocument: JSON.stringify(doc) }));
  };
  const findings: Finding[] = [];
  for (const [name, doc] of want.inline) {
    const actual = inline.includes(name) ? await readOrUndefined(() => iam.send(new GetRolePolicyCommand({ RoleName, PolicyName: name }))) : undefined;
    if (!actual?.PolicyDocument) {
      findings.push({ action: 'create', type: 'iam-inline-policy', policy: name, detail: `inline policy ${name} (${doc.Statement.length} statements)`, apply: put(name, doc) });
      continue;
    }
    const diff = diffPolicies(doc, parsePolicy(actual.PolicyDocument));
    if (diff.length > 0) findings.push({ action: 'update', type: 'iam-inline-policy', policy: name, detail: `inline policy ${name}: ${diff.join(', ')}`, apply: put(name, doc) });
  }
  for (const name of inline.filter((n) => !want.inline.has(n))) {
    findings.push({
      action: 'delete',
      type: 'iam-inline-policy',
      policy: name,
      detail: `inline policy ${name} not expected`,
      apply: async () => void (await iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName: name }))),
    });
  }
  for (const arn of want.managed.filter((a) => !attached.includes(a))) {
    findings.push({
      action: 'create',
      type: 'iam-managed-policy',
      policy: arn,
      detail: `attach managed policy ${shortName(arn)}`,
      apply: async () => void (await iam.send(new AttachRolePolicyCommand({ RoleName, PolicyArn: arn }))),
    });
  }
  for (const arn of attached.filter((a) => !want.managed.includes(a))) {
    findings.push({
      action: 'delete',
      type: 'iam-managed-policy',
      policy: arn,
      detail: `detach managed policy ${shortName(arn)} (not expected)`,
      apply: async () => void (await iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn: arn }))),
    });
  }
  return { iam, role: RoleName, roleExists, want, findings };
}

/** The MWAA execution role's permissions, put on the role before the environment is created (MWAA checks them). */
export const attachPolicies: Step = {
  name: 'attach-policies',
  dependsOn: ['ensure-roles'],

  async plan(ctx: StepContext): Promise<Change[]> {
    const { findings } = await observe(ctx);
    const arn = roleArn(ctx.names, ctx.names.roles.mwaa);
    return findings.map((f) => change(f.action, arn, f.detail, f.apply));
  },

  async status(ctx: StepContext): Promise<ResourceState[]> {
    const { role, roleExists, want, findings } = await observe(ctx);
    const wanted: Array<[Finding['type'], string]> = [
      ...[...want.inline.keys()].map((name): [Finding['type'], string] => ['iam-inline-policy', name]),
      ...want.managed.map((arn): [Finding['type'], string] => ['iam-managed-policy', arn]),
    ];
    const rows = wanted.map(([type, policy]): ResourceState => {
      const id = `${role}/${type === 'iam-managed-policy' ? shortName(policy) : policy}`;
      const found = findings.find((f) => f.policy === policy);
      if (!roleExists || found?.action === 'create') return { type, id, state: 'missing', detail: roleExists ? '' : `role ${role} does not exist` };
      if (found) return { type, id, state: 'drift', detail: found.detail };
      return { type, id, state: 'ok', detail: '' };
    });
    const extra = findings
      .filter((f) => f.action === 'delete')
      .map((f): ResourceState => ({ type: f.type, id: `${role}/${shortName(f.policy)}`, state: 'drift', detail: f.detail }));
    return [...rows, ...extra];
  },

  async planDestroy(ctx: StepContext): Promise<Change[]> {
    const { names } = ctx;
    const RoleName = names.roles.mwaa;
    const iam = await ctx.clients.iam();
    let inline: string[];
    let attached: string[];
    try {
      [inline, attached] = await Promise.all([inlinePolicyNames(iam, RoleName), attachedPolicyArns(iam, RoleName)]);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    const arn = roleArn(names, RoleName);
    const tag = await roleTag(iam, names, RoleName);
    if (!isOurs(names, tag)) {
      leaveAlone(ctx, 'attach-policies', arn, tag);
      return [];
    }
    const ignoreGone = (error: unknown) => {
      if (!isNotFound(error)) throw error;
    };
    return [
      ...inline.map((PolicyName) =>
        change('delete', arn, `inline policy ${PolicyName}`, () => iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName })).then(() => undefined, ignoreGone)),
      ),
      ...attached.map((PolicyArn) =>
        change('delete', arn, `detach managed policy ${shortName(PolicyArn)}`, () => iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn })).then(() => undefined, ignoreGone)),
      ),
    ];
  },
};
