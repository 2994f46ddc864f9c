#!/usr/bin/env node
/**
 * Makes sure the Python the local endpoint, its DAG runner and the Python tests need is present,
 * before `npm run demo` and `npm test` start anything. The list is requirements-local.txt.
 *
 * - Every package but xgboost must be in `python3` (moto's server, the DAG runner, pytest run
 *   there). What is missing is installed with `python3 -m pip install`.
 * - xgboost 1.7 may be in any interpreter the endpoint probes ($ABALONE_PYTHON, python3,
 *   /usr/bin/python3). Missing everywhere: pip into python3 first; where pip cannot get it, the
 *   distribution's python3-xgboost through apt-get, as root or with non-interactive sudo.
 * - Nothing present is reinstalled; when everything is there this costs one probe per interpreter.
 * - When something cannot be installed: one line naming what is missing and the command to run,
 *   exit 1, and nothing else has started.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REQUIREMENTS_FILE = fileURLToPath(new URL('../requirements-local.txt', import.meta.url));
export const XGBOOST = 'xgboost';
const SYSTEM_PYTHON = '/usr/bin/python3';
const DEBIAN_PACKAGE = 'python3-xgboost';

/** The requirement lines of a requirements file (comments and blank lines dropped). */
export function readRequirements(text) {
  return text
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter(Boolean);
}

/** The distribution name of a requirement line (`moto[server]>=5` → `moto`), lower-cased. */
export function requirementName(line) {
  return (line.match(/^[A-Za-z0-9._-]+/)?.[0] ?? line).toLowerCase();
}

/** The exact commands that install what is missing; the same text `local` prints for a capability that is off. */
export function fixCommand(missing) {
  const pipPart = missing.filter((r) => requirementName(r) !== XGBOOST);
  const parts = [];
  if (pipPart.length) parts.push(`python3 -m pip install ${pipPart.map(shellQuote).join(' ')}`);
  if (missing.some((r) => requirementName(r) === XGBOOST)) parts.push(xgboostFix());
  return parts.join('; and ');
}

/** How to get xgboost 1.7 when this script could not: the one line `local` also prints. */
export function xgboostFix() {
  return `sudo apt-get install -y ${DEBIAN_PACKAGE} (Debian/Ubuntu) or python3 -m pip install "xgboost>=1.7,<1.8"`;
}

function shellQuote(s) {
  return /^[A-Za-z0-9._-]+$/.test(s) ? s : `"${s}"`;
}

/**
 * Python that checks requirement lines against what an interpreter has installed (versions by
 * importlib.metadata, specifiers and extras by `packaging`, or pip's own copy of it). Prints the lines that are not satisfied, as JSON.
 */
const PROBE = String.raw`
import json, sys
from importlib import metadata
try:
    from packaging.requirements import Requirement
except ImportError:
    try:
        from pip._vendor.packaging.requirements import Requirement
    except ImportError:
        Requirement = None

def installed(name):
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None

def satisfied(text, depth=0):
    if Requirement is None:
        return installed(text.split('[')[0].split('>')[0].split('<')[0].split('=')[0].strip()) is not None
    req = Requirement(text)
    version = installed(req.name)
    if version is None or not req.specifier.contains(version, prereleases=True):
        return False
    for extra in req.extras:
        for dep in metadata.requires(req.name) or []:
            d = Requirement(dep)
            if d.marker and d.marker.evaluate({"extra": extra}) and not d.marker.evaluate({"extra": ""}):
                d.marker = None
                if depth < 2 and not satisfied(str(d), depth + 1):
                    return False
    return True

missing = []
for line in json.loads(sys.argv[1]):
    try:
        ok = satisfied(line)
    except Exception:
        ok = False
    if not ok:
        missing.append(line)
print(json.dumps(missing))
`;

/** The requirement lines `interpreter` does not satisfy; undefined when it does not run. */
export function unsatisfied(interpreter, lines) {
  return new Promise((resolve) => {
    let out = '';
    const child = spawn(interpreter, ['-c', PROBE, JSON.stringify(lines)], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 });
    child.stdout.on('data', (d) => (out += d));
    child.once('error', () => resolve(undefined));
    child.once('close', (code) => {
      try {
        resolve(code === 0 ? JSON.parse(out.trim()) : undefined);
      } catch {
        resolve(undefined);
      }
    });
  });
}

