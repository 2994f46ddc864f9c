import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  BatchGetProjectsCommand,
  CodeBuildClient,
  CodeBuildServiceException,
  CreateProjectCommand,
  DeleteProjectCommand,
  InvalidInputException,
  UpdateProjectCommand,
  type Project,
} from '@aws-sdk/client-codebuild';
import { BUILD_IMAGE, ensureCodebuild, projectSpec } from '../../../src/steps/ensure-codebuild.js';
import { stepContext, type TestStepContext } from '../../support/step-context.js';

const codebuild = mockClient(CodeBuildClient);
const ARN = 'arn:aws:codebuild:us-east-1:123456789012:project/abalone-deploy-airflow';
const BUCKET = 'abalone-data-us-east-1-123456789012';
let ctx: TestStepContext;

async function existing(overrides: Partial<Project> = {}): Promise<Project> {
  const spec = await projectSpec(ctx.names);
  return { ...spec, arn: ARN, ...overrides } as Project;
}

beforeEach(() => {
  codebuild.reset();
  codebuild.onAnyCommand().rejects(new Error('unstubbed'));
  ctx = stepContext();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('ensure-codebuild', () => {
  it('creates the deploy project: S3 source bundle, no artifacts, standard image, rendered buildspec', async () => {
    codebuild.on(BatchGetProjectsCommand).resolves({ projects: [], projectsNotFound: ['abalone-deploy-airflow'] });
    codebuild.on(CreateProjectCommand).resolves({});
    const changes = await ensureCodebuild.plan(ctx);
    expect(changes.map((c) => [c.action, c.resource])).toEqual([['create', ARN]]);
    await changes[0]!.apply();
    const input = codebuild.commandCalls(CreateProjectCommand)[0]!.args[0].input;
    expect(input).toMatchObject({
      name: 'abalone-deploy-airflow',
      source: { type: 'S3', location: `${BUCKET}/airflow-source/bundle.zip` },
      artifacts: { type: 'NO_ARTIFACTS' },
      environment: { image: BUILD_IMAGE, type: 'LINUX_CONTAINER', computeType: 'BUILD_GENERAL1_SMALL' },
      serviceRole: 'arn:aws:iam::123456789012:role/abalone-codebuild-us-east-1',
      tags: [{ key: 'abalone-pipeline:name', value: 'abalone' }],
    });
    const buildspec = input.source!.buildspec!;
    expect(buildspec).not.toMatch(/\{\{/);
    expect(buildspec).toContain(`BUCKET: "${BUCKET}"`);
    expect(buildspec).toContain('ENVIRONMENT: "abalone-airflow-environment"');
    expect(buildspec).toContain('--requirements-s3-object-version');
  });

  it('is a no-op, and status is ok, when the project matches', async () => {
    codebuild.on(BatchGetProjectsCommand).resolves({ projects: [await existing()] });
    expect(await ensureCodebuild.plan(ctx)).toEqual([]);
    expect(await ensureCodebuild.status(ctx)).toEqual([{ type: 'codebuild-project', id: 'abalone-deploy-airflow', state: 'ok', detail: '' }]);
  });

  it('reports drift and updates the project in place with UpdateProject', async () => {
    codebuild.on(BatchGetProjectsCommand).resolves({
      projects: [await existing({ environment: { type: 'LINUX_CONTAINER', image: 'aws/codebuild/standard:4.0', computeType: 'BUILD_GENERAL1_SMALL' }, source: { type: 'S3', location: `${BUCKET}/airflow-source/bundle.zip`, buildspec: 'version: 0.2' } })],
    });
    codebuild.on(UpdateProjectCommand).resolves({});
    expect((await ensureCodebuild.status(ctx))[0]).toMatchObject({
      state: 'drift',
      detail: `image aws/codebuild/standard:4.0 (want ${BUILD_IMAGE}); buildspec differs from templates/codebuild/buildspec.yml`,
    });
    const changes = await ensureCodebuild.plan(ctx);
    expect(changes).toHaveLength(1);
    await changes[0]!.apply();
    expect(codebuild.commandCalls(UpdateProjectCommand)[0]!.args[0].input).toEqual(await projectSpec(ctx.names));
  });

  it('says clearly when the endpoint does not implement UpdateProject (moto)', async () => {
    codebuild.on(BatchGetProjectsCommand).resolves({ projects: [await existing({ timeoutInMinutes: 60 })] });
    codebuild.on(UpdateProjectCommand).rejects(Object.assign(new SyntaxError('Unexpected token'), { $metadata: {} }));
    const [update] = await ensureCodebuild.plan(ctx);
    expect(update!.detail).toBe('timeout 60 (want 15)');
    await expect(update!.apply()).rejects.toMatchObject({ code: 'OperationNotImplemented', message: expect.stringContaining('codebuild:UpdateProject') });
  });

  it('retries while CodeBuild cannot assume the new role yet', async () => {
    vi.useFakeTimers();
    codebuild.on(BatchGetProjectsCommand).resolves({ projects: [] });
    codebuild
      .on(CreateProjectCommand)
      .rejectsOnce(new InvalidInputException({ message: 'CodeBuild is not authorized to perform: sts:AssumeRole on arn:aws:iam::123456789012:role/abalone-codebuild-us-east-1', $metadata: {} }))
      .resolves({});
    const [create] = await ensureCodebuild.plan(ctx);
    const applying = create!.apply();
    await vi.runAllTimersAsync();
    await applying;
    expect(codebuild.commandCalls(CreateProjectCommand)).toHaveLength(2);
    expect(ctx.events).toEqual([expect.objectContaining({ kind: 'notice', step: 'ensure-codebuild' })]);
  });

  it('does not retry other invalid input', async () => {
    codebuild.on(BatchGetProjectsCommand).resolves({ projects: [] });
    codebuild.on(CreateProjectCommand).rejects(new InvalidInputException({ message: 'Invalid image', $metadata: {} }));
    const [create] = await ensureCodebuild.plan(ctx);
    await expect(create!.apply()).rejects.toMatchObject({ name: 'InvalidInputException' });
    expect(codebuild.commandCalls(CreateProjectCommand)).toHaveLength(1);
  });

  it('propagates AccessDenied', async () => {
    codebuild.on(BatchGetProjectsCommand).rejects(new CodeBuildServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'denied', $metadata: {} }));
    await expect(ensureCodebuild.status(ctx)).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('deletes the project on destroy', async () => {
    codebuild.on(BatchGetProjectsCommand).resolves({ projects: [await existing()] });
    codebuild.on(DeleteProjectCommand).resolves({});
    const changes = await ensureCodebuild.planDestroy(ctx);
    expect(changes.map((c) => [c.action, c.resource])).toEqual([['delete', ARN]]);
    await changes[0]!.apply();
    expect(codebuild.commandCalls(DeleteProjectCommand)[0]!.args[0].input).toEqual({ name: 'abalone-deploy-airflow' });
  });
});
