import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { headObject, putObject, sha256 } from '../aws/s3-objects.js';
import { change, type Change, type ResourceState, type Step, type StepContext } from '../engine/types.js';

/** The UCI abalone data shipped with the tool, uploaded as the pipeline's raw data. */
export function rawDataPath(artifactsDir: string): string {
  return join(artifactsDir, 'data', 'abalone.data');
}

async function observe(ctx: StepContext) {
  const [local, remote] = await Promise.all([
    readFile(rawDataPath(ctx.config.artifactsDir)),
    ctx.clients.s3().then((s3) => headObject(s3, ctx.names.bucket, ctx.names.rawDataKey)),
  ]);
  return { local, localHash: sha256(local), remote };
}

export const uploadData: Step = {
  name: 'upload-data',
  dependsOn: ['ensure-bucket'],

  async plan(ctx: StepContext): Promise<Change[]> {
    const { local, localHash, remote } = await observe(ctx);
    if (remote?.sha256 === localHash) return [];
    const s3 = await ctx.clients.s3();
    const detail = `${local.length} bytes, ${remote ? 'content changed' : 'new'}`;
    return [
      change('upload', `s3://${ctx.names.bucket}/${ctx.names.rawDataKey}`, detail, async () => {
        await putObject(s3, { bucket: ctx.names.bucket, key: ctx.names.rawDataKey, body: local, contentType: 'text/csv' });
      }),
    ];
  },

  async status(ctx: StepContext): Promise<ResourceState[]> {
    const { localHash, remote } = await observe(ctx);
    const base = { type: 's3-object', id: `s3://${ctx.names.bucket}/${ctx.names.rawDataKey}` };
    if (!remote) return [{ ...base, state: 'missing', detail: '' }];
    if (remote.sha256 !== localHash) return [{ ...base, state: 'drift', detail: 'content differs from the shipped UCI data' }];
    return [{ ...base, state: 'ok', detail: '' }];
  },

  // The raw data goes with the bucket (ensure-bucket empties it), or stays with --keep-data.
  async planDestroy(): Promise<Change[]> {
    return [];
  },
};
