import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  IAMServiceException,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  NoSuchEntityException,
  PutRolePolicyCommand,
  TagRoleCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { ensureRoles } from '../../../src/steps/ensure-roles.js';
import { INLINE_POLICY_NAME, wantedRoles, type WantedRole } from '../../../src/steps/roles/specs.js';
import type { PolicyDocument } from '../../../src/aws/policy.js';
import { stepContext, type TestStepContext } from '../../support/step-context.js';

const iam = mockClient(IAMClient);

interface FakeRole {
  trust: PolicyDocument;
  tags: Array<{ Key: string; Value: string }>;
  inline: Record<string, PolicyDocument>;
  attached: string[];
}

const notFound = (what: string) => new NoSuchEntityException({ message: `${what} not found`, $metadata: {} });

/** Serves GetRole, the List calls and GetRolePolicy from a map of roles, URL-encoding documents as IAM does. */
function serve(roles: Record<string, FakeRole>): void {
  const role = (name: string | undefined) => {
    const r = roles[name ?? ''];
    if (!r) throw notFound(`role ${name}`);
    return r;
  };
  iam.on(GetRoleCommand).callsFake(({ RoleName }) => {
    const r = role(RoleName);
    return { Role: { RoleName, Arn: `arn:aws:iam::123456789012:role/${RoleName}`, Path: '/', RoleId: 'X', CreateDate: new Date(), AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(r.trust)), Tags: r.tags } };
  });
  iam.on(ListRolePoliciesCommand).callsFake(({ RoleName }) => ({ PolicyNames: Object.keys(role(RoleName).inline), IsTruncated: false }));
  iam.on(GetRolePolicyCommand).callsFake(({ RoleName, PolicyName }) => {
    const doc = role(RoleName).inline[PolicyName!];
    if (!doc) throw notFound(`policy ${PolicyName}`);
    return { RoleName, PolicyName, PolicyDocument: encodeURIComponent(JSON.stringify(doc)) };
  });
  iam.on(ListAttachedRolePoliciesCommand).callsFake(({ RoleName }) => ({
    AttachedPolicies: role(RoleName).attached.map((PolicyArn) => ({ PolicyArn, PolicyName: PolicyArn.split('/').pop() })),
    IsTruncated: false,
  }));
}

/** The roles exactly as `up` makes them (the MWAA role with an attach-policies policy on it). */
function converged(wanted: WantedRole[], ctx: TestStepContext): Record<string, FakeRole> {
  return Object.fromEntries(
    wanted.map((w) => [
      w.name,
      {
        trust: w.trust,
        tags: [{ Key: ctx.names.tagKey, Value: ctx.names.name }],
        inline: w.inline ? Object.fromEntries(w.inline) : { 'mwaa-execution': { Version: '2012-10-17', Statement: [] } },
        attached: w.managed ? [...w.managed] : ['arn:aws:iam::123456789012:policy/attached-by-attach-policies'],
      },
    ]),
  );
}

let ctx: TestStepContext;

beforeEach(() => {
  iam.reset();
  iam.onAnyCommand().rejects(new Error('unstubbed'));
  ctx = stepContext();
});

