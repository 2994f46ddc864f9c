/**
 * Airflow 2.10's `AirflowConsole.print_as` (apache/airflow airflow/cli/simple_table.py), as the CLI
 * prints it when stdout is not a terminal (the MWAA CLI endpoint captures it): `-o json` is
 * `json.dumps` of the rows after `_normalize_data` (every non-null leaf becomes `str(value)`), and
 * `-o table` (the default) is rich's Table with `SimpleTable`'s settings (ASCII_DOUBLE_HEAD box, no
 * edge, no edge padding, header shown, caption " ") on a console 200 columns wide.
 */
export type OutputFormat = 'table' | 'json' | 'yaml' | 'plain';

export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'yaml', 'plain'];

export type Row = Record<string, unknown>;

/** `AirflowConsole.print_as(data, output)`; yaml and plain are not produced by this endpoint (the caller refuses them). */
export function printAs(rows: Row[], output: 'json' | 'table'): string {
  const normalized = rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, normalize(v, output)])));
  if (output === 'json') return `${pyJsonDumps(normalized)}\n`;
  if (normalized.length === 0) return 'No data found\n';
  const header = Object.keys(normalized[0]!);
  return renderTable(header, normalized.map((row) => Object.values(row).map((v) => pyStr(v))));
}

/** `_normalize_data`: lists and (except for tables) dicts recursively, None kept, anything else `str()`. */
function normalize(value: unknown, output: string): unknown {
  if (Array.isArray(value)) {
    if (output === 'table') return value.map((v) => pyStr(normalize(v, output))).join(',');
    return value.map((v) => normalize(v, output));
  }
  if (value !== null && typeof value === 'object' && output !== 'table') {
    return Object.fromEntries(Object.entries(value as Row).map(([k, v]) => [k, normalize(v, output)]));
  }
  if (value === null || value === undefined) return null;
  return pyStr(value);
}

/** Python's `str()` of a value that came from JSON (or a string already). */
export function pyStr(value: unknown): string {
  if (typeof value === 'string') return value;
  return pyRepr(value);
}

