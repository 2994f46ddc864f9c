import { listLocalFiles, planSync, uploadFiles } from '../aws/s3-sync.js';
import { assertFolder, filesForVersion, readAirflowFolder } from '../engine/airflow-folder.js';
import { change, type Change, type ResourceState, type Step, type StepContext } from '../engine/types.js';

/** `compile`: check the Python files first (before an upload); `status`, which uploads nothing, skips it. */
async function observe(ctx: StepContext, compile = true) {
  const dir = ctx.config.airflowDir;
  const all = compile ? (await readAirflowFolder(dir)).files : await assertFolder(dir).then(() => listLocalFiles(dir));
  // The requirements of the version up wants (requirements/<version>.txt as requirements.txt).
  const files = filesForVersion(all, ctx.config.airflowVersion);
  const s3 = await ctx.clients.s3();
  return { s3, files, plan: await planSync(s3, ctx.names.bucket, ctx.names.airflowPrefix, files) };
}

/** The same sync as `push-dags` (without --delete): the DAGs, scripts and the requirements of the wanted Airflow version. */
export const uploadAirflow: Step = {
  name: 'upload-airflow',
  dependsOn: ['ensure-bucket'],

  async plan(ctx: StepContext): Promise<Change[]> {
    const { s3, plan } = await observe(ctx);
    return plan.uploads.map((file) =>
      change('upload', `s3://${ctx.names.bucket}/${ctx.names.airflowPrefix}${file.relative}`, `${file.size} bytes`, async () => {
        await uploadFiles(s3, ctx.names.bucket, ctx.names.airflowPrefix, [file]);
      }),
    );
  },

  async status(ctx: StepContext): Promise<ResourceState[]> {
    const { files, plan } = await observe(ctx, false);
    const base = { type: 's3-prefix', id: `s3://${ctx.names.bucket}/${ctx.names.airflowPrefix}` };
    if (plan.absent === files.length && files.length > 0) return [{ ...base, state: 'missing', detail: `${files.length} files not uploaded` }];
    if (plan.uploads.length > 0) {
      const names = plan.uploads.slice(0, 3).map((f) => f.relative).join(', ');
      return [{ ...base, state: 'drift', detail: `${plan.uploads.length} of ${files.length} files differ: ${names}${plan.uploads.length > 3 ? ', …' : ''}` }];
    }
    return [{ ...base, state: 'ok', detail: `${files.length} files` }];
  },

  // The folder goes with the bucket, or stays with --keep-data.
  async planDestroy(): Promise<Change[]> {
    return [];
  },
};
