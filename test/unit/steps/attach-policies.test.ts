import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AttachRolePolicyCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  NoSuchEntityException,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { attachPolicies, DAG_MANAGED_POLICIES, wantedMwaaPolicies } from '../../../src/steps/attach-policies.js';
import { INLINE_POLICY_NAME } from '../../../src/steps/roles/specs.js';
import type { PolicyDocument, PolicyStatement } from '../../../src/aws/policy.js';
import { deriveNames } from '../../../src/engine/names.js';
import type { Change } from '../../../src/engine/types.js';
import { defaultConfig, stepContext, type TestStepContext } from '../../support/step-context.js';

const iam = mockClient(IAMClient);
const ROLE = 'abalone-mwaa-exec-us-east-1';
const ROLE_ARN = `arn:aws:iam::123456789012:role/${ROLE}`;

interface FakeRole {
  inline: Record<string, PolicyDocument>;
  attached: string[];
}

let role: FakeRole | undefined;
let ctx: TestStepContext;

const missing = () => new NoSuchEntityException({ message: `The role with name ${ROLE} cannot be found.`, $metadata: {} });

function serve(): void {
  iam.on(ListRolePoliciesCommand).callsFake(async () => {
    if (!role) throw missing();
    return { PolicyNames: Object.keys(role.inline), IsTruncated: false };
  });
  iam.on(ListAttachedRolePoliciesCommand).callsFake(async () => {
    if (!role) throw missing();
    return { AttachedPolicies: role.attached.map((PolicyArn) => ({ PolicyArn, PolicyName: PolicyArn.split('/').pop() })), IsTruncated: false };
  });
  iam.on(GetRolePolicyCommand).callsFake(async ({ PolicyName }) => {
    const doc = role?.inline[PolicyName];
    if (!doc) throw missing();
    return { RoleName: ROLE, PolicyName, PolicyDocument: encodeURIComponent(JSON.stringify(doc)) };
  });
  iam.on(PutRolePolicyCommand).callsFake(async ({ PolicyName, PolicyDocument }) => {
    role!.inline[PolicyName] = JSON.parse(PolicyDocument) as PolicyDocument;
    return {};
  });
  iam.on(DeleteRolePolicyCommand).callsFake(async ({ PolicyName }) => {
    delete role!.inline[PolicyName];
    return {};
  });
  iam.on(AttachRolePolicyCommand).callsFake(async ({ PolicyArn }) => {
    role!.attached.push(PolicyArn);
    return {};
  });
  iam.on(DetachRolePolicyCommand).callsFake(async ({ PolicyArn }) => {
    role!.attached = role!.attached.filter((a) => a !== PolicyArn);
    return {};
  });
  iam.on(GetRoleCommand).callsFake(async ({ RoleName }) => {
    if (!role) throw new NoSuchEntityException({ $metadata: {}, message: 'no role' });
    return { Role: { RoleName, Arn: `arn:aws:iam::123456789012:role/${RoleName}`, Path: '/', RoleId: 'AROA', CreateDate: new Date(), Tags: roleTags } };
  });
}

/** The role's tags: the pipeline's unless a test says otherwise. */
let roleTags = [{ Key: 'abalone-pipeline:name', Value: 'abalone' }];

async function applyAll(changes: Change[]): Promise<void> {
  for (const c of changes) await c.apply();
}

const statement = (doc: PolicyDocument, sid: string) => doc.Statement.find((s) => s.Sid === sid)!;
const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

beforeEach(() => {
  iam.reset();
  iam.onAnyCommand().rejects(new Error('unstubbed call'));
  role = { inline: {}, attached: [] };
  serve();
  ctx = stepContext();
});

