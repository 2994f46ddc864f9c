import { readFile } from 'node:fs/promises';
import { BatchGetBuildsCommand, StartBuildCommand, type Build, type CodeBuildClient } from '@aws-sdk/client-codebuild';
import { sleep } from '../../aws/retry.js';
import type { LocalFile } from '../../aws/s3-sync.js';
import { putObject } from '../../aws/s3-objects.js';
import { buildZip } from '../../files/zip.js';
import { InterruptedError, ToolError } from '../../errors.js';
import type { CommandContext } from '../context.js';
import type { Session } from '../session.js';

/**
 * push-dags --via-codebuild: uploads the folder as one bundle and runs the deploy project,
 * whose buildspec syncs it to airflow/ (for teams whose laptops may not write the bucket).
 * Streams the build's phases as they finish; fails with the failing phase's message.
 */
export async function deployViaCodebuild(ctx: CommandContext, session: Session, files: readonly LocalFile[]): Promise<Build> {
  const { names } = session;
  const entries = await Promise.all(files.map(async (f) => ({ name: f.relative, data: await readFile(f.path) })));
  const s3 = await session.clients.s3();
  await putObject(s3, { bucket: names.bucket, key: names.airflowSourceBundleKey, body: buildZip(entries), contentType: 'application/zip' });
  ctx.output.info(`uploaded the bundle (${files.length} files) to s3://${names.bucket}/${names.airflowSourceBundleKey}`);

  const codebuild = await session.clients.codebuild();
  const started = await codebuild.send(new StartBuildCommand({ projectName: names.deployProject }));
  const id = started.build?.id;
  if (!id) throw new ToolError('BuildNotStarted', `CodeBuild did not start a build of ${names.deployProject}`);
  ctx.output.info(`started build ${id}`);
  const build = await followBuild(ctx, codebuild, id, session.clients.emulated ? 200 : 3000);
  if (build.buildStatus !== 'SUCCEEDED') {
    const failed = build.phases?.find((p) => p.phaseStatus && p.phaseStatus !== 'SUCCEEDED');
    const why = failed?.contexts?.map((c) => c.message).filter(Boolean).join('; ');
    throw new ToolError('BuildFailed', `build ${id} ${build.buildStatus}${failed ? ` in phase ${failed.phaseType}` : ''}${why ? `: ${why}` : ''}`);
  }
  return build;
}

const FINAL_STATUSES = new Set(['SUCCEEDED', 'FAILED', 'FAULT', 'TIMED_OUT', 'STOPPED']);

async function followBuild(ctx: CommandContext, codebuild: CodeBuildClient, id: string, delayMs: number): Promise<Build> {
  const reported = new Set<string>();
  for (;;) {
    const out = await codebuild.send(new BatchGetBuildsCommand({ ids: [id] }));
    const build = out.builds?.[0];
    if (!build) throw new ToolError('BuildNotFound', `build ${id} is not found`);
    for (const phase of build.phases ?? []) {
      if (!phase.phaseType || !phase.phaseStatus || reported.has(phase.phaseType)) continue;
      reported.add(phase.phaseType);
      ctx.output.info(`  ${phase.phaseType.padEnd(16)} ${phase.phaseStatus}${phase.durationInSeconds !== undefined ? ` (${phase.durationInSeconds}s)` : ''}`);
    }
    if (build.buildComplete || FINAL_STATUSES.has(build.buildStatus ?? '')) return build;
    await sleep(delayMs, ctx.signal);
    if (ctx.signal.aborted) throw new InterruptedError(`stopped following build ${id}; it goes on in CodeBuild`);
    delayMs = Math.min(delayMs * 2, 15_000);
  }
}
