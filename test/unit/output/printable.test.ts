import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createOutput } from '../../../src/output/output.js';
import { printable } from '../../../src/output/printable.js';
import { reportRejected } from '../../../src/output/predict-report.js';

describe('echoed input carries no control characters (issue 21, item 8)', () => {
  it('shows C0/C1 controls, DEL and bidi overrides as visible escapes, and leaves other text alone', () => {
    expect(printable('sex "\x1b]0;pwned\x07X" is not M, F or I')).toBe('sex "\\x1b]0;pwned\\x07X" is not M, F or I');
    expect(printable('a\rb\u009bc\u007fd\u202ee')).toBe('a\\x0db\\x9bc\\x7fd\\u202ee');
    expect(printable('length 91 is above 10 (raw millimetres?) — ü')).toBe('length 91 is above 10 (raw millimetres?) — ü');
  });

  it("predict's rejected rows reach the terminal stripped", () => {
    const stdout = new PassThrough();
    const output = createOutput({ json: false, color: false, stdout, stderr: new PassThrough(), env: {} });
    reportRejected(output, [{ source: 'rows\x1b[2J.csv', errors: [{ row: 2, reason: 'sex "\x1b[31mX" is not M, F or I' }] }]);
    const text = String(stdout.read());
    expect(text).not.toMatch(/\x1b/);
    expect(text).toContain('sex "\\x1b[31mX" is not M, F or I');
  });
});
