import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { MWAAClient } from '@aws-sdk/client-mwaa';
import type { AirflowCli } from '../../../src/aws/airflow-cli.js';
import { AirflowRestApi, AirflowRestError } from '../../../src/aws/airflow-rest.js';
import { InvokeRestApiCommand, RestApiClientException, type InvokeRestApiCommandInput } from '../../../src/aws/invoke-rest-api.js';
import { ToolError } from '../../../src/base/errors.js';
import { isScheduledRunFor, unpauseOutcome, type DagDriver } from '../../../src/ops/dag-driver.js';
import { PipelineDag } from '../../../src/ops/pipeline-dag.js';
import { ALLOWED_RUN_ID, RestPipelineDag } from '../../../src/ops/pipeline-dag-rest.js';

// Request paths, parameters and bodies, and the response bodies below, follow the Airflow REST API
// v2 OpenAPI spec of apache/airflow-client-python tag 3.0.2 (spec/v2.yaml; paths there under /api/v2):
// DAGResponse, DAGPatchBody, TriggerDAGRunPostBody, DAGRunResponse, DAGRunCollectionResponse,
// TaskInstancesBatchBody, TaskInstanceCollectionResponse, ImportErrorCollectionResponse,
// HTTPExceptionResponse.

const mwaa = mockClient(MWAAClient);
const ENV = 'abalone-airflow-environment';
const NOW = Date.parse('2026-12-06T20:00:00.000Z');

beforeEach(() => mwaa.reset());
afterEach(() => mwaa.reset());

function dag() {
  const api = new AirflowRestApi({ mwaa: new MWAAClient({ region: 'us-east-1' }), environment: ENV, environmentArn: `arn:aws:airflow:us-east-1:123456789012:environment/${ENV}` });
  return new RestPipelineDag(api, 'abalone_pipeline', { now: () => NOW, randomSuffix: () => 'k3v9q2za' });
}

/** The InvokeRestApi inputs sent, without the environment name. */
function sent(): Array<Omit<InvokeRestApiCommandInput, 'Name'>> {
  return mwaa.commandCalls(InvokeRestApiCommand).map((c) => {
    const { Name, ...rest } = c.args[0].input;
    expect(Name).toBe(ENV);
    return rest;
  });
}

const ok = (body: unknown) => ({ RestApiStatusCode: 200, RestApiResponse: body as never });
const airflowError = (status: number, detail: unknown) => new RestApiClientException({ $metadata: { httpStatusCode: 400 }, message: 'client error', RestApiStatusCode: status, RestApiResponse: { detail } as never });

/** DAGResponse (3.0.2): every required field, plus the next-run fields. */
function dagResponse(overrides: Record<string, unknown> = {}) {
  return {
    dag_id: 'abalone_pipeline',
    dag_display_name: 'abalone_pipeline',
    is_paused: true,
    is_stale: false,
    last_parsed_time: '2026-12-06T19:58:00.000000Z',
    last_expired: null,
    bundle_name: 'dags-folder',
    bundle_version: null,
    relative_fileloc: 'abalone_pipeline_dag.py',
    fileloc: '/usr/local/airflow/dags/abalone_pipeline_dag.py',
    description: 'Abalone data-centric ML pipeline',
    timetable_summary: '@daily',
    timetable_description: 'At 00:00',
    tags: [{ name: 'abalone', dag_id: 'abalone_pipeline' }],
    max_active_tasks: 16,
    max_active_runs: 1,
    max_consecutive_failed_dag_runs: 0,
    has_task_concurrency_limits: false,
    has_import_errors: false,
    next_dagrun_logical_date: '2026-12-06T00:00:00Z',
    next_dagrun_data_interval_start: '2026-12-06T00:00:00Z',
    next_dagrun_data_interval_end: '2026-12-06T00:00:00Z',
    next_dagrun_run_after: '2026-12-06T00:00:00Z',
    owners: ['airflow'],
    file_token: 'eyJidW5kbGVfbmFtZSI6ImRhZ3MtZm9sZGVyIn0.abc',
    ...overrides,
  };
}

