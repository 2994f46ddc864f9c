import { appendFileSync } from 'node:fs';
import type { EngineEvent } from '../engine/reconcile.js';

/**
 * Opt-in, for the benchmark: with `ABALONE_TIMELINE=<file>` every step's start and end is
 * appended to <file> as one JSON line, `{"t": <ms since process start>, "mode", "event", "step"}`
 * (and the step's `status` at its end). Returns undefined when the variable is not set.
 */
export function timelineRecorder(mode: string, env: NodeJS.ProcessEnv = process.env): ((event: EngineEvent) => void) | undefined {
  const file = env.ABALONE_TIMELINE;
  if (!file) return undefined;
  const write = (fields: Record<string, unknown>) => {
    try {
      appendFileSync(file, `${JSON.stringify({ t: Math.round(performance.now()), mode, ...fields })}\n`);
    } catch {
      // A diagnostic must never fail the run.
    }
  };
  return (event) => {
    if (event.kind === 'step-started') write({ event: 'start', step: event.step });
    else if (event.kind === 'step-finished') write({ event: 'end', step: event.result.step, status: event.result.status });
  };
}
