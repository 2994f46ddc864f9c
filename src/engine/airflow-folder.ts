import { stat } from 'node:fs/promises';
import { checkPythonSyntax } from '../base/files/python-check.js';
import { listLocalFiles, type LocalFile } from '../base/files/local-files.js';
import { ToolError, UsageError } from '../base/errors.js';

/** The files MWAA installs by object version, and the UpdateEnvironment fields that name them. */
export const VERSIONED_FILES = {
  'requirements.txt': { path: 'RequirementsS3Path', version: 'RequirementsS3ObjectVersion' },
  'plugins.zip': { path: 'PluginsS3Path', version: 'PluginsS3ObjectVersion' },
  'startup.sh': { path: 'StartupScriptS3Path', version: 'StartupScriptS3ObjectVersion' },
} as const;

/** The folder of per-version requirements files: `requirements/<Airflow version>.txt`. */
export const REQUIREMENTS_DIR = 'requirements/';
export const REQUIREMENTS_FILE = 'requirements.txt';

/**
 * The files to sync for an environment on Airflow `version`: a folder with
 * `requirements/<version>.txt` uploads that file as `requirements.txt` (the key the environment
 * points at), never the `requirements/` folder itself; a folder with only a plain
 * `requirements.txt` (a user's `--dir`) keeps it. A `requirements/` folder without the version's
 * file is an error: uploading another version's constraints would break the environment's
 * install.
 */
export function filesForVersion(files: readonly LocalFile[], version: string): LocalFile[] {
  const perVersion = files.filter((f) => f.relative.startsWith(REQUIREMENTS_DIR));
  if (perVersion.length === 0) return [...files];
  const chosen = perVersion.find((f) => f.relative === `${REQUIREMENTS_DIR}${version}.txt`);
  if (!chosen) {
    const offered = perVersion.map((f) => f.relative).join(', ');
    throw new ToolError('NoRequirementsForVersion', `the Airflow folder has no ${REQUIREMENTS_DIR}${version}.txt for Airflow ${version} (it has ${offered}): add one with that version's --constraint line`);
  }
  const rest = files.filter((f) => !f.relative.startsWith(REQUIREMENTS_DIR) && f.relative !== REQUIREMENTS_FILE);
  const asKey: LocalFile = { ...chosen, relative: REQUIREMENTS_FILE };
  return [...rest, asKey].sort((a, b) => (a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0));
}

export async function assertFolder(dir: string): Promise<void> {
  try {
    if ((await stat(dir)).isDirectory()) return;
  } catch {
    // reported below
  }
  throw new UsageError(`--dir ${dir} is not a readable folder (it should hold dags/, scripts/ and requirements.txt or requirements/<version>.txt)`, 'InvalidDir');
}

/**
 * The Airflow folder's files, after every Python file compiled: a syntax error stops the push
 * with the file and line, before anything is uploaded.
 */
export async function readAirflowFolder(dir: string): Promise<{ files: LocalFile[]; pythonChecked: boolean }> {
  const { files, checked } = await listAirflowFolder(dir);
  return { files, pythonChecked: await checked };
}

/**
 * The same, without waiting for the Python check: `checked` (true, or false without python3)
 * rejects with PythonSyntaxError. The caller may read the bucket meanwhile, and must await it
 * before uploading anything.
 */
export async function listAirflowFolder(dir: string): Promise<{ files: LocalFile[]; checked: Promise<boolean> }> {
  await assertFolder(dir);
  const files = await listLocalFiles(dir);
  const checked = checkPythonSyntax(files.filter((f) => f.relative.endsWith('.py')).map((f) => f.path)).then((problems) => {
    if (problems && problems.length > 0) {
      const list = problems.map((p) => `${p.file}${p.line ? ` line ${p.line}` : ''}: ${p.message}`).join('; ');
      throw new ToolError('PythonSyntaxError', `nothing uploaded: ${list}`);
    }
    return problems !== undefined;
  });
  return { files, checked };
}
