import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isErrorCode } from '../../../src/base/error-codes.js';
import { EXIT } from '../../../src/base/errors.js';
import { ERROR_LIST_END, ERROR_LIST_START, errorCodesTable, thrownCodes, thrownCodesUnder } from '../../support/error-codes.js';

const SRC = fileURLToPath(new URL('../../../src', import.meta.url));
const CLI_DOC = fileURLToPath(new URL('../../../docs/cli.md', import.meta.url));

describe('the error-code registry (src/base/error-codes.ts ERROR_CODES)', () => {
  it('finds the codes a source makes errors with (the scanner this test relies on)', () => {
    const source = [
      "throw new ToolError('NoBucket', `the bucket ${b} does not exist`);",
      "throw new UsageError(`--dir ${d} is not a folder`, 'InvalidDir');",
      "throw new UsageError('bad');",
      'throw new InterruptedError();',
      "throw new ToolError(doing === 'create' ? 'EnvironmentCreateFailed' : 'EnvironmentUpdateFailed', failure);",
      "return { code: 'NoEnvironment', message: 'x' };",
      "wait({ failureCode: deleting ? 'EndpointDeleteFailed' : 'EndpointCreateFailed' });",
    ].join('\n');
    expect(thrownCodes('x.ts', source).map((c) => `${c.code}${c.usage ? ' (usage)' : ''}`)).toEqual([
      'NoBucket',
      'InvalidDir (usage)',
      'UsageError (usage)',
      'Interrupted',
      'EnvironmentCreateFailed',
      'EnvironmentUpdateFailed',
      'NoEnvironment',
      'EndpointDeleteFailed',
      'EndpointCreateFailed',
    ]);
  });

  it('holds every code thrown under src/, each with the exit code its error class gives', async () => {
    const thrown = await thrownCodesUnder(SRC);
    expect(thrown.length).toBeGreaterThan(40);
    const unregistered = thrown.filter((t) => !isErrorCode(t.code)).map((t) => `${t.file}:${t.line}: ${t.code} is not in ERROR_CODES (src/base/error-codes.ts)`);
    expect(unregistered.join('\n')).toBe('');
    const wrongExit = thrown
      .filter((t) => t.usage !== undefined && isErrorCode(t.code) && (t.usage ? ERROR_CODES[t.code].exit !== EXIT.usage : ERROR_CODES[t.code].exit === EXIT.usage))
      .map((t) => `${t.file}:${t.line}: ${t.code} is thrown as ${t.usage ? 'a usage error (exit 2)' : 'a failure'} but registered with exit ${isErrorCode(t.code) ? ERROR_CODES[t.code].exit : '?'}`);
    expect(wrongExit.join('\n')).toBe('');
  });

  it('holds no code that nothing makes (but the CLI boundary\'s own: UsageError from commander, UnexpectedError)', async () => {
    const thrown = new Set((await thrownCodesUnder(SRC)).map((t) => t.code));
    const unused = Object.keys(ERROR_CODES).filter((code) => !thrown.has(code) && code !== 'UnexpectedError');
    expect(unused).toEqual([]);
  });

  it('is listed, exactly, in docs/cli.md (the JSON error contract)', async () => {
    const doc = await readFile(CLI_DOC, 'utf8');
    const start = doc.indexOf(ERROR_LIST_START);
    const end = doc.indexOf(ERROR_LIST_END);
    expect(start, `docs/cli.md has no ${ERROR_LIST_START} marker`).toBeGreaterThanOrEqual(0);
    const listed = doc.slice(start + ERROR_LIST_START.length, end).trim();
    expect(listed, 'docs/cli.md\'s error list differs from ERROR_CODES: put this table between its markers').toBe(errorCodesTable());
  });
});
