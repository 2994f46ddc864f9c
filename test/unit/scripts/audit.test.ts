import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { assess, assessKnown, EXIT_CODES, inRange } from '../../../scripts/audit.js';

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

describe('npm run audit without a registry audit: the kept list of advisories', () => {
  const known = JSON.parse(readFileSync(new URL('../../../scripts/known-advisories.json', import.meta.url), 'utf8')) as Parameters<typeof assessKnown>[1];
  const tree = (version: string) => ({ dependencies: { '@aws-sdk/client-s3': { version: '3.523.0', dependencies: { 'fast-xml-parser': { version } } } } });

  it('flags fast-xml-parser 4.2.5 (under the 3.523 SDK clients) and passes the patched 4.5.7, saying which source it used', () => {
    const before = assessKnown(tree('4.2.5'), known);
    expect(before.status).toBe('vulnerable');
    expect(before.lines.join('\n')).toMatch(/GHSA-m7jm-9gc2-mpf2/);
    expect(before.lines.join('\n')).toMatch(/GHSA-jmr7-xgp7-cmfj/);
    expect(before.lines[0]).toMatch(/registry serves no audit: checked 2 production packages against scripts\/known-advisories.json/);
    expect(assessKnown(tree('4.5.7'), known).status).toBe('ok');
  });

  it('compares versions as semver does', () => {
    expect(inRange('4.5.3', ['>=4.1.3', '<4.5.4'])).toBe(true);
    expect(inRange('4.5.4', ['>=4.1.3', '<4.5.4'])).toBe(false);
    expect(inRange('4.10.0', ['<4.5.4'])).toBe(false);
    expect(inRange('5.3.5-rc.1', ['<5.3.5'])).toBe(true);
  });
});
