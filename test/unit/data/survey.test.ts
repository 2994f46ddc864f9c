import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSurveyFile, type CheckedFile } from '../../../src/base/data/survey-file.js';

const HEADER = 'sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight,rings';
const ROW_M = 'M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15';
const ROW_F = 'F,0.53,0.42,0.135,0.677,0.2565,0.1415,0.21,9';
const ROW_I = 'I,0.33,0.255,0.08,0.205,0.0895,0.0395,0.055,7';

let dir: string;
let counter = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'survey-test-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Checked extends CheckedFile {
  readonly normalised: string;
}

async function check(content: string | Buffer): Promise<Checked> {
  counter += 1;
  const file = join(dir, `in-${counter}.csv`);
  const out = join(dir, `out-${counter}.csv`);
  await writeFile(file, content);
  const result = await checkSurveyFile(file, out);
  return { ...result, normalised: await readFile(out, 'utf8') };
}

/** A row with one field replaced (index 0 = sex … 8 = rings). */
function rowWith(index: number, value: string): string {
  const fields = ROW_M.split(',');
  fields[index] = value;
  return fields.join(',');
}

async function expectValid(content: string | Buffer, normalised: string, rows: number): Promise<void> {
  const result = await check(content);
  expect(result.errors).toEqual([]);
  expect(result.moreErrors).toBe(0);
  expect(result.rows).toBe(rows);
  expect(result.normalised).toBe(normalised);
  expect(result.sha256).toBe(createHash('sha256').update(normalised).digest('hex'));
}

async function onlyError(content: string | Buffer): Promise<{ row: number; reason: string }> {
  const result = await check(content);
  expect(result.errors).toHaveLength(1);
  return result.errors[0]!;
}

describe('checkSurveyFile: accepted files and the normalised output', () => {
  it('accepts plain LF rows without a header', async () => {
    await expectValid(`${ROW_M}\n${ROW_F}\n${ROW_I}\n`, `${ROW_M}\n${ROW_F}\n${ROW_I}\n`, 3);
  });

  it('accepts a last line without a newline', async () => {
    await expectValid(`${ROW_M}\n${ROW_F}`, `${ROW_M}\n${ROW_F}\n`, 2);
  });

  it('strips a UTF-8 byte-order mark', async () => {
    await expectValid(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`${HEADER}\n${ROW_M}\n`)]), `${ROW_M}\n`, 1);
  });

  it('accepts CRLF line endings and writes LF', async () => {
    await expectValid(`${HEADER}\r\n${ROW_M}\r\n${ROW_F}\r\n`, `${ROW_M}\n${ROW_F}\n`, 2);
  });

  it('skips blank lines (empty, spaces, CR only)', async () => {
    await expectValid(`\n${ROW_M}\n\n   \n\r\n${ROW_F}\n\n`, `${ROW_M}\n${ROW_F}\n`, 2);
  });

  it('accepts the header in any case with surrounding spaces, and drops it', async () => {
    const header = ' SEX , Length,DIAMETER ,height, Whole_Weight,shucked_weight,viscera_weight,shell_weight , Rings ';
    await expectValid(`${header}\n${ROW_M}\n`, `${ROW_M}\n`, 1);
  });

  it('accepts the header after leading blank lines', async () => {
    await expectValid(`\n\n${HEADER}\n${ROW_I}\n`, `${ROW_I}\n`, 1);
  });

  it('stores lower-case sex upper-case and trims spaces around fields', async () => {
    await expectValid(' m , 0.455,0.365 ,0.095,0.514,0.2245,0.101,0.15, 15 \nf,0.53,0.42,0.135,0.677,0.2565,0.1415,0.21,9\ni,0.33,0.255,0.08,0.205,0.0895,0.0395,0.055,7\n', `${ROW_M}\n${ROW_F}\n${ROW_I}\n`, 3);
  });

  it('accepts measurements at the bounds 0 and 10 and rings at 1 and 100', async () => {
    await expectValid('M,0,0,0,0,0,0,0,1\nF,10,10,10,10,10,10,10,100\n', 'M,0,0,0,0,0,0,0,1\nF,10,10,10,10,10,10,10,100\n', 2);
  });

  it('returns the SHA-256 of the normalised content, the same for equivalent inputs', async () => {
    const a = await check(`${HEADER}\r\n${ROW_M}\r\n`);
    const b = await check(`${ROW_M}\n`);
    expect(a.sha256).toBe(b.sha256);
    expect(a.sha256).toBe(createHash('sha256').update(`${ROW_M}\n`).digest('hex'));
  });
});

