import { fileURLToPath } from 'node:url';
import { createClients } from '../../src/aws/clients.js';
import type { PipelineConfig } from '../../src/engine/config.js';
import { deriveNames } from '../../src/engine/names.js';
import { timingProfile } from '../../src/engine/timing.js';
import { runMemo, type ProgressEvent, type StepContext } from '../../src/engine/types.js';

/** The repository's shipped artifacts (data/, airflow/, lambda/). */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../../artifacts', import.meta.url));
export const AIRFLOW_DIR = fileURLToPath(new URL('../../artifacts/airflow', import.meta.url));

/** What `up` builds with every option at its default. */
export function defaultConfig(overrides: Partial<PipelineConfig> = {}): PipelineConfig {
  return {
    envClass: 'mw1.small',
    minWorkers: 1,
    maxWorkers: 10,
    airflowVersion: '2.10.3',
    webserverAccess: 'PUBLIC_ONLY',
    natGateways: 2,
    etlEngine: 'pythonshell',
    managedPolicies: false,
    rmseThreshold: 3.1,
    wait: true,
    keepData: false,
    airflowDir: AIRFLOW_DIR,
    artifactsDir: ARTIFACTS_DIR,
    ...overrides,
  };
}

export interface TestStepContext extends StepContext {
  /** Every progress event the step reported, in order. */
  readonly events: ProgressEvent[];
}

export interface StepContextOverrides {
  /** Pipeline name (default `abalone`). */
  readonly name?: string;
  /** Region for names and clients (default `us-east-1`). */
  readonly region?: string;
  readonly account?: string;
  readonly config?: Partial<PipelineConfig>;
  readonly signal?: AbortSignal;
  /** The local endpoint's short waits instead of AWS's (default false). */
  readonly emulated?: boolean;
}

/**
 * A StepContext for unit tests: deterministic names, the default config, real SDK clients
 * (mock them with aws-sdk-client-mock: `mockClient(S3Client)` intercepts every instance), and
 * progress events collected into `events`.
 */
export function stepContext(overrides: StepContextOverrides = {}): TestStepContext {
  const region = overrides.region ?? 'us-east-1';
  const events: ProgressEvent[] = [];
  return {
    names: deriveNames(overrides.name ?? 'abalone', region, overrides.account ?? '123456789012'),
    config: defaultConfig(overrides.config),
    clients: createClients({ region, maxAttempts: 1, env: {} }),
    timing: timingProfile({ emulated: overrides.emulated ?? false, env: {} }),
    signal: overrides.signal ?? new AbortController().signal,
    memo: runMemo(),
    progress: (event) => void events.push(event),
    events,
  };
}
