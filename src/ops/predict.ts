import { createReadStream } from 'node:fs';
import type { Clients } from '../aws/clients.js';
import { endpointStatus, invokeEndpointCsv } from '../aws/sagemaker-endpoint.js';
import { encodeFeatures } from '../base/data/features.js';
import { isFeatureHeader, parseFeatureRow } from '../base/data/survey-rows.js';
import type { Prediction, RejectedSource } from '../engine/run-types.js';
import { ToolError, UsageError, errorName } from '../base/errors.js';
import type { OpContext } from './context.js';

export interface FeatureRow {
  readonly sex: string;
  readonly measurements: number[];
}

export type { Prediction, RejectedSource } from '../engine/run-types.js';

/** Age in years is the ring count plus 1.5 (the UCI abalone data set's description). */
export const AGE_OFFSET_YEARS = 1.5;
/**
 * InvokeEndpoint takes a body of at most 6291456 bytes ("Length Constraints: Maximum length of
 * 6291456", InvokeEndpoint API reference); batches are bounded in bytes, below that with room to spare.
 */
export const MAX_REQUEST_BYTES = 6_291_456;
export const BATCH_BYTES = 5 * 1024 * 1024;

/** The encoded rows cut into request bodies of at most `limit` bytes (one row never splits). */
export function* byteBatches(lines: Iterable<string>, limit = BATCH_BYTES): Generator<{ body: string; rows: number }> {
  let parts: string[] = [];
  let bytes = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(line) + 1;
    if (size > limit) throw new ToolError('RowTooLarge', `an encoded row is ${size} bytes, more than one request may carry (${limit})`);
    if (bytes + size > limit && parts.length > 0) {
      yield { body: parts.join('\n'), rows: parts.length };
      parts = [];
      bytes = 0;
    }
    parts.push(line);
    bytes += size;
  }
  if (parts.length > 0) yield { body: parts.join('\n'), rows: parts.length };
}

/** Every row of the file (line numbers as in the file; header and blank lines skipped) and of --row, validated. */
export async function readPredictRows(file: string | undefined, rowArgs: readonly string[]): Promise<{ rows: FeatureRow[]; rejected: RejectedSource[] }> {
  const rows: FeatureRow[] = [];
  const rejected: RejectedSource[] = [];
  if (file !== undefined) {
    const errors: RejectedSource['errors'] = [];
    let sawContent = false;
    const onLine = (raw: string, i: number) => {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line.trim() === '') return;
      const first = !sawContent;
      sawContent = true;
      if (first && isFeatureHeader(line)) return;
      const parsed = parseFeatureRow(line);
      if (parsed.ok) rows.push({ sex: parsed.sex, measurements: parsed.measurements });
      else errors.push({ row: i + 1, reason: parsed.reason });
    };
    // Streamed: the file is decoded chunk by chunk and never held whole in memory.
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let pending = '';
    let lineNo = 0;
    try {
      for await (const chunk of createReadStream(file)) {
        pending += decoder.decode(chunk as Buffer, { stream: true });
        if (lineNo === 0) pending = pending.replace(/^\uFEFF/, '');
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) onLine(line, lineNo++);
      }
      pending += decoder.decode();
      if (pending !== '') onLine(pending, lineNo++);
    } catch (error) {
      if (errorName(error) === 'TypeError') {
        rejected.push({ source: file, errors: [{ row: lineNo + 1, reason: 'is not valid UTF-8 (save the file as UTF-8)' }] });
        return { rows: [], rejected };
      }
      throw new UsageError(`cannot read ${file}: no such file, or not a readable file`, 'UnreadableFile');
    }
    if (!sawContent) errors.push({ row: 1, reason: 'the file has no rows to predict (it is empty or a header alone)' });
    if (errors.length > 0) rejected.push({ source: file, errors });
  }
  const argErrors: RejectedSource['errors'] = [];
  rowArgs.forEach((arg, i) => {
    const parsed = parseFeatureRow(arg);
    if (parsed.ok) rows.push({ sex: parsed.sex, measurements: parsed.measurements });
    else argErrors.push({ row: i + 1, reason: parsed.reason });
  });
  if (argErrors.length > 0) rejected.push({ source: '--row', errors: argErrors });
  return { rows, rejected };
}

/** Sends the rows, encoded as the ETL encodes features, to `<name>-endpoint`; one prediction per row. */
export async function predict(ctx: OpContext, request: { readonly rows: readonly FeatureRow[] }): Promise<Prediction[]> {
  const { rows } = request;
  const deps = await ctx.openSession();
  const endpoint = deps.names.endpoint;
  await assertInService(deps.clients, endpoint);
  const predictions: Prediction[] = [];
  const encoded = (function* () {
    for (const r of rows) yield encodeFeatures(r.sex, r.measurements);
  })();
  let start = 0;
  for (const batch of byteBatches(encoded)) {
    const values = parsePredictions(await invokeEndpointCsv(deps.clients, endpoint, batch.body));
    if (values.length !== batch.rows) {
      throw new ToolError('BadPrediction', `endpoint ${endpoint} answered ${values.length} predictions for ${batch.rows} rows`);
    }
    values.forEach((rings, i) => predictions.push({ row: start + i + 1, rings, ageYears: rings + AGE_OFFSET_YEARS }));
    start += batch.rows;
  }
  return predictions;
}

/**
 * The built-in XGBoost container answers text/csv with the predictions separated by commas (or,
 * in newer releases, one per line); either way, one number per row sent.
 */
export function parsePredictions(text: string): number[] {
  const fields = text.split(/[,\n]/).map((f) => f.trim()).filter((f) => f !== '');
  return fields.map((f) => {
    const value = Number(f);
    if (!Number.isFinite(value)) throw new ToolError('BadPrediction', `the endpoint answered "${f.slice(0, 40)}", not a number`);
    return value;
  });
}

async function assertInService(clients: Clients, endpoint: string): Promise<void> {
  const status = await endpointStatus(clients, endpoint);
  if (status === undefined) throw new ToolError('NoEndpoint', `no model endpoint ${endpoint}: run \`abalone-pipeline run\`; a run deploys one when its model is good enough`);
  if (status !== 'InService') throw new ToolError('EndpointNotInService', `the model endpoint ${endpoint} is ${status}, not InService`);
}
