import {
  BatchGetProjectsCommand,
  CreateProjectCommand,
  DeleteProjectCommand,
  UpdateProjectCommand,
  type CodeBuildClient,
  type CreateProjectInput,
  type Project,
} from '@aws-sdk/client-codebuild';
import { isNotFound } from '../aws/errors.js';
import { errorMatching, retryWhileRolePropagates } from '../aws/retry.js';
import { requireImplemented } from '../aws/unsupported.js';
import { errorName } from '../base/errors.js';
import { regionalArn, type Names } from '../engine/names.js';
import { change, type Change, type ResourceState, type Step, type StepContext } from '../engine/types.js';
import { adoptDetail, claim, leaveAlone, notOursDetail } from '../engine/ownership.js';
import { roleArn } from './roles/specs.js';
import { renderTemplate, templateVars } from './templates.js';

const STEP = 'ensure-codebuild';
const RESOURCE_TYPE = 'codebuild-project';
/** Ubuntu 22.04 standard image 7.0: the current CodeBuild standard image, with the AWS CLI v2. */
export const BUILD_IMAGE = 'aws/codebuild/standard:7.0';
const roleNotAssumable = errorMatching('InvalidInputException', /not authorized to perform: sts:AssumeRole/i);

function projectArn(names: Names): string {
  return regionalArn(names, 'codebuild', `project/${names.deployProject}`);
}

export async function projectSpec(names: Names): Promise<CreateProjectInput & { name: string }> {
  return {
    name: names.deployProject,
    description: `abalone-pipeline ${names.name}: deploys the Airflow folder to s3://${names.bucket}/${names.airflowPrefix}`,
    source: {
      type: 'S3',
      location: `${names.bucket}/${names.airflowSourceBundleKey}`,
      buildspec: await renderTemplate('codebuild/buildspec.yml', templateVars(names)),
    },
    artifacts: { type: 'NO_ARTIFACTS' },
    environment: { type: 'LINUX_CONTAINER', image: BUILD_IMAGE, computeType: 'BUILD_GENERAL1_SMALL' },
    serviceRole: roleArn(names, names.roles.codebuild),
    timeoutInMinutes: 15,
    logsConfig: { cloudWatchLogs: { status: 'ENABLED', groupName: `/aws/codebuild/${names.deployProject}` } },
    tags: [{ key: names.tagKey, value: names.name }],
  };
}

function differences(want: CreateProjectInput, actual: Project, names: Names): string[] {
  const pairs: Array<[string, unknown, unknown]> = [
    ['source type', actual.source?.type, want.source?.type],
    ['source location', actual.source?.location, want.source?.location],
    ['artifacts', actual.artifacts?.type, want.artifacts?.type],
    ['image', actual.environment?.image, want.environment?.image],
    ['compute type', actual.environment?.computeType, want.environment?.computeType],
    ['environment type', actual.environment?.type, want.environment?.type],
    ['service role', actual.serviceRole, want.serviceRole],
    ['timeout', actual.timeoutInMinutes, want.timeoutInMinutes],
    ['log group', actual.logsConfig?.cloudWatchLogs?.groupName, want.logsConfig?.cloudWatchLogs?.groupName],
  ];
  const out = pairs.filter(([, a, w]) => a !== w).map(([label, a, w]) => `${label} ${a ?? 'unset'} (want ${w})`);
  if (actual.source?.buildspec !== want.source?.buildspec) out.push('buildspec differs from templates/codebuild/buildspec.yml');
  if (!actual.tags?.some((t) => t.key === names.tagKey && t.value === names.name)) out.push(adoptDetail(names, projectTag(actual, names)));
  return out;
}

const projectTag = (project: Project, names: Names) => project.tags?.find((t) => t.key === names.tagKey)?.value;

async function observe(ctx: StepContext) {
  const [codebuild, want] = await Promise.all([ctx.clients.codebuild(), projectSpec(ctx.names)]);
  const out = await codebuild.send(new BatchGetProjectsCommand({ names: [ctx.names.deployProject] }));
  const project = out.projects?.find((p) => p.name === ctx.names.deployProject);
  return { codebuild, want, project, drift: project ? differences(want, project, ctx.names) : [] };
}

function withRole<T>(ctx: StepContext, fn: () => Promise<T>): Promise<T> {
  return retryWhileRolePropagates(ctx, STEP, ctx.names.roles.codebuild, roleNotAssumable, fn);
}

async function createProject(ctx: StepContext, codebuild: CodeBuildClient, want: CreateProjectInput): Promise<void> {
  try {
    await withRole(ctx, () => codebuild.send(new CreateProjectCommand(want)));
  } catch (error) {
    // A retry after a lost response finds the project it made; the next plan compares it.
    if (errorName(error) !== 'ResourceAlreadyExistsException') throw error;
  }
}

export const ensureCodebuild: Step = {
  name: STEP,
  dependsOn: ['ensure-roles', 'ensure-bucket'],

  async plan(ctx: StepContext): Promise<Change[]> {
    const { codebuild, want, project, drift } = await observe(ctx);
    const arn = projectArn(ctx.names);
    if (!project) {
      return [
        change('create', arn, `S3 source ${want.source?.location}, ${BUILD_IMAGE}, buildspec syncs to s3://${ctx.names.bucket}/${ctx.names.airflowPrefix}`, () =>
          createProject(ctx, codebuild, want),
        ),
      ];
    }
    claim(ctx, [{ resource: arn, tag: projectTag(project, ctx.names) }]);
    if (drift.length === 0) return [];
    return [
      change('update', arn, drift.join('; '), async () => {
        await requireImplemented('codebuild:UpdateProject', `project ${ctx.names.deployProject}`, () =>
          withRole(ctx, () => codebuild.send(new UpdateProjectCommand(want))),
        );
      }),
    ];
  },

  async status(ctx: StepContext): Promise<ResourceState[]> {
    const { project, drift } = await observe(ctx);
    const base = { type: RESOURCE_TYPE, id: ctx.names.deployProject };
    if (!project) return [{ ...base, state: 'missing', detail: '' }];
    const tag = projectTag(project, ctx.names);
    if (tag !== ctx.names.name) return [{ ...base, state: 'drift', detail: notOursDetail(ctx.names, tag) }];
    return [drift.length > 0 ? { ...base, state: 'drift', detail: drift.join('; ') } : { ...base, state: 'ok', detail: '' }];
  },

  async planDestroy(ctx: StepContext): Promise<Change[]> {
    const codebuild = await ctx.clients.codebuild();
    const out = await codebuild.send(new BatchGetProjectsCommand({ names: [ctx.names.deployProject] }));
    const project = out.projects?.find((p) => p.name === ctx.names.deployProject);
    if (!project) return [];
    const tag = projectTag(project, ctx.names);
    if (tag !== ctx.names.name) {
      leaveAlone(ctx, STEP, projectArn(ctx.names), tag);
      return [];
    }
    return [
      change('delete', projectArn(ctx.names), 'the project', async () => {
        try {
          await codebuild.send(new DeleteProjectCommand({ name: ctx.names.deployProject }));
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }),
    ];
  },
};
