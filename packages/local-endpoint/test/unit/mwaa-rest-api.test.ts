import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MwaaBackend } from '../../src/mwaa-backend.js';
import { MwaaEmulator } from '../../src/mwaa-emulator.js';
import { CliTokenRegistry } from '../../src/mwaa/cli-tokens.js';
import { handleCliRequest } from '../../src/mwaa/cli-endpoint.js';
import type { DagFolderSource } from '../../src/mwaa/dag-folder.js';

/**
 * MWAA's InvokeRestApi against an emulated Airflow 3.0.6 environment, with the fake runner of
 * test/fixtures. Sources: botocore 1.43.107 `data/mwaa/2020-07-01/service-2.json` (InvokeRestApi, its
 * shapes and errors); apache/airflow-client-python tag 3.0.2 `spec/v2.yaml` (the field sets below are
 * its schemas' `properties`, copied); apache/airflow 3.0 api_fastapi routes (error details).
 */
const SPEC = {
  DAGResponse: ['bundle_name', 'bundle_version', 'dag_display_name', 'dag_id', 'description', 'file_token', 'fileloc', 'has_import_errors', 'has_task_concurrency_limits', 'is_paused', 'is_stale', 'last_expired', 'last_parsed_time', 'max_active_runs', 'max_active_tasks', 'max_consecutive_failed_dag_runs', 'next_dagrun_data_interval_end', 'next_dagrun_data_interval_start', 'next_dagrun_logical_date', 'next_dagrun_run_after', 'owners', 'relative_fileloc', 'tags', 'timetable_description', 'timetable_summary'],
  DAGRunResponse: ['bundle_version', 'conf', 'dag_id', 'dag_run_id', 'dag_versions', 'data_interval_end', 'data_interval_start', 'end_date', 'last_scheduling_decision', 'logical_date', 'note', 'queued_at', 'run_after', 'run_type', 'start_date', 'state', 'triggered_by'],
  TaskInstanceResponse: ['dag_id', 'dag_run_id', 'dag_version', 'duration', 'end_date', 'executor', 'executor_config', 'hostname', 'id', 'logical_date', 'map_index', 'max_tries', 'note', 'operator', 'pid', 'pool', 'pool_slots', 'priority_weight', 'queue', 'queued_when', 'rendered_fields', 'rendered_map_index', 'run_after', 'scheduled_when', 'start_date', 'state', 'task_display_name', 'task_id', 'trigger', 'triggerer_job', 'try_number', 'unixname'],
  ImportErrorResponse: ['bundle_name', 'filename', 'import_error_id', 'stack_trace', 'timestamp'],
  DagVersionResponse: ['bundle_name', 'bundle_url', 'bundle_version', 'created_at', 'dag_id', 'id', 'version_number'],
};
const keys = (o: Record<string, unknown>) => Object.keys(o).sort();

const FAKE_RUNNER = join(import.meta.dirname, '../fixtures/fake-dag-runner.py');
const ACCOUNT = '111122223333';
const backend: MwaaBackend = {
  accountId: async () => ACCOUNT,
  checkSourceBucket: async () => undefined,
  checkExecutionRole: async () => undefined,
  checkNetwork: async () => undefined,
  checkObjectVersion: async () => undefined,
};
const objects = new Map<string, string>();
const source: DagFolderSource = {
  async list(_arn, prefix) {
    return [...objects.keys()].filter((k) => k.startsWith(prefix)).sort().map((k) => ({ key: k.slice(prefix.length), etag: `"${objects.get(k)!}"` }));
  },
  async download(_arn, key) {
    return Buffer.from(objects.get(key)!);
  },
};
const dagFile = (spec: Record<string, unknown>) => `# fake-dag: ${JSON.stringify(spec)}\n`;
const DAILY = { dag_id: 'daily', schedule: '@daily', tasks: ['a', 'b'], tags: ['ml', 'abalone'], owners: 'airflow' };

let clock: number;
let tokens: CliTokenRegistry;
let emulator: MwaaEmulator;
let work: string;

