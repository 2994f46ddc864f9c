import { basename } from 'node:path';
import { printable } from '../../output/printable.js';
import type { CheckedFile } from '../../base/data/survey-file.js';
import type { Names } from '../../engine/names.js';
import { EXIT } from '../../base/errors.js';
import { addData as add, type AcceptedFile } from '../../ops/add-data.js';
import type { CommandContext } from '../context.js';
import type { AddDataOptions } from '../options.js';
import type { TriggeredRun } from '../../ops/trigger-run.js';
import { opContext } from '../op-context.js';

export async function addData(ctx: CommandContext, options: AddDataOptions): Promise<number> {
  const { names, accepted, rejected, triggered } = await add(opContext(ctx), { files: options.files, startRun: options.run });
  if (triggered?.error) ctx.output.info(ctx.output.style.red(`uploaded, but starting a pipeline run failed: ${triggered.error}`));
  report(ctx, names, accepted, rejected, triggered);
  if (ctx.signal.aborted) return EXIT.interrupted;
  return rejected.length > 0 || triggered?.error ? EXIT.failed : EXIT.ok;
}

function report(ctx: CommandContext, names: Names, accepted: AcceptedFile[], rejected: CheckedFile[], triggered: TriggeredRun | undefined): void {
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
    output.line(`${output.style.green('accepted')}  ${printable(basename(a.file))}: ${a.rows} rows ${a.duplicate ? `already uploaded as ${where}` : `→ ${where}`}`);
  }
  for (const r of rejected) {
    output.line(`${output.style.red('rejected')}  ${printable(basename(r.file))}: ${r.errors.length + r.moreErrors} invalid row${r.errors.length + r.moreErrors === 1 ? '' : 's'}, nothing uploaded`);
    for (const e of r.errors) output.line(`  line ${e.row}: ${printable(e.reason)}`);
    if (r.moreErrors > 0) output.line(`  … and ${r.moreErrors} more`);
  }
  if (triggered?.run) output.line(`${output.style.green('run')}       ${triggered.run.runId} started (\`abalone-pipeline runs\` shows how it ends)`);
  else if (triggered?.skipped) output.info(`no pipeline run started: ${triggered.skipped}`);
}
