/**
 * The Python interpreters the local endpoint can use, found once at start-up (contract B of the
 * parallel work): for each module, the first candidate that can import it.
 */
import { spawn } from 'node:child_process';

export interface PythonCapabilities {
  boto3?: string;
  xgboost?: string;
  jinja2?: string;
}

const MODULES = ['boto3', 'xgboost', 'jinja2'] as const;

/** `$ABALONE_PYTHON`, `python3`, `/usr/bin/python3`, in that order, without repeats. */
function candidates(env: NodeJS.ProcessEnv): string[] {
  const list = [env.ABALONE_PYTHON?.trim(), 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
  return [...new Set(list)];
}

/** The modules of MODULES that `python` can import, or undefined when it does not run. */
function importable(python: string): Promise<Set<string> | undefined> {
  const probe =
    'import importlib.util, json\n' +
    `print(json.dumps([m for m in ${JSON.stringify(MODULES)} if importlib.util.find_spec(m) is not None]))`;
  return new Promise((resolve) => {
    const child = spawn(python, ['-c', probe], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', () => resolve(undefined));
    child.once('close', (code) => {
      if (code !== 0) return resolve(undefined);
      try {
        resolve(new Set(JSON.parse(out) as string[]));
      } catch {
        resolve(undefined);
      }
    });
  });
}

export async function detectPythonCapabilities(env: NodeJS.ProcessEnv = process.env): Promise<PythonCapabilities> {
  const found: PythonCapabilities = {};
  for (const python of candidates(env)) {
    const modules = await importable(python);
    if (!modules) continue;
    for (const m of MODULES) if (found[m] === undefined && modules.has(m)) found[m] = python;
  }
  return found;
}

const INSTALL: Record<(typeof MODULES)[number], string> = {
  boto3: 'pip install boto3',
  xgboost: "apt-get install python3-xgboost (or pip install 'xgboost>=1.7,<1.8')",
  jinja2: 'pip install jinja2',
};

/** One line per module for `local` to print at start-up. */
export function describeCapabilities(c: PythonCapabilities): string[] {
  return MODULES.map((m) => (c[m] ? `python ${m}: ${c[m]}` : `python ${m}: not found (off; install with ${INSTALL[m]})`));
}
