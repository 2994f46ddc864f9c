/**
 * Which Python interpreters the local endpoint can use for the work it performs: Glue Python shell
 * jobs and Lambda handlers need boto3, the DAG runner boto3 and jinja2, the XGBoost trainer,
 * transform and serving need xgboost (and numpy).
 */
import { runChild } from './shared/child.js';
import { childBaseEnv } from './shared/child-env.js';
import { PYTHON_DIR } from './shared/package-dirs.js';

export interface PythonCapabilities {
  boto3?: string;
  xgboost?: string;
  jinja2?: string;
}

const MODULES = ['boto3', 'xgboost', 'jinja2'] as const;
type Module = (typeof MODULES)[number];

/** One probe per interpreter: prints the modules that import (xgboost also needs numpy). */
const PROBE = [
  'import importlib, json',
  'ok = []',
  `for names in (${MODULES.map((m) => (m === 'xgboost' ? "('xgboost','numpy')" : `('${m}',)`)).join(', ')}):`,
  '    try:',
  '        [importlib.import_module(n) for n in names]',
  '        ok.append(names[0])',
  '    except Exception:',
  '        pass',
  'print(json.dumps(ok))',
].join('\n');

export function pythonCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const list = [env.ABALONE_PYTHON?.trim(), 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  return [...new Set(list)];
}

async function probe(interpreter: string, cwd: string | undefined): Promise<Module[]> {
  const { stdout } = await runChild({ command: interpreter, args: ['-c', PROBE], cwd, env: childBaseEnv(), timeoutMs: 30_000 });
  try {
    const parsed = JSON.parse(stdout.trim() || '[]') as unknown;
    return Array.isArray(parsed) ? parsed.filter((m): m is Module => (MODULES as readonly string[]).includes(m)) : [];
  } catch {
    return [];
  }
}

let cached: Promise<PythonCapabilities> | undefined;

/**
 * Probes each candidate once (in order: $ABALONE_PYTHON, python3, /usr/bin/python3); cached for the
 * process. `cwd`: the probes' working directory (a folder of the endpoint's), on the first call.
 */
export function detectPythonCapabilities(cwd?: string): Promise<PythonCapabilities> {
  cached ??= (async () => {
    const candidates = pythonCandidates();
    const found = await Promise.all(candidates.map((c) => probe(c, cwd)));
    const caps: PythonCapabilities = {};
    candidates.forEach((interpreter, i) => {
      for (const module of found[i]!) caps[module] ??= interpreter;
    });
    return caps;
  })();
  return cached;
}

const USES: Record<Module, string> = {
  boto3: 'Glue Python shell jobs, Lambda Invoke',
  jinja2: 'the local DAG runner',
  xgboost: 'SageMaker XGBoost training, batch transform, InvokeEndpoint',
};
/** The same one-line fixes `npm run demo` and `npm test` print (scripts/ensure-python.js, requirements-local.txt). */
const INSTALL: Record<Module, string> = {
  boto3: 'python3 -m pip install "boto3>=1.34"',
  jinja2: 'python3 -m pip install "jinja2>=3.1"',
  xgboost: 'sudo apt-get install -y python3-xgboost (Debian/Ubuntu) or python3 -m pip install "xgboost>=1.7,<1.8"',
};

/** Start-up lines: each capability on (with its interpreter) or off (with how to install it). */
export function describeCapabilities(c: PythonCapabilities): string[] {
  return MODULES.map((m) =>
    c[m] ? `${USES[m]}: on (${m} in ${c[m]})` : `${USES[m]}: off, no Python with ${m}; run: ${INSTALL[m]} (or set ABALONE_PYTHON to a Python that has it)`,
  );
}

/** The folder of the endpoint's Python children (python/ of this package). */
export function pythonDir(): string {
  return PYTHON_DIR;
}
