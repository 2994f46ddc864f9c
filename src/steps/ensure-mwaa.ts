import type { Environment, MWAAClient } from '@aws-sdk/client-mwaa';
import { getEnvironment, isTransitional } from '../aws/mwaa-environment.js';
import { ToolError } from '../base/errors.js';
import { environmentHourly, hourlyNote } from '../engine/cost.js';
import { change, type Change, type ResourceState, type Step, type StepContext } from '../engine/types.js';
import { adoptDetail, claim, isOurs, leaveAlone, notOursDetail } from '../engine/ownership.js';
import { diffEnvironment, type EnvironmentDiff, type VersionMove } from './mwaa/drift.js';
import { createEnvironment, deleteEnvironment, requestEnvironmentDeletion, requireAvailable, tagEnvironment, updateAndWait, waitSettled } from './mwaa/lifecycle.js';
import { environmentArn, objectVersions, wantedEnvironment } from './mwaa/wanted.js';
import { CONVERGED_NETWORK, findNetwork } from './vpc/observe.js';

const STEP = 'ensure-mwaa';
const RESOURCE_TYPE = 'mwaa-environment';
const FAILED: ReadonlySet<string> = new Set(['CREATE_FAILED', 'UPDATE_FAILED', 'UNAVAILABLE']);

/**
 * What `up` sets, read now: the network (as ensure-vpc found it earlier in this run, from the
 * run's memo, or else by tag) and the requirements' current object version.
 */
async function wanted(ctx: StepContext) {
  const [network, versions] = await Promise.all([findNetwork(ctx, ctx.memo.get(CONVERGED_NETWORK)), ctx.clients.s3().then((s3) => objectVersions(s3, ctx.names))]);
  return { network, input: wantedEnvironment(ctx, network ?? { subnetIds: [], securityGroupIds: [] }, versions) };
}

async function diff(ctx: StepContext, env: Environment): Promise<EnvironmentDiff> {
  const { network, input } = await wanted(ctx);
  // Without the network (not built, or deleted by hand) the subnets cannot be compared.
  const want = network ? input : { ...input, NetworkConfiguration: undefined };
  return diffEnvironment(env, want as typeof input, { key: ctx.names.tagKey, value: ctx.names.name });
}

function recreateHint(ctx: StepContext): string {
  const { names } = ctx;
  return (
    `delete it with \`aws mwaa delete-environment --name ${names.environment} --region ${names.region}\`, ` +
    `wait until \`abalone-pipeline status\` no longer shows it (about 20 minutes), then run \`abalone-pipeline up\` again ` +
    `(the Airflow database, with the DAG run history, goes with it)`
  );
}

function billable(ctx: StepContext): string {
  const { config } = ctx;
  const workers = config.minWorkers === config.maxWorkers ? `${config.minWorkers} worker${config.minWorkers === 1 ? '' : 's'}` : `${config.minWorkers}-${config.maxWorkers} workers`;
  return `${config.envClass}, ${workers}, Airflow ${config.airflowVersion}, ${config.webserverAccess}, ${hourlyNote(environmentHourly(config))}`;
}

async function create(ctx: StepContext, mwaa: MWAAClient): Promise<void> {
  const { network, input } = await wanted(ctx);
  if (!network) {
    throw new ToolError('NetworkMissing', `no network for ${ctx.names.environment}: the private subnets and security group of ensure-vpc were not found; run \`abalone-pipeline up\` with ensure-vpc`);
  }
  await createEnvironment(ctx, mwaa, input);
  if (!ctx.config.wait) {
    ctx.progress({ kind: 'notice', step: STEP, message: `creating ${ctx.names.environment} takes 20-30 minutes on AWS; check on it with \`abalone-pipeline status\`` });
    return;
  }
  requireAvailable(await waitSettled(ctx, mwaa), ctx, 'create');
}

