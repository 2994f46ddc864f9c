import { inspect } from '../../engine/reconcile.js';
import { EXIT, errorMessage } from '../../base/errors.js';
import { currentHourlyCost } from '../../ops/park.js';
import { renderStatusFooter, renderStatusTable, statusDocument, type StatusExtras } from '../../output/status-report.js';
import { selectSteps } from '../../steps/index.js';
import type { CommandContext } from '../context.js';
import type { StatusOptions } from '../options.js';
import { configFor, pipelineConfig } from '../pipeline-config.js';
import { opContext } from '../op-context.js';

const NOT_CONVERGED = new Set(['missing', 'drift']);

export async function status(ctx: CommandContext, options: StatusOptions): Promise<number> {
  pipelineConfig(options);
  const op = opContext(ctx);
  const session = await op.openSession();
  const config = await configFor(options, session, (message) => ctx.output.info(message));
  const [rows, cost] = await Promise.all([
    inspect(
      selectSteps(undefined),
      { names: session.names, config, clients: session.clients, timing: session.timing, signal: ctx.signal },
      () => undefined,
    ),
    currentHourlyCost(op).then(
      (hourlyCost): StatusExtras => ({ hourlyCost }),
      (error: unknown): StatusExtras => ({ hourlyCostError: errorMessage(error) }),
    ),
  ]);
  const extras: StatusExtras = { ...cost, parked: config.parked };
  if (ctx.output.json) ctx.output.result(statusDocument(session.names.name, session.names.region, rows, extras));
  else {
    renderStatusTable(ctx.output, rows);
    renderStatusFooter(ctx.output, extras);
  }
  if (rows.some((r) => r.state === 'failed')) return EXIT.failed;
  // `parked` is a state park chose: it counts as converged (exit 0), not as missing.
  return rows.some((r) => NOT_CONVERGED.has(r.state)) ? EXIT.notConverged : EXIT.ok;
}