function candidates(env) {
  return [...new Set([env.ABALONE_PYTHON?.trim(), 'python3', SYSTEM_PYTHON].filter(Boolean))];
}

function say(line) {
  process.stderr.write(`python setup: ${line}\n`);
}

function runVisible(command, args, env) {
  say(`running: ${[command, ...args].join(' ')}`);
  const r = spawnSync(command, args, { stdio: ['ignore', 'inherit', 'inherit'], env });
  return !r.error && r.status === 0;
}

function asRootCommand() {
  if (process.getuid?.() === 0) return [];
  const sudo = spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' });
  return !sudo.error && sudo.status === 0 ? ['sudo', '-n'] : undefined;
}

function hasCommand(name) {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
  return r.status === 0;
}

function installWithApt(baseEnv) {
  const prefix = asRootCommand();
  if (!prefix || !hasCommand('apt-get')) return false;
  const env = { ...baseEnv, DEBIAN_FRONTEND: 'noninteractive' };
  const [cmd, ...pre] = prefix.length ? prefix : ['apt-get'];
  const args = (rest) => (prefix.length ? [...pre, 'apt-get', ...rest] : rest);
  say(`pip cannot get xgboost 1.7 here; installing Debian's ${DEBIAN_PACKAGE} (for ${SYSTEM_PYTHON}) with apt-get`);
  return runVisible(cmd, args(['update', '-qq']), env) && runVisible(cmd, args(['install', '-y', '-qq', DEBIAN_PACKAGE]), env);
}

/** Checks, installs what is missing, re-checks; returns the lines still missing. */
export async function ensurePython(env = process.env, requirementsText = readFileSync(REQUIREMENTS_FILE, 'utf8')) {
  const lines = readRequirements(requirementsText);
  const xgboostLines = lines.filter((l) => requirementName(l) === XGBOOST);

  const interpreters = candidates(env);
  // One probe per interpreter, all at once: python3 for everything, the others for xgboost.
  const [first, ...others] = await Promise.all(
    interpreters.map((py) => unsatisfied(py, py === 'python3' ? lines : xgboostLines)),
  );
  if (first === undefined) return { missing: lines, noPython: true };
  let missing = first.filter((l) => requirementName(l) !== XGBOOST);
  const xgboostFound = () => first.every((l) => requirementName(l) !== XGBOOST) || others.some((m) => m?.length === 0);

  if (missing.length) {
    say(`missing in python3: ${missing.join(', ')}; installing with pip`);
    runVisible('python3', ['-m', 'pip', 'install', '--quiet', '--retries', '1', ...missing], env);
    missing = (await unsatisfied('python3', missing)) ?? missing;
  }
  if (xgboostLines.length && !xgboostFound()) {
    const hasXgboost = async () =>
      (await Promise.all(interpreters.map((py) => unsatisfied(py, xgboostLines)))).some((m) => m?.length === 0);
    say(`xgboost 1.7 is in none of ${interpreters.join(', ')}; installing it`);
    const viaPip = runVisible('python3', ['-m', 'pip', 'install', '--quiet', '--retries', '1', ...xgboostLines], env) && (await hasXgboost());
    if (!viaPip && !(installWithApt(env) && (await hasXgboost()))) missing = [...missing, ...xgboostLines];
  }
  return { missing };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--requirements');
  const file = at > 0 ? process.argv[at + 1] : REQUIREMENTS_FILE;
  const { missing, noPython } = await ensurePython(process.env, readFileSync(file, 'utf8'));
  if (noPython) {
    process.stderr.write('python setup: no working python3 on PATH: install Python 3 (3.9 or newer), then run this again\n');
    process.exit(1);
  }
  if (missing.length) {
    process.stderr.write(`python setup: missing ${missing.join(', ')}; run: ${fixCommand(missing)}\n`);
    process.exit(1);
  }
}
