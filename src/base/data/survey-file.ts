import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { isHeader, parseRow } from './survey-rows.js';

export interface RowError {
  readonly row: number;
  readonly reason: string;
}

export interface CheckedFile {
  readonly file: string;
  readonly rows: number;
  /** SHA-256 of the normalised content. */
  readonly sha256: string;
  readonly errors: RowError[];
  /** How many invalid rows there were beyond those listed in `errors`. */
  readonly moreErrors: number;
}

/** Complete lines before the first undecodable byte of `chunk` (the replacement character marks it). */
function linesBeforeInvalid(pending: string, chunk: Buffer): number {
  const lines = (pending + chunk.toString('utf8')).split('\n');
  const bad = lines.findIndex((line) => line.includes('\uFFFD'));
  return Math.max(bad, 0);
}

/** Enough to act on, without a million-line report for a file in the wrong format. */
export const MAX_REPORTED_ERRORS = 100;

/**
 * Validates a survey file as a stream (constant memory whatever its size) and writes the
 * normalised rows (no header, LF, upper-case sex, no BOM) to `normalisedPath`.
 */
export async function checkSurveyFile(file: string, normalisedPath: string): Promise<CheckedFile> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  const hash = createHash('sha256');
  const out = createWriteStream(normalisedPath);
  const errors: RowError[] = [];
  let moreErrors = 0;
  let rows = 0;
  let lineNumber = 0;
  let pending = '';
  let sawContent = false;

  const fail = (row: number, reason: string) => {
    if (errors.length < MAX_REPORTED_ERRORS) errors.push({ row, reason });
    else moreErrors += 1;
  };

  /** The normalised text of one line, or '' (blank, header, or invalid: reported). */
  const handleLine = (raw: string): string => {
    lineNumber += 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return '';
    const first = !sawContent;
    sawContent = true;
    if (first && isHeader(line)) return '';
    const result = parseRow(line);
    if (!result.ok) {
      const prefix = first && !/^\s*[a-zA-Z]\s*,/.test(line) ? 'not the header (sex,length,...,rings) nor a data row: ' : '';
      fail(lineNumber, prefix + result.reason);
      return '';
    }
    rows += 1;
    return `${result.row}\n`;
  };

  /** Writes a chunk's worth of rows at once (once the file has an error its output is moot). */
  const emit = async (text: string) => {
    if (text === '' || errors.length > 0) return;
    hash.update(text);
    if (!out.write(text)) await once(out, 'drain');
  };

  try {
    for await (const chunk of createReadStream(file)) {
      let decoded: string;
      try {
        decoded = decoder.decode(chunk as Buffer, { stream: true });
      } catch {
        fail(lineNumber + 1 + linesBeforeInvalid(pending, chunk as Buffer), 'is not valid UTF-8 (save the file as UTF-8)');
        break;
      }
      pending += decoded;
      const lines = pending.split('\n');
      pending = lines.pop()!;
      let normalised = '';
      for (const line of lines) normalised += handleLine(line);
      await emit(normalised);
    }
    if (errors.length === 0) {
      try {
        pending += decoder.decode();
      } catch {
        fail(lineNumber + 1, 'is not valid UTF-8 (save the file as UTF-8)');
      }
    }
    if (pending !== '') await emit(handleLine(pending));
  } finally {
    out.end();
    await once(out, 'close');
  }
  if (rows === 0 && errors.length === 0) fail(Math.max(lineNumber, 1), 'the file has no data rows (it is empty or a header alone)');
  return { file, rows, sha256: hash.digest('hex'), errors, moreErrors };
}
