import type { EngineEvent, StepResult } from '../engine/reconcile.js';
import type { ChangeAction, ChangeRecord } from '../engine/types.js';
import type { Output } from './output.js';
import { WaitIndicator } from './spinner.js';
import type { Style } from './style.js';

const STEP_COLUMN = 18;

const SYMBOL: Record<ChangeAction, string> = { create: '+', update: '~', delete: '-', upload: '↑' };

function paint(style: Style, action: ChangeAction, text: string): string {
  switch (action) {
    case 'create':
      return style.green(text);
    case 'update':
      return style.yellow(text);
    case 'delete':
      return style.red(text);
    case 'upload':
      return style.cyan(text);
  }
}

export function changeLine(style: Style, step: string, change: ChangeRecord): string {
  const label = paint(style, change.action, `${SYMBOL[change.action]} ${change.action.padEnd(6)}`);
  const detail = change.detail ? `  ${style.dim(`(${change.detail})`)}` : '';
  return `${step.padEnd(STEP_COLUMN)}${label}  ${change.resource}${detail}`;
}

/** Human lines as a run goes (one per change, `unchanged` per converged step), a spinner while waiting. */
export class RunReporter {
  private readonly indicator: WaitIndicator;

  constructor(
    private readonly output: Output,
    private readonly destroying = false,
  ) {
    this.indicator = new WaitIndicator(output);
  }

  readonly onEvent = (event: EngineEvent): void => {
    const { output } = this;
    const { style } = output;
    switch (event.kind) {
      case 'waiting':
        this.indicator.update(event.step, event.message);
        return;
      case 'wait-done':
        this.indicator.done(event.step);
        return;
      case 'notice':
        this.indicator.around(() => output.info(`${event.step}: ${event.message}`));
        return;
      case 'step-started':
        return;
      case 'change':
        this.indicator.around(() => output.line(changeLine(style, event.step, event.change)));
        return;
      case 'step-finished':
        this.indicator.done(event.result.step);
        this.indicator.around(() => this.finished(event.result));
        return;
    }
  };

  private finished(result: StepResult): void {
    const { output } = this;
    const { style } = output;
    const column = result.step.padEnd(STEP_COLUMN);
    if (result.status === 'unchanged') output.line(`${column}${style.dim(this.destroying ? 'nothing to delete' : 'unchanged')}`);
    else if (result.status === 'failed') output.line(`${column}${style.red('✗ failed')}  ${result.error?.code}: ${result.error?.message}`);
    else if (result.status === 'skipped') output.line(`${column}${style.yellow('skipped')}  (${skipReason(result.because)})`);
  }

  stop(): void {
    this.indicator.stop();
  }
}

function skipReason(because: string | undefined): string {
  if (!because || because === 'interrupted') return 'interrupted before it started';
  if (because.startsWith('waiting for ')) return because;
  return `${because} did not complete`;
}

export interface RunTotals {
  readonly counts: Record<ChangeAction, number>;
  readonly unchanged: number;
  readonly failed: StepResult[];
  readonly skipped: number;
}

export function totals(results: readonly StepResult[]): RunTotals {
  const counts: Record<ChangeAction, number> = { create: 0, update: 0, delete: 0, upload: 0 };
  for (const r of results) for (const c of r.changes) counts[c.action] += 1;
  return {
    counts,
    unchanged: results.filter((r) => r.status === 'unchanged').length,
    failed: results.filter((r) => r.status === 'failed'),
    skipped: results.filter((r) => r.status === 'skipped').length,
  };
}

const VERB: Record<ChangeAction, string> = { create: 'created', update: 'updated', delete: 'deleted', upload: 'uploaded' };
const PLANNED: Record<ChangeAction, string> = { create: 'to create', update: 'to update', delete: 'to delete', upload: 'to upload' };

export function summaryLine(results: readonly StepResult[], elapsedMs: number, planned: boolean): string {
  const t = totals(results);
  const words = (Object.keys(t.counts) as ChangeAction[])
    .filter((a) => t.counts[a] > 0)
    .map((a) => `${t.counts[a]} ${planned ? PLANNED[a] : VERB[a]}`);
  const parts = [words.length > 0 ? words.join(', ') : planned ? 'no changes' : 'nothing changed'];
  if (t.unchanged > 0) parts.push(`${t.unchanged} step${t.unchanged === 1 ? '' : 's'} unchanged`);
  if (t.failed.length > 0) parts.push(`${t.failed.length} failed`);
  if (t.skipped > 0) parts.push(`${t.skipped} skipped`);
  const seconds = (elapsedMs / 1000).toFixed(1);
  return `${planned ? 'Plan' : 'Done'}: ${parts.join('; ')} (${seconds}s)`;
}

/** The contract's JSON for up, up --dry-run and destroy. */
export function runDocument(name: string, region: string, dryRun: boolean, results: readonly StepResult[]) {
  return {
    name,
    region,
    dryRun,
    steps: results.map((r) => ({
      step: r.step,
      status: r.status,
      changes: r.changes.map((c) => ({ action: c.action, resource: c.resource, detail: c.detail })),
      ...(r.error ? { error: r.error } : {}),
    })),
  };
}
