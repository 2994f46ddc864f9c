import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installed package's root (dist/cli/paths.js → ../..), where templates/ and artifacts/ ship. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS_DIR = join(PACKAGE_ROOT, 'artifacts');
export const TEMPLATES_DIR = join(PACKAGE_ROOT, 'templates');
export const DEFAULT_AIRFLOW_DIR = join(ARTIFACTS_DIR, 'airflow');
