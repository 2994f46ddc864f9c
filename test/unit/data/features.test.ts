import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeFeatures, pythonFloatRepr, SEX_CATEGORIES } from '../../../src/base/data/features.js';

const SCRIPTS = fileURLToPath(new URL('../../../artifacts/airflow/scripts', import.meta.url));

/** Measurement sets that exercise every branch of Python's float repr within the valid range 0..10. */
const MEASUREMENTS: number[][] = [
  [0.455, 0.365, 0.095, 0.514, 0.2245, 0.101, 0.15],
  [0, 10, 1, 0.0001, 0.00001, 1e-7, 2.5],
  [0.1 + 0.2, 7, 0.5, 9.999999999999998, 1e-300, 5e-324, 0.000123456789],
  [3.0000000000000004, 0.001, 0.01, 6.02214076, 0.3333333333333333, 1.5e-5, 8],
];

/** Runs the ETL core (the file the Glue jobs ship) on every sex value and measurement set. */
function python(expression: string): string[][] {
  const cases = SEX_CATEGORIES.flatMap((sex) => MEASUREMENTS.map((m) => [sex, m]));
  const script = [
    'import json, sys',
    `sys.path.insert(0, ${JSON.stringify(SCRIPTS)})`,
    // JSON numbers such as 0 arrive as Python ints; the ETL parses every measurement to a float.
    'import abalone_etl_core as core',
    'cases = json.loads(sys.stdin.read())',
    `print(json.dumps([${expression} for sex, m in cases]))`,
  ].join('\n');
  const out = execFileSync('python3', ['-c', script], { input: JSON.stringify(cases), encoding: 'utf8' });
  return (JSON.parse(out) as string[]).map((line) => line.split(','));
}

function typescript(): string[][] {
  return SEX_CATEGORIES.flatMap((sex) => MEASUREMENTS.map((m) => encodeFeatures(sex, m).split(',')));
}

describe('predict encodes features exactly as the ETL', () => {
  it("agrees with the ETL core's encode_features (contracts D) for every sex value", () => {
    expect(typescript()).toEqual(python('",".join(core.encode_features(sex, m))'));
  });

  it('agrees with the feature rows the ETL writes (features_csv of a validated Row) for every sex value', () => {
    expect(typescript()).toEqual(python('core.features_csv(core.Row(sex, *[float(x) for x in m], 1))'));
  });

  it("writes numbers as Python's repr does", () => {
    expect([0.455, 1, 0.0001, 0.00001, 1e16, 1e15, 123.0, 1.5e-7].map(pythonFloatRepr)).toEqual(['0.455', '1.0', '0.0001', '1e-05', '1e+16', '1000000000000000.0', '123.0', '1.5e-07']);
  });
});
