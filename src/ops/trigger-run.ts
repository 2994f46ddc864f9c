import { environmentProblem } from '../aws/airflow-cli.js';
import type { Clients } from '../aws/clients.js';
import { getEnvironment } from '../aws/mwaa-environment.js';
import type { Names } from '../engine/names.js';
import { openPipelineDag, startRun, type RunEvent, type RunTiming } from './run.js';

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
export async function triggerRunAfterUpload(
  deps: { clients: Clients; names: Names; timing: RunTiming; signal: AbortSignal; onEvent: (e: RunEvent) => void },
  uploaded: number,
): Promise<TriggeredRun> {
  if (uploaded === 0) return { run: null, skipped: 'nothing new was uploaded' };
  const environment = await getEnvironment(await deps.clients.mwaa(), deps.names.environment);
  const problem = environmentProblem(deps.names.environment, environment);
  if (problem) return { run: null, skipped: problem.message.replace(/: (wait for it|run `abalone-pipeline up` first).*$/, '') };
  const open = await openPipelineDag(deps.clients, deps.names, deps.timing, deps.signal);
  const started = await startRun(open.dag, { force: false, timing: deps.timing, signal: deps.signal, onEvent: deps.onEvent });
  return { run: { runId: started.runId } };
}
