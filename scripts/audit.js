#!/usr/bin/env node
/**
 * `npm run audit`: the gate CI runs on the production dependency tree. It runs
 * `npm audit --omit=dev --json` and
 *   - exits 0 when the registry answered and reported no high or critical vulnerability,
 *   - exits 1 listing every high or critical one,
 *   - when the registry gave no report (no network, a registry or mirror without the audit
 *     endpoint), checks the installed production tree (`npm ls --omit=dev --all --json`) against
 *     the advisories kept in scripts/known-advisories.json instead, and says so: exit 1 on a
 *     high or critical match, 0 otherwise (the line names the list and its date, never "npm audit");
 *   - exits 2 with "audit unavailable: <why>" when neither could be checked: never a pass.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const KNOWN_ADVISORIES = fileURLToPath(new URL('./known-advisories.json', import.meta.url));

/** @param {string} v */
function parseVersion(v) {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?/.exec(v.trim());
  return m ? { parts: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] } : undefined;
}

/** Semver order of two versions (a pre-release sorts before its release). */
export function compareVersions(a, b) {
  const x = parseVersion(a);
  const y = parseVersion(b);
  if (!x || !y) throw new Error(`not a version: ${!x ? a : b}`);
  for (let i = 0; i < 3; i++) if (x.parts[i] !== y.parts[i]) return x.parts[i] < y.parts[i] ? -1 : 1;
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}

/** True when the version satisfies every comparator (`<1.2.3`, `<=`, `>`, `>=`, `=`). */
export function inRange(version, comparators) {
  return comparators.every((c) => {
    const m = /^(<=|>=|<|>|=)?\s*(.+)$/.exec(c.trim());
    const order = compareVersions(version, m[2]);
    switch (m[1] ?? '=') {
      case '<': return order < 0;
      case '<=': return order <= 0;
      case '>': return order > 0;
      case '>=': return order >= 0;
      default: return order === 0;
    }
  });
}

/** Every installed package@version of an `npm ls --json --all` tree (deduped entries included once). */
export function installedVersions(tree) {
  const found = new Map();
  const walk = (deps) => {
    for (const [name, node] of Object.entries(deps ?? {})) {
      if (node?.version) {
        if (!found.has(name)) found.set(name, new Set());
        found.get(name).add(node.version);
      }
      walk(node?.dependencies);
    }
  };
  walk(tree?.dependencies);
  return found;
}

/**
 * The fallback: the installed production tree against the kept list.
 * @returns {{ status: 'ok' | 'vulnerable', lines: string[] }}
 */
export function assessKnown(tree, known) {
  const installed = installedVersions(tree);
  const hits = [];
  for (const a of known.advisories) {
    for (const version of installed.get(a.package) ?? []) {
      if (a.affected.some((range) => inRange(version, range))) hits.push({ ...a, version });
    }
  }
  const source = `the registry serves no audit: checked ${installed.size} production packages against scripts/known-advisories.json (${known.advisories.length} advisories, updated ${known.updated})`;
  const gating = hits.filter((h) => GATING.includes(h.severity));
  if (gating.length === 0) return { status: 'ok', lines: [`${source}: no high or critical match${hits.length ? ` (${hits.length} lower)` : ''}`] };
  return {
    status: 'vulnerable',
    lines: [`${source}:`, ...gating.map((h) => `  ${h.severity} ${h.package}@${h.version}: ${h.id} ${h.title} (${h.url})`)],
  };
}

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

function fallback(npm, why) {
  const ls = spawnSync(npm, ['ls', '--omit=dev', '--all', '--json'], { encoding: 'utf8', timeout: 120_000 });
  try {
    const known = JSON.parse(readFileSync(KNOWN_ADVISORIES, 'utf8'));
    const result = assessKnown(JSON.parse(ls.stdout ?? ''), known);
    return { status: result.status, lines: [`npm audit: ${why.replace(/^audit unavailable: /, '')}`, ...result.lines] };
  } catch (error) {
    return { status: 'unavailable', lines: [why, `audit unavailable: the production tree could not be checked against scripts/known-advisories.json either (${error.message})`] };
  }
}

function main() {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const run = spawnSync(npm, ['audit', '--omit=dev', '--json'], { encoding: 'utf8', timeout: 120_000 });
  let { status, lines } = run.error
    ? { status: 'unavailable', lines: [`audit unavailable: could not run npm (${run.error.message})`] }
    : assess(run.stdout ?? '', run.stderr ?? '');
  if (status === 'unavailable') ({ status, lines } = fallback(npm, lines[0]));
  else if (status === 'ok') lines = lines.map((l) => `${l} (the registry's audit)`);
  for (const line of lines) (status === 'ok' ? console.log : console.error)(line);
  process.exitCode = EXIT_CODES[status];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();
