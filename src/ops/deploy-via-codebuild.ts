import { readFile } from 'node:fs/promises';
import type { Clients } from '../aws/clients.js';
import { getBuild, startBuild, type BuildProgress } from '../aws/codebuild-builds.js';
import { sleep } from '../aws/retry.js';
import { putObject } from '../aws/s3-objects.js';
import type { Session } from '../engine/session.js';
import { InterruptedError, ToolError } from '../base/errors.js';
import type { LocalFile } from '../base/files/local-files.js';
import { buildZip } from '../base/files/zip.js';
import type { OpContext } from './context.js';

/** The deploy build that made the changes, as push-dags reports it. */
export interface DeployBuild {
  readonly id: string;
  readonly status: string;
}

export interface DeployRequest {
  /** The Airflow folder's files, bundled as one zip. */
  readonly files: readonly LocalFile[];
}

/**
 * push-dags --via-codebuild: uploads the folder as one bundle and runs the deploy project,
 * whose buildspec syncs it to airflow/ (for teams whose laptops may not write the bucket).
 * Streams the build's phases as they finish; fails with the failing phase's message.
 */
export async function deployViaCodebuild(ctx: OpContext, request: DeployRequest): Promise<DeployBuild> {
  const { files } = request;
  const session = await ctx.openSession();
  const { names } = session;
  const entries = await Promise.all(files.map(async (f) => ({ name: f.relative, data: await readFile(f.path) })));
  const s3 = await session.clients.s3();
  await putObject(s3, { bucket: names.bucket, key: names.airflowSourceBundleKey, body: buildZip(entries), contentType: 'application/zip' });
  ctx.output.info(`uploaded the bundle (${files.length} files) to s3://${names.bucket}/${names.airflowSourceBundleKey}`);

  const codebuild = await session.clients.codebuild();
  const id = await startBuild(codebuild, names.deployProject);
  if (!id) throw new ToolError('BuildNotStarted', `CodeBuild did not start a build of ${names.deployProject}`);
  ctx.output.info(`started build ${id}`);
  const build = await followBuild(ctx, codebuild, id, session.timing.codebuildBuild);
  if (build.status !== 'SUCCEEDED') {
    const failed = build.phases.find((p) => p.status && p.status !== 'SUCCEEDED');
    const why = failed?.messages.join('; ');
    throw new ToolError('BuildFailed', `build ${id} ${build.status}${failed ? ` in phase ${failed.type}` : ''}${why ? `: ${why}` : ''}`);
  }
  return { id: build.id, status: build.status };
}

type CodeBuildClient = Awaited<ReturnType<Clients['codebuild']>>;

const FINAL_STATUSES = new Set(['SUCCEEDED', 'FAILED', 'FAULT', 'TIMED_OUT', 'STOPPED']);

async function followBuild(ctx: OpContext, codebuild: CodeBuildClient, id: string, poll: Session['timing']['codebuildBuild']): Promise<BuildProgress> {
  const reported = new Set<string>();
  for (let delayMs = poll.initialDelayMs; ; delayMs = Math.min(delayMs * 2, poll.maxDelayMs)) {
    const build = await getBuild(codebuild, id);
    if (!build) throw new ToolError('BuildNotFound', `build ${id} is not found`);
    for (const phase of build.phases) {
      if (!phase.status || reported.has(phase.type)) continue;
      reported.add(phase.type);
      ctx.output.info(`  ${phase.type.padEnd(16)} ${phase.status}${phase.durationSeconds !== undefined ? ` (${phase.durationSeconds}s)` : ''}`);
    }
    if (build.complete || FINAL_STATUSES.has(build.status)) return build;
    await sleep(delayMs, ctx.signal);
    if (ctx.signal.aborted) throw new InterruptedError(`stopped following build ${id}; it goes on in CodeBuild`);
  }
}
