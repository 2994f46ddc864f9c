import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetEnvironmentCommand, MWAAClient, type Environment } from '@aws-sdk/client-mwaa';
import { AirflowRestApi } from '../../../src/aws/airflow-rest.js';
import { createClients } from '../../../src/aws/clients.js';
import { InvokeRestApiCommand } from '../../../src/aws/invoke-rest-api.js';
import { deriveNames } from '../../../src/engine/names.js';
import { ToolError } from '../../../src/base/errors.js';
import type { DagDriver } from '../../../src/ops/dag-driver.js';
import { PipelineDag } from '../../../src/ops/pipeline-dag.js';
import { RestPipelineDag } from '../../../src/ops/pipeline-dag-rest.js';
import { dagDriverFor, openPipelineDag, runPipeline, startRun, type RunEvent, type RunTiming } from '../../../src/ops/run.js';
import { opContextFor } from '../../support/op-context.js';

// The REST answers below carry the fields of Airflow REST API v2 (apache/airflow-client-python 3.0.2
// spec/v2.yaml) that RestPipelineDag reads: DAGResponse, DAGRunCollectionResponse,
// ImportErrorCollectionResponse.

const mwaa = mockClient(MWAAClient);
const names = deriveNames('abalone', 'us-east-1', '123456789012');
const TIMING: RunTiming = { cli: { minGapMs: 0, requestTimeoutMs: 5_000 }, pollMs: 5, scheduledRunWaitMs: 200, followTimeoutMs: 20_000 };
const ARN = `arn:aws:airflow:us-east-1:123456789012:environment/${names.environment}`;
const DAG = '/dags/abalone_pipeline';
const ok = (body: unknown) => ({ RestApiStatusCode: 200, RestApiResponse: body as never });

function environment(overrides: Partial<Environment> = {}): Environment {
  return { Name: names.environment, Arn: ARN, Status: 'AVAILABLE', WebserverAccessMode: 'PUBLIC_ONLY', AirflowVersion: '3.0.6', ...overrides };
}

function restDag(now = Date.parse('2026-12-06T20:00:00.000Z')): RestPipelineDag {
  const api = new AirflowRestApi({ mwaa: new MWAAClient({ region: 'us-east-1' }), environment: names.environment, environmentArn: ARN });
  return new RestPipelineDag(api, 'abalone_pipeline', { now: () => now, randomSuffix: () => 'k3v9q2za' });
}

function scheduledRun(runAfter: string, state = 'queued') {
  return { dag_run_id: `scheduled__${runAfter}`, dag_id: 'abalone_pipeline', state, run_type: 'scheduled', run_after: runAfter, logical_date: runAfter, start_date: null, end_date: null };
}

function manualRun(runId: string) {
  return { dag_run_id: runId, dag_id: 'abalone_pipeline', state: 'queued', run_type: 'manual', run_after: '2026-12-06T20:00:00.000Z', logical_date: null, start_date: null, end_date: null };
}

function paths(): string[] {
  return mwaa.commandCalls(InvokeRestApiCommand).map((c) => `${c.args[0].input.Method} ${c.args[0].input.Path}`);
}

beforeEach(() => {
  mwaa.reset();
  mwaa.onAnyCommand().rejects(new Error('unstubbed call'));
  mwaa.on(InvokeRestApiCommand, { Method: 'GET', Path: '/importErrors' }).resolves(ok({ import_errors: [], total_entries: 0 }));
});