describe('checkSurveyFile: rejected files', () => {
  it('rejects any other first line as not the header', async () => {
    for (const first of ['sex,length,diameter', 'Sex,Length,Diameter,Height,Whole,Shucked,Viscera,Shell,Rings', 'abalone survey 2026']) {
      const error = await onlyError(`${first}\n${ROW_M}\n`);
      expect(error.row).toBe(1);
      expect(error.reason).toMatch(/^not the header \(sex,length,\.\.\.,rings\) nor a data row: /);
    }
  });

  it('rejects a header on a later line', async () => {
    const error = await onlyError(`${ROW_M}\n${HEADER}\n`);
    expect(error.row).toBe(2);
    expect(error.reason).toContain('sex "sex" is not M, F or I');
  });

  it('rejects rows with 8 or 10 fields', async () => {
    const eight = ROW_M.split(',').slice(0, 8).join(',');
    const result = await check(`${ROW_M}\n${eight}\n${ROW_M},3\n`);
    expect(result.errors).toEqual([
      { row: 2, reason: `has 8 fields, expected 9 (${HEADER})` },
      { row: 3, reason: `has 10 fields, expected 9 (${HEADER})` },
    ]);
  });

  it('rejects a bad sex', async () => {
    for (const sex of ['X', 'male', '', 'MF']) {
      const error = await onlyError(`${ROW_F}\n${rowWith(0, sex)}\n`);
      expect(error).toEqual({ row: 2, reason: `sex "${sex}" is not M, F or I` });
    }
  });

  const MEASUREMENTS = ['length', 'diameter', 'height', 'whole_weight', 'shucked_weight', 'viscera_weight', 'shell_weight'];

  it('rejects an empty measurement, naming it', async () => {
    for (const [i, name] of MEASUREMENTS.entries()) {
      expect(await onlyError(`${ROW_F}\n${rowWith(i + 1, '')}\n`)).toEqual({ row: 2, reason: `${name} is empty` });
    }
  });

  it.each([
    ['non-numeric', 'abc', /length "abc" is not a decimal number/],
    ['a comma decimal in quotes', '"0,5"', /has 10 fields/],
    ['hexadecimal', '0x1', /length "0x1" is not a decimal number/],
    ['NaN', 'NaN', /length "NaN" is not a finite number/],
    ['Infinity', 'Infinity', /length "Infinity" is not a finite number/],
    ['-inf', '-inf', /length "-inf" is not a finite number/],
    ['an overflowing exponent', '1e400', /length "1e400" is not a finite number/],
    ['negative', '-0.1', /length -0\.1 is negative/],
  ])('rejects a %s measurement', async (_what, value, reason) => {
    const error = await onlyError(`${ROW_F}\n${rowWith(1, value)}\n`);
    expect(error.row).toBe(2);
    expect(error.reason).toMatch(reason);
  });

  it('rejects a measurement above 10, saying it looks like millimetres or grams and to divide by 200', async () => {
    const error = await onlyError(`${rowWith(1, '91')}\n`);
    expect(error.row).toBe(1);
    expect(error.reason).toMatch(/length 91 is above 10/);
    expect(error.reason).toMatch(/millimetres or grams/);
    expect(error.reason).toMatch(/200/);
    expect(error.reason).toContain('0.4550');
    const weight = await onlyError(`${rowWith(4, '10.0001')}\n`);
    expect(weight.reason).toMatch(/whole_weight 10\.0001 is above 10/);
  });

  it.each([
    ['fractional', '7.5', 'rings 7.5 is fractional: it must be a whole number from 1 to 100'],
    ['zero', '0', 'rings 0 is out of range: it must be from 1 to 100'],
    ['101', '101', 'rings 101 is out of range: it must be from 1 to 100'],
    ['empty', '', 'rings is empty'],
    ['non-numeric', 'ten', 'rings "ten" is not a whole number'],
  ])('rejects %s rings', async (_what, value, reason) => {
    expect(await onlyError(`${ROW_F}\n${rowWith(8, value)}\n`)).toEqual({ row: 2, reason });
  });

  it('reports every problem of a row in one reason', async () => {
    const error = await onlyError('M,,0.365,-1,0.514,0.2245,0.101,0.15,0\n');
    expect(error.reason).toBe('length is empty; height -1 is negative; rings 0 is out of range: it must be from 1 to 100');
  });

  it('rejects an empty file', async () => {
    const result = await check('');
    expect(result.rows).toBe(0);
    expect(result.errors).toEqual([{ row: 1, reason: 'the file has no data rows (it is empty or a header alone)' }]);
  });

  it('rejects a file of blank lines, and a header alone', async () => {
    expect((await check('\n\n\n')).errors).toHaveLength(1);
    const header = await check(`${HEADER}\n`);
    expect(header.rows).toBe(0);
    expect(header.errors).toEqual([{ row: 1, reason: 'the file has no data rows (it is empty or a header alone)' }]);
    expect((await check(`\uFEFF${HEADER}\r\n\r\n`)).errors).toHaveLength(1);
  });

  it('rejects invalid UTF-8', async () => {
    const result = await check(Buffer.concat([Buffer.from(`${ROW_M}\nF,0.53,0.42,0.135,0.677,0.2565,0.1415,0.21,9`), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]));
    expect(result.errors.length).toBeGreaterThan(0);
    expect(result.errors.map((e) => e.reason).join(' ')).toMatch(/not valid UTF-8/);
  });

  it('rejects Latin-1 text (é as one byte)', async () => {
    const result = await check(Buffer.from(`${ROW_M}\ncaf\xe9\n`, 'latin1'));
    expect(result.errors.some((e) => /not valid UTF-8/.test(e.reason))).toBe(true);
  });

  it('reports invalid UTF-8 on the line that holds it', async () => {
    const content = Buffer.concat([Buffer.from(`${ROW_M}\n${ROW_F}\nI,0.33,0.255,0.08,0.205,0.0895,0.0395,0.055,7`), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]);
    const result = await check(content);
    expect(result.errors).toEqual([{ row: 3, reason: 'is not valid UTF-8 (save the file as UTF-8)' }]);
  });

  it('numbers lines from 1, counting blank lines and the header', async () => {
    const result = await check(`${HEADER}\n\n${ROW_M}\n\n${rowWith(0, 'Q')}\r\n${ROW_F}\n${rowWith(8, '0')}\n`);
    expect(result.errors.map((e) => e.row)).toEqual([5, 7]);
    expect(result.rows).toBe(2);
  });

  it('reports at most 100 invalid rows and counts the rest', async () => {
    const bad = `${rowWith(0, 'X')}\n`.repeat(150);
    const result = await check(bad);
    expect(result.errors).toHaveLength(100);
    expect(result.moreErrors).toBe(50);
    expect(result.errors[99]!.row).toBe(100);
  });
});

describe('a row with several problems', () => {
  it('names every one of them in one reason', async () => {
    const { parseRow } = await import('../../../src/base/data/survey-rows.js');
    const result = parseRow('X,0.3,0.2,0.08,0.2,0.1,0.05,0.06,6.5');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toContain('sex "X" is not M, F or I');
      expect(result.reason).toContain('rings 6.5 is fractional');
    }
  });
});
