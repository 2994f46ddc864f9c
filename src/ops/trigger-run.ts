import { environmentProblem } from '../aws/airflow-cli.js';
import { getEnvironment } from '../aws/mwaa-environment.js';
import type { OpContext } from './context.js';
import { openPipelineDag, startRun, type RunEvent } from './run.js';

export interface TriggeredRun {
  /** The run started, or null when none was (with the reason in `skipped`). */
  readonly run: { runId: string } | null;
  readonly skipped?: string;
}

/**
 * After `add-data`: new data retrains, so a run starts (as `run --no-follow`) when at least one
 * file was uploaded and the environment is AVAILABLE. A rejected file, a file already uploaded
 * (same content), or an environment that is missing, changing or private starts nothing.
 */
export async function triggerRunAfterUpload(ctx: OpContext, request: { readonly uploaded: number; readonly onEvent: (e: RunEvent) => void }): Promise<TriggeredRun> {
  if (request.uploaded === 0) return { run: null, skipped: 'nothing new was uploaded' };
  const session = await ctx.openSession();
  const deps = { clients: session.clients, names: session.names, timing: session.timing.run, signal: ctx.signal, onEvent: request.onEvent };
  const environment = await getEnvironment(await deps.clients.mwaa(), deps.names.environment);
  const problem = environmentProblem(deps.names.environment, environment);
  if (problem) return { run: null, skipped: problem.message.replace(/: (wait for it|run `abalone-pipeline up` first).*$/, '') };
  const open = await openPipelineDag(deps.clients, deps.names, deps.timing, deps.signal);
  const started = await startRun(open.dag, { force: false, timing: deps.timing, signal: deps.signal, onEvent: deps.onEvent });
  return { run: { runId: started.runId } };
}
