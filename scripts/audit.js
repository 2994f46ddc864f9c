#!/usr/bin/env node
/**
 * `npm run audit`: the gate CI runs on the production dependency tree. It runs
 * `npm audit --omit=dev --json` and
 *   - exits 0 when the registry answered and reported no high or critical vulnerability,
 *   - exits 1 listing every high or critical one,
 *   - exits 2 with "audit unavailable: <why>" when the registry gave no report (no network, a
 *     registry or mirror without the audit endpoint): never a pass, since nothing was checked.
 */
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

const GATING = ['critical', 'high'];

/**
 * What a run of `npm audit --json` says: { status: 'ok' | 'vulnerable' | 'unavailable', lines }.
 * @param {string} stdout
 * @param {string} [stderr]
 * @returns {{ status: 'ok' | 'vulnerable' | 'unavailable', lines: string[] }}
 */
export function assess(stdout, stderr = '') {
  let report;
  try {
    report = JSON.parse(stdout);
  } catch {
    const why = (stderr.trim().split('\n').find((l) => /error/i.test(l)) ?? stderr.trim().split('\n')[0] ?? '').trim();
    return { status: 'unavailable', lines: [`audit unavailable: npm audit gave no JSON report${why ? ` (${why})` : ''}`] };
  }
  const counts = report?.metadata?.vulnerabilities;
  if (!counts || typeof counts !== 'object') {
    const why = report?.error?.summary || report?.message || report?.error?.code || 'no vulnerability counts in the report';
    return { status: 'unavailable', lines: [`audit unavailable: ${why}`] };
  }
  const found = Object.values(report.vulnerabilities ?? {}).filter((v) => GATING.includes(v?.severity));
  const gating = GATING.reduce((n, s) => n + (Number(counts[s]) || 0), 0);
  if (gating > 0 || found.length > 0) {
    const lines = [`npm audit: ${counts.critical ?? 0} critical and ${counts.high ?? 0} high vulnerabilities in production dependencies:`];
    for (const v of found) {
      const titles = (v.via ?? []).filter((x) => typeof x === 'object').map((x) => `${x.title}${x.url ? ` (${x.url})` : ''}`);
      const fix = v.fixAvailable === true ? 'fix: npm audit fix' : v.fixAvailable ? `fix: ${v.fixAvailable.name}@${v.fixAvailable.version}` : 'no fix available yet';
      lines.push(`  ${v.severity} ${v.name} ${v.range ?? ''}: ${titles.join('; ') || `via ${(v.via ?? []).join(', ')}`}; ${fix}`);
    }
    return { status: 'vulnerable', lines };
  }
  const production = report.metadata?.dependencies?.prod ?? report.metadata?.dependencies?.total;
  const others = ['moderate', 'low', 'info'].filter((s) => Number(counts[s]) > 0).map((s) => `${counts[s]} ${s}`);
  return {
    status: 'ok',
    lines: [`npm audit: no high or critical vulnerability${production ? ` in ${production} production dependencies` : ''}${others.length ? ` (${others.join(', ')})` : ''}`],
  };
}

export const EXIT_CODES = { ok: 0, vulnerable: 1, unavailable: 2 };

function main() {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const run = spawnSync(npm, ['audit', '--omit=dev', '--json'], { encoding: 'utf8', timeout: 120_000 });
  const { status, lines } = run.error
    ? { status: 'unavailable', lines: [`audit unavailable: could not run npm (${run.error.message})`] }
    : assess(run.stdout ?? '', run.stderr ?? '');
  for (const line of lines) (status === 'ok' ? console.log : console.error)(line);
  process.exitCode = EXIT_CODES[status];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
