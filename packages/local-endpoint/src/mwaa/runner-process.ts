/**
 * The local DAG runner as a process (its command line: dag-runner/README.md): the environment a
 * runner gets (this endpoint, the local credentials, the environment's Airflow options), `parse`
 * of a DAG folder, a run's process, and stopping one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { childBaseEnv } from '../shared/child-env.js';
import { runChild, stopChild } from '../shared/child.js';
import type { EnvConfig } from './config.js';
import type { DagInfo, DagRun, ImportError, RunnerSetup } from './dag-run-types.js';

/** `AIRFLOW__<SECTION>__<KEY>` for each AirflowConfigurationOptions entry, as MWAA sets them. */
export function airflowConfigEnv(options: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(options)) {
    const dot = key.indexOf('.');
    if (dot < 0) continue;
    const section = key.slice(0, dot).toUpperCase();
    const name = key.slice(dot + 1).replace(/\./g, '_').toUpperCase();
    env[`AIRFLOW__${section}__${name}`] = value;
  }
  return env;
}

/**
 * What a runner process gets: childBaseEnv (PATH, HOME, LANG, PYTHON*, the ABALONE_LOCAL_* knobs,
 * dummy credentials, no AWS_* variable of the parent), AWS pointing at this endpoint's fixed URL.
 */
export function runnerEnv(region: string, selfUrl: string, config: EnvConfig): NodeJS.ProcessEnv {
  return {
    ...childBaseEnv(),
    PYTHONUNBUFFERED: '1',
    AWS_ENDPOINT_URL: selfUrl,
    AWS_DEFAULT_REGION: region,
    AWS_REGION: region,
    ABALONE_AIRFLOW_VERSION: config.AirflowVersion,
    ...airflowConfigEnv(config.AirflowConfigurationOptions),
  };
}

export async function parseDags(setup: RunnerSetup, dir: string, env: NodeJS.ProcessEnv): Promise<{ dags: DagInfo[]; import_errors: ImportError[] }> {
  const failed = (why: string) => ({ dags: [], import_errors: [{ filename: dir, stack_trace: why }] });
  const python = await setup.python();
  if (!python) return failed('the local endpoint found no python3 that imports boto3 and jinja2 (set ABALONE_PYTHON to one)');
  if (!existsSync(setup.runnerPath)) return failed(`the local DAG runner is missing at ${setup.runnerPath}`);
  // Its working directory: the environment's folder that holds the DAG folder, never the user's.
  const { code, stdout, stderr } = await runChild({ command: python, args: [setup.runnerPath, 'parse', '--dags-folder', dir], cwd: dirname(dir), env });
  if (code !== 0) return failed(`the local DAG runner's parse exited ${code}: ${stderr.trim()}`);
  try {
    const doc = JSON.parse(stdout) as { dags?: unknown; import_errors?: unknown };
    if (!Array.isArray(doc.dags) || !Array.isArray(doc.import_errors)) throw new Error('dags and import_errors must be lists');
    return { dags: doc.dags as DagInfo[], import_errors: doc.import_errors as ImportError[] };
  } catch (error) {
    return failed(`the local DAG runner's parse printed no valid document (${(error as Error).message}): ${stdout.slice(0, 500)}`);
  }
}

/** The runner's `run` subcommand for one run, its output appended to `logFd` (closed by the caller once spawned). */
/** `--logical-date` only when the run has one (an Airflow 3 manual run triggered without one has none). */
export function spawnRun(python: string, setup: RunnerSetup, dagsFolder: string, run: DagRun, pyIsoDate: string | null, env: NodeJS.ProcessEnv, logFd: number): ChildProcess {
  const args = [
    setup.runnerPath, 'run',
    '--dags-folder', dagsFolder,
    '--dag-id', run.dagId,
    '--run-id', run.runId,
    '--run-type', run.runType,
    ...(pyIsoDate === null ? [] : ['--logical-date', pyIsoDate]),
    '--conf', JSON.stringify(run.conf),
    '--state-file', run.stateFile,
    '--logs-dir', run.logsDir,
  ];
  // Its working directory: the environment's folder (logs and state live under it).
  return spawn(python, args, { env, cwd: dirname(run.logsDir), stdio: ['ignore', logFd, logFd] });
}

/** Stops a runner: SIGTERM (it fails the run and writes its state), SIGKILL after 3 s. */
export function stopRunner(child: ChildProcess): Promise<void> {
  return stopChild(child, 3000);
}
