import { assertFolder, filesForVersion, listAirflowFolder, REQUIREMENTS_DIR, VERSIONED_FILES } from '../engine/airflow-folder.js';
import { DAG_AIRFLOW_VERSIONS, DEFAULT_AIRFLOW_VERSION } from '../engine/mwaa-catalog.js';
import type { Session } from '../engine/session.js';
import type { ProgressEvent } from '../engine/types.js';
import type { PushResult } from '../output/push-dags-report.js';
import { WaitIndicator } from '../output/spinner.js';
import type { OpContext } from './context.js';

export interface PushDagsRequest {
  /** The Airflow folder (dags/, scripts/, requirements.txt or requirements/<version>.txt). */
  readonly dir: string;
  readonly dryRun: boolean;
  /** Delete objects under airflow/ that the folder no longer has. */
  readonly delete: boolean;
  readonly viaCodebuild: boolean;
  /** Wait until the environment settles after pointing it at new object versions. */
  readonly wait: boolean;
  readonly forceUnlock: boolean;
}

export interface PushDagsOutcome {
  /** The bucket the keys of the result live in. */
  readonly bucket: string;
  readonly result: PushResult;
}

/**
 * Syncs the Airflow folder to the bucket's airflow/ prefix (directly, or through the deploy
 * CodeBuild project) under the pipeline's lock, and points the environment at new versions of
 * requirements.txt, plugins.zip or startup.sh.
 */
export async function pushDags(ctx: OpContext, request: PushDagsRequest): Promise<PushDagsOutcome> {
  const { dir, dryRun } = request;
  // The Python check (a python3 child process) runs while the S3 and SSM clients load, the
  // session opens and the bucket is listed; nothing is uploaded before it passed, and its errors
  // come before theirs.
  await assertFolder(dir); // a usage error before any AWS call
  const opening = ctx.openSession();
  opening.catch(() => undefined);
  const { files: all, checked } = await listAirflowFolder(dir);
  checked.catch(() => undefined);
  const [{ deleteKeys, planSync, uploadFiles }, { withLock }] = await Promise.all([import('../aws/s3-sync.js'), import('./with-lock.js')]);
  const planning = opening.then(async (session) => {
    // requirements/<version>.txt of the environment's version goes up as requirements.txt.
    const files = all.some((f) => f.relative.startsWith(REQUIREMENTS_DIR)) ? filesForVersion(all, await environmentVersion(session)) : all;
    const s3 = await session.clients.s3();
    return { session, s3, files, plan: await planSync(s3, session.names.bucket, session.names.airflowPrefix, files) };
  });
  planning.catch(() => undefined);
  if (!(await checked)) ctx.output.info('python3 not found: DAG and script files were not compiled before the push');
  const { session, s3, files, plan } = await planning;
  const { names } = session;
  const uploads = plan.uploads.map((f) => names.airflowPrefix + f.relative);
  const deletes = request.delete ? plan.extra : [];
  const result: PushResult = { uploaded: uploads, deleted: deletes, unchanged: plan.unchanged, environmentUpdated: false };

  if (!dryRun && request.viaCodebuild) {
    await withLock(ctx, { command: 'push-dags', force: request.forceUnlock, work: async () => {
      // Loaded only when used: a push pays for the CodeBuild and MWAA clients only when it needs them.
      const { deployViaCodebuild } = await import('./deploy-via-codebuild.js');
      const { getEnvironment } = await import('../aws/mwaa-environment.js');
      result.build = { ...(await deployViaCodebuild(ctx, { files })) };
      // The buildspec points the environment at a changed requirements.txt when the environment exists.
      const requirementsChanged = uploads.includes(`${names.airflowPrefix}requirements.txt`);
      result.environmentUpdated = requirementsChanged && (await getEnvironment(await session.clients.mwaa(), names.environment)) !== undefined;
    } });
  } else if (!dryRun) {
    await withLock(ctx, { command: 'push-dags', force: request.forceUnlock, work: async () => {
      const versions = await uploadFiles(s3, names.bucket, names.airflowPrefix, plan.uploads);
      if (deletes.length > 0) await deleteKeys(s3, names.bucket, deletes);
      result.environmentUpdated = await pointEnvironmentAtNewVersions(ctx, session, versions, request.wait);
    } });
  }
  return { bucket: names.bucket, result };
}

/**
 * The Airflow version whose requirements push-dags uploads: the existing environment's; without
 * one, the version the last `up` stored; else the default for a new pipeline.
 */
async function environmentVersion(session: Session): Promise<string> {
  const [{ getEnvironment }, { ssmParameterStore }, { readSettings }] = await Promise.all([
    import('../aws/mwaa-environment.js'),
    import('../aws/ssm-store.js'),
    import('../engine/settings.js'),
  ]);
  const environment = await getEnvironment(await session.clients.mwaa(), session.names.environment);
  if (environment?.AirflowVersion) return environment.AirflowVersion;
  const stored = (await readSettings(ssmParameterStore(await session.clients.ssm()), session.names)).airflowVersion;
  return typeof stored === 'string' && (DAG_AIRFLOW_VERSIONS as readonly string[]).includes(stored) ? stored : DEFAULT_AIRFLOW_VERSION;
}

/** A changed requirements.txt (plugins, startup script) is ignored by MWAA until it names the new version. */
async function pointEnvironmentAtNewVersions(ctx: OpContext, session: Session, versions: Map<string, string | undefined>, wait: boolean): Promise<boolean> {
  const { names } = session;
  const update: Record<string, string> = {};
  for (const [file, fields] of Object.entries(VERSIONED_FILES)) {
    const key = names.airflowPrefix + file;
    const version = versions.get(key);
    if (version) Object.assign(update, { [fields.path]: key, [fields.version]: version });
  }
  if (Object.keys(update).length === 0) return false;
  const [{ getEnvironment }, { updateAndWait }] = await Promise.all([import('../aws/mwaa-environment.js'), import('../steps/mwaa/lifecycle.js')]);
  const mwaa = await session.clients.mwaa();
  const env = await getEnvironment(mwaa, names.environment);
  if (!env) {
    ctx.output.info(`no Airflow environment ${names.environment} yet: \`abalone-pipeline up\` will use the new versions`);
    return false;
  }
  const indicator = new WaitIndicator(ctx.output);
  const progress = (event: ProgressEvent) => {
    if (event.kind === 'waiting') indicator.update(event.step, event.message);
    else if (event.kind === 'wait-done') indicator.done(event.step);
    else ctx.output.info(`${event.step}: ${event.message}`);
  };
  const announce = () =>
    ctx.output.info(`updating ${names.environment} to the new ${Object.keys(update).filter((k) => k.endsWith('Path')).map((k) => update[k]).join(', ')} version`);
  try {
    await updateAndWait({ names, timing: session.timing, signal: ctx.signal, progress }, mwaa, { Name: names.environment, ...update }, { wait, step: 'push-dags', onUpdated: announce });
  } finally {
    indicator.stop();
  }
  return true;
}
