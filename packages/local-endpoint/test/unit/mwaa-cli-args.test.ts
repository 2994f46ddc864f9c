import { describe, expect, it } from 'vitest';
import { parseCommandLine, splitCommandLine } from '../../src/mwaa/cli-args.js';

/** Command lines parsed as Airflow 2.10's argparse definitions (apache/airflow airflow/cli/cli_config.py). */
describe('splitCommandLine (shlex.split, POSIX)', () => {
  it('splits on whitespace and honours quotes and backslashes', () => {
    expect(splitCommandLine(`dags trigger d -c '{"force": true}'`)).toEqual(['dags', 'trigger', 'd', '-c', '{"force": true}']);
    expect(splitCommandLine(`a "b \\"c\\" d" e\\ f`)).toEqual(['a', 'b "c" d', 'e f']);
    expect(splitCommandLine(`  x  ''  `)).toEqual(['x', '']);
  });
  it('refuses an open quote as shlex does', () => {
    expect(() => splitCommandLine(`dags trigger d -c '{`)).toThrow('No closing quotation');
  });
});

describe('parseCommandLine', () => {
  it('reads the five commands of docs/runs.md with their short and long options', () => {
    expect(parseCommandLine('dags unpause abalone_pipeline')).toEqual({ ok: true, command: { kind: 'unpause', dagId: 'abalone_pipeline', output: 'table' } });
    expect(parseCommandLine(`dags trigger abalone_pipeline --conf='{"force": true}' -ojson`)).toEqual({
      ok: true,
      command: { kind: 'trigger', dagId: 'abalone_pipeline', conf: '{"force": true}', replaceMicroseconds: true, output: 'json' },
    });
    expect(parseCommandLine('dags trigger d -r my_run --no-replace-microseconds')).toMatchObject({ command: { runId: 'my_run', replaceMicroseconds: false } });
    expect(parseCommandLine('dags list-runs -d abalone_pipeline -o json')).toEqual({ ok: true, command: { kind: 'list-runs', dagId: 'abalone_pipeline', output: 'json' } });
    expect(parseCommandLine('dags list-runs --dag-id abalone_pipeline --state running --output json')).toMatchObject({ command: { dagId: 'abalone_pipeline', state: 'running', output: 'json' } });
    expect(parseCommandLine('tasks states-for-dag-run abalone_pipeline manual__2026-12-01T10:00:00+00:00 -o json')).toEqual({
      ok: true,
      command: { kind: 'states-for-dag-run', dagId: 'abalone_pipeline', runIdOrDate: 'manual__2026-12-01T10:00:00+00:00', output: 'json' },
    });
    expect(parseCommandLine('dags list-import-errors -o json -v')).toEqual({ ok: true, command: { kind: 'list-import-errors', output: 'json' } });
  });

  it('reports argparse errors with argparse wording', () => {
    expect(parseCommandLine('dags unpause')).toEqual({ ok: false, usage: { prog: 'airflow dags unpause', message: 'the following arguments are required: dag_id' } });
    expect(parseCommandLine('dags unpause a b --x')).toEqual({ ok: false, usage: { prog: 'airflow dags unpause', message: 'unrecognized arguments: b --x' } });
    expect(parseCommandLine('dags trigger a -c')).toMatchObject({ usage: { message: 'argument -c/--conf: expected one argument' } });
    expect(parseCommandLine('dags list-runs -d a --state odd')).toMatchObject({
      usage: { message: "argument --state: invalid choice: 'odd' (choose from 'queued', 'running', 'success', 'failed')" },
    });
  });

  it('names a command or option it does not run', () => {
    expect(parseCommandLine('dags list')).toMatchObject({ ok: false, unsupported: expect.stringMatching(/^this endpoint does not support the Airflow CLI command 'dags list'/) });
    expect(parseCommandLine('')).toMatchObject({ unsupported: expect.stringContaining("'(empty)'") });
    expect(parseCommandLine('dags unpause a --treat-dag-id-as-regex')).toMatchObject({
      unsupported: "this endpoint does not support the option --treat-dag-id-as-regex of 'airflow dags unpause'",
    });
  });
});
