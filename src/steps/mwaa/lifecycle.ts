import {
  CreateEnvironmentCommand,
  DeleteEnvironmentCommand,
  TagResourceCommand,
  UpdateEnvironmentCommand,
  type CreateEnvironmentInput,
  type Environment,
  type MWAAClient,
  type UpdateEnvironmentInput,
} from '@aws-sdk/client-mwaa';
import { isNotFound } from '../../aws/errors.js';
import { failureOf, isTransitional, waitForEnvironment } from '../../aws/mwaa-environment.js';
import { retryWhileRolePropagates } from '../../aws/retry.js';
import { ToolError, errorMessage, errorName } from '../../base/errors.js';
import type { Names } from '../../engine/names.js';
import type { TimingProfile } from '../../engine/timing.js';
import type { ProgressEvent, StepContext, StillDeleting } from '../../engine/types.js';

const STEP = 'ensure-mwaa';

/** "4m 10s" */
export function elapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}

/**
 * MWAA checks at once that it can assume the execution role and that the role may read the
 * bucket; a role or policy IAM has not propagated yet fails those checks with a
 * ValidationException naming the role ("Failed to assume role ...", "Provided role does not
 * have sufficient permissions ...").
 */
export function isRoleNotReadyYet(error: unknown): boolean {
  const message = errorMessage(error);
  return errorName(error) === 'ValidationException' && /role/i.test(message) && /assum|trust|sufficient permissions/i.test(message);
}

const alreadyExists = (error: unknown) => errorName(error) === 'ValidationException' && /already exists/i.test(errorMessage(error));

export async function createEnvironment(ctx: StepContext, mwaa: MWAAClient, input: CreateEnvironmentInput): Promise<void> {
  try {
    await retryWhileRolePropagates(ctx, STEP, ctx.names.roles.mwaa, isRoleNotReadyYet, () => mwaa.send(new CreateEnvironmentCommand(input)));
  } catch (error) {
    // A retry after a lost response finds the environment it asked for: wait for it as usual.
    if (!alreadyExists(error)) throw error;
  }
}

/** What waiting on the environment needs: a step's context, or an op's (push-dags). */
export interface EnvironmentWaitContext {
  readonly names: Names;
  readonly timing: Pick<TimingProfile, 'mwaaEnvironment'>;
  readonly signal: AbortSignal;
  progress(event: ProgressEvent): void;
}

export interface UpdateOptions {
  /** Poll until the environment settles (false: return once MWAA accepted the update). */
  readonly wait: boolean;
  /** Labels the wait in the progress events (default ensure-mwaa). */
  readonly step?: string;
  /** Called once MWAA accepted the update, before the wait. */
  readonly onUpdated?: () => void;
}

/**
 * The one MWAA update, for ensure-mwaa and push-dags alike: UpdateEnvironment, then (when asked)
 * polling until it settles; throws the environment's own error unless it ends AVAILABLE.
 */
export async function updateAndWait(ctx: EnvironmentWaitContext, mwaa: MWAAClient, input: UpdateEnvironmentInput, options: UpdateOptions): Promise<void> {
  await mwaa.send(new UpdateEnvironmentCommand(input));
  options.onUpdated?.();
  if (!options.wait) return;
  requireAvailable(await waitSettled(ctx, mwaa, options.step), ctx, 'update');
}

export async function tagEnvironment(mwaa: MWAAClient, arn: string, names: Names): Promise<void> {
  await mwaa.send(new TagResourceCommand({ ResourceArn: arn, Tags: { [names.tagKey]: names.name } }));
}

/**
 * Polls until the environment settles (or is gone), showing its status and the time waited.
 * Ctrl-C stops the waiting, not what MWAA is doing; a timeout says how to pick it up again.
 */
export async function waitSettled(ctx: EnvironmentWaitContext, mwaa: MWAAClient, step = STEP): Promise<Environment | undefined> {
  const name = ctx.names.environment;
  try {
    return await waitForEnvironment(mwaa, name, {
      signal: ctx.signal,
      ...ctx.timing.mwaaEnvironment,
      onStatus: (status, ms) => ctx.progress({ kind: 'waiting', step, message: `${name} ${status} (${elapsed(ms)})` }),
    });
  } finally {
    ctx.progress({ kind: 'wait-done', step });
  }
}

/** Throws the environment's own error (LastUpdate.Error) unless it ended AVAILABLE. */
export function requireAvailable(env: Environment | undefined, ctx: { readonly names: Names }, doing: 'create' | 'update'): void {
  const failure = env ? failureOf(env) : `environment ${ctx.names.environment} disappeared while ${doing === 'create' ? 'creating' : 'updating'}`;
  if (failure) throw new ToolError(doing === 'create' ? 'EnvironmentCreateFailed' : 'EnvironmentUpdateFailed', failure);
}

/**
 * `destroy --no-wait`: requests the deletion without waiting for it. An environment still
 * creating or updating is deleted once it settles (as deleteEnvironment does): said, not waited for.
 */
export async function requestEnvironmentDeletion(ctx: StepContext, mwaa: MWAAClient, env: Environment): Promise<StillDeleting | void> {
  const name = ctx.names.environment;
  if (env.Status !== 'DELETING' && isTransitional(env.Status)) return { stillDeleting: `environment ${name} (${env.Status}: its deletion can be requested once it settles)` };
  if (env.Status !== 'DELETING') {
    try {
      await mwaa.send(new DeleteEnvironmentCommand({ Name: name }));
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
  }
  return { stillDeleting: `environment ${name} (DELETING; about 20 minutes on AWS)` };
}

/** Deletes the environment once it may be deleted, and waits until it is gone. */
export async function deleteEnvironment(ctx: StepContext, mwaa: MWAAClient, env: Environment): Promise<void> {
  let current: Environment | undefined = env;
  if (isTransitional(current.Status) && current.Status !== 'DELETING') current = await waitSettled(ctx, mwaa);
  if (current && current.Status !== 'DELETING') {
    try {
      await mwaa.send(new DeleteEnvironmentCommand({ Name: ctx.names.environment }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  const after = await waitSettled(ctx, mwaa);
  if (after) throw new ToolError('EnvironmentDeleteFailed', `environment ${ctx.names.environment} is ${after.Status} instead of gone`);
}
