import { createReadStream } from 'node:fs';
import { access, constants, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { HeadBucketCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isNotFound } from '../../aws/errors.js';
import { SHA256_METADATA } from '../../aws/s3-objects.js';
import { checkSurveyFile, type CheckedFile } from '../../data/survey-file.js';
import type { Names } from '../../engine/names.js';
import { EXIT, ToolError, UsageError, errorMessage } from '../../errors.js';
import { AWS_RUN_TIMING, EMULATED_RUN_TIMING } from '../../ops/run.js';
import { triggerRunAfterUpload, type TriggeredRun } from '../../ops/trigger-run.js';
import type { CommandContext } from '../context.js';
import { openSession } from '../session.js';

interface Accepted {
  file: string;
  key: string;
  rows: number;
  duplicate: boolean;
}

/** `<prefix>abalone.20261128T130501Z.<8 hex>.csv`: sorts by upload time, never overwrites. */
export function newDataKey(names: Names, sha256: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `${names.newDataPrefix}abalone.${stamp}.${sha256.slice(0, 8)}.csv`;
}

/** Keys already uploaded, by the 8-hex content hash in their name. */
async function existingByHash(s3: S3Client, names: Names): Promise<Map<string, string>> {
  const byHash = new Map<string, string>();
  let ContinuationToken: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: names.bucket, Prefix: names.newDataPrefix, ContinuationToken }));
    for (const object of page.Contents ?? []) {
      const hash = /\.([0-9a-f]{8})\.csv$/.exec(object.Key ?? '')?.[1];
      if (hash) byHash.set(hash, object.Key!);
    }
    ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (ContinuationToken);
  return byHash;
}

async function assertReadable(files: string[]): Promise<void> {
  for (const file of files) {
    try {
      await access(file, constants.R_OK);
      if (!(await stat(file)).isFile()) throw new Error('not a file');
    } catch {
      throw new UsageError(`cannot read ${file}: no such file, or not a readable file`, 'UnreadableFile');
    }
  }
}

export async function addData(ctx: CommandContext, raw: Record<string, unknown>, files: string[]): Promise<number> {
  const { output } = ctx;
  await assertReadable(files);
  const session = await openSession(ctx.global);
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
    const accepted: Accepted[] = [];
    if (valid.length > 0) {
      try {
        await s3.send(new HeadBucketCommand({ Bucket: names.bucket }));
      } catch (error) {
        if (isNotFound(error)) throw new ToolError('NoBucket', `the pipeline's bucket ${names.bucket} does not exist: run \`abalone-pipeline up\` first`);
        throw error;
      }
      const known = await existingByHash(s3, names);
      for (const file of valid) {
        const short = file.sha256.slice(0, 8);
        const existing = known.get(short);
        if (existing) {
          accepted.push({ file: file.file, key: existing, rows: file.rows, duplicate: true });
          continue;
        }
        if (ctx.signal.aborted) break;
        const key = newDataKey(names, file.sha256, new Date());
        await s3.send(
          new PutObjectCommand({
            Bucket: names.bucket,
            Key: key,
            Body: createReadStream(file.normalised),
            ContentLength: (await stat(file.normalised)).size,
            ContentType: 'text/csv',
            Metadata: { [SHA256_METADATA]: file.sha256 },
          }),
        );
        known.set(short, key);
        accepted.push({ file: file.file, key, rows: file.rows, duplicate: false });
      }
    }
    const rejected = checked.filter((c) => c.errors.length > 0);
    // New data retrains: a run starts (as `run --no-follow`) unless --no-run or nothing was uploaded.
    const uploaded = accepted.filter((a) => !a.duplicate).length;
    let triggered: TriggeredRun | undefined;
    let triggerFailed = false;
    if (raw.run !== false && !ctx.signal.aborted) {
      try {
        const timing = session.clients.emulated ? EMULATED_RUN_TIMING : AWS_RUN_TIMING;
        triggered = await triggerRunAfterUpload({ clients: session.clients, names, timing, signal: ctx.signal, onEvent: (e) => e.kind === 'notice' && output.info(e.message) }, uploaded);
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        triggerFailed = true;
        output.info(output.style.red(`uploaded, but starting a pipeline run failed: ${errorMessage(error)}`));
        triggered = { run: null };
      }
    }
    report(ctx, names, accepted, rejected, triggered);
    if (ctx.signal.aborted) return EXIT.interrupted;
    return rejected.length > 0 || triggerFailed ? EXIT.failed : EXIT.ok;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function report(ctx: CommandContext, names: Names, accepted: Accepted[], rejected: CheckedFile[], triggered: TriggeredRun | undefined): void {
  const { output } = ctx;
  if (output.json) {
    output.result({
      accepted,
      rejected: rejected.map((r) => ({ file: r.file, errors: r.errors, ...(r.moreErrors ? { moreErrors: r.moreErrors } : {}) })),
      run: triggered?.run ?? null,
    });
    return;
  }
  for (const a of accepted) {
    const where = `s3://${names.bucket}/${a.key}`;
    output.line(`${output.style.green('accepted')}  ${basename(a.file)}: ${a.rows} rows ${a.duplicate ? `already uploaded as ${where}` : `→ ${where}`}`);
  }
  for (const r of rejected) {
    output.line(`${output.style.red('rejected')}  ${basename(r.file)}: ${r.errors.length + r.moreErrors} invalid row${r.errors.length + r.moreErrors === 1 ? '' : 's'}, nothing uploaded`);
    for (const e of r.errors) output.line(`  line ${e.row}: ${e.reason}`);
    if (r.moreErrors > 0) output.line(`  … and ${r.moreErrors} more`);
  }
  if (triggered?.run) output.line(`${output.style.green('run')}       ${triggered.run.runId} started (\`abalone-pipeline runs\` shows how it ends)`);
  else if (triggered?.skipped) output.info(`no pipeline run started: ${triggered.skipped}`);
}