beforeEach(() => {
  clock = Date.parse('2026-12-01T10:30:00Z');
  tokens = new CliTokenRegistry();
  work = mkdtempSync(join(tmpdir(), 'mwaa-rest-test-'));
  objects.clear();
  emulator = new MwaaEmulator({
    backend,
    delays: { createSeconds: 1, updateSeconds: 1, deleteSeconds: 1 },
    now: () => new Date(clock),
    cliTokens: tokens,
    airflow: { dagSource: source, runnerPath: FAKE_RUNNER, python: async () => 'python3', workDir: work },
  });
});

afterEach(async () => {
  await emulator.close();
  rmSync(work, { recursive: true, force: true });
});

async function mwaa(method: string, path: string, body?: unknown) {
  const reply = await emulator.handle({ method, path, query: new URLSearchParams(), headers: {}, body: Buffer.from(body === undefined ? '' : JSON.stringify(body)), region: 'us-east-1', selfUrl: 'http://127.0.0.1:4566' });
  return { status: reply.status, type: reply.headers['x-amzn-ErrorType'], json: JSON.parse(reply.body) as Record<string, any> };
}

async function createEnv(name = 'env1', extra: Record<string, unknown> = {}): Promise<void> {
  const reply = await mwaa('PUT', `/environments/${name}`, {
    ExecutionRoleArn: `arn:aws:iam::${ACCOUNT}:role/mwaa`,
    SourceBucketArn: 'arn:aws:s3:::abalone-bucket',
    DagS3Path: 'dags',
    NetworkConfiguration: { SubnetIds: ['subnet-a', 'subnet-b'], SecurityGroupIds: ['sg-1'] },
    ...extra,
  });
  expect(reply.status).toBe(200);
  clock += 1000;
}

interface Rest {
  status: number;
  type?: string;
  code?: number;
  body: any;
  message?: string;
}

/** InvokeRestApi; `code`/`body` are RestApiStatusCode/RestApiResponse (of the answer or of the exception). */
async function rest(method: string, path: string, options: { query?: Record<string, unknown>; body?: unknown; env?: string } = {}): Promise<Rest> {
  const r = await mwaa('POST', `/restapi/${options.env ?? 'env1'}`, {
    Path: path,
    Method: method,
    ...(options.query ? { QueryParameters: options.query } : {}),
    ...(options.body !== undefined ? { Body: options.body } : {}),
  });
  return { status: r.status, type: r.type, code: r.json.RestApiStatusCode, body: r.json.RestApiResponse, message: r.json.message };
}

async function settled(dagId: string, count: number): Promise<any[]> {
  for (let i = 0; i < 400; i++) {
    const runs = (await rest('GET', `/dags/${dagId}/dagRuns`)).body.dag_runs as any[];
    if (runs.length === count && runs.every((r) => r.state === 'success' || r.state === 'failed')) return runs;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`runs of ${dagId} did not end`);
}