/** The changes that bring a settled (AVAILABLE or UPDATE_FAILED) environment to what `up` wants. */
function convergeChanges(ctx: StepContext, mwaa: MWAAClient, env: Environment, d: EnvironmentDiff): Change[] {
  const arn = env.Arn ?? environmentArn(ctx.names);
  if (d.refused) {
    throw new ToolError(
      'AirflowDowngradeRefused',
      `environment ${ctx.names.environment}: ${d.refused.reason}. It stays on Airflow ${d.refused.from}: run \`abalone-pipeline up --airflow-version ${d.refused.from}\` (the stored setting then follows it)`,
    );
  }
  if (d.replaceFor) return replaceChanges(ctx, mwaa, env, d.replaceFor);
  if (d.mustRecreate.length > 0) {
    throw new ToolError('EnvironmentMustBeRecreated', `environment ${ctx.names.environment} must be recreated: ${d.mustRecreate.join('; ')}. To recreate it, ${recreateHint(ctx)}`);
  }
  const changes: Change[] = [];
  if (d.details.length > 0) {
    const cost = d.update.EnvironmentClass || d.update.MinWorkers ? `; ${hourlyNote(environmentHourly(ctx.config))} from then on` : '';
    changes.push(
      change('update', arn, `${d.details.join('; ')}${cost}`, async () => {
        await updateAndWait(ctx, mwaa, { Name: ctx.names.environment, ...d.update }, { wait: ctx.config.wait });
      }),
    );
  }
  if (d.tagMissing) changes.push(change('update', arn, adoptDetail(ctx.names, envTag(ctx, env)), () => tagEnvironment(mwaa, arn, ctx.names)));
  return changes;
}

const envTag = (ctx: StepContext, env: Environment) => env.Tags?.[ctx.names.tagKey];

/**
 * Times quoted in the replacement plan. Creating: "It takes about twenty to thirty minutes to
 * create an environment" (MWAA user guide, "Create an Amazon MWAA environment",
 * https://docs.aws.amazon.com/mwaa/latest/userguide/create-environment.html). Deleting: MWAA
 * documents no duration; the step waits until the environment is gone.
 */
export const CREATE_MINUTES = 'about 20-30 minutes on AWS (MWAA user guide)';

/** What a replacement loses and keeps, said in the plan and in the README. */
export function replacementLoss(ctx: StepContext): string {
  return `Airflow's own run history (DAG runs, task instances, the Airflow UI's view of them) goes with the old environment; the run records in s3://${ctx.names.bucket}/${ctx.names.dataPrefix}runs/ stay, and \`runs\` still lists them`;
}

/**
 * A move MWAA makes only through a new environment (2.10.3 and below to Airflow 3): delete the
 * environment, wait until it is gone, create it on the new version with everything else `up`
 * wants. Shown in the plan and confirmed like any change (a terminal asks; --yes accepts;
 * --dry-run only shows).
 */
function replaceChanges(ctx: StepContext, mwaa: MWAAClient, env: Environment, move: VersionMove): Change[] {
  const arn = env.Arn ?? environmentArn(ctx.names);
  return [
    change(
      'delete',
      arn,
      `replace (Airflow ${move.from} → ${move.to}): ${move.reason}; delete the Airflow ${move.from} environment and wait until it is gone (MWAA documents no duration). ${replacementLoss(ctx)}`,
      () => deleteEnvironment(ctx, mwaa, env),
    ),
    change('create', arn, `replace (Airflow ${move.from} → ${move.to}): Airflow ${move.to} in its place, ${CREATE_MINUTES}; ${billable(ctx)}`, () => create(ctx, mwaa)),
  ];
}

async function plan(ctx: StepContext): Promise<Change[]> {
  const mwaa = await ctx.clients.mwaa();
  const env = await getEnvironment(mwaa, ctx.names.environment);
  const arn = env?.Arn ?? environmentArn(ctx.names);
  if (!env) return [change('create', arn, billable(ctx), () => create(ctx, mwaa))];
  // CreateEnvironment tags in the same call: an untagged environment is not this tool's.
  claim(ctx, [{ resource: arn, tag: envTag(ctx, env) }]);
  const lastError = env.LastUpdate?.Error ? `${env.LastUpdate.Error.ErrorCode}: ${env.LastUpdate.Error.ErrorMessage}` : 'no error reported';
  if (env.Status !== 'DELETING' && isTransitional(env.Status)) {
    if (!ctx.config.wait) {
      ctx.progress({ kind: 'notice', step: STEP, message: `${ctx.names.environment} is ${env.Status}; not waiting (--no-wait): check on it with \`abalone-pipeline status\`` });
      return [];
    }
    // A run stopped while waiting left it changing: wait for it, then converge.
    return [
      change('update', arn, `${env.Status}: wait until it settles, then apply what differs`, async () => {
        const settled = await waitSettled(ctx, mwaa);
        requireAvailable(settled, ctx, env.Status === 'CREATING' ? 'create' : 'update');
        for (const c of convergeChanges(ctx, mwaa, settled!, await diff(ctx, settled!))) await c.apply();
      }),
    ];
  }
  switch (env.Status) {
    case 'DELETING':
      return [
        change('create', arn, `being deleted: wait until it is gone, then create it (${billable(ctx)})`, async () => {
          await deleteEnvironment(ctx, mwaa, env);
          await create(ctx, mwaa);
        }),
      ];
    case 'CREATE_FAILED':
      return [
        change('delete', arn, `CREATE_FAILED (${lastError}): a failed environment cannot be updated`, () => deleteEnvironment(ctx, mwaa, env)),
        change('create', arn, billable(ctx), () => create(ctx, mwaa)),
      ];
    case 'UNAVAILABLE':
      throw new ToolError('EnvironmentUnavailable', `environment ${ctx.names.environment} is UNAVAILABLE (${lastError}) and cannot be updated. To recreate it, ${recreateHint(ctx)}`);
    default:
      return convergeChanges(ctx, mwaa, env, await diff(ctx, env));
  }
}

