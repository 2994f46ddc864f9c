import { inspect } from '../../engine/reconcile.js';
import { EXIT } from '../../errors.js';
import { renderStatusTable, statusDocument } from '../../output/status-report.js';
import { selectSteps } from '../../steps/index.js';
import type { CommandContext } from '../context.js';
import { configFor, pipelineConfig } from '../pipeline-config.js';
import { openSession } from '../session.js';

const NOT_CONVERGED = new Set(['missing', 'drift']);

export async function status(ctx: CommandContext, raw: Record<string, unknown>): Promise<number> {
  pipelineConfig(raw);
  const session = await openSession(ctx.global);
  const config = await configFor(raw, session, (message) => ctx.output.info(message));
  const rows = await inspect(
    selectSteps(undefined),
    { names: session.names, config, clients: session.clients, timing: session.timing, signal: ctx.signal },
    () => undefined,
  );
  if (ctx.output.json) ctx.output.result(statusDocument(session.names.name, session.names.region, rows));
  else renderStatusTable(ctx.output, rows);
  if (rows.some((r) => r.state === 'failed')) return EXIT.failed;
  return rows.some((r) => NOT_CONVERGED.has(r.state)) ? EXIT.notConverged : EXIT.ok;
}
