import type { Output } from './output.js';

/** What push-dags did (or, with --dry-run, would do): the --json document, dryRun aside. */
export interface PushResult {
  uploaded: string[];
  deleted: string[];
  unchanged: number;
  environmentUpdated: boolean;
  /** With --via-codebuild: the deploy build that made the changes. */
  build?: { id: string; status: string };
}

export function renderPushResult(output: Output, bucket: string, result: PushResult, dryRun: boolean): void {
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
