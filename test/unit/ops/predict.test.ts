import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DescribeEndpointCommand, SageMakerClient, SageMakerServiceException } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { createClients } from '../../../src/aws/clients.js';
import { deriveNames } from '../../../src/engine/names.js';
import { ToolError } from '../../../src/base/errors.js';
import { parsePredictions, predict, readPredictRows } from '../../../src/ops/predict.js';
import { opContextFor } from '../../support/op-context.js';

const sagemaker = mockClient(SageMakerClient);
const runtime = mockClient(SageMakerRuntimeClient);
const names = deriveNames('abalone', 'us-east-1', '123456789012');
const deps = () => ({ clients: createClients({ region: 'us-east-1', maxAttempts: 1, env: {} }), names });

beforeEach(() => {
  sagemaker.reset();
  runtime.reset();
  sagemaker.onAnyCommand().rejects(new Error('unstubbed call'));
  runtime.onAnyCommand().rejects(new Error('unstubbed call'));
});
afterEach(() => {
  sagemaker.reset();
  runtime.reset();
});

async function csv(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'predict-test-'));
  const file = join(dir, 'rows.csv');
  await writeFile(file, text);
  return file;
}

describe('readPredictRows', () => {
  it('reads a file with a header and --row values, validating like add-data', async () => {
    const file = await csv('sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight\r\nm,0.455,0.365,0.095,0.514,0.2245,0.101,0.15\r\n\r\n');
    const { rows, rejected } = await readPredictRows(file, ['F,0.53,0.42,0.135,0.677,0.2565,0.1415,0.21']);
    expect(rejected).toEqual([]);
    expect(rows).toEqual([
      { sex: 'M', measurements: [0.455, 0.365, 0.095, 0.514, 0.2245, 0.101, 0.15] },
      { sex: 'F', measurements: [0.53, 0.42, 0.135, 0.677, 0.2565, 0.1415, 0.21] },
    ]);
  });

  it('reports every invalid row with its line number and reason, as add-data does', async () => {
    const file = await csv('M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15\nX,91,0.365,0.095,0.514,0.2245,0.101,0.15\nM,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15\n');
    const { rejected } = await readPredictRows(file, ['I,0.1']);
    expect(rejected).toEqual([
      {
        source: file,
        errors: [
          { row: 2, reason: expect.stringMatching(/^sex "X" is not M, F or I; length 91 is above 10/) },
          { row: 3, reason: expect.stringMatching(/has 9 fields, expected 8 .*leave out rings/) },
        ],
      },
      { source: '--row', errors: [{ row: 1, reason: expect.stringMatching(/has 2 fields, expected 8/) }] },
    ]);
  });
});

describe('predict', () => {
  it('sends text/csv rows encoded as the ETL encodes features to <name>-endpoint and returns rings and age = rings + 1.5', async () => {
    sagemaker.on(DescribeEndpointCommand, { EndpointName: 'abalone-endpoint' }).resolves({ EndpointStatus: 'InService' } as never);
    runtime.on(InvokeEndpointCommand).resolves({ Body: new TextEncoder().encode('9.7,12.25') as never, ContentType: 'text/csv' });
    const out = await predict(opContextFor(deps()), { rows: [
      { sex: 'M', measurements: [0.455, 0.365, 0.095, 0.514, 0.2245, 0.101, 0.15] },
      { sex: 'I', measurements: [0, 1, 0.5, 0.25, 0.125, 0.0625, 0.00001] },
    ] });
    expect(out).toEqual([
      { row: 1, rings: 9.7, ageYears: 11.2 },
      { row: 2, rings: 12.25, ageYears: 13.75 },
    ]);
    const input = runtime.commandCalls(InvokeEndpointCommand)[0]!.args[0].input;
    expect(input.EndpointName).toBe('abalone-endpoint');
    expect(input.ContentType).toBe('text/csv');
    expect(new TextDecoder().decode(input.Body as Uint8Array)).toBe('0.455,0.365,0.095,0.514,0.2245,0.101,0.15,1,0,0\n0.0,1.0,0.5,0.25,0.125,0.0625,1e-05,0,0,1');
  });

  it('no endpoint in service: exit 1 saying so, nothing sent', async () => {
    sagemaker.on(DescribeEndpointCommand).rejects(new SageMakerServiceException({ name: 'ValidationException', $fault: 'client', $metadata: {}, message: 'Could not find endpoint "abalone-endpoint".' }));
    const missing = (await predict(opContextFor(deps()), { rows: [{ sex: 'M', measurements: [1, 1, 1, 1, 1, 1, 1] }] }).catch((e: unknown) => e)) as ToolError;
    expect(missing.code).toBe('NoEndpoint');
    expect(missing.exitCode).toBe(1);
    sagemaker.on(DescribeEndpointCommand).resolves({ EndpointStatus: 'Updating' } as never);
    const updating = (await predict(opContextFor(deps()), { rows: [{ sex: 'M', measurements: [1, 1, 1, 1, 1, 1, 1] }] }).catch((e: unknown) => e)) as ToolError;
    expect(updating.message).toContain('abalone-endpoint is Updating, not InService');
    expect(runtime.calls()).toHaveLength(0);
  });

  it('reads the XGBoost container CSV answer, comma- or line-separated', () => {
    expect(parsePredictions('9.5,10.25\n')).toEqual([9.5, 10.25]);
    expect(parsePredictions('9.5\n10.25\n')).toEqual([9.5, 10.25]);
    expect(() => parsePredictions('{"predictions": []}')).toThrow(/not a number/);
  });
});

describe('predict sends batches bounded in bytes under the 6 MB InvokeEndpoint limit (issue 21, item 8)', () => {
  it('cuts encoded rows into bodies of at most the limit, never splitting a row', async () => {
    const { byteBatches, BATCH_BYTES, MAX_REQUEST_BYTES } = await import('../../../src/ops/predict.js');
    expect(BATCH_BYTES).toBeLessThan(MAX_REQUEST_BYTES);
    const lines = Array.from({ length: 1000 }, (_, i) => `${i},${'9'.repeat(90)}`);
    const batches = [...byteBatches(lines, 10_000)];
    expect(batches.every((b) => Buffer.byteLength(b.body) <= 10_000)).toBe(true);
    expect(batches.reduce((n, b) => n + b.rows, 0)).toBe(1000);
    expect(batches.flatMap((b) => b.body.split('\n'))).toEqual(lines);
  });

  it('a file of 120,000 rows (about 7 MB encoded) goes in several requests, each under 6 MB', async () => {
    const row = 'M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15';
    const file = await csv(`${Array(120_000).fill(row).join('\n')}\n`);
    const { rows } = await readPredictRows(file, []);
    expect(rows).toHaveLength(120_000);
    sagemaker.on(DescribeEndpointCommand).resolves({ EndpointName: 'abalone-endpoint', EndpointStatus: 'InService' } as never);
    runtime.on(InvokeEndpointCommand).callsFake(async (input: { Body: Uint8Array }) => {
      const n = new TextDecoder().decode(input.Body).split('\n').length;
      return { Body: new TextEncoder().encode(Array(n).fill('9.5').join(',')) };
    });
    const predictions = await predict(opContextFor(deps()), { rows });
    expect(predictions).toHaveLength(120_000);
    const sizes = runtime.commandCalls(InvokeEndpointCommand).map((c) => (c.args[0].input.Body as Uint8Array).length);
    expect(sizes.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(6_291_456);
  });
});