describe('InvokeRestApi request (botocore model: Path 1..64, Method enum, documents)', () => {
  it('refuses bad members with a ValidationException and an unknown environment with ResourceNotFoundException', async () => {
    await createEnv();
    const missing = await mwaa('POST', '/restapi/env1', {});
    expect(missing).toMatchObject({ status: 400, type: 'ValidationException' });
    expect(missing.json.message).toBe("2 validation errors detected: Value null at 'Path' failed to satisfy constraint: Member must not be null; Value null at 'Method' failed to satisfy constraint: Member must not be null");
    const long = await mwaa('POST', '/restapi/env1', { Path: `/dags/${'x'.repeat(60)}`, Method: 'GET' });
    expect(long.json.message).toMatch(/at 'Path' failed to satisfy constraint: Member must have length less than or equal to 64/);
    const method = await mwaa('POST', '/restapi/env1', { Path: '/dags/x', Method: 'HEAD' });
    expect(method.json.message).toMatch(/Value 'HEAD' at 'Method' failed to satisfy constraint: Member must satisfy enum value set: \[GET, PUT, POST, PATCH, DELETE\]/);
    expect((await mwaa('POST', '/restapi/env1', { Path: '/dags/x', Method: 'GET', Body: [1] })).json.message).toMatch(/at 'Body' failed to satisfy constraint: Member must be a JSON object/);
    expect(await mwaa('POST', '/restapi/nope', { Path: '/dags', Method: 'GET' })).toMatchObject({ status: 404, type: 'ResourceNotFoundException', json: { message: 'Environment nope not found.' } });
  });

  it('on a 2.x environment says REST API v1 is not emulated (ValidationException)', async () => {
    await createEnv('old', { AirflowVersion: '2.10.3' });
    const reply = await mwaa('POST', '/restapi/old', { Path: '/dags/daily', Method: 'GET' });
    expect(reply).toMatchObject({ status: 400, type: 'ValidationException' });
    expect(reply.json.message).toMatch(/Apache Airflow 2\.10\.3\) goes to Airflow's REST API v1, which the local MWAA emulator does not emulate/);
  });

  it('maps Airflow 4xx to RestApiClientException and 5xx to RestApiServerException, both HTTP 400', async () => {
    await createEnv();
    expect(await rest('GET', '/nothing/here')).toMatchObject({ status: 400, type: 'RestApiClientException', code: 404, body: { detail: 'Not Found' } });
    expect(await rest('GET', 'dags')).toMatchObject({ status: 400, type: 'RestApiClientException', code: 404, body: { detail: 'Not Found' } });
    expect(await rest('PUT', '/importErrors')).toMatchObject({ status: 400, type: 'RestApiClientException', code: 405, body: { detail: 'Method Not Allowed' } });
    const notEmulated = await rest('GET', '/dags');
    expect(notEmulated).toMatchObject({ status: 400, type: 'RestApiServerException', code: 501 });
    expect(notEmulated.body.detail).toMatch(/does not emulate GET \/dags of Airflow's REST API v2; it emulates GET \/dags\/\{dag_id\}/);
  });
});

describe('REST API v2 on Airflow 3.0.6', () => {
  beforeEach(async () => {
    await createEnv();
    objects.set('dags/daily.py', dagFile(DAILY));
  });

  it('GET /dags/{dag_id}: a DAGResponse; new DAGs are paused; next run is the latest cron time <= now', async () => {
    const r = await rest('GET', '/dags/daily');
    expect(r).toMatchObject({ status: 200, code: 200 });
    expect(keys(r.body)).toEqual(SPEC.DAGResponse);
    expect(r.body).toMatchObject({
      dag_id: 'daily',
      dag_display_name: 'daily',
      is_paused: true,
      is_stale: false,
      has_import_errors: false,
      relative_fileloc: 'daily.py',
      bundle_name: 'dags-folder',
      timetable_summary: '0 0 * * *',
      next_dagrun_logical_date: '2026-12-01T00:00:00Z',
      next_dagrun_run_after: '2026-12-01T00:00:00Z',
      tags: [{ name: 'abalone', dag_id: 'daily' }, { name: 'ml', dag_id: 'daily' }],
      owners: ['airflow'],
      max_active_runs: 16,
    });
    expect(await rest('GET', '/dags/nope')).toMatchObject({ type: 'RestApiClientException', code: 404, body: { detail: 'Dag with id nope was not found' } });
  });

  it('PATCH /dags/{dag_id} {is_paused:false} starts the CronTriggerTimetable run: today at midnight, logical_date = run_after', async () => {
    const r = await rest('PATCH', '/dags/daily', { body: { is_paused: false } });
    expect(r.code).toBe(200);
    // the PATCH answer is the DAG before the scheduler acts: today's run is due
    expect(r.body).toMatchObject({ is_paused: false, next_dagrun_run_after: '2026-12-01T00:00:00Z' });
    expect((await rest('GET', '/dags/daily')).body).toMatchObject({ is_paused: false, next_dagrun_run_after: '2026-12-02T00:00:00Z', next_dagrun_logical_date: '2026-12-02T00:00:00Z' });
    const runs = await settled('daily', 1);
    expect(keys(runs[0])).toEqual(SPEC.DAGRunResponse);
    expect(runs[0]).toMatchObject({
      dag_run_id: 'scheduled__2026-12-01T00:00:00+00:00',
      run_type: 'scheduled',
      triggered_by: 'timetable',
      logical_date: '2026-12-01T00:00:00Z',
      run_after: '2026-12-01T00:00:00Z',
      data_interval_start: '2026-12-01T00:00:00Z',
      data_interval_end: '2026-12-01T00:00:00Z',
      state: 'success',
      conf: {},
    });
    expect(runs[0].dag_versions).toHaveLength(1);
    expect(keys(runs[0].dag_versions[0])).toEqual(SPEC.DagVersionResponse);
    // unpausing again changes nothing
    await rest('PATCH', '/dags/daily', { body: { is_paused: false } });
    expect((await rest('GET', '/dags/daily/dagRuns')).body.total_entries).toBe(1);
  });

  it('PATCH validates DAGPatchBody (422) and update_mask (400)', async () => {
    const extra = await rest('PATCH', '/dags/daily', { body: { is_paused: false, description: 'x' } });
    expect(extra).toMatchObject({ type: 'RestApiClientException', code: 422, body: { detail: [{ loc: ['body', 'description'], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' }] } });
    expect((await rest('PATCH', '/dags/daily', { body: {} })).body.detail).toEqual([{ loc: ['body', 'is_paused'], msg: 'Field required', type: 'missing' }]);
    expect((await rest('PATCH', '/dags/daily')).body.detail).toEqual([{ loc: ['body'], msg: 'Field required', type: 'missing' }]);
    expect((await rest('PATCH', '/dags/daily', { body: { is_paused: 'maybe' } })).body.detail[0]).toMatchObject({ type: 'bool_parsing' });
    expect(await rest('PATCH', '/dags/daily', { body: { is_paused: false }, query: { update_mask: ['tags'] } })).toMatchObject({ code: 400, body: { detail: 'Only `is_paused` field can be updated through the REST API' } });
    expect(await rest('PATCH', '/dags/nope', { body: { is_paused: false } })).toMatchObject({ code: 404, body: { detail: 'Dag with id: nope was not found' } });
  });

  it('POST /dags/{dag_id}/dagRuns validates TriggerDAGRunPostBody: strict, logical_date required but nullable', async () => {
    const missing = await rest('POST', '/dags/daily/dagRuns', { body: { conf: {} } });
    expect(missing).toMatchObject({ status: 400, type: 'RestApiClientException', code: 422, body: { detail: [{ loc: ['body', 'logical_date'], msg: 'Field required', type: 'missing' }] } });
    const extra = await rest('POST', '/dags/daily/dagRuns', { body: { logical_date: null, execution_date: '2026-01-01T00:00:00Z' } });
    expect(extra.body.detail).toEqual([{ loc: ['body', 'execution_date'], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' }]);
    expect((await rest('POST', '/dags/daily/dagRuns', { body: { logical_date: '2026-01-01T00:00:00' } })).body.detail[0]).toMatchObject({ loc: ['body', 'logical_date'], type: 'timezone_aware' });
    expect((await rest('POST', '/dags/daily/dagRuns', { body: { logical_date: null, conf: [1] } })).body.detail[0]).toMatchObject({ loc: ['body', 'conf'], type: 'dict_type' });
    const pattern = await rest('POST', '/dags/daily/dagRuns', { body: { logical_date: null, dag_run_id: 'bad id!' } });
    expect(pattern).toMatchObject({ code: 400 });
    expect(pattern.body.detail).toBe(
      "The run_id provided 'bad id!' does not match regex pattern '^[A-Za-z0-9_.~:+-]+$' or '^(?:manual|scheduled|asset_triggered)__(?:\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\+00:00)$'",
    );
    expect((await rest('POST', '/dags/daily/dagRuns', { body: { logical_date: null, dag_run_id: 'scheduled__x' } })).body.detail).toBe("A manual DAG run cannot use ID 'scheduled__x' since it is reserved for scheduled runs");
    expect(await rest('POST', '/dags/nope/dagRuns', { body: { logical_date: null } })).toMatchObject({ code: 404, body: { detail: "DAG with dag_id: 'nope' not found" } });
  });

  it('a trigger without a logical date is manual__<run_after>_<random>, runs without --logical-date under ABALONE_AIRFLOW_VERSION=3.0.6; 409 for its id again', async () => {
    const r = await rest('POST', '/dags/daily/dagRuns', { body: { logical_date: null, conf: { k: 1 } } });
    expect(r).toMatchObject({ status: 200, code: 200 });
    expect(keys(r.body)).toEqual(SPEC.DAGRunResponse);
    expect(r.body.dag_run_id).toMatch(/^manual__2026-12-01T10:30:01\+00:00_[A-Za-z0-9]{8}$/);
    expect(r.body).toMatchObject({ run_type: 'manual', triggered_by: 'rest_api', logical_date: null, data_interval_start: null, data_interval_end: null, run_after: '2026-12-01T10:30:01Z', state: 'queued', conf: { k: 1 } });
    const again = await rest('POST', '/dags/daily/dagRuns', { body: { logical_date: null, dag_run_id: r.body.dag_run_id } });
    expect(again).toMatchObject({ type: 'RestApiClientException', code: 409, body: { detail: { reason: 'Unique constraint violation' } } });
    // paused: the run stays queued; unpaused, it runs (and so does today's scheduled run)
    await rest('PATCH', '/dags/daily', { body: { is_paused: false } });
    const runs = await settled('daily', 2);
    const manual = runs.find((x) => x.run_type === 'manual');
    expect(manual).toMatchObject({ state: 'success', logical_date: null });
    const log = JSON.parse(readFileSync(join(work, 'env-1', 'logs', 'dag_id=daily', `run_id=${manual.dag_run_id}`, 'task_id=a', 'attempt=1.log'), 'utf8').split('\n')[0]!);
    expect(log.argv).not.toContain('--logical-date');
    expect(log.env.ABALONE_AIRFLOW_VERSION).toBe('3.0.6');
    // GET one run (a generated id does not fit InvokeRestApi's 64-character Path: MWAA refuses it before Airflow)
    expect(await rest('GET', `/dags/daily/dagRuns/${encodeURIComponent(manual.dag_run_id)}`)).toMatchObject({ status: 400, type: 'ValidationException' });
    const short = await rest('POST', '/dags/daily/dagRuns', { body: { logical_date: null, dag_run_id: 'short:1' } });
    const one = await rest('GET', '/dags/daily/dagRuns/short%3A1');
    expect(one).toMatchObject({ status: 200, code: 200 });
    expect(keys(one.body)).toEqual(SPEC.DAGRunResponse);
    expect(one.body).toMatchObject({ dag_run_id: 'short:1', run_type: 'manual', logical_date: null, run_after: short.body.run_after, queued_at: short.body.queued_at });
    expect(await rest('GET', '/dags/daily/dagRuns/nope')).toMatchObject({ code: 404, body: { detail: 'The DagRun with dag_id: `daily` and run_id: `nope` was not found' } });
  });

  it('a trigger with a logical date gets the exact interval of CronTriggerTimetable and run id manual__<logical date>', async () => {
    const r = await rest('POST', '/dags/daily/dagRuns', { body: { logical_date: '2026-11-30T12:00:00+00:00', dag_run_id: null } });
    expect(r.body).toMatchObject({ dag_run_id: 'manual__2026-11-30T12:00:00+00:00', logical_date: '2026-11-30T12:00:00Z', run_after: '2026-11-30T12:00:00Z', data_interval_start: '2026-11-30T12:00:00Z', data_interval_end: '2026-11-30T12:00:00Z' });
    const same = await rest('POST', '/dags/daily/dagRuns', { body: { logical_date: '2026-11-30T12:00:00Z', dag_run_id: 'other' } });
    expect(same).toMatchObject({ code: 409 });
  });

  it('GET /dags/{dag_id}/dagRuns: limit, offset, order_by (-run_after), filters, total_entries; 400/422/404 as Airflow', async () => {
    for (let i = 0; i < 3; i++) {
      await rest('POST', '/dags/daily/dagRuns', { body: { logical_date: null, dag_run_id: `run${i}` } });
      clock += 60_000;
    }
    const page = await rest('GET', '/dags/daily/dagRuns', { query: { order_by: '-run_after', limit: 2, offset: 0 } });
    expect(keys(page.body)).toEqual(['dag_runs', 'total_entries']);
    expect(page.body.total_entries).toBe(3);
    expect(page.body.dag_runs.map((r: any) => r.dag_run_id)).toEqual(['run2', 'run1']);
    expect((await rest('GET', '/dags/daily/dagRuns', { query: { limit: '1', offset: '2' } })).body.dag_runs.map((r: any) => r.dag_run_id)).toEqual(['run2']);
    expect((await rest('GET', '/dags/daily/dagRuns', { query: { run_after_gte: '2026-12-01T10:31:30Z' } })).body.total_entries).toBe(1);
    expect((await rest('GET', '/dags/daily/dagRuns', { query: { state: ['success'] } })).body.total_entries).toBe(0);
    expect((await rest('GET', '/dags/~/dagRuns')).body.total_entries).toBe(3);
    expect(await rest('GET', '/dags/daily/dagRuns', { query: { order_by: 'bogus' } })).toMatchObject({ code: 400, body: { detail: "Ordering with 'bogus' is disallowed or the attribute does not exist on the model" } });
    expect((await rest('GET', '/dags/daily/dagRuns', { query: { limit: -1 } })).body.detail).toEqual([{ loc: ['query', 'limit'], msg: 'Input should be greater than or equal to 0', type: 'greater_than_equal' }]);
    expect((await rest('GET', '/dags/daily/dagRuns', { query: { limit: 'x' } })).body.detail[0]).toMatchObject({ type: 'int_parsing' });
    expect(await rest('GET', '/dags/nope/dagRuns')).toMatchObject({ code: 404, body: { detail: 'The DAG with dag_id: `nope` was not found' } });
  });

  it('POST /dags/~/dagRuns/~/taskInstances/list: TaskInstanceCollectionResponse of the run; TaskInstancesBatchBody validated', async () => {
    await rest('PATCH', '/dags/daily', { body: { is_paused: false } });
    const [run] = await settled('daily', 1);
    const r = await rest('POST', '/dags/~/dagRuns/~/taskInstances/list', { body: { dag_ids: ['daily'], dag_run_ids: [run.dag_run_id], page_limit: 100, page_offset: 0 } });
    expect(keys(r.body)).toEqual(['task_instances', 'total_entries']);
    expect(r.body.total_entries).toBe(2);
    expect(r.body.task_instances.map((t: any) => [t.task_id, t.state])).toEqual([['a', 'success'], ['b', 'success']]);
    for (const t of r.body.task_instances) expect(keys(t)).toEqual(SPEC.TaskInstanceResponse);
    expect(r.body.task_instances[0]).toMatchObject({ dag_id: 'daily', dag_run_id: run.dag_run_id, map_index: -1, try_number: 1, pool: 'default_pool', pool_slots: 1, executor_config: '{}', logical_date: run.logical_date, run_after: run.run_after });
    expect((await rest('POST', '/dags/~/dagRuns/~/taskInstances/list', { body: { dag_run_ids: ['other'] } })).body).toEqual({ task_instances: [], total_entries: 0 });
    expect((await rest('POST', '/dags/~/dagRuns/~/taskInstances/list', { body: { page_limit: 1, page_offset: 1 } })).body.task_instances.map((t: any) => t.task_id)).toEqual(['b']);
    expect((await rest('POST', '/dags/daily/dagRuns/~/taskInstances/list', { body: {} })).body.detail).toEqual([{ loc: ['path', 'dag_id'], msg: "Input should be '~'", type: 'literal_error' }]);
    expect((await rest('POST', '/dags/~/dagRuns/~/taskInstances/list', { body: { dag_id: 'daily' } })).body.detail).toEqual([{ loc: ['body', 'dag_id'], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' }]);
  });

  it('GET /importErrors: ImportErrorCollectionResponse; a DAG whose file fails to import has has_import_errors and cannot be triggered', async () => {
    expect((await rest('GET', '/importErrors')).body).toEqual({ import_errors: [], total_entries: 0 });
    objects.set('dags/daily.py', `${dagFile(DAILY)}# fake-import-error\n`);
    objects.set('dags/broken.py', '# fake-import-error\n');
    const r = await rest('GET', '/importErrors', { query: { limit: 50, offset: 0 } });
    expect(r.body.total_entries).toBe(2);
    for (const e of r.body.import_errors) expect(keys(e)).toEqual(SPEC.ImportErrorResponse);
    expect(r.body.import_errors.map((e: any) => e.filename).sort()).toEqual(['broken.py', 'daily.py']);
    expect(r.body.import_errors[0]).toMatchObject({ bundle_name: 'dags-folder', timestamp: '2026-12-01T10:30:01Z' });
    expect((await rest('GET', '/dags/daily')).body).toMatchObject({ has_import_errors: true, is_stale: false });
    expect(await rest('POST', '/dags/daily/dagRuns', { body: { logical_date: null } })).toMatchObject({ code: 400, body: { detail: "DAG with dag_id: 'daily' has import errors and cannot be triggered" } });
    // the file removed: the DAG is stale and cannot be triggered
    objects.delete('dags/daily.py');
    expect((await rest('GET', '/dags/daily')).body).toMatchObject({ is_stale: true, has_import_errors: false });
    expect(await rest('POST', '/dags/daily/dagRuns', { body: { logical_date: null } })).toMatchObject({ code: 404 });
  });
});

describe('the Airflow CLI endpoint on Airflow 3', () => {
  it('refuses commands with a 500 naming InvokeRestApi (MWAA documents no Airflow 3 CLI support)', async () => {
    await createEnv();
    const token = (await mwaa('POST', '/clitoken/env1')).json.CliToken as string;
    const reply = await handleCliRequest({ method: 'POST', headers: { authorization: `Bearer ${token}` }, body: Buffer.from('dags list-import-errors -o json'), selfUrl: 'http://127.0.0.1:4566' }, tokens, clock, () => emulator);
    expect(reply.status).toBe(500);
    expect(JSON.parse(reply.body).message).toMatch(/does not run Airflow CLI commands on environment env1, which runs Apache Airflow 3\.0\.6: .*through InvokeRestApi \(Airflow's REST API v2\) only/);
  });

  it('keeps DAGs and runs across an upgrade from 2.11.0 to 3.0.6, then answers InvokeRestApi', async () => {
    await createEnv('env1', { AirflowVersion: '2.11.0' });
    objects.set('dags/daily.py', dagFile(DAILY));
    const token = (await mwaa('POST', '/clitoken/env1')).json.CliToken as string;
    const cli = await handleCliRequest({ method: 'POST', headers: { authorization: `Bearer ${token}` }, body: Buffer.from('dags trigger daily -r before'), selfUrl: 'http://127.0.0.1:4566' }, tokens, clock, () => emulator);
    expect(cli.status).toBe(200);
    expect((await mwaa('PATCH', '/environments/env1', { AirflowVersion: '3.0.6' })).status).toBe(200);
    clock += 1000;
    const runs = await rest('GET', '/dags/daily/dagRuns');
    expect(runs.body.dag_runs.map((r: any) => [r.dag_run_id, r.triggered_by])).toEqual([['before', 'cli']]);
  });
});