/** Python's `repr()` of a JSON value: dicts `{'k': 'v'}`, True/False/None. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyFloat(value);
  if (typeof value === 'string') return pyStringRepr(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(value as Row).map(([k, v]) => `${pyStringRepr(k)}: ${pyRepr(v)}`).join(', ')}}`;
}

function pyFloat(n: number): string {
  const s = String(n);
  return /e/.test(s) ? s.replace(/e([+-])(\d)$/, 'e$10$2') : s;
}

function pyStringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch < ' ' || ch === '\x7f') out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}

/** Python's `json.dumps(value)` with its defaults: `", "` and `": "` separators, ensure_ascii. */
export function pyJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return asciiJson(value);
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(', ')}]`;
  return `{${Object.entries(value as Row).map(([k, v]) => `${asciiJson(k)}: ${pyJsonDumps(v)}`).join(', ')}}`;
}

function asciiJson(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// ---- rich 13 Table, as SimpleTable configures it -------------------------------------------------

const CONSOLE_WIDTH = 200;

interface Cell {
  text: string;
  left: number;
  right: number;
}

/** rich's Text measurement: (longest word, longest line). */
function measureText(text: string): [number, number] {
  const lines = text.split('\n');
  const max = Math.max(0, ...lines.map((l) => l.length));
  const words = text.split(/\s+/).filter(Boolean);
  const min = Math.max(0, ...words.map((w) => w.length));
  return [min, max];
}

/** Measurement.get of a Padding(Text) in `width`: (min, max) including the padding. */
function measureCell(cell: Cell, width: number): [number, number] {
  const extra = cell.left + cell.right;
  if (width - extra < 1) return [width, width];
  const inner = width - extra;
  let [min, max] = measureText(cell.text);
  min = Math.min(min, max);
  [min, max] = [Math.min(min, inner), Math.min(max, inner)];
  return [Math.min(min + extra, width), Math.min(max + extra, width)];
}

function measureColumn(cells: Cell[], width: number): [number, number] {
  if (width < 1) return [0, 0];
  const ms = cells.map((c) => measureCell(c, width));
  const min = ms.length ? Math.max(...ms.map((m) => m[0])) : 1;
  const max = ms.length ? Math.max(...ms.map((m) => m[1])) : width;
  return [Math.min(min, width), Math.min(max, width)];
}

/** rich._ratio.ratio_reduce */
function ratioReduce(total: number, ratios: number[], maximums: number[], values: number[]): number[] {
  const rs = ratios.map((r, i) => (maximums[i] ? r : 0));
  let totalRatio = rs.reduce((a, b) => a + b, 0);
  if (!totalRatio) return [...values];
  let remaining = total;
  return values.map((value, i) => {
    const ratio = rs[i]!;
    if (ratio && totalRatio > 0) {
      const distributed = Math.min(maximums[i]!, pyRound((ratio * remaining) / totalRatio));
      remaining -= distributed;
      totalRatio -= ratio;
      return value - distributed;
    }
    return value;
  });
}

/** Python's round(): half to even. */
function pyRound(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Table._collapse_widths: shrink the widest wrappable columns first. */
function collapseWidths(widths: number[], maxWidth: number): number[] {
  let total = widths.reduce((a, b) => a + b, 0);
  let excess = total - maxWidth;
  while (total && excess > 0) {
    const maxColumn = Math.max(...widths);
    const second = Math.max(0, ...widths.map((w) => (w !== maxColumn ? w : 0)));
    const difference = maxColumn - second;
    const ratios = widths.map((w) => (w === maxColumn ? 1 : 0));
    if (!ratios.some(Boolean) || !difference) break;
    const maxReduce = widths.map(() => Math.min(excess, difference));
    widths = ratioReduce(excess, ratios, maxReduce, widths);
    total = widths.reduce((a, b) => a + b, 0);
    excess = total - maxWidth;
  }
  return widths;
}

function columnWidths(columns: Cell[][], maxWidth: number): number[] {
  let widths = columns.map((cells) => measureColumn(cells, maxWidth)[1] || 1);
  let tableWidth = widths.reduce((a, b) => a + b, 0);
  if (tableWidth > maxWidth) {
    widths = collapseWidths(widths, maxWidth);
    tableWidth = widths.reduce((a, b) => a + b, 0);
    if (tableWidth > maxWidth) widths = ratioReduce(tableWidth - maxWidth, widths.map(() => 1), widths, widths);
    widths = columns.map((cells, i) => measureColumn(cells, widths[i]!)[1] || 0);
  }
  return widths;
}

/** rich's word wrap with overflow "fold": greedy by words, words longer than the width split in chunks. */
export function wrapText(text: string, width: number): string[] {
  const out: string[] = [];
  for (const paragraph of text.split('\n')) {
    const lines: string[] = [];
    let line = '';
    const words = paragraph.match(/\S+\s*|\s+/g) ?? [''];
    for (const word of words) {
      const bare = word.trimEnd();
      if (line.length + bare.length <= width) {
        line += word;
        continue;
      }
      if (bare.length > width) {
        if (line.trimEnd().length) lines.push(line);
        let rest = word;
        while (rest.trimEnd().length > width) {
          lines.push(rest.slice(0, width));
          rest = rest.slice(width);
        }
        line = rest;
        continue;
      }
      lines.push(line);
      line = word;
    }
    lines.push(line);
    out.push(...lines.map((l) => l.trimEnd()));
  }
  return out;
}

function renderTable(header: string[], rows: string[][]): string {
  const n = header.length;
  const pad = (i: number) => ({ left: i === 0 ? 0 : 1, right: i === n - 1 ? 0 : 1 });
  const columns: Cell[][] = header.map((h, i) => [h, ...rows.map((r) => r[i] ?? '')].map((text) => ({ text, ...pad(i) })));
  const extra = n - 1;
  const widths = columnWidths(columns, CONSOLE_WIDTH - extra);

  const renderRow = (texts: string[], vertical: 'top' | 'bottom'): string[] => {
    const cells = texts.map((text, i) => {
      const { left, right } = pad(i);
      const inner = Math.max(0, widths[i]! - left - right);
      return wrapText(text, inner).map((l) => ' '.repeat(left) + l.padEnd(inner) + ' '.repeat(right));
    });
    const height = Math.max(...cells.map((c) => c.length));
    const filled = cells.map((c, i) => {
      const blank = Array.from({ length: height - c.length }, () => ' '.repeat(widths[i]!));
      return vertical === 'bottom' ? [...blank, ...c] : [...c, ...blank];
    });
    return Array.from({ length: height }, (_, line) => filled.map((c) => c[line]).join('|'));
  };

  const lines = [
    ...renderRow(header, 'bottom'),
    widths.map((w) => '='.repeat(w)).join('+'),
    ...rows.flatMap((row) => renderRow(row, 'top')),
  ];
  const tableWidth = widths.reduce((a, b) => a + b, 0) + extra;
  lines.push(' '.repeat(tableWidth));
  return `${lines.join('\n')}\n`;
}
