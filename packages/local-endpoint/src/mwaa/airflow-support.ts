/**
 * The pieces the `local` endpoint's regional MWAA emulators share for the Airflow CLI endpoint: one
 * CLI token registry (the request names no region), one interpreter probe, one work directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAG_RUNNER_DIR } from '../shared/package-dirs.js';
import { within } from '../shared/paths.js';
import { detectPythonCapabilities } from '../python-env.js';
import { handleCliRequest, type CliHttpRequest, type CliTarget } from './cli-endpoint.js';
import { CliTokenRegistry } from './cli-tokens.js';
import { s3DagFolderSource } from './dag-folder.js';
import type { EmulatorResponse } from './http.js';
import type { AirflowSetup } from '../mwaa-emulator.js';

/** dag-runner/runner.py of this package, or `ABALONE_LOCAL_DAG_RUNNER`. */
export function dagRunnerPath(env: NodeJS.ProcessEnv = process.env): string {
  const override = env.ABALONE_LOCAL_DAG_RUNNER?.trim();
  if (override) return override;
  return join(DAG_RUNNER_DIR, 'runner.py');
}

export interface AirflowSupport {
  readonly cliTokens: CliTokenRegistry;
  setupFor(region: string): AirflowSetup;
  cli(request: CliHttpRequest, targetFor: (region: string) => CliTarget): Promise<EmulatorResponse>;
  /** Removes the work directory (after every emulator's close()). */
  dispose(): void;
}

export function createAirflowSupport(motoUrl: string, now: () => Date = () => new Date()): AirflowSupport {
  const cliTokens = new CliTokenRegistry();
  // Made on first use: an endpoint that fails to start (port in use) leaves nothing behind.
  let workRoot: string | undefined;
  const root = () => (workRoot ??= mkdtempSync(join(tmpdir(), 'abalone-mwaa-')));
  let python: Promise<string | undefined> | undefined;
  // The runner needs boto3 and jinja2 in one interpreter (dag-runner/README.md, "Requirements").
  const findPython = () =>
    (python ??= detectPythonCapabilities().then((c) => (c.boto3 && c.boto3 === c.jinja2 ? c.boto3 : undefined)));
  const runnerPath = dagRunnerPath();
  return {
    cliTokens,
    setupFor: (region) => ({
      dagSource: s3DagFolderSource({ motoUrl, region }),
      runnerPath,
      python: findPython,
      // The region is AWS's form (router.ts); `within` refuses anything else that would leave the root.
      workDir: within(root(), region),
    }),
    cli: (request, targetFor) => handleCliRequest(request, cliTokens, now().getTime(), targetFor),
    dispose: () => {
      if (workRoot) rmSync(workRoot, { recursive: true, force: true });
    },
  };
}