describe('ensure-roles plan', () => {
  it('creates the five roles, with trust, tag and least-privilege policies (none on the MWAA role)', async () => {
    serve({});
    iam.on(CreateRoleCommand).resolves({});
    iam.on(PutRolePolicyCommand).resolves({});
    const changes = await ensureRoles.plan(ctx);
    expect(changes.map((c) => [c.action, c.resource])).toEqual([
      ['create', 'arn:aws:iam::123456789012:role/abalone-sagemaker-us-east-1'],
      ['create', 'arn:aws:iam::123456789012:role/abalone-glue-us-east-1'],
      ['create', 'arn:aws:iam::123456789012:role/abalone-lambda-us-east-1'],
      ['create', 'arn:aws:iam::123456789012:role/abalone-codebuild-us-east-1'],
      ['create', 'arn:aws:iam::123456789012:role/abalone-mwaa-exec-us-east-1'],
    ]);
    expect(changes[4]!.detail).toContain('attach-policies');
    for (const c of changes) await c.apply();

    const created = iam.commandCalls(CreateRoleCommand).map((c) => c.args[0].input);
    expect(created).toHaveLength(5);
    for (const input of created) expect(input.Tags).toEqual([{ Key: 'abalone-pipeline:name', Value: 'abalone' }]);
    const trustOf = (role: string) => JSON.parse(created.find((i) => i.RoleName === role)!.AssumeRolePolicyDocument!);
    expect(trustOf('abalone-sagemaker-us-east-1').Statement[0]).toMatchObject({
      Principal: { Service: 'sagemaker.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
    });
    expect(trustOf('abalone-mwaa-exec-us-east-1').Statement[0].Principal.Service).toEqual(['airflow.amazonaws.com', 'airflow-env.amazonaws.com']);
    expect(trustOf('abalone-glue-us-east-1').Statement[0].Condition).toBeUndefined();

    const puts = iam.commandCalls(PutRolePolicyCommand).map((c) => c.args[0].input);
    expect(puts.map((p) => p.RoleName).sort()).toEqual(['abalone-codebuild-us-east-1', 'abalone-glue-us-east-1', 'abalone-lambda-us-east-1', 'abalone-sagemaker-us-east-1']);
    expect(new Set(puts.map((p) => p.PolicyName))).toEqual(new Set([INLINE_POLICY_NAME]));
    expect(iam.commandCalls(AttachRolePolicyCommand)).toHaveLength(0);
  });

  it('is a no-op, and status is ok, when every role matches (the MWAA role keeps what attach-policies put on it)', async () => {
    serve(converged(await wantedRoles(ctx.names, ctx.config), ctx));
    expect(await ensureRoles.plan(ctx)).toEqual([]);
    const states = await ensureRoles.status(ctx);
    expect(states).toHaveLength(5);
    expect(states.every((s) => s.state === 'ok' && s.type === 'iam-role')).toBe(true);
  });

  it('reports an edited inline policy statement as drift and restores the policy', async () => {
    const roles = converged(await wantedRoles(ctx.names, ctx.config), ctx);
    const glue = roles['abalone-glue-us-east-1']!;
    const policy = structuredClone(glue.inline[INLINE_POLICY_NAME]!);
    policy.Statement.find((s) => s.Sid === 'ReadRawNewDataAndScripts')!.Resource = 'arn:aws:s3:::abalone-data-us-east-1-123456789012/*';
    glue.inline[INLINE_POLICY_NAME] = policy;
    serve(roles);
    iam.on(PutRolePolicyCommand).resolves({});

    const status = await ensureRoles.status(ctx);
    const glueState = status.find((s) => s.id === 'abalone-glue-us-east-1')!;
    expect(glueState.state).toBe('drift');
    expect(glueState.detail).toBe(`inline policy ${INLINE_POLICY_NAME}: statement ReadRawNewDataAndScripts differs`);
    expect(status.filter((s) => s.state === 'ok')).toHaveLength(4);

    const changes = await ensureRoles.plan(ctx);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ action: 'update', resource: 'arn:aws:iam::123456789012:role/abalone-glue-us-east-1' });
    await changes[0]!.apply();
    const put = iam.commandCalls(PutRolePolicyCommand)[0]!.args[0].input;
    expect(put).toMatchObject({ RoleName: 'abalone-glue-us-east-1', PolicyName: INLINE_POLICY_NAME });
    const wanted = (await wantedRoles(ctx.names, ctx.config)).find((w) => w.key === 'glue')!;
    expect(JSON.parse(put.PolicyDocument!)).toEqual(wanted.inline!.get(INLINE_POLICY_NAME));
  });

  it("a role with the pipeline's name but not its tag is not adopted, changed or deleted: the step stops; --adopt repairs and tags it", async () => {
    const roles = converged(await wantedRoles(ctx.names, ctx.config), ctx);
    const lambda = roles['abalone-lambda-us-east-1']!;
    lambda.trust = { Version: '2012-10-17', Statement: [{ Sid: 'TrustedService', Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    lambda.tags = [];
    serve(roles);
    iam.on(UpdateAssumeRolePolicyCommand).resolves({});
    iam.on(TagRoleCommand).resolves({});
    await expect(ensureRoles.plan(ctx)).rejects.toMatchObject({ code: 'NotOurs', message: expect.stringContaining('role/abalone-lambda-us-east-1 (no tag abalone-pipeline:name)') });
    expect((await ensureRoles.status(ctx)).find((r) => r.id === 'abalone-lambda-us-east-1')!.detail).toMatch(/^not this pipeline's/);
    expect((await ensureRoles.planDestroy(ctx)).map((c) => c.resource)).not.toContain('arn:aws:iam::123456789012:role/abalone-lambda-us-east-1');
    expect(iam.commandCalls(UpdateAssumeRolePolicyCommand)).toHaveLength(0);
    const changes = await ensureRoles.plan(stepContext({ config: { adopt: true } }));
    expect(changes.map((c) => c.detail)).toEqual(['trust policy: statement TrustedService differs', 'adopt (--adopt): no tag abalone-pipeline:name; tag it abalone-pipeline:name = abalone']);
    for (const c of changes) await c.apply();
    const update = iam.commandCalls(UpdateAssumeRolePolicyCommand)[0]!.args[0].input;
    expect(JSON.parse(update.PolicyDocument!).Statement[0].Principal.Service).toBe('lambda.amazonaws.com');
  });

  it('converges when switching to --managed-policies: inline policies go, the managed ones are attached', async () => {
    const inlineRoles = converged(await wantedRoles(ctx.names, ctx.config), ctx);
    serve(inlineRoles);
    iam.on(DeleteRolePolicyCommand).resolves({});
    iam.on(AttachRolePolicyCommand).resolves({});
    const managedCtx = stepContext({ config: { managedPolicies: true } });
    const changes = await ensureRoles.plan(managedCtx);
    const sagemaker = changes.filter((c) => c.resource.endsWith('role/abalone-sagemaker-us-east-1')).map((c) => c.detail);
    expect(sagemaker).toEqual([
      'inline policy abalone-pipeline-least-privilege not expected',
      'managed policy arn:aws:iam::aws:policy/AmazonSageMakerFullAccess not attached',
      'managed policy arn:aws:iam::aws:policy/AmazonS3FullAccess not attached',
    ]);
    // CodeBuild has no AWS managed service-role policy: it keeps its inline one in both modes.
    expect(changes.some((c) => c.resource.includes('codebuild'))).toBe(false);
    for (const c of changes) await c.apply();
    const attached = iam.commandCalls(AttachRolePolicyCommand).map((c) => `${c.args[0].input.RoleName} ${c.args[0].input.PolicyArn}`);
    expect(attached).toContain('abalone-glue-us-east-1 arn:aws:iam::aws:policy/service-role/AWSGlueServiceRole');
    expect(attached).toContain('abalone-lambda-us-east-1 arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole');
    expect(iam.commandCalls(DeleteRolePolicyCommand)).toHaveLength(3);

    // ...and back: the managed policies are detached and the inline ones restored.
    const managedRoles = converged(await wantedRoles(managedCtx.names, managedCtx.config), managedCtx);
    serve(managedRoles);
    const back = await ensureRoles.plan(ctx);
    expect(back.filter((c) => c.detail.startsWith('managed policy') && c.detail.endsWith('not expected'))).toHaveLength(6);
    expect(back.filter((c) => c.detail === `inline policy ${INLINE_POLICY_NAME} missing`)).toHaveLength(3);
  });

  it('propagates AccessDenied from IAM', async () => {
    iam.on(GetRoleCommand).rejects(new IAMServiceException({ name: 'AccessDenied', $fault: 'client', message: 'not authorized to perform: iam:GetRole', $metadata: {} }));
    await expect(ensureRoles.plan(ctx)).rejects.toMatchObject({ name: 'AccessDenied' });
    await expect(ensureRoles.status(ctx)).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});

describe('ensure-roles destroy', () => {
  it('removes inline and attached policies before each role, and skips roles that are gone', async () => {
    const roles = converged(await wantedRoles(ctx.names, ctx.config), ctx);
    delete roles['abalone-lambda-us-east-1'];
    serve(roles);
    iam.on(DeleteRolePolicyCommand).resolves({});
    iam.on(DetachRolePolicyCommand).resolves({});
    iam.on(DeleteRoleCommand).resolves({});
    const changes = await ensureRoles.planDestroy(ctx);
    expect(changes).toHaveLength(4);
    const mwaa = changes.find((c) => c.resource.endsWith('abalone-mwaa-exec-us-east-1'))!;
    expect(mwaa.detail).toBe('inline policy mwaa-execution, managed policy attached-by-attach-policies, then the role');
    await mwaa.apply();
    const order = iam.calls().map((c) => c.args[0].constructor.name).filter((n) => n.startsWith('De'));
    expect(order).toEqual(['DeleteRolePolicyCommand', 'DetachRolePolicyCommand', 'DeleteRoleCommand']);
  });
});

