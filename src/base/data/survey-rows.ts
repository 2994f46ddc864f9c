/**
 * The rules for new survey data (docs/data.md), one row at a time. A row is the text of
 * one line without its line ending; the result is the normalised row or the reason it is invalid.
 */
export const HEADER = ['sex', 'length', 'diameter', 'height', 'whole_weight', 'shucked_weight', 'viscera_weight', 'shell_weight', 'rings'];
const MEASUREMENTS = HEADER.slice(1, 8);
const SEXES = new Set(['M', 'F', 'I']);
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export type RowResult = { ok: true; row: string } | { ok: false; reason: string };

export function isHeader(line: string): boolean {
  const fields = line.split(',').map((f) => f.trim().toLowerCase());
  return fields.length === HEADER.length && fields.every((f, i) => f === HEADER[i]);
}

function measurement(name: string, text: string): string | undefined {
  if (text === '') return `${name} is empty`;
  if (/^[+-]?(nan|inf|infinity)$/i.test(text)) return `${name} "${text}" is not a finite number`;
  if (!DECIMAL.test(text)) return `${name} "${text}" is not a decimal number`;
  const value = Number(text);
  if (!Number.isFinite(value)) return `${name} "${text}" is not a finite number`;
  if (value < 0) return `${name} ${text} is negative`;
  if (value > 10) {
    return `${name} ${text} is above 10: it looks like raw millimetres or grams; the data set's scale divides them by 200 (e.g. ${(value / 200).toFixed(4)})`;
  }
  return undefined;
}

function rings(text: string): string | undefined {
  if (text === '') return 'rings is empty';
  if (!/^[+-]?\d+(?:\.\d+)?$/.test(text)) return `rings "${text}" is not a whole number`;
  const value = Number(text);
  if (!Number.isInteger(value)) return `rings ${text} is fractional: it must be a whole number from 1 to 100`;
  if (value < 1 || value > 100) return `rings ${text} is out of range: it must be from 1 to 100`;
  return undefined;
}

export function parseRow(line: string): RowResult {
  const fields = line.split(',').map((f) => f.trim());
  if (fields.length !== HEADER.length) {
    return { ok: false, reason: `has ${fields.length} field${fields.length === 1 ? '' : 's'}, expected 9 (${HEADER.join(',')})` };
  }
  const sex = fields[0]!.toUpperCase();
  // Every problem of the row at once, so one fix-up pass is enough.
  const problems: string[] = SEXES.has(sex) ? [] : [`sex "${fields[0]}" is not M, F or I`];
  MEASUREMENTS.forEach((name, i) => {
    const problem = measurement(name, fields[i + 1]!);
    if (problem) problems.push(problem);
  });
  const ringsProblem = rings(fields[8]!);
  if (ringsProblem) problems.push(ringsProblem);
  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };
  const ringsValue = String(Number(fields[8]));
  return { ok: true, row: [sex, ...fields.slice(1, 8), ringsValue].join(',') };
}

/** The 8 survey fields a prediction takes: the header without rings. */
export const FEATURE_HEADER = HEADER.slice(0, 8);

export type FeatureRowResult = { ok: true; sex: string; measurements: number[] } | { ok: false; reason: string };

export function isFeatureHeader(line: string): boolean {
  const fields = line.split(',').map((f) => f.trim().toLowerCase());
  return fields.length === FEATURE_HEADER.length && fields.every((f, i) => f === FEATURE_HEADER[i]);
}

/** A row without rings, checked by the same rules as a survey row (sex, then the seven measurements). */
export function parseFeatureRow(line: string): FeatureRowResult {
  const fields = line.split(',').map((f) => f.trim());
  if (fields.length !== FEATURE_HEADER.length) {
    const extra = fields.length === HEADER.length ? ': leave out rings, the value the model predicts' : '';
    return { ok: false, reason: `has ${fields.length} field${fields.length === 1 ? '' : 's'}, expected 8 (${FEATURE_HEADER.join(',')})${extra}` };
  }
  const sex = fields[0]!.toUpperCase();
  const problems: string[] = SEXES.has(sex) ? [] : [`sex "${fields[0]}" is not M, F or I`];
  MEASUREMENTS.forEach((name, i) => {
    const problem = measurement(name, fields[i + 1]!);
    if (problem) problems.push(problem);
  });
  if (problems.length > 0) return { ok: false, reason: problems.join('; ') };
  return { ok: true, sex, measurements: fields.slice(1, 8).map((f) => Number(f) + 0) };
}
