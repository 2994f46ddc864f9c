import { resolve } from 'node:path';
import { assertFolder, listAirflowFolder, VERSIONED_FILES } from '../../engine/airflow-folder.js';
import { EXIT, ToolError } from '../../errors.js';
import { WaitIndicator } from '../../output/spinner.js';
import type { CommandContext } from '../context.js';
import { DEFAULT_AIRFLOW_DIR } from '../../paths.js';
import { openSession, type Session } from '../session.js';

interface PushResult {
  uploaded: string[];
  deleted: string[];
  unchanged: number;
  environmentUpdated: boolean;
  /** With --via-codebuild: the deploy build that made the changes. */
  build?: { id: string; status: string };
}

export async function pushDags(ctx: CommandContext, raw: Record<string, unknown>): Promise<number> {
  const dir = raw.dir === undefined ? DEFAULT_AIRFLOW_DIR : resolve(String(raw.dir));
  const dryRun = Boolean(raw.dryRun);
  // The Python check (a python3 child process) runs while the S3 and SSM clients load, the
  // session opens and the bucket is listed; nothing is uploaded before it passed, and its errors
  // come before theirs.
  await assertFolder(dir); // a usage error before any AWS call
  const opening = openSession(ctx.global);
  opening.catch(() => undefined);
  const { files, checked } = await listAirflowFolder(dir);
  checked.catch(() => undefined);
  const [{ deleteKeys, planSync, uploadFiles }, { withLock }] = await Promise.all([import('../../aws/s3-sync.js'), import('../with-lock.js')]);
  const planning = opening.then(async (session) => {
    const s3 = await session.clients.s3();
    return { session, s3, plan: await planSync(s3, session.names.bucket, session.names.airflowPrefix, files) };
  });
  planning.catch(() => undefined);
  if (!(await checked)) ctx.output.info('python3 not found: DAG and script files were not compiled before the push');
  const { session, s3, plan } = await planning;
  const { names } = session;
  const uploads = plan.uploads.map((f) => names.airflowPrefix + f.relative);
  const deletes = raw.delete ? plan.extra : [];
  const result: PushResult = { uploaded: uploads, deleted: deletes, unchanged: plan.unchanged, environmentUpdated: false };

  if (!dryRun && raw.viaCodebuild) {
    await withLock(ctx, session, 'push-dags', Boolean(raw.forceUnlock), async () => {
      // Loaded only when used: a push pays for the CodeBuild and MWAA clients only when it needs them.
      const { deployViaCodebuild } = await import('./deploy-via-codebuild.js');
      const { getEnvironment } = await import('../../aws/mwaa-environment.js');
      const build = await deployViaCodebuild(ctx, session, files);
      result.build = { id: build.id!, status: build.buildStatus! };
      // The buildspec points the environment at a changed requirements.txt when the environment exists.
      const requirementsChanged = uploads.includes(`${names.airflowPrefix}requirements.txt`);
      result.environmentUpdated = requirementsChanged && (await getEnvironment(await session.clients.mwaa(), names.environment)) !== undefined;
    });
  } else if (!dryRun) {
    await withLock(ctx, session, 'push-dags', Boolean(raw.forceUnlock), async () => {
      const versions = await uploadFiles(s3, names.bucket, names.airflowPrefix, plan.uploads);
      if (deletes.length > 0) await deleteKeys(s3, names.bucket, deletes);
      result.environmentUpdated = await pointEnvironmentAtNewVersions(ctx, session, versions, raw.wait !== false);
    });
  }
  render(ctx, names.bucket, result, dryRun);
  return ctx.signal.aborted ? EXIT.interrupted : EXIT.ok;
}

/** A changed requirements.txt (plugins, startup script) is ignored by MWAA until it names the new version. */
async function pointEnvironmentAtNewVersions(
  ctx: CommandContext,
  session: Session,
  versions: Map<string, string | undefined>,
  wait: boolean,
): Promise<boolean> {
  const { names } = session;
  const update: Record<string, string> = {};
  for (const [file, fields] of Object.entries(VERSIONED_FILES)) {
    const key = names.airflowPrefix + file;
    const version = versions.get(key);
    if (version) Object.assign(update, { [fields.path]: key, [fields.version]: version });
  }
  if (Object.keys(update).length === 0) return false;
  const { failureOf, getEnvironment, updateObjectVersions, waitForEnvironment } = await import('../../aws/mwaa-environment.js');
  const mwaa = await session.clients.mwaa();
  const env = await getEnvironment(mwaa, names.environment);
  if (!env) {
    ctx.output.info(`no Airflow environment ${names.environment} yet: \`abalone-pipeline up\` will use the new versions`);
    return false;
  }
  await updateObjectVersions(mwaa, names.environment, update);
  ctx.output.info(`updating ${names.environment} to the new ${Object.keys(update).filter((k) => k.endsWith('Path')).map((k) => update[k]).join(', ')} version`);
  if (!wait) return true;
  const indicator = new WaitIndicator(ctx.output);
  try {
    const settled = await waitForEnvironment(mwaa, names.environment, {
      signal: ctx.signal,
      initialDelayMs: session.clients.emulated ? 200 : 15_000,
      onStatus: (status, ms) => indicator.update('push-dags', `${names.environment} ${status} (${Math.round(ms / 1000)}s)`),
    });
    const failure = settled ? failureOf(settled) : `environment ${names.environment} disappeared while updating`;
    if (failure) throw new ToolError('EnvironmentUpdateFailed', failure);
  } finally {
    indicator.stop();
  }
  return true;
}

function render(ctx: CommandContext, bucket: string, result: PushResult, dryRun: boolean): void {
  const { output } = ctx;
  if (output.json) {
    output.result({ ...result, ...(dryRun ? { dryRun: true } : {}) });
    return;
  }
  const verb = dryRun ? 'would ' : '';
  for (const key of result.uploaded) output.line(`${output.style.cyan(`↑ ${verb}upload`)}  s3://${bucket}/${key}`);
  for (const key of result.deleted) output.line(`${output.style.red(`- ${verb}delete`)}  s3://${bucket}/${key}`);
  const parts = [`${result.uploaded.length} ${dryRun ? 'to upload' : 'uploaded'}`, `${result.deleted.length} ${dryRun ? 'to delete' : 'deleted'}`, `${result.unchanged} unchanged`];
  if (result.environmentUpdated) parts.push('environment updated');
  output.line(`${dryRun ? 'Plan' : 'Done'}: ${parts.join(', ')}`);
}
