import { EXIT } from '../../errors.js';
import { selectSteps } from '../../steps/index.js';
import type { CommandContext } from '../context.js';
import { configFor, pipelineConfig } from '../pipeline-config.js';
import { confirmByTyping, requireYesOrTerminal } from '../prompt.js';
import { findUserData } from '../../ops/user-data.js';
import { openSession } from '../session.js';
import { withLock } from '../../ops/with-lock.js';
import { confirmPlan, finish, runSteps, type RunPlan } from './run-steps.js';

export async function destroy(ctx: CommandContext, raw: Record<string, unknown>): Promise<number> {
  const startedAt = Date.now();
  pipelineConfig(raw);
  requireYesOrTerminal(ctx.global.yes, 'destroy');
  const session = await openSession(ctx.global);
  const config = await configFor(raw, session, (message) => ctx.output.info(message));
  const plan: RunPlan = { steps: selectSteps(undefined), session, config };

  // The lock is released (deleted) last, so that nothing of the pipeline remains.
  return withLock(ctx, session, 'destroy', Boolean(raw.forceUnlock), async () => {
    if (ctx.global.yes) return finish(ctx, plan, await runSteps(ctx, plan, 'destroy'), startedAt, false);
    // Data users added and run records cannot be rebuilt by `up`: deleting them takes the typed name.
    const name = session.names.name;
    const userData = config.keepData ? undefined : await findUserData(session);
    const ask = userData
      ? async () => {
          ctx.output.info(`The bucket ${session.names.bucket} holds what \`up\` cannot put back: ${userData.descriptions.join('; ')}. Destroy deletes it for good (--keep-data keeps the bucket).`);
          if (await confirmByTyping(`Type the pipeline name (${name}) to delete everything:`, name, ctx.signal)) return true;
          ctx.output.info(`that is not "${name}"`);
          return false;
        }
      : undefined;
    const decision = await confirmPlan(ctx, plan, 'destroy-plan', `Delete these resources of pipeline "${name}"?`, ask);
    if (decision.go) return finish(ctx, plan, await runSteps(ctx, plan, 'destroy', decision.confirmed), startedAt, false);
    if (!decision.cancelled) return finish(ctx, plan, decision.planned, startedAt, false);
    ctx.output.info('cancelled: nothing deleted');
    return EXIT.failed;
  });
}
