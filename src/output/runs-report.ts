import type { RunSummary } from '../engine/run-types.js';
import type { Style } from './style.js';

const COLUMNS = ['RUN ID', 'START', 'STATE', 'DECISION', 'RMSE', 'THRESHOLD', 'FILES', 'ROWS'] as const;

function cells(run: RunSummary): string[] {
  const num = (n: number | null, digits?: number) => (n === null ? '-' : digits === undefined ? n.toLocaleString('en-US') : n.toFixed(digits));
  return [run.runId, run.start ? run.start.replace(/\.\d+/, '').replace('+00:00', 'Z') : '-', run.state ?? '-', run.decision ?? '-', num(run.rmse, 2), num(run.threshold, 2), num(run.dataFiles), num(run.rows)];
}

/** `runs` as a table, newest first. */
export function runsTable(style: Style, runs: readonly RunSummary[]): string[] {
  if (runs.length === 0) return ['no runs yet: `abalone-pipeline run` starts one'];
  const rows = runs.map(cells);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [style.bold(line(COLUMNS)), ...rows.map(line)];
}
