import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's own folders. The package root is the nearest folder above this module that holds
 * a package.json: this module is src/base/paths.ts, or one chunk of the bundle under dist/ (at a depth
 * esbuild chooses), in the source tree and in the installed package.
 */
export const PACKAGE_ROOT = packageRoot(dirname(fileURLToPath(import.meta.url)));
export const ARTIFACTS_DIR = join(PACKAGE_ROOT, 'artifacts');
export const TEMPLATES_DIR = join(PACKAGE_ROOT, 'templates');
export const DEFAULT_AIRFLOW_DIR = join(ARTIFACTS_DIR, 'airflow');

function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return dirname(from);
  }
}
