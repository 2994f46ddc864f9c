import { ToolError } from '../base/errors.js';
import type { Names } from './names.js';
import type { StepContext } from './types.js';

/**
 * Adopt only what is ours (issue 21, item 7). Resource names are derived from `--name`, so a
 * resource with the pipeline's name may still be someone else's: one made by hand, by another
 * tool, or by another pipeline. Ours is what carries the tag `abalone-pipeline:name = <name>`.
 * Every create tags in the same call (IAM, Glue, Lambda, CodeBuild, SSM, MWAA, EC2, SageMaker),
 * so a resource this tool made never exists untagged, with one exception: the S3 bucket, tagged
 * by a second call after CreateBucket (see ensure-bucket's `halfMade`).
 *
 * A resource that is not ours is not adopted, changed or deleted:
 * - `up` says so and stops that step (the step fails; steps that depend on it are skipped);
 *   `up --adopt` takes it over: the plan says "adopt", and the change tags it.
 * - `status` shows it as `drift`, saying whose it is not.
 * - `destroy` and `park` leave it alone and say so.
 */
export function isOurs(names: Names, tag: string | undefined): boolean {
  return tag === names.name;
}

function tagText(names: Names, tag: string | undefined): string {
  return tag === undefined ? `no tag ${names.tagKey}` : `tag ${names.tagKey} = ${tag}`;
}

/** The status detail of a resource that has the pipeline's name but not its tag. */
export function notOursDetail(names: Names, tag: string | undefined): string {
  return `not this pipeline's (${tagText(names, tag)}): up leaves it alone; up --adopt takes it over`;
}

/** The detail of the change that takes such a resource over (`up --adopt`). */
export function adoptDetail(names: Names, tag: string | undefined): string {
  return `adopt (--adopt): ${tagText(names, tag)}; tag it ${names.tagKey} = ${names.name}`;
}

export function notOursError(names: Names, found: ReadonlyArray<{ resource: string; tag: string | undefined }>): ToolError {
  const list = found.map((f) => `${f.resource} (${tagText(names, f.tag)})`).join(', ');
  return new ToolError(
    'NotOurs',
    `${list} ${found.length === 1 ? 'has' : 'have'} this pipeline's name but not its tag ${names.tagKey} = ${names.name}: ` +
      `not adopted, changed or deleted, and this step stops. Choose another --name, remove ${found.length === 1 ? 'it' : 'them'}, ` +
      `or take ${found.length === 1 ? 'it' : 'them'} over with \`abalone-pipeline up --adopt\` (${found.length === 1 ? 'it is' : 'they are'} then tagged).`,
  );
}

/**
 * In a plan: every resource found with the pipeline's name but not its tag stops the step,
 * unless `--adopt` is given. Returns true when the resources are adopted (the caller tags them).
 */
export function claim(ctx: StepContext, found: ReadonlyArray<{ resource: string; tag: string | undefined }>): boolean {
  const foreign = found.filter((f) => !isOurs(ctx.names, f.tag));
  if (foreign.length === 0) return false;
  if (ctx.config.adopt) return true;
  throw notOursError(ctx.names, foreign);
}

/** In destroy or park: a resource that is not ours is left alone, and the run says so. */
export function leaveAlone(ctx: StepContext, stepName: string, resource: string, tag: string | undefined): void {
  ctx.progress({ kind: 'notice', step: stepName, message: `left alone: ${resource} is not this pipeline's (${tagText(ctx.names, tag)})` });
}
