/**
 * The Glue built-in CSV classifier, as documented (https://docs.aws.amazon.com/glue/latest/dg/add-classifier.html,
 * "Built-in CSV classifier"): a first row is a header when every value in it is a string and the
 * rows after it are not all strings in those columns; columns are named from the header, else
 * col0, col1, ...; each column's type is the narrowest of boolean, bigint, double, string.
 */
export interface CsvSchema {
  hasHeader: boolean;
  columns: Array<{ Name: string; Type: string }>;
}

const BIGINT = /^[+-]?\d+$/;
const DOUBLE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BOOLEAN = /^(true|false)$/i;

function typeOf(value: string): string {
  const v = value.trim();
  if (v === '') return 'empty';
  if (BOOLEAN.test(v)) return 'boolean';
  if (BIGINT.test(v)) return 'bigint';
  if (DOUBLE.test(v)) return 'double';
  return 'string';
}

function widen(a: string, b: string): string {
  if (a === b || b === 'empty') return a;
  if (a === 'empty') return b;
  if ((a === 'bigint' && b === 'double') || (a === 'double' && b === 'bigint')) return 'double';
  return 'string';
}

export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** The schema of CSV text (the first rows of a file), or undefined when it is not CSV with two columns or more. */
export function inferCsvSchema(text: string, sampleRows = 1000): CsvSchema | undefined {
  const rows = text
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '')
    .slice(0, sampleRows)
    .map(splitCsvLine);
  if (rows.length === 0 || rows[0]!.length < 2) return undefined;
  const width = rows[0]!.length;
  const first = rows[0]!.map(typeOf);
  const rest = rows.slice(1).filter((r) => r.length === width);
  const restTypes = Array.from({ length: width }, (_, i) => rest.reduce((t, r) => widen(t, typeOf(r[i]!)), 'empty'));
  const hasHeader = rest.length > 0 && first.every((t) => t === 'string') && restTypes.some((t) => t !== 'string' && t !== 'empty');
  const types = hasHeader ? restTypes : restTypes.map((t, i) => widen(t, first[i]!));
  const names = hasHeader ? rows[0]!.map((h, i) => h.trim().toLowerCase() || `col${i}`) : types.map((_, i) => `col${i}`);
  return { hasHeader, columns: names.map((Name, i) => ({ Name, Type: types[i] === 'empty' ? 'string' : types[i]! })) };
}
