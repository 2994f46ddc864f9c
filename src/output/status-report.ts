import type { ResourceRow } from '../engine/reconcile.js';
import type { Output } from './output.js';
import type { Style } from './style.js';

const HEADERS = ['STEP', 'TYPE', 'ID', 'STATE', 'DETAIL'] as const;

function paintState(style: Style, state: string): string {
  if (state === 'ok') return style.green(state);
  if (state === 'missing' || state === 'failed') return style.red(state);
  if (state === 'drift') return style.yellow(state);
  return style.cyan(state);
}

/** A plain-text table: padding is computed on the raw text, colour applied after. */
export function renderStatusTable(output: Output, rows: readonly ResourceRow[]): void {
  const cells = rows.map((r) => [r.step, r.type, r.id, r.state, r.detail]);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const pad = (text: string, i: number) => (i === HEADERS.length - 1 ? text : text.padEnd(widths[i]!));
  output.line(output.style.bold(HEADERS.map(pad).join('  ').trimEnd()));
  for (const row of cells) {
    const text = row.map((cell, i) => {
      const padded = pad(cell, i);
      return i === 3 ? paintState(output.style, cell) + padded.slice(cell.length) : padded;
    });
    output.line(text.join('  ').trimEnd());
  }
}

export function statusDocument(name: string, region: string, rows: readonly ResourceRow[]) {
  return {
    name,
    region,
    resources: rows.map((r) => ({ step: r.step, type: r.type, id: r.id, state: r.state, detail: r.detail })),
  };
}
