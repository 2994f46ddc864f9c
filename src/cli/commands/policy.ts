import { deriveNames, partitionOf } from '../../engine/names.js';
import { EXIT, UsageError } from '../../base/errors.js';
import { renderPolicyTemplate, templateVars } from '../../steps/templates.js';
import type { CommandContext } from '../context.js';
import type { PolicyOptions } from '../options.js';
import { openSession, resolveRegion } from '../session.js';
import { validateName } from '../validate.js';

/**
 * What the operator's own identity needs (issue 21, item 5): one least-privilege policy per group
 * of commands, in templates/iam/operator-<group>.json, rendered for the pipeline's name, region
 * and account. `--account` renders without any AWS call; otherwise the account comes from STS.
 */
export const OPERATOR_POLICIES: Readonly<Record<string, string>> = {
  run: 'operator-run.json',
  runs: 'operator-run.json',
  predict: 'operator-run.json',
  'add-data': 'operator-run.json',
  'push-dags': 'operator-push-dags.json',
  up: 'operator-up.json',
  status: 'operator-up.json',
  park: 'operator-up.json',
  destroy: 'operator-up.json',
};

export async function policy(ctx: CommandContext, options: PolicyOptions): Promise<number> {
  const command = options.for;
  const template = OPERATOR_POLICIES[command];
  if (!template) {
    throw new UsageError(`--for takes one of ${Object.keys(OPERATOR_POLICIES).join(', ')} (got "${command}")`, 'InvalidOption');
  }
  let names;
  if (options.account !== undefined) {
    const account = options.account;
    if (!/^\d{12}$/.test(account)) throw new UsageError(`--account "${account}" is not a 12-digit AWS account id`, 'InvalidOption');
    const region = await resolveRegion(ctx.global);
    validateName(ctx.global.name, region);
    names = deriveNames(ctx.global.name, region, account, partitionOf(region));
  } else {
    names = (await openSession(ctx.global)).names;
  }
  const document = await renderPolicyTemplate(`iam/${template}`, templateVars(names));
  // The document alone on stdout, human or --json, so that it can be piped into `aws iam put-role-policy`.
  if (ctx.output.json) ctx.output.result(document);
  else ctx.output.line(JSON.stringify(document, null, 2));
  ctx.output.info(`templates/iam/${template}: what \`${command}\` needs, for pipeline ${names.name} in ${names.region}, account ${names.account}`);
  return EXIT.ok;
}