/** DAGRunResponse (3.0.2): every required field (dag_run_id, dag_id, run_after, run_type, state, dag_versions). */
function dagRun(overrides: Record<string, unknown> = {}) {
  return {
    dag_run_id: 'manual__2026-12-06T20:00:00.000Z_k3v9q2za',
    dag_id: 'abalone_pipeline',
    logical_date: null,
    queued_at: '2026-12-06T20:00:00.100000Z',
    start_date: null,
    end_date: null,
    data_interval_start: null,
    data_interval_end: null,
    run_after: '2026-12-06T20:00:00.050000Z',
    last_scheduling_decision: null,
    run_type: 'manual',
    state: 'queued',
    triggered_by: 'rest_api',
    conf: {},
    note: null,
    dag_versions: [
      { id: '0193a1f0-0000-7000-8000-000000000001', version_number: 1, dag_id: 'abalone_pipeline', bundle_name: 'dags-folder', bundle_version: null, created_at: '2026-12-06T19:58:00Z', bundle_url: null },
    ],
    bundle_version: null,
    ...overrides,
  };
}

/** TaskInstanceResponse (3.0.2): every required field. */
function taskInstance(taskId: string, state: string | null, overrides: Record<string, unknown> = {}) {
  return {
    id: `0193a1f0-0000-7000-8000-${taskId.length.toString().padStart(12, '0')}`,
    task_id: taskId,
    dag_id: 'abalone_pipeline',
    dag_run_id: 'manual__2026-12-06T20:00:00.000Z_k3v9q2za',
    map_index: -1,
    logical_date: null,
    run_after: '2026-12-06T20:00:00.050000Z',
    start_date: state === null ? null : '2026-12-06T20:00:05.000000Z',
    end_date: state === 'success' ? '2026-12-06T20:00:09.000000Z' : null,
    duration: state === 'success' ? 4 : null,
    state,
    try_number: 1,
    max_tries: 0,
    task_display_name: taskId,
    hostname: '',
    unixname: 'airflow',
    pool: 'default_pool',
    pool_slots: 1,
    queue: 'default',
    priority_weight: 10,
    operator: 'PythonOperator',
    queued_when: null,
    scheduled_when: null,
    pid: null,
    executor: null,
    executor_config: '{}',
    note: null,
    rendered_map_index: null,
    rendered_fields: {},
    trigger: null,
    triggerer_job: null,
    dag_version: null,
    ...overrides,
  };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('RestPipelineDag: the DagDriver of PipelineDag over REST API v2', () => {
  it('has the same operations and row types as PipelineDag', () => {
    expectTypeOf<PipelineDag>().toMatchTypeOf<DagDriver>();
    expectTypeOf<RestPipelineDag>().toMatchTypeOf<DagDriver>();
    expectTypeOf<Awaited<ReturnType<RestPipelineDag['listRuns']>>[number]>().toMatchTypeOf<Awaited<ReturnType<PipelineDag['listRuns']>>[number]>();
    expectTypeOf<ReturnType<RestPipelineDag['taskStates']>>().toEqualTypeOf<ReturnType<PipelineDag['taskStates']>>();
    expectTypeOf<ReturnType<RestPipelineDag['importErrors']>>().toEqualTypeOf<ReturnType<PipelineDag['importErrors']>>();
    expectTypeOf<ReturnType<RestPipelineDag['trigger']>>().toEqualTypeOf<ReturnType<PipelineDag['trigger']>>();
    expectTypeOf<ReturnType<RestPipelineDag['unpause']>>().toEqualTypeOf<ReturnType<PipelineDag['unpause']>>();
  });

  it('importErrors: GET /importErrors with limit/offset, every page, as {filepath: filename, error: stack_trace}', async () => {
    const error = (i: number) => ({ import_error_id: i, timestamp: '2026-12-06T19:58:00Z', filename: `other_${i}.py`, bundle_name: 'dags-folder', stack_trace: `Traceback ${i}` });
    mwaa
      .on(InvokeRestApiCommand, { Path: '/importErrors', QueryParameters: { limit: 100, offset: 0 } })
      .resolves(ok({ import_errors: Array.from({ length: 100 }, (_, i) => error(i)), total_entries: 101 }))
      .on(InvokeRestApiCommand, { Path: '/importErrors', QueryParameters: { limit: 100, offset: 100 } })
      .resolves(
        ok({ import_errors: [{ import_error_id: 100, timestamp: '2026-12-06T19:58:00Z', filename: 'abalone_pipeline_dag.py', bundle_name: 'dags-folder', stack_trace: 'Traceback (most recent call last):\nSyntaxError: invalid syntax' }], total_entries: 101 }),
      );
    const errors = await dag().importErrors();
    expect(sent()).toEqual([
      { Path: '/importErrors', Method: 'GET', QueryParameters: { limit: 100, offset: 0 } },
      { Path: '/importErrors', Method: 'GET', QueryParameters: { limit: 100, offset: 100 } },
    ]);
    expect(errors).toHaveLength(101);
    expect(errors[100]).toEqual({ filepath: 'abalone_pipeline_dag.py', error: 'Traceback (most recent call last):\nSyntaxError: invalid syntax' });
  });

  it('importErrors: one call when the first page holds them all', async () => {
    mwaa.on(InvokeRestApiCommand).resolves(ok({ import_errors: [], total_entries: 0 }));
    expect(await dag().importErrors()).toEqual([]);
    expect(sent()).toHaveLength(1);
  });

  it('unpause of a paused DAG whose next run is due: GET then PATCH {is_paused:false}; the scheduler starts that run now', async () => {
    mwaa
      .on(InvokeRestApiCommand, { Method: 'GET', Path: '/dags/abalone_pipeline' })
      .resolves(ok(dagResponse()))
      .on(InvokeRestApiCommand, { Method: 'PATCH', Path: '/dags/abalone_pipeline' })
      .resolves(ok(dagResponse({ is_paused: false })));
    const outcome = await dag().unpauseForRun();
    expect(sent()).toEqual([
      { Path: '/dags/abalone_pipeline', Method: 'GET' },
      { Path: '/dags/abalone_pipeline', Method: 'PATCH', Body: { is_paused: false } },
    ]);
    expect(outcome).toEqual({ wasPaused: true, scheduledRun: 'starts-now', nextRunAfter: '2026-12-06T00:00:00Z' });
  });

  it('unpause of a paused DAG whose next run is in the future or not planned: no run comes now, so trigger', async () => {
    mwaa
      .on(InvokeRestApiCommand, { Method: 'GET' })
      .resolves(ok(dagResponse()))
      .on(InvokeRestApiCommand, { Method: 'PATCH' })
      .resolves(ok(dagResponse({ is_paused: false, next_dagrun_run_after: '2026-12-07T00:00:00Z' })));
    expect(await dag().unpauseForRun()).toEqual({ wasPaused: true, scheduledRun: 'none', nextRunAfter: '2026-12-07T00:00:00Z' });

    mwaa.reset();
    mwaa
      .on(InvokeRestApiCommand, { Method: 'GET' })
      .resolves(ok(dagResponse({ next_dagrun_run_after: null })))
      .on(InvokeRestApiCommand, { Method: 'PATCH' })
      .resolves(ok(dagResponse({ is_paused: false, next_dagrun_run_after: null })));
    expect(await dag().unpauseForRun()).toEqual({ wasPaused: true, scheduledRun: 'none', nextRunAfter: null });
  });

  it('unpause: the scheduler skips a DAG with import errors, so no run comes', async () => {
    mwaa
      .on(InvokeRestApiCommand, { Method: 'GET' })
      .resolves(ok(dagResponse()))
      .on(InvokeRestApiCommand, { Method: 'PATCH' })
      .resolves(ok(dagResponse({ is_paused: false, has_import_errors: true })));
    expect((await dag().unpauseForRun()).scheduledRun).toBe('none');
  });

  it('unpause of a DAG that is not paused: one GET, no PATCH, false', async () => {
    mwaa.on(InvokeRestApiCommand, { Method: 'GET' }).resolves(ok(dagResponse({ is_paused: false })));
    expect(await dag().unpause()).toBe(false);
    expect(sent()).toEqual([{ Path: '/dags/abalone_pipeline', Method: 'GET' }]);
  });

  it('a 404 on the DAG is the DagNotFound error PipelineDag gives', async () => {
    mwaa.on(InvokeRestApiCommand).rejects(airflowError(404, "DAG with dag_id: 'abalone_pipeline' not found"));
    const cli = { run: async () => ({ stdout: '', stderr: 'airflow.exceptions.DagNotFound: Dag id abalone_pipeline not found in DagModel\n' }) } as unknown as AirflowCli;
    const expected = (await failure(new PipelineDag(cli).listRuns())) as ToolError;
    expect(expected.code).toBe('DagNotFound');
    for (const call of [() => dag().unpause(), () => dag().listRuns(), () => dag().trigger(undefined)]) {
      const error = (await failure(call())) as ToolError;
      expect(error).toBeInstanceOf(ToolError);
      expect(error.code).toBe('DagNotFound');
      expect(error.message).toBe(expected.message);
    }
  });

  it('trigger: POST /dags/{dag_id}/dagRuns with our dag_run_id, logical_date null and the conf', async () => {
    mwaa.on(InvokeRestApiCommand).resolves(ok(dagRun({ conf: { force: true } })));
    const run = await dag().trigger({ force: true });
    expect(sent()).toEqual([
      { Path: '/dags/abalone_pipeline/dagRuns', Method: 'POST', Body: { dag_run_id: 'manual__2026-12-06T20:00:00.000Z_k3v9q2za', logical_date: null, conf: { force: true } } },
    ]);
    expect(run).toEqual({ runId: 'manual__2026-12-06T20:00:00.000Z_k3v9q2za', state: 'queued' });
    expect(ALLOWED_RUN_ID.test(run.runId)).toBe(true);
  });

  it('trigger without conf sends conf {} (the model default) and keeps logical_date: null present', async () => {
    mwaa.on(InvokeRestApiCommand).resolves(ok(dagRun()));
    await dag().trigger(undefined);
    const body = sent()[0]!.Body as Record<string, unknown>;
    expect(body).toEqual({ dag_run_id: 'manual__2026-12-06T20:00:00.000Z_k3v9q2za', logical_date: null, conf: {} });
    expect(Object.prototype.hasOwnProperty.call(body, 'logical_date')).toBe(true);
  });

  it('trigger: a 409 for our own run id (a retried POST) reads the run back instead of starting another', async () => {
    mwaa
      .on(InvokeRestApiCommand, { Method: 'POST' })
      .rejects(airflowError(409, 'Unique constraint violation'))
      .on(InvokeRestApiCommand, { Method: 'GET' })
      .resolves(ok({ dag_runs: [dagRun({ state: 'running' })], total_entries: 1 }));
    expect(await dag().trigger(undefined)).toEqual({ runId: 'manual__2026-12-06T20:00:00.000Z_k3v9q2za', state: 'running' });
  });

  it('trigger: another Airflow error stays an AirflowRestError with its detail', async () => {
    mwaa.on(InvokeRestApiCommand).rejects(airflowError(400, "DAG with dag_id: 'abalone_pipeline' has import errors and cannot be triggered"));
    const error = (await failure(dag().trigger(undefined))) as AirflowRestError;
    expect(error).toBeInstanceOf(AirflowRestError);
    expect(error.message).toContain('answered 400 to POST /dags/abalone_pipeline/dagRuns');
    expect(error.message).toContain('has import errors');
  });

  it('listRuns: GET /dags/{dag_id}/dagRuns ?order_by=-run_after&limit=50; executionDate is logical_date ?? run_after', async () => {
    mwaa.on(InvokeRestApiCommand).resolves(
      ok({
        dag_runs: [
          dagRun({ state: 'running', start_date: '2026-12-06T20:00:02.000000Z' }),
          dagRun({
            dag_run_id: 'scheduled__2026-12-06T00:00:00+00:00',
            run_type: 'scheduled',
            triggered_by: 'timetable',
            logical_date: '2026-12-06T00:00:00Z',
            run_after: '2026-12-06T00:00:00Z',
            data_interval_start: '2026-12-06T00:00:00Z',
            data_interval_end: '2026-12-06T00:00:00Z',
            state: 'success',
            start_date: '2026-12-06T19:59:01.000000Z',
            end_date: '2026-12-06T19:59:40.000000Z',
          }),
        ],
        total_entries: 2,
      }),
    );
    const runs = await dag().listRuns();
    expect(sent()).toEqual([{ Path: '/dags/abalone_pipeline/dagRuns', Method: 'GET', QueryParameters: { order_by: '-run_after', limit: 50 } }]);
    expect(runs).toEqual([
      {
        runId: 'manual__2026-12-06T20:00:00.000Z_k3v9q2za',
        state: 'running',
        executionDate: '2026-12-06T20:00:00.050000Z',
        start: '2026-12-06T20:00:02.000000Z',
        end: null,
        runType: 'manual',
        runAfter: '2026-12-06T20:00:00.050000Z',
        logicalDate: null,
      },
      {
        runId: 'scheduled__2026-12-06T00:00:00+00:00',
        state: 'success',
        executionDate: '2026-12-06T00:00:00Z',
        start: '2026-12-06T19:59:01.000000Z',
        end: '2026-12-06T19:59:40.000000Z',
        runType: 'scheduled',
        runAfter: '2026-12-06T00:00:00Z',
        logicalDate: '2026-12-06T00:00:00Z',
      },
    ]);
    expect(isScheduledRunFor(runs[1]!, '2026-12-06T00:00:00+00:00')).toBe(true);
    expect(isScheduledRunFor(runs[0]!, '2026-12-06T20:00:00.050000Z')).toBe(false);
  });

  it('taskStates: the batch route keeps a long run id out of the 64-character Path', async () => {
    const runId = 'manual__2026-12-06T20:00:00.123456+00:00_AbCd1234';
    const instances = [
      taskInstance('load_config', 'success', { dag_run_id: runId }),
      taskInstance('check_new_data', 'running', { dag_run_id: runId }),
      taskInstance('crawl_new_data', null, { dag_run_id: runId }),
    ];
    mwaa.on(InvokeRestApiCommand).resolves(ok({ task_instances: instances, total_entries: 3 }));
    const tasks = await dag().taskStates(runId);
    expect(sent()).toEqual([
      { Path: '/dags/~/dagRuns/~/taskInstances/list', Method: 'POST', Body: { dag_ids: ['abalone_pipeline'], dag_run_ids: [runId], page_limit: 100, page_offset: 0 } },
    ]);
    expect(`/dags/abalone_pipeline/dagRuns/${runId}/taskInstances`.length).toBeGreaterThan(64);
    expect(tasks).toEqual([
      { taskId: 'load_config', state: 'success', start: '2026-12-06T20:00:05.000000Z', end: '2026-12-06T20:00:09.000000Z' },
      { taskId: 'check_new_data', state: 'running', start: '2026-12-06T20:00:05.000000Z', end: null },
      { taskId: 'crawl_new_data', state: null, start: null, end: null },
    ]);
  });

  it('taskStates of an unknown run: no rows, as the CLI gives', async () => {
    mwaa.on(InvokeRestApiCommand).resolves(ok({ task_instances: [], total_entries: 0 }));
    expect(await dag().taskStates('manual__nope')).toEqual([]);
  });
});

describe('dag-driver: deciding after unpausing', () => {
  function cliDriver(wasPaused: boolean): DagDriver {
    return {
      dagId: 'abalone_pipeline',
      importErrors: async () => [],
      unpause: async () => wasPaused,
      trigger: async () => ({ runId: 'r', state: 'queued' }),
      listRuns: async () => [],
      taskStates: async () => [],
    };
  }

  it('a driver without unpauseForRun (the CLI) says unknown when it unpaused, none otherwise', async () => {
    expect(await unpauseOutcome(cliDriver(true))).toEqual({ wasPaused: true, scheduledRun: 'unknown', nextRunAfter: null });
    expect(await unpauseOutcome(cliDriver(false))).toEqual({ wasPaused: false, scheduledRun: 'none', nextRunAfter: null });
  });

  it('the REST driver decides from the DAG', async () => {
    mwaa
      .on(InvokeRestApiCommand, { Method: 'GET' })
      .resolves(ok(dagResponse()))
      .on(InvokeRestApiCommand, { Method: 'PATCH' })
      .resolves(ok(dagResponse({ is_paused: false })));
    expect((await unpauseOutcome(dag())).scheduledRun).toBe('starts-now');
  });

  it('isScheduledRunFor matches a CLI row (no run type) by its scheduled__ id and execution date', () => {
    const row = { runId: 'scheduled__2026-12-06T00:00:00+00:00', state: 'queued', executionDate: '2026-12-06T00:00:00+00:00', start: null, end: null };
    expect(isScheduledRunFor(row, '2026-12-06T00:00:00Z')).toBe(true);
    expect(isScheduledRunFor({ ...row, runId: 'manual__2026-12-06T00:00:00+00:00' }, '2026-12-06T00:00:00Z')).toBe(false);
    expect(isScheduledRunFor(row, '2026-12-05T00:00:00Z')).toBe(false);
  });
});
