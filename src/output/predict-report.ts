import type { Prediction, RejectedSource } from '../engine/run-types.js';
import { printable } from './printable.js';
import type { Output } from './output.js';

/** One line per row: `row 1  rings 9.7  age 11.2 years`. */
export function predictionLines(predictions: readonly Prediction[]): string[] {
  return predictions.map((p) => `row ${p.row}  rings ${p.rings.toFixed(1)}  age ${p.ageYears.toFixed(1)} years`);
}

export function predictionsDocument(predictions: readonly Prediction[]) {
  const round = (n: number) => Math.round(n * 100) / 100;
  return { predictions: predictions.map((p) => ({ row: p.row, rings: round(p.rings), ageYears: round(p.ageYears) })) };
}

/** Invalid rows, reported as add-data reports a rejected file; nothing was sent. */
export function reportRejected(output: Output, rejected: readonly RejectedSource[]): void {
  if (output.json) {
    output.result({ predictions: [], rejected: rejected.map((r) => ({ file: r.source, errors: r.errors })) });
    return;
  }
  for (const r of rejected) {
    const n = r.errors.length;
    output.line(`${output.style.red('rejected')}  ${printable(r.source)}: ${n} invalid row${n === 1 ? '' : 's'}, nothing sent`);
    for (const e of r.errors) output.line(`  ${r.source === '--row' ? `--row #${e.row}` : `line ${e.row}`}: ${printable(e.reason)}`);
  }
}
