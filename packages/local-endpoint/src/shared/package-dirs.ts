import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * This package's folder, which holds its two Python trees (`python/`, `dag-runner/`) beside its
 * code. Found from this module upwards: from src/ or dist/ of the package it is the package's own
 * folder; from the CLI's bundle (dist/bundle/local/, source tree or installed CLI) it is
 * `packages/local-endpoint` under the CLI's folder, which ships both trees.
 */
export const PACKAGE_DIR = packageDir(dirname(fileURLToPath(import.meta.url)));

/** The endpoint's Python children (Glue shim, Lambda bootstrap, XGBoost container). */
export const PYTHON_DIR = join(PACKAGE_DIR, 'python');
/** The local DAG runner (runner.py, its airflow package). */
export const DAG_RUNNER_DIR = join(PACKAGE_DIR, 'dag-runner');

function packageDir(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'dag-runner', 'runner.py'))) return dir;
    const nested = join(dir, 'packages', 'local-endpoint');
    if (existsSync(join(nested, 'dag-runner', 'runner.py'))) return nested;
    if (dirname(dir) === dir) return dirname(from);
  }
}