describe('the driver for the environment\'s Airflow version (issue 22)', () => {
  const deps = { mwaa: new MWAAClient({ region: 'us-east-1' }), names, endpointUrl: undefined, timing: TIMING, signal: new AbortController().signal };

  it('3.x: InvokeRestApi and REST API v2; 2.x (or no version reported): the CLI endpoint', () => {
    const three = dagDriverFor(environment(), deps);
    expect(three.via).toBe('rest');
    expect(three.dag).toBeInstanceOf(RestPipelineDag);
    const two = dagDriverFor(environment({ AirflowVersion: '2.10.3' }), deps);
    expect(two.via).toBe('cli');
    expect(two.dag).toBeInstanceOf(PipelineDag);
    expect(dagDriverFor(environment({ AirflowVersion: undefined }), deps).via).toBe('cli');
  });

  it('openPipelineDag reads the environment and picks by its version', async () => {
    mwaa.on(GetEnvironmentCommand).resolves({ Environment: environment() });
    const clients = createClients({ region: 'us-east-1', maxAttempts: 1, env: {} });
    const open = await openPipelineDag(clients, names, TIMING, new AbortController().signal);
    expect(open.via).toBe('rest');
    expect(open.environment.AirflowVersion).toBe('3.0.6');
  });

  it('PRIVATE_ONLY on 3.x: says InvokeRestApi cannot reach a private web server from outside the VPC, exit 1, no Airflow call', async () => {
    mwaa.on(GetEnvironmentCommand).resolves({ Environment: environment({ WebserverAccessMode: 'PRIVATE_ONLY' }) });
    const clients = createClients({ region: 'us-east-1', maxAttempts: 1, env: {} });
    const ctx = opContextFor({ clients, names, timing: TIMING });
    const error = await runPipeline(ctx, { force: false, follow: false, onEvent: () => undefined }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).code).toBe('WebserverPrivate');
    expect((error as ToolError).message).toContain("MWAA's InvokeRestApi cannot reach a private web server from outside the environment's VPC");
    expect(mwaa.commandCalls(InvokeRestApiCommand)).toHaveLength(0);
  });

  it('PRIVATE_ONLY on 2.10.3: the CLI endpoint message, as before', async () => {
    mwaa.on(GetEnvironmentCommand).resolves({ Environment: environment({ WebserverAccessMode: 'PRIVATE_ONLY', AirflowVersion: '2.10.3' }) });
    const clients = createClients({ region: 'us-east-1', maxAttempts: 1, env: {} });
    const error = (await runPipeline(opContextFor({ clients, names, timing: TIMING }), { force: false, follow: false, onEvent: () => undefined }).catch((e: unknown) => e)) as ToolError;
    expect(error.code).toBe('WebserverPrivate');
    expect(error.message).toContain("its CLI endpoint cannot be reached from outside the environment's VPC");
  });
});

