import type { HourlyCost } from '../engine/cost.js';
import type { ResourceRow } from '../engine/reconcile.js';
import type { ParkedMark } from '../engine/settings.js';
import { hourlyCostDocument, hourlyCostLines } from './hourly-cost-report.js';
import type { Output } from './output.js';
import type { Style } from './style.js';

const HEADERS = ['STEP', 'TYPE', 'ID', 'STATE', 'DETAIL'] as const;

function paintState(style: Style, state: string): string {
  if (state === 'ok') return style.green(state);
  if (state === 'missing' || state === 'failed') return style.red(state);
  if (state === 'drift') return style.yellow(state);
  if (state === 'parked') return style.dim(state);
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

/** Beside the resources: the hourly cost of what exists now, and the parked mark. */
export interface StatusExtras {
  /** Undefined when it could not be worked out (then `hourlyCostError` says why). */
  readonly hourlyCost?: HourlyCost;
  readonly hourlyCostError?: string;
  readonly parked?: ParkedMark;
}

export function statusDocument(name: string, region: string, rows: readonly ResourceRow[], extras: StatusExtras = {}) {
  return {
    name,
    region,
    resources: rows.map((r) => ({ step: r.step, type: r.type, id: r.id, state: r.state, detail: r.detail })),
    hourlyCost: extras.hourlyCost ? hourlyCostDocument(extras.hourlyCost) : null,
    ...(extras.hourlyCostError ? { hourlyCostError: extras.hourlyCostError } : {}),
    parked: extras.parked ?? null,
  };
}

/** The table's footer: the parked mark, and the hourly cost of what exists now. */
export function renderStatusFooter(output: Output, extras: StatusExtras): void {
  output.line();
  if (extras.parked) output.line(`Parked since ${extras.parked.since}: \`abalone-pipeline up\` resumes it.`);
  if (extras.hourlyCost) for (const line of hourlyCostLines('Hourly cost now', extras.hourlyCost)) output.line(line);
  else if (extras.hourlyCostError) output.line(`Hourly cost: not known (${extras.hourlyCostError})`);
}