describe('attach-policies: the policy', () => {
  it('is the MWAA user guide’s execution policy for this environment and bucket', async () => {
    const doc = (await wantedMwaaPolicies(ctx.names, ctx.config)).inline.get(INLINE_POLICY_NAME)!;
    expect(statement(doc, 'PublishEnvironmentMetrics')).toMatchObject({ Action: 'airflow:PublishMetrics', Resource: 'arn:aws:airflow:us-east-1:123456789012:environment/abalone-airflow-environment' });
    expect(statement(doc, 'DenyListAllBucketsCannotBeScoped')).toMatchObject({ Effect: 'Deny', Action: 's3:ListAllMyBuckets', Resource: '*' });
    expect(statement(doc, 'ReadSourceBucket').Resource).toBe('arn:aws:s3:::abalone-data-us-east-1-123456789012');
    expect(statement(doc, 'ReadAirflowFolder').Resource).toBe('arn:aws:s3:::abalone-data-us-east-1-123456789012/airflow/*');
    expect(statement(doc, 'GetAccountPublicAccessBlockCannotBeScoped')).toMatchObject({ Action: 's3:GetAccountPublicAccessBlock', Resource: '*' });
    expect(statement(doc, 'WriteEnvironmentLogs').Resource).toBe('arn:aws:logs:us-east-1:123456789012:log-group:airflow-abalone-airflow-environment-*');
    expect(statement(doc, 'UseCeleryQueues').Resource).toBe('arn:aws:sqs:us-east-1:*:airflow-celery-*');
    expect(statement(doc, 'UseAwsOwnedKeyThroughSqs')).toMatchObject({
      NotResource: 'arn:aws:kms:*:123456789012:key/*',
      Condition: { StringLike: { 'kms:ViaService': ['sqs.us-east-1.amazonaws.com'] } },
    });
  });

  it('adds what the DAG calls, on this pipeline’s resources only', async () => {
    const doc = (await wantedMwaaPolicies(ctx.names, ctx.config)).inline.get(INLINE_POLICY_NAME)!;
    expect(statement(doc, 'RunCrawler').Resource).toBe('arn:aws:glue:us-east-1:123456789012:crawler/abalone-crawler');
    expect(statement(doc, 'RunEtlJob').Resource).toBe('arn:aws:glue:us-east-1:123456789012:job/abalone-etl-job');
    expect(statement(doc, 'InvokeAnalyzeResults')).toMatchObject({ Action: 'lambda:InvokeFunction', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:abalone-analyze-results' });
    expect(list(statement(doc, 'RunSageMakerJobs').Resource)).toEqual([
      'arn:aws:sagemaker:us-east-1:123456789012:training-job/abalone-train-*',
      'arn:aws:sagemaker:us-east-1:123456789012:transform-job/abalone-transform-*',
    ]);
    expect(list(statement(doc, 'DeployModel').Resource)).toContain('arn:aws:sagemaker:us-east-1:123456789012:endpoint/abalone-endpoint');
    expect(statement(doc, 'PassSageMakerRoleOnly')).toEqual({
      Sid: 'PassSageMakerRoleOnly',
      Effect: 'Allow',
      Action: 'iam:PassRole',
      Resource: 'arn:aws:iam::123456789012:role/abalone-sagemaker-us-east-1',
      Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    });
    expect(list(statement(doc, 'ReadPipelineParameters').Resource)).toContain('arn:aws:ssm:us-east-1:123456789012:parameter/abalone-pipeline/abalone/*');
    expect(statement(doc, 'WriteWhatTheDagWrites').Resource).toEqual([
      'arn:aws:s3:::abalone-data-us-east-1-123456789012/abalone_data/evaluation/evaluation.json',
      'arn:aws:s3:::abalone-data-us-east-1-123456789012/abalone_data/runs/*',
      'arn:aws:s3:::abalone-data-us-east-1-123456789012/abalone_data/processed/manifest.json',
    ]);
  });

  it('names every statement, uses Resource "*" only where IAM cannot scope the action, and derives ARNs from the partition', async () => {
    const names = deriveNames('other', 'cn-north-1', '123456789012');
    for (const config of [defaultConfig(), defaultConfig({ managedPolicies: true })]) {
      const { inline, managed } = await wantedMwaaPolicies(names, config);
      const statements: PolicyStatement[] = [...inline.values()].flatMap((d) => d.Statement);
      for (const s of statements) {
        expect(s.Sid).toMatch(/^[A-Za-z0-9]+$/);
        for (const action of list(s.Action)) expect(action).not.toMatch(/^\*$|:\*$/);
        const resources = list(s.Resource);
        if (resources.includes('*')) expect(s.Sid).toMatch(/CannotBeScoped$/);
        for (const r of resources.filter((x) => x !== '*')) expect(r).toMatch(/^arn:aws-cn:/);
      }
      expect(JSON.stringify(statements).replaceAll('/abalone-pipeline/', '/').replaceAll('/abalone-pipeline:name', '/TAG')).not.toMatch(/abalone[-_]/);
      expect(JSON.stringify(statements)).toContain('sqs.cn-north-1.amazonaws.com.cn');
      for (const arn of managed) expect(arn).toMatch(/^arn:aws-cn:iam::aws:policy\//);
    }
  });

  it('with --managed-policies attaches the five managed policies and keeps only MWAA’s own statements inline', async () => {
    const { inline, managed } = await wantedMwaaPolicies(ctx.names, defaultConfig({ managedPolicies: true }));
    expect(managed).toEqual(DAG_MANAGED_POLICIES.map((p) => `arn:aws:iam::aws:policy/${p}`));
    expect(managed).toHaveLength(5);
    expect(inline.get(INLINE_POLICY_NAME)!.Statement.map((s) => s.Sid)).not.toContain('PassSageMakerRoleOnly');
    expect(inline.get(INLINE_POLICY_NAME)!.Statement.map((s) => s.Sid)).toContain('UseCeleryQueues');
  });
});

describe('attach-policies: reconcile', () => {
  it('depends on ensure-roles', () => {
    expect(attachPolicies.dependsOn).toEqual(['ensure-roles']);
  });

  it('plans the policy in a dry run before the role exists', async () => {
    role = undefined;
    const changes = await attachPolicies.plan(ctx);
    expect(changes.map((c) => [c.action, c.resource, c.detail])).toEqual([['create', ROLE_ARN, `inline policy ${INLINE_POLICY_NAME} (22 statements)`]]);
    expect((await attachPolicies.status(ctx))[0]).toMatchObject({ state: 'missing', detail: `role ${ROLE} does not exist` });
  });

  it('puts the policy, then is unchanged with only reads, and status is ok', async () => {
    await applyAll(await attachPolicies.plan(ctx));
    expect(iam.commandCalls(PutRolePolicyCommand)).toHaveLength(1);
    iam.resetHistory();
    expect(await attachPolicies.plan(ctx)).toEqual([]);
    expect(iam.calls().map((c) => (c.args[0] as object).constructor.name)).toEqual(['ListRolePoliciesCommand', 'ListAttachedRolePoliciesCommand', 'GetRolePolicyCommand']);
    expect(await attachPolicies.status(ctx)).toEqual([{ type: 'iam-inline-policy', id: `${ROLE}/${INLINE_POLICY_NAME}`, state: 'ok', detail: '' }]);
  });

  it('names the statement that drifted and restores it; removes what it does not expect', async () => {
    await applyAll(await attachPolicies.plan(ctx));
    statement(role!.inline[INLINE_POLICY_NAME]!, 'PassSageMakerRoleOnly').Resource = '*';
    role!.inline['added-by-hand'] = { Version: '2012-10-17', Statement: [] };
    role!.attached.push('arn:aws:iam::aws:policy/AdministratorAccess');
    const changes = await attachPolicies.plan(ctx);
    expect(changes.map((c) => [c.action, c.detail])).toEqual([
      ['update', `inline policy ${INLINE_POLICY_NAME}: statement PassSageMakerRoleOnly differs`],
      ['delete', 'inline policy added-by-hand not expected'],
      ['delete', 'detach managed policy AdministratorAccess (not expected)'],
    ]);
    expect((await attachPolicies.status(ctx)).map((r) => r.state)).toEqual(['drift', 'drift', 'drift']);
    await applyAll(changes);
    expect(await attachPolicies.plan(ctx)).toEqual([]);
  });

  it('switches between least privilege and --managed-policies in both directions', async () => {
    await applyAll(await attachPolicies.plan(ctx));
    const managed = stepContext({ config: { managedPolicies: true } });
    const toManaged = await attachPolicies.plan(managed);
    expect(toManaged.map((c) => c.action)).toEqual(['update', 'create', 'create', 'create', 'create', 'create']);
    await applyAll(toManaged);
    expect(role!.attached).toHaveLength(5);
    expect(await attachPolicies.plan(managed)).toEqual([]);
    await applyAll(await attachPolicies.plan(ctx));
    expect(role!.attached).toEqual([]);
    expect(await attachPolicies.plan(ctx)).toEqual([]);
  });
});

describe('attach-policies: destroy', () => {
  it('removes every policy from the role, and has nothing to do once the role is gone', async () => {
    role = { inline: { [INLINE_POLICY_NAME]: { Version: '2012-10-17', Statement: [] } }, attached: ['arn:aws:iam::aws:policy/AmazonS3FullAccess'] };
    const changes = await attachPolicies.planDestroy(ctx);
    expect(changes.map((c) => [c.action, c.detail])).toEqual([
      ['delete', `inline policy ${INLINE_POLICY_NAME}`],
      ['delete', 'detach managed policy AmazonS3FullAccess'],
    ]);
    await applyAll(changes);
    expect(role).toEqual({ inline: {}, attached: [] });
    role = undefined;
    expect(await attachPolicies.planDestroy(ctx)).toEqual([]);
  });

  it("leaves the policies of a role that is not this pipeline's alone", async () => {
    role = { inline: { theirs: { Version: '2012-10-17', Statement: [] } }, attached: [] };
    roleTags = [];
    try {
      expect(await attachPolicies.planDestroy(ctx)).toEqual([]);
      expect(ctx.events.map((e) => (e as { message?: string }).message)).toEqual([expect.stringMatching(/^left alone: arn:aws:iam::123456789012:role\/abalone-mwaa-exec-us-east-1 is not this pipeline's/)]);
    } finally {
      roleTags = [{ Key: 'abalone-pipeline:name', Value: 'abalone' }];
    }
  });
});
