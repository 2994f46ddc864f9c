import { describe, expect, it } from 'vitest';
import { assess, EXIT_CODES } from '../../../scripts/audit.js';

/** `npm audit --json` reports, in the shape npm 7+ writes them. */
const report = (counts: Record<string, number>, vulnerabilities: Record<string, unknown> = {}) =>
  JSON.stringify({ auditReportVersion: 2, vulnerabilities, metadata: { vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: 0, ...counts }, dependencies: { prod: 93, total: 250 } } });

describe('npm run audit (scripts/audit.js)', () => {
  it('passes a report without high or critical vulnerabilities, saying what it checked', () => {
    expect(assess(report({ moderate: 2, low: 1 }))).toEqual({ status: 'ok', lines: ['npm audit: no high or critical vulnerability in 93 production dependencies (2 moderate, 1 low)'] });
  });

  it('fails on a high or critical vulnerability, naming the package, the advisory and the fix', () => {
    const result = assess(
      report(
        { high: 1 },
        {
          'fast-xml-parser': {
            name: 'fast-xml-parser',
            severity: 'high',
            range: '<4.4.1',
            via: [{ title: 'fast-xml-parser vulnerable to ReDOS', url: 'https://github.com/advisories/GHSA-mpg4-rc92-vx8v' }],
            fixAvailable: { name: '@aws-sdk/client-s3', version: '3.600.0' },
          },
        },
      ),
    );
    expect(result.status).toBe('vulnerable');
    expect(result.lines.join('\n')).toMatch(/0 critical and 1 high/);
    expect(result.lines.join('\n')).toMatch(/high fast-xml-parser <4\.4\.1: fast-xml-parser vulnerable to ReDOS \(https:\/\/github\.com\/advisories\/GHSA-mpg4-rc92-vx8v\); fix: @aws-sdk\/client-s3@3\.600\.0/);
    expect(EXIT_CODES[result.status]).toBe(1);
  });

  it('never passes when the registry gave no report: "audit unavailable", its own exit code', () => {
    // What this project's registry answers (npm writes the HTTP error as JSON on stdout).
    const refused = JSON.stringify({ message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk', statusCode: 405, error: { summary: '', detail: '' } });
    const answers: Array<[string, string]> = [
      [refused, 'npm error audit endpoint returned an error'],
      ['', 'npm error code ENOTFOUND\nnpm error network request failed'],
      ['<html>proxy login</html>', ''],
    ];
    for (const [stdout, stderr] of answers) {
      const result = assess(stdout, stderr);
      expect(result.status).toBe('unavailable');
      expect(result.lines[0]).toMatch(/^audit unavailable: /);
      expect(EXIT_CODES[result.status]).not.toBe(0);
    }
    expect(assess(refused).lines[0]).toContain('405 Method Not Allowed');
  });
});
