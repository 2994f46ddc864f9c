import type { PipelineConfig } from '../engine/config.js';
import { hourlyCost } from '../engine/cost.js';
import type { StepResult } from '../engine/reconcile.js';
import type { Session } from '../engine/session.js';
import { EXIT, errorMessage } from '../base/errors.js';
import { hourlyCostLines } from '../output/hourly-cost-report.js';
import type { OpContext } from './context.js';
import { clearParkedMark, resumeComplete } from './park.js';

/** `up` on a parked pipeline, before it asks: what resuming will cost by the hour again. */
export function resumeCostLines(config: PipelineConfig, session: Session): string[] {
  if (!config.parked) return [];
  const parked = `Pipeline "${session.names.name}" is parked (since ${config.parked.since}): up resumes it.`;
  const heading = 'Hourly cost resumed';
  try {
    return [parked, ...hourlyCostLines(
      heading,
      hourlyCost({
        region: session.names.region,
        environment: config,
        natGateways: config.subnetIds ? 0 : config.natGateways,
        ...(config.parked.endpoint ? { endpoint: config.parked.endpoint } : {}),
      }),
    )];
  } catch (error) {
    return [parked, `${heading}: not known (${errorMessage(error)})`];
  }
}

export interface ResumeRequest {
  readonly config: PipelineConfig;
  readonly results: readonly StepResult[];
  /** The exit code `up` would end with. */
  readonly code: number;
}

/**
 * After `up` on a parked pipeline: clears the parked mark once everything park removed is back
 * (every resumed step done, waited for), else says what keeps it parked. Returns the exit code.
 */
export async function resumeIfParked(ctx: OpContext, request: ResumeRequest): Promise<number> {
  const { config, results, code } = request;
  if (!config.parked || code !== EXIT.ok) return code;
  const session = await ctx.openSession();
  if (!resumeComplete(results, config.wait)) {
    ctx.output.info(`still marked parked: the network, environment and endpoint were not all seen ready by this run (${config.wait ? 'run `up` with every step' : '--no-wait'}); the next complete \`up\` clears the mark`);
    return code;
  }
  await clearParkedMark(ctx);
  ctx.output.info(`resumed: pipeline "${session.names.name}" is no longer parked`);
  return code;
}
