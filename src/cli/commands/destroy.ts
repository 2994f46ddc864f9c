import { EXIT } from '../../base/errors.js';
import { selectSteps } from '../../steps/index.js';
import type { CommandContext } from '../context.js';
import type { DestroyOptions } from '../options.js';
import { configFor, pipelineConfig } from '../pipeline-config.js';
import { confirm, confirmByTyping, requireYesOrTerminal } from '../prompt.js';
import { findUserData } from '../../ops/user-data.js';
import { opContext } from '../op-context.js';
import { withLock } from '../../ops/with-lock.js';
import { confirmPlan, finish, runSteps, type RunPlan } from '../../ops/reconcile-run.js';

export async function destroy(ctx: CommandContext, options: DestroyOptions): Promise<number> {
  const startedAt = Date.now();
  pipelineConfig(options);
  requireYesOrTerminal(ctx.global.yes, 'destroy');
  const op = opContext(ctx);
  const session = await op.openSession();
  const config = await configFor(options, session, (message) => ctx.output.info(message));
  const plan: RunPlan = { steps: selectSteps(undefined), session, config };

  // The lock is released (deleted) last, so that nothing of the pipeline remains.
  return withLock(op, { command: 'destroy', force: options.forceUnlock, work: async () => {
    if (ctx.global.yes) return finish(op, { plan, results: await runSteps(op, { plan, mode: 'destroy' }), startedAt, dryRun: false });
    // Data users added and run records cannot be rebuilt by `up`: deleting them takes the typed name.
    const name = session.names.name;
    const userData = config.keepData ? undefined : await findUserData(op);
    const ask = userData
      ? async () => {
          ctx.output.info(`The bucket ${session.names.bucket} holds what \`up\` cannot put back: ${userData.descriptions.join('; ')}. Destroy deletes it for good (--keep-data keeps the bucket).`);
          if (await confirmByTyping(`Type the pipeline name (${name}) to delete everything:`, name, ctx.signal)) return true;
          ctx.output.info(`that is not "${name}"`);
          return false;
        }
      : (question: string) => confirm(question, ctx.signal);
    const decision = await confirmPlan(op, { plan, mode: 'destroy-plan', question: `Delete these resources of pipeline "${name}"?`, ask });
    if (decision.go) return finish(op, { plan, results: await runSteps(op, { plan, mode: 'destroy', confirmed: decision.confirmed }), startedAt, dryRun: false });
    if (!decision.cancelled) return finish(op, { plan, results: decision.planned, startedAt, dryRun: false });
    ctx.output.info('cancelled: nothing deleted');
    return EXIT.failed;
  } });
}