async function status(ctx: StepContext): Promise<ResourceState[]> {
  const env = await getEnvironment(await ctx.clients.mwaa(), ctx.names.environment);
  const base = { type: RESOURCE_TYPE, id: ctx.names.environment };
  if (!env && ctx.config.parked) return [{ ...base, state: 'parked', detail: `deleted by park (with Airflow's own run history; the run records stay in the bucket); up recreates it` }];
  if (!env) return [{ ...base, state: 'missing', detail: '' }];
  if (!isOurs(ctx.names, envTag(ctx, env))) return [{ ...base, state: 'drift', detail: notOursDetail(ctx.names, envTag(ctx, env)) }];
  const version = `Airflow ${env.AirflowVersion ?? '?'}`;
  const statusName = env.Status ?? 'UNKNOWN';
  if (FAILED.has(statusName)) {
    const error = env.LastUpdate?.Error;
    return [{ ...base, state: 'failed', detail: `${statusName}${error ? `: ${error.ErrorCode}: ${error.ErrorMessage}` : ''}` }];
  }
  if (statusName === 'CREATING') return [{ ...base, state: 'creating', detail: `${statusName}, ${version}` }];
  if (statusName === 'DELETING') return [{ ...base, state: 'deleting', detail: statusName }];
  if (statusName !== 'AVAILABLE') return [{ ...base, state: 'updating', detail: `${statusName}, ${version}` }];
  const d = await diff(ctx, env);
  const versions = [
    ...(d.refused ? [`${d.refused.reason} (up refuses it)`] : []),
    ...(d.replaceFor ? [`${d.replaceFor.reason} (up replaces it after asking: ${replacementLoss(ctx)})`] : []),
  ];
  const differences = [...versions, ...d.mustRecreate, ...d.details];
  if (differences.length > 0) return [{ ...base, state: 'drift', detail: differences.join('; ') }];
  const url = env.WebserverUrl ? `https://${env.WebserverUrl}` : 'no webserver URL yet';
  return [{ ...base, state: 'ok', detail: `AVAILABLE, ${url}, ${version}, ${env.EnvironmentClass}` }];
}

/** The Airflow environment: created once the network, policies, files and parameters are there. */
export const ensureMwaa: Step = {
  name: 'ensure-mwaa',
  dependsOn: ['ensure-vpc', 'attach-policies', 'upload-airflow', 'ensure-bucket', 'ensure-parameters'],
  plan,
  status,

  async planDestroy(ctx: StepContext): Promise<Change[]> {
    const mwaa = await ctx.clients.mwaa();
    const env = await getEnvironment(mwaa, ctx.names.environment);
    if (!env) return [];
    const arn = env.Arn ?? environmentArn(ctx.names);
    if (!isOurs(ctx.names, envTag(ctx, env))) {
      leaveAlone(ctx, STEP, arn, envTag(ctx, env));
      return [];
    }
    if (!ctx.config.wait) {
      // --no-wait: request the deletion and go on; what the environment uses waits for a second destroy.
      const detail = env.Status === 'DELETING' ? 'already DELETING; not waiting (--no-wait)' : `${env.Status}: DeleteEnvironment; not waiting for it (--no-wait)`;
      return [change('delete', arn, detail, () => requestEnvironmentDeletion(ctx, mwaa, env))];
    }
    const detail = env.Status === 'DELETING' ? 'already DELETING: wait until it is gone' : `${env.Status}: DeleteEnvironment, then wait until it is gone (about 20 minutes on AWS)`;
    return [change('delete', arn, detail, () => deleteEnvironment(ctx, mwaa, env))];
  },
};
