import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package's own folders. This module sits at the root of src/ (dist/paths.js once built), so
 * the package root is one folder up from here, in the source tree and in the installed package.
 */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const ARTIFACTS_DIR = join(PACKAGE_ROOT, 'artifacts');
export const TEMPLATES_DIR = join(PACKAGE_ROOT, 'templates');
export const DEFAULT_AIRFLOW_DIR = join(ARTIFACTS_DIR, 'airflow');
/** The local endpoint's Python programs (executors, DAG runner), shipped as source beside dist/. */
export const LOCAL_PYTHON_DIR = join(PACKAGE_ROOT, 'src', 'local');
