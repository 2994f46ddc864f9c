import { readFile } from 'node:fs/promises';
import type { Clients } from '../aws/clients.js';
import { endpointStatus, invokeEndpointCsv } from '../aws/sagemaker-endpoint.js';
import { encodeFeatures } from '../data/features.js';
import { isFeatureHeader, parseFeatureRow } from '../data/survey-rows.js';
import type { Prediction, RejectedSource } from '../engine/run-types.js';
import { ToolError, UsageError, errorName } from '../errors.js';
import type { OpContext } from './context.js';

export interface FeatureRow {
  readonly sex: string;
  readonly measurements: number[];
}

export type { Prediction, RejectedSource } from '../engine/run-types.js';

/** Age in years is the ring count plus 1.5 (the UCI abalone data set's description). */
export const AGE_OFFSET_YEARS = 1.5;
/** InvokeEndpoint takes at most 6 MB per request; a row is under 100 bytes. */
const ROWS_PER_REQUEST = 5_000;

/** Every row of the file (line numbers as in the file; header and blank lines skipped) and of --row, validated. */
export async function readPredictRows(file: string | undefined, rowArgs: readonly string[]): Promise<{ rows: FeatureRow[]; rejected: RejectedSource[] }> {
  const rows: FeatureRow[] = [];
  const rejected: RejectedSource[] = [];
  if (file !== undefined) {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(await readFile(file));
    } catch (error) {
      if (errorName(error) === 'TypeError') {
        rejected.push({ source: file, errors: [{ row: 1, reason: 'is not valid UTF-8 (save the file as UTF-8)' }] });
        return { rows: [], rejected };
      }
      throw new UsageError(`cannot read ${file}: no such file, or not a readable file`, 'UnreadableFile');
    }
    const errors: RejectedSource['errors'] = [];
    let sawContent = false;
    text.replace(/^\uFEFF/, '').split('\n').forEach((raw, i) => {
      const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
      if (line.trim() === '') return;
      const first = !sawContent;
      sawContent = true;
      if (first && isFeatureHeader(line)) return;
      const parsed = parseFeatureRow(line);
      if (parsed.ok) rows.push({ sex: parsed.sex, measurements: parsed.measurements });
      else errors.push({ row: i + 1, reason: parsed.reason });
    });
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
  for (let start = 0; start < rows.length; start += ROWS_PER_REQUEST) {
    const batch = rows.slice(start, start + ROWS_PER_REQUEST);
    const body = batch.map((r) => encodeFeatures(r.sex, r.measurements)).join('\n');
    const values = parsePredictions(await invokeEndpointCsv(deps.clients, endpoint, body));
    if (values.length !== batch.length) {
      throw new ToolError('BadPrediction', `endpoint ${endpoint} answered ${values.length} predictions for ${batch.length} rows`);
    }
    values.forEach((rings, i) => predictions.push({ row: start + i + 1, rings, ageYears: rings + AGE_OFFSET_YEARS }));
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
