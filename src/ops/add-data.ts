import { access, constants, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bucketExists, headObject, listKeys, putFile } from '../aws/s3-objects.js';
import { checkSurveyFile, type CheckedFile } from '../base/data/survey-file.js';
import type { Names } from '../engine/names.js';
import { ToolError, UsageError, errorMessage } from '../base/errors.js';
import type { OpContext } from './context.js';
import { triggerRunAfterUpload, type TriggeredRun } from './trigger-run.js';

export interface AcceptedFile {
  file: string;
  key: string;
  rows: number;
  duplicate: boolean;
}

export interface AddDataOutcome {
  readonly names: Names;
  readonly accepted: AcceptedFile[];
  /** Files with invalid rows: nothing of them was uploaded. */
  readonly rejected: CheckedFile[];
  /** The run new data started (undefined with --no-run); `error` when starting it failed. */
  readonly triggered?: TriggeredRun & { readonly error?: string };
}

/** `<prefix>abalone.20261128T130501Z.<8 hex>.csv`: sorts by upload time, never overwrites. */
export function newDataKey(names: Names, sha256: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `${names.newDataPrefix}abalone.${stamp}.${sha256.slice(0, 8)}.csv`;
}

/** Keys already uploaded, by the 8-hex content hash in their name (candidates only: see `sameContent`). */
async function existingByHash(s3: Parameters<typeof listKeys>[0], names: Names): Promise<Map<string, string[]>> {
  const byHash = new Map<string, string[]>();
  for (const key of await listKeys(s3, names.bucket, names.newDataPrefix)) {
    const hash = /\.([0-9a-f]{8})\.csv$/.exec(key)?.[1];
    if (hash) byHash.set(hash, [...(byHash.get(hash) ?? []), key]);
  }
  return byHash;
}

/**
 * The uploaded object whose content is this file's: 8 hex digits in a name only pick candidates
 * (another file may share them), the full SHA-256 each upload keeps in its metadata decides.
 * An object without that metadata is not taken for a duplicate: uploading again loses nothing
 * (the new key has its own time stamp).
 */
async function sameContent(s3: Parameters<typeof listKeys>[0], bucket: string, candidates: readonly string[], sha256: string): Promise<string | undefined> {
  for (const key of candidates) {
    if ((await headObject(s3, bucket, key))?.sha256 === sha256) return key;
  }
  return undefined;
}

async function assertReadable(files: readonly string[]): Promise<void> {
  for (const file of files) {
    try {
      await access(file, constants.R_OK);
      if (!(await stat(file)).isFile()) throw new Error('not a file');
    } catch {
      throw new UsageError(`cannot read ${file}: no such file, or not a readable file`, 'UnreadableFile');
    }
  }
}

/**
 * Checks every survey file completely, then uploads the valid ones under new-data/ (a file
 * already uploaded, by content, is reported as a duplicate and not uploaded again). Stops
 * uploading when interrupted; what was uploaded by then is in the outcome.
 */
export interface AddDataRequest {
  readonly files: readonly string[];
  /** Start a pipeline run after an upload (false with --no-run). */
  readonly startRun: boolean;
}

export async function addData(ctx: OpContext, request: AddDataRequest): Promise<AddDataOutcome> {
  const { files } = request;
  const options = request;
  await assertReadable(files);
  const session = await ctx.openSession();
  const { names } = session;
  const s3 = await session.clients.s3();
  const work = await mkdtemp(join(tmpdir(), 'abalone-add-data-'));
  try {
    // Every file is validated completely before anything is uploaded.
    const checked: Array<CheckedFile & { normalised: string }> = [];
    for (const [i, file] of files.entries()) {
      const normalised = join(work, `${i}.csv`);
      checked.push({ ...(await checkSurveyFile(file, normalised)), normalised });
    }
    const valid = checked.filter((c) => c.errors.length === 0);
    const accepted: AcceptedFile[] = [];
    if (valid.length > 0) {
      if (!(await bucketExists(s3, names.bucket))) {
        throw new ToolError('NoBucket', `the pipeline's bucket ${names.bucket} does not exist: run \`abalone-pipeline up\` first`);
      }
      const known = await existingByHash(s3, names);
      for (const file of valid) {
        const short = file.sha256.slice(0, 8);
        const existing = await sameContent(s3, names.bucket, known.get(short) ?? [], file.sha256);
        if (existing) {
          accepted.push({ file: file.file, key: existing, rows: file.rows, duplicate: true });
          continue;
        }
        if (ctx.signal.aborted) break;
        const key = newDataKey(names, file.sha256, new Date());
        await putFile(s3, { bucket: names.bucket, key, path: file.normalised, sha256: file.sha256, contentType: 'text/csv' });
        known.set(short, [...(known.get(short) ?? []), key]);
        accepted.push({ file: file.file, key, rows: file.rows, duplicate: false });
      }
    }
    const rejected = checked.filter((c) => c.errors.length > 0);
    if (!options.startRun || ctx.signal.aborted) return { names, accepted, rejected };
    // New data retrains: a run starts (as `run --no-follow`) unless nothing new was uploaded.
    const uploaded = accepted.filter((a) => !a.duplicate).length;
    try {
      const onEvent = (e: { kind: string; message?: string }) => e.kind === 'notice' && e.message && ctx.output.info(e.message);
      const triggered = await triggerRunAfterUpload(ctx, { uploaded, onEvent });
      return { names, accepted, rejected, triggered };
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      return { names, accepted, rejected, triggered: { run: null, error: errorMessage(error) } };
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
