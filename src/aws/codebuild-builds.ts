import { BatchGetBuildsCommand, StartBuildCommand, type CodeBuildClient } from '@aws-sdk/client-codebuild';

/** A build as the tool follows it (from CodeBuild's Build, which stays inside this module). */
export interface BuildProgress {
  readonly id: string;
  readonly status: string;
  readonly complete: boolean;
  readonly phases: readonly BuildPhase[];
}

export interface BuildPhase {
  readonly type: string;
  readonly status?: string;
  readonly durationSeconds?: number;
  /** The phase's context messages (why it failed). */
  readonly messages: readonly string[];
}

/** StartBuild; the new build's id, or undefined when CodeBuild returned none. */
export async function startBuild(codebuild: CodeBuildClient, projectName: string): Promise<string | undefined> {
  const started = await codebuild.send(new StartBuildCommand({ projectName }));
  return started.build?.id;
}

/** BatchGetBuilds for one id; undefined when CodeBuild does not know it. */
export async function getBuild(codebuild: CodeBuildClient, id: string): Promise<BuildProgress | undefined> {
  const out = await codebuild.send(new BatchGetBuildsCommand({ ids: [id] }));
  const build = out.builds?.[0];
  if (!build) return undefined;
  return {
    id: build.id ?? id,
    status: build.buildStatus ?? '',
    complete: build.buildComplete === true,
    phases: (build.phases ?? []).flatMap((p) =>
      p.phaseType
        ? [{ type: p.phaseType, status: p.phaseStatus, durationSeconds: p.durationInSeconds, messages: (p.contexts ?? []).map((c) => c.message ?? '').filter(Boolean) }]
        : [],
    ),
  };
}