describe('starting a run on Airflow 3 (issue 22)', () => {
  const options = (events: RunEvent[], force = false) => ({ force, timing: TIMING, signal: new AbortController().signal, onEvent: (e: RunEvent) => events.push(e) });

  it('unpausing starts the scheduled run now: that run is followed, none triggered', async () => {
    const due = '2026-12-06T00:00:00Z';
    mwaa.on(InvokeRestApiCommand, { Method: 'GET', Path: DAG }).resolves(ok({ dag_id: 'abalone_pipeline', is_paused: true, is_stale: false, has_import_errors: false, next_dagrun_run_after: due }));
    mwaa.on(InvokeRestApiCommand, { Method: 'PATCH', Path: DAG }).resolves(ok({ dag_id: 'abalone_pipeline', is_paused: false, is_stale: false, has_import_errors: false, next_dagrun_run_after: due }));
    // The scheduler creates it at its next loop: absent from the first list, there in the second.
    mwaa
      .on(InvokeRestApiCommand, { Method: 'GET', Path: `${DAG}/dagRuns` })
      .resolvesOnce(ok({ dag_runs: [], total_entries: 0 }))
      .resolves(ok({ dag_runs: [scheduledRun('2026-12-06T00:00:00+00:00')], total_entries: 1 }));
    const events: RunEvent[] = [];
    const run = await startRun(restDag(), options(events));
    expect(run.runId).toBe('scheduled__2026-12-06T00:00:00+00:00');
    expect(paths()).not.toContain(`POST ${DAG}/dagRuns`);
    expect(events.map((e) => e.kind)).toEqual(['notice', 'notice', 'started']);
    expect(events.at(-1)).toMatchObject({ kind: 'started', how: 'scheduled' });
  });

  it('no scheduled run comes now (next run in the future): triggers at once, never lists runs', async () => {
    const later = '2026-12-07T00:00:00Z';
    mwaa.on(InvokeRestApiCommand, { Method: 'GET', Path: DAG }).resolves(ok({ dag_id: 'abalone_pipeline', is_paused: true, is_stale: false, has_import_errors: false, next_dagrun_run_after: later }));
    mwaa.on(InvokeRestApiCommand, { Method: 'PATCH', Path: DAG }).resolves(ok({ dag_id: 'abalone_pipeline', is_paused: false, is_stale: false, has_import_errors: false, next_dagrun_run_after: later }));
    mwaa.on(InvokeRestApiCommand, { Method: 'POST', Path: `${DAG}/dagRuns` }).resolves(ok(manualRun('manual__2026-12-06T20:00:00.000Z_k3v9q2za')));
    const events: RunEvent[] = [];
    const started = Date.now();
    const run = await startRun(restDag(), options(events, true));
    expect(Date.now() - started).toBeLessThan(TIMING.scheduledRunWaitMs);
    expect(run.runId).toBe('manual__2026-12-06T20:00:00.000Z_k3v9q2za');
    expect(paths()).toEqual(['GET /importErrors', `GET ${DAG}`, `PATCH ${DAG}`, `POST ${DAG}/dagRuns`]);
    const trigger = mwaa.commandCalls(InvokeRestApiCommand).at(-1)!.args[0].input;
    expect(trigger.Body).toMatchObject({ conf: { force: true }, logical_date: null });
    expect(events.at(-1)).toMatchObject({ kind: 'started', how: 'triggered' });
  });

  it('a DAG already unpaused: no notice, a run triggered at once', async () => {
    mwaa.on(InvokeRestApiCommand, { Method: 'GET', Path: DAG }).resolves(ok({ dag_id: 'abalone_pipeline', is_paused: false, is_stale: false, has_import_errors: false, next_dagrun_run_after: '2026-12-06T00:00:00Z' }));
    mwaa.on(InvokeRestApiCommand, { Method: 'POST', Path: `${DAG}/dagRuns` }).resolves(ok(manualRun('manual__2026-12-06T20:00:00.000Z_k3v9q2za')));
    const events: RunEvent[] = [];
    await startRun(restDag(), options(events));
    expect(events.map((e) => e.kind)).toEqual(['started']);
    expect(paths()).not.toContain(`GET ${DAG}/dagRuns`);
  });

  it('a scheduled run said to start that does not appear is not waited for past the bound: one is triggered', async () => {
    const due = '2026-12-06T00:00:00Z';
    mwaa.on(InvokeRestApiCommand, { Method: 'GET', Path: DAG }).resolves(ok({ dag_id: 'abalone_pipeline', is_paused: true, is_stale: false, has_import_errors: false, next_dagrun_run_after: due }));
    mwaa.on(InvokeRestApiCommand, { Method: 'PATCH', Path: DAG }).resolves(ok({ dag_id: 'abalone_pipeline', is_paused: false, is_stale: false, has_import_errors: false, next_dagrun_run_after: due }));
    // Only a manual run of another time: not the scheduled run for `due`.
    mwaa.on(InvokeRestApiCommand, { Method: 'GET', Path: `${DAG}/dagRuns` }).resolves(ok({ dag_runs: [manualRun('manual__earlier')], total_entries: 1 }));
    mwaa.on(InvokeRestApiCommand, { Method: 'POST', Path: `${DAG}/dagRuns` }).resolves(ok(manualRun('manual__2026-12-06T20:00:00.000Z_k3v9q2za')));
    const started = Date.now();
    const run = await startRun(restDag(), options([]));
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(TIMING.scheduledRunWaitMs - 5);
    expect(took).toBeLessThan(TIMING.scheduledRunWaitMs + 2_000);
    expect(run.runId).toBe('manual__2026-12-06T20:00:00.000Z_k3v9q2za');
  });

  it('an import error of the pipeline stops before unpausing', async () => {
    mwaa.on(InvokeRestApiCommand, { Method: 'GET', Path: '/importErrors' }).resolves(
      ok({ import_errors: [{ import_error_id: 1, timestamp: '2026-12-06T20:00:00Z', filename: 'abalone_pipeline_dag.py', bundle_name: 'dags-folder', stack_trace: 'Traceback...\nSyntaxError: invalid syntax' }], total_entries: 1 }),
    );
    const error = (await startRun(restDag(), options([])).catch((e: unknown) => e)) as ToolError;
    expect(error.code).toBe('DagImportError');
    expect(error.message).toContain('abalone_pipeline_dag.py: SyntaxError: invalid syntax');
    expect(paths()).toEqual(['GET /importErrors']);
  });

  it('a driver that cannot tell (the CLI): looks for a scheduled run for a bounded time, then triggers', async () => {
    let triggered = 0;
    const cli: DagDriver = {
      dagId: 'abalone_pipeline',
      importErrors: async () => [],
      unpause: async () => true,
      trigger: async () => {
        triggered++;
        return { runId: 'manual__x', state: 'queued' };
      },
      listRuns: async () => [],
      taskStates: async () => [],
    };
    const started = Date.now();
    const run = await startRun(cli, options([]));
    expect(Date.now() - started).toBeLessThan(TIMING.scheduledRunWaitMs + 2_000);
    expect(run.runId).toBe('manual__x');
    expect(triggered).toBe(1);
  });
});
