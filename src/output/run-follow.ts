import type { RunEvent, RunOutcome, RunResult } from '../engine/run-types.js';
import type { Output } from './output.js';
import { WaitIndicator } from './spinner.js';
import type { Style } from './style.js';

const TASK_COLUMN = 20;

function paintState(style: Style, state: string): string {
  switch (state) {
    case 'success':
      return style.green(state);
    case 'failed':
    case 'upstream_failed':
      return style.red(state);
    case 'running':
      return style.cyan(state);
    case 'skipped':
      return style.dim(state);
    default:
      return style.yellow(state);
  }
}

function clock(at: Date): string {
  return at.toISOString().slice(11, 19);
}

/**
 * `run` as it goes: the run id, one line per task state change (time UTC, task, state), and a
 * spinner naming the running task on an interactive stderr. In --json mode every line goes to
 * stderr, so stdout keeps the one JSON document.
 */
export class RunFollowReporter {
  private readonly indicator: WaitIndicator | undefined;

  constructor(private readonly output: Output) {
    // ora divides by the terminal's width: a pseudo-terminal reporting 0 columns would make it loop.
    const columns = (output.stderr as { columns?: number }).columns ?? 0;
    this.indicator = output.spinners && columns > 0 ? new WaitIndicator(output) : undefined;
  }

  private write(text: string, progress = false): void {
    const emit = () => (this.output.json || progress ? this.output.info(text) : this.output.line(text));
    if (this.indicator) this.indicator.around(emit);
    else emit();
  }

  readonly onEvent = (event: RunEvent): void => {
    const { style } = this.output;
    switch (event.kind) {
      case 'notice':
        this.write(event.message, true);
        return;
      case 'started':
        this.write(`run ${style.bold(event.runId)}  ${style.dim(`(${event.how === 'scheduled' ? 'started by the scheduler' : 'triggered'}, ${event.state})`)}`);
        return;
      case 'task':
        this.write(`${style.dim(clock(event.at))}  ${event.task.taskId.padEnd(TASK_COLUMN)}${paintState(style, event.task.state ?? '')}`);
        return;
      case 'running':
        if (!this.indicator) return;
        if (event.taskIds.length === 0) this.indicator.done('running');
        else this.indicator.update('running', event.taskIds.join(', '));
        return;
    }
  };

  stop(): void {
    this.indicator?.stop();
  }
}

const count = (n: number) => n.toLocaleString('en-US');
const rmse = (n: number) => n.toFixed(2);

/** The line a person reads at a glance, e.g. `deployed  rmse 1.82 ≤ 3.10 · 4,277 rows from 2 files · endpoint abalone-endpoint InService`. */
export function resultLine(style: Style, result: RunResult): string {
  const data = result.rows !== null && result.dataFiles !== null ? ` · ${count(result.rows)} rows from ${result.dataFiles} file${result.dataFiles === 1 ? '' : 's'}` : '';
  switch (result.decision) {
    case 'deployed':
      return `${style.green('deployed')}  rmse ${rmse(result.rmse ?? NaN)} ≤ ${rmse(result.threshold ?? NaN)}${data} · endpoint ${result.endpoint ?? '?'} ${result.endpointStatus ?? ''}`.trimEnd();
    case 'rejected':
      return `${style.yellow('rejected')}  rmse ${rmse(result.rmse ?? NaN)} > ${rmse(result.threshold ?? NaN)}${data} · the endpoint keeps its previous model`;
    case 'skipped':
      return `${style.dim('skipped')}  no new data since the last decided run: nothing trained (\`run --force\` retrains anyway)`;
  }
}

/** The end of `run` in human form: the result line, or what failed and where its log is. */
export function outcomeLines(style: Style, outcome: RunOutcome): string[] {
  if (outcome.state === 'success') {
    if (outcome.result) return [resultLine(style, outcome.result)];
    return [`${style.green('success')}  run ${outcome.runId} succeeded, but it left no run record at ${outcome.missingRecord ?? '?'} (is the DAG up to date? \`abalone-pipeline push-dags\`)`];
  }
  if (outcome.state === 'failed') {
    if (outcome.failed.length === 0) return [`${style.red('failed')}  run ${outcome.runId} failed with no failed task (a dagrun_timeout, or marked failed by hand)`];
    return outcome.failed.map((f) => `${style.red('failed')}  task ${f.taskId} failed · log: ${f.where}`);
  }
  return [`run ${outcome.runId} is ${outcome.state}`];
}

/** The contract's `run --json` document. */
export function runDocument(outcome: RunOutcome) {
  return {
    runId: outcome.runId,
    state: outcome.state,
    tasks: outcome.tasks.map((t) => ({ taskId: t.taskId, state: t.state, start: t.start, end: t.end })),
    result: outcome.result
      ? {
          decision: outcome.result.decision,
          rmse: outcome.result.rmse,
          threshold: outcome.result.threshold,
          endpoint: outcome.result.endpoint,
          dataFiles: outcome.result.dataFiles,
          rows: outcome.result.rows,
        }
      : null,
    ...(outcome.failed.length > 0 ? { failedTasks: outcome.failed } : {}),
  };
}
