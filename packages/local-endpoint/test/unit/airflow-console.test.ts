import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { printAs, pyJsonDumps, pyRepr, wrapText } from '../../src/mwaa/airflow-console.js';

/**
 * Airflow 2.10's AirflowConsole (apache/airflow airflow/cli/simple_table.py). The expected tables in
 * test/fixtures/airflow-console/*.txt were rendered by rich 13.9.4 with SimpleTable's own code
 * (generate.py beside them) on a non-TTY console, as the MWAA CLI endpoint captures it.
 */
const FIXTURES = join(import.meta.dirname, '../fixtures/airflow-console');
const cases = JSON.parse(readFileSync(join(FIXTURES, 'cases.json'), 'utf8')) as Record<string, Record<string, string>[]>;

describe('AirflowConsole table output (rich SimpleTable, 200 columns)', () => {
  for (const [name, rows] of Object.entries(cases)) {
    it(`renders ${name} exactly as rich does`, () => {
      expect(printAs(rows, 'table')).toBe(readFileSync(join(FIXTURES, `${name}.txt`), 'utf8'));
    });
  }
});

describe('AirflowConsole json output (json.dumps after _normalize_data)', () => {
  it('turns every non-null leaf into str(), keeps None as null and nests dicts', () => {
    const out = printAs([{ conf: { force: true, n: 1, tags: ['a', 2] }, end_date: null, external_trigger: true }], 'json');
    expect(out).toBe('[{"conf": {"force": "True", "n": "1", "tags": ["a", "2"]}, "end_date": null, "external_trigger": "True"}]\n');
  });

  it('prints an empty list as []', () => {
    expect(printAs([], 'json')).toBe('[]\n');
  });

  it('escapes non-ASCII like json.dumps(ensure_ascii=True)', () => {
    expect(pyJsonDumps({ k: 'é' })).toBe('{"k": "\\u00e9"}');
  });

  it('shows dicts in tables as Python repr (str(dict))', () => {
    expect(pyRepr({ force: true, name: "it's", x: null })).toBe(`{'force': True, 'name': "it's", 'x': None}`);
  });
});

describe('rich word wrap with fold', () => {
  it('folds a word longer than the width and wraps at spaces', () => {
    expect(wrapText('manual__2026-12-01T10:00:00+00:00', 20)).toEqual(['manual__2026-12-01T1', '0:00:00+00:00']);
    expect(wrapText('2026-11-30 00:00:00+00:00', 20)).toEqual(['2026-11-30', '00:00:00+00:00']);
  });
});
