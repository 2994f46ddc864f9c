import { listRuns } from '../../ops/runs.js';
import { runsTable } from '../../output/runs-report.js';
import { EXIT } from '../../base/errors.js';
import type { CommandContext } from '../context.js';
import type { RunsOptions } from '../options.js';
import { opContext } from '../op-context.js';
import { integer } from '../validate.js';

export async function runs(ctx: CommandContext, options: RunsOptions): Promise<number> {
  const { output } = ctx;
  const limit = integer('--limit', options.limit, 1, 10_000);
  const result = await listRuns(opContext(ctx), { limit });
  if (result.airflowUnavailable) output.info(`runs from the run records only; Airflow's own list is not joined: ${result.airflowUnavailable}`);
  if (output.json) output.result({ runs: result.runs });
  else for (const line of runsTable(output.style, result.runs)) output.line(line);
  return EXIT.ok;
}
