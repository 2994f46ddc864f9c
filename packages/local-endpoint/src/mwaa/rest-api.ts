/**
 * Airflow's REST API v2 of an emulated Airflow 3 environment, as MWAA's InvokeRestApi reaches it
 * (`Path` without `/api/v2`): the endpoints `abalone-pipeline` uses, over the same DAGs, paused flags,
 * runs and import errors as the CLI endpoint (dag-runs.ts). Paths, parameters, bodies and answers are
 * the OpenAPI spec of Airflow's v2 client, apache/airflow-client-python tag 3.0.2 `spec/v2.yaml`
 * (commit d71f13a738cb4752517f66a568f416e4541b377c); error details are those of apache/airflow 3.0's
 * `airflow-core/src/airflow/api_fastapi/core_api/routes/public/{dags,dag_run,task_instances,import_error}.py`;
 * 422 bodies are FastAPI's `HTTPValidationError` with pydantic's error types. What is emulated and
 * what is not: docs/mwaa-emulator.md, "InvokeRestApi".
 */
import { AirflowHttpError, UnsupportedSchedule, pyIso, type AirflowEnvironment, type DagInfo, type DagRun, type DagVersion, type RestTrigger, type TaskState } from './dag-runs.js';
import { relative, sep } from 'node:path';

export interface RestCall {
  method: string;
  path: string;
  /** InvokeRestApi's QueryParameters document. */
  query: Record<string, unknown>;
  /** InvokeRestApi's Body document, undefined when absent. */
  body: Record<string, unknown> | undefined;
}

export interface RestAnswer {
  status: number;
  body: unknown;
}

/** Airflow 3's default DAG bundle, the DAGs folder (`[dag_processor] dag_bundle_config_list`); MWAA's own bundle name is not documented. */
export const BUNDLE_NAME = 'dags-folder';

interface FieldError {
  loc: (string | number)[];
  msg: string;
  type: string;
}

/** A 422 HTTPValidationError. */
class Invalid extends Error {
  constructor(readonly errors: FieldError[]) {
    super('validation error');
  }
}

/** A v2 endpoint the emulator does not serve, or a parameter of one it does not apply. */
class NotEmulated extends Error {}

/** Every path and method of the v2 spec (3.0.2), without /api/v2: which paths exist, which methods they take. */
const SPEC_PATHS: [string, string][] = [
  ['/assets', 'GET'],
  ['/assets/aliases', 'GET'],
  ['/assets/aliases/{asset_alias_id}', 'GET'],
  ['/assets/events', 'GET POST'],
  ['/assets/{asset_id}', 'GET'],
  ['/assets/{asset_id}/materialize', 'POST'],
  ['/assets/{asset_id}/queuedEvents', 'DELETE GET'],
  ['/auth/login', 'GET'],
  ['/auth/logout', 'GET'],
  ['/backfills', 'GET POST'],
  ['/backfills/dry_run', 'POST'],
  ['/backfills/{backfill_id}', 'GET'],
  ['/backfills/{backfill_id}/cancel', 'PUT'],
  ['/backfills/{backfill_id}/pause', 'PUT'],
  ['/backfills/{backfill_id}/unpause', 'PUT'],
  ['/config', 'GET'],
  ['/config/section/{section}/option/{option}', 'GET'],
  ['/connections', 'GET PATCH POST'],
  ['/connections/defaults', 'POST'],
  ['/connections/test', 'POST'],
  ['/connections/{connection_id}', 'DELETE GET PATCH'],
  ['/dagReports', 'GET'],
  ['/dagSources/{dag_id}', 'GET'],
  ['/dagStats', 'GET'],
  ['/dagTags', 'GET'],
  ['/dagWarnings', 'GET'],
  ['/dags', 'GET PATCH'],
  ['/dags/{dag_id}', 'DELETE GET PATCH'],
  ['/dags/{dag_id}/assets/queuedEvents', 'DELETE GET'],
  ['/dags/{dag_id}/assets/{asset_id}/queuedEvents', 'DELETE GET'],
  ['/dags/{dag_id}/clearTaskInstances', 'POST'],
  ['/dags/{dag_id}/dagRuns', 'GET POST'],
  ['/dags/{dag_id}/dagRuns/list', 'POST'],
  ['/dags/{dag_id}/dagRuns/{dag_run_id}', 'DELETE GET PATCH'],
  ['/dags/{dag_id}/dagRuns/{dag_run_id}/clear', 'POST'],
  ['/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances', 'GET'],
  ['/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/list', 'POST'],
  ['/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}', 'GET PATCH'],
  ['/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/dependencies', 'GET'],
  ['/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/dry_run', 'PATCH'],
  ['/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/links', 'GET'],
  ['/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/listMapped', 'GET'],
  ['/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/logs/{try_number}', 'GET'],
  ['/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/tries', 'GET'],
  ['/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/tries/{task_try_number}', 'GET'],
  ['/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries', 'GET POST'],
  ['/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries/{xcom_key}', 'GET PATCH'],
  ['/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}', 'GET PATCH'],
  ['/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}/dependencies', 'GET'],
  ['/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}/dry_run', 'PATCH'],
  ['/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}/tries', 'GET'],
  ['/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}/tries/{task_try_number}', 'GET'],
  ['/dags/{dag_id}/dagRuns/{dag_run_id}/upstreamAssetEvents', 'GET'],
  ['/dags/{dag_id}/dagVersions', 'GET'],
  ['/dags/{dag_id}/dagVersions/{version_number}', 'GET'],
  ['/dags/{dag_id}/details', 'GET'],
  ['/dags/{dag_id}/tasks', 'GET'],
  ['/dags/{dag_id}/tasks/{task_id}', 'GET'],
  ['/eventLogs', 'GET'],
  ['/eventLogs/{event_log_id}', 'GET'],
  ['/importErrors', 'GET'],
  ['/importErrors/{import_error_id}', 'GET'],
  ['/jobs', 'GET'],
  ['/monitor/health', 'GET'],
  ['/parseDagFile/{file_token}', 'PUT'],
  ['/plugins', 'GET'],
  ['/pools', 'GET PATCH POST'],
  ['/pools/{pool_name}', 'DELETE GET PATCH'],
  ['/providers', 'GET'],
  ['/variables', 'GET PATCH POST'],
  ['/variables/{variable_key}', 'DELETE GET PATCH'],
  ['/version', 'GET'],];

/** The endpoints the emulator serves: `METHOD template`. */
const EMULATED = [
  'GET /dags/{dag_id}',
  'PATCH /dags/{dag_id}',
  'GET /dags/{dag_id}/dagRuns',
  'POST /dags/{dag_id}/dagRuns',
  'GET /dags/{dag_id}/dagRuns/{dag_run_id}',
  'POST /dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/list',
  'GET /importErrors',
] as const;
export const EMULATED_ENDPOINTS: readonly string[] = EMULATED;

function match(template: string, segments: string[]): Record<string, string> | undefined {
  const parts = template.split('/').filter(Boolean);
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.startsWith('{') && part.endsWith('}')) params[part.slice(1, -1)] = segments[i]!;
    else if (part !== segments[i]) return undefined;
  }
  return params;
}

/** One InvokeRestApi call against the environment's Airflow; the answer is Airflow's status and JSON. */
export function invokeRest(airflow: AirflowEnvironment, call: RestCall): RestAnswer {
  const method = call.method.toUpperCase();
  const segments = splitPath(call.path);
  if (!segments) return { status: 404, body: { detail: 'Not Found' } };
  // Starlette's router: a template matched with another method only is a 405
  const found = SPEC_PATHS.map(([t, methods]) => ({ t, methods: methods.split(' '), params: match(t, segments) })).filter((m) => m.params);
  if (found.length === 0) return { status: 404, body: { detail: 'Not Found' } };
  const hit = found.find((m) => m.methods.includes(method));
  if (!hit) return { status: 405, body: { detail: 'Method Not Allowed' } };
  const key = `${method} ${hit.t}`;
  try {
    if (!(EMULATED as readonly string[]).includes(key)) {
      throw new NotEmulated(`the local MWAA emulator does not emulate ${key} of Airflow's REST API v2; it emulates ${EMULATED.join(', ')}`);
    }
    return { status: 200, body: serve(airflow, key, hit.params!, call) };
  } catch (error) {
    if (error instanceof Invalid) return { status: 422, body: { detail: error.errors } };
    if (error instanceof AirflowHttpError) return { status: error.status, body: { detail: error.detail } };
    // what Airflow would do but the emulator cannot: a 5xx (RestApiServerException) saying so
    if (error instanceof NotEmulated || error instanceof UnsupportedSchedule) return { status: 501, body: { detail: error.message } };
    throw error;
  }
}

/** The path's segments, percent-decoded; undefined when it cannot be a v2 path. */
function splitPath(path: string): string[] | undefined {
  if (!path.startsWith('/')) return undefined;
  const raw = path.slice(1).split('/');
  if (raw.some((s) => s === '')) return undefined;
  try {
    return raw.map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

function serve(airflow: AirflowEnvironment, key: string, params: Record<string, string>, call: RestCall): unknown {
  const q = new Query(call.query);
  switch (key) {
    case 'GET /dags/{dag_id}':
      return dagResponse(airflow, requireDag(airflow, params.dag_id!, `Dag with id ${params.dag_id} was not found`));
    case 'PATCH /dags/{dag_id}':
      return patchDag(airflow, params.dag_id!, q, call.body);
    case 'GET /dags/{dag_id}/dagRuns':
      return listRuns(airflow, params.dag_id!, q);
    case 'POST /dags/{dag_id}/dagRuns':
      return runResponse(airflow.triggerRest(params.dag_id!, triggerBody(call.body)));
    case 'GET /dags/{dag_id}/dagRuns/{dag_run_id}': {
      airflow.runsOf(params.dag_id!);
      const run = airflow.runs.find((r) => r.dagId === params.dag_id && r.runId === params.dag_run_id);
      if (!run) throw new AirflowHttpError(404, `The DagRun with dag_id: \`${params.dag_id}\` and run_id: \`${params.dag_run_id}\` was not found`);
      return runResponse(run);
    }
    case 'POST /dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/list':
      return listTaskInstances(airflow, params, call.body);
    case 'GET /importErrors':
      return listImportErrors(airflow, q);
  }
  throw new NotEmulated(`the local MWAA emulator does not emulate ${key}`);
}

function requireDag(airflow: AirflowEnvironment, dagId: string, notFound: string): DagInfo {
  const dag = airflow.dags.get(dagId);
  if (!dag) throw new AirflowHttpError(404, notFound);
  return dag;
}

/** ISO 8601 as pydantic writes an aware UTC datetime: `2026-12-06T00:00:00Z`. */
function z(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : pyIso(ms).replace(/\+00:00$/, 'Z');
}

/** A runner (Python isoformat, `...+00:00`) date as pydantic writes it. */
function zText(value: string | null | undefined): string | null {
  return value ? value.replace(/\+00:00$/, 'Z') : null;
}

function relativeFileloc(airflow: AirflowEnvironment, fileloc: string): string {
  const root = airflow.bundleRoot;
  if (!root) return fileloc;
  const rel = relative(root, fileloc);
  return rel.startsWith('..') ? fileloc : rel.split(sep).join('/');
}

/** Airflow's cron presets (timetables/_cron.py cron_presets) and cron_descriptor's text for the two the endpoint computes. */
const CRON_PRESETS: Record<string, string> = { '@daily': '0 0 * * *', '@hourly': '0 * * * *' };
const CRON_DESCRIPTIONS: Record<string, string> = { '0 0 * * *': 'At 00:00', '0 * * * *': 'Every hour' };

/** DAGResponse (3.0.2). */
export function dagResponse(airflow: AirflowEnvironment, dag: DagInfo): Record<string, unknown> {
  let next: number | null = null;
  let summary: string;
  let description: string | null;
  if (dag.schedule === null) {
    summary = 'None';
    description = 'Never, external triggers only';
  } else {
    try {
      next = airflow.nextRunAfter(dag);
    } catch {
      next = null; // a schedule the endpoint does not compute: no next run is claimed
    }
    summary = CRON_PRESETS[dag.schedule] ?? dag.schedule;
    description = CRON_DESCRIPTIONS[summary] ?? null;
  }
  return {
    dag_id: dag.dag_id,
    dag_display_name: dag.dag_id,
    is_paused: airflow.paused.get(dag.dag_id) !== false,
    is_stale: airflow.isStale(dag.dag_id),
    last_parsed_time: z(airflow.lastParsedMs),
    last_expired: null,
    bundle_name: BUNDLE_NAME,
    bundle_version: null,
    relative_fileloc: relativeFileloc(airflow, dag.fileloc),
    fileloc: dag.fileloc,
    description: null,
    timetable_summary: summary,
    timetable_description: description,
    tags: [...dag.tags].sort().map((name) => ({ name, dag_id: dag.dag_id })),
    max_active_tasks: 16,
    max_active_runs: dag.max_active_runs,
    max_consecutive_failed_dag_runs: 0,
    has_task_concurrency_limits: false,
    has_import_errors: airflow.hasImportErrors(dag.dag_id),
    next_dagrun_logical_date: z(next),
    next_dagrun_data_interval_start: z(next),
    next_dagrun_data_interval_end: z(next),
    next_dagrun_run_after: z(next),
    owners: String(dag.owners ?? '').split(',').filter((o) => o !== ''),
    file_token: Buffer.from(dag.fileloc).toString('base64url'),
  };
}

function patchDag(airflow: AirflowEnvironment, dagId: string, q: Query, body: Record<string, unknown> | undefined): unknown {
  const errors: FieldError[] = [];
  let isPaused: boolean | undefined;
  if (body === undefined) errors.push({ loc: ['body'], msg: 'Field required', type: 'missing' });
  else {
    for (const k of Object.keys(body)) if (k !== 'is_paused') errors.push({ loc: ['body', k], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' });
    if (!('is_paused' in body)) errors.push({ loc: ['body', 'is_paused'], msg: 'Field required', type: 'missing' });
    else isPaused = bool(body.is_paused, ['body', 'is_paused'], errors);
  }
  if (errors.length) throw new Invalid(errors);
  const dag = requireDag(airflow, dagId, `Dag with id: ${dagId} was not found`);
  const mask = q.list('update_mask');
  if (mask.length && (mask.length !== 1 || mask[0] !== 'is_paused')) throw new AirflowHttpError(400, 'Only `is_paused` field can be updated through the REST API');
  // The answer is the DAG as the PATCH leaves it: Airflow's scheduler creates the due run afterwards,
  // so next_dagrun_* still show that run (the emulator creates it at once, after the answer is made).
  const answer = { ...dagResponse(airflow, dag), is_paused: !!isPaused };
  if (isPaused) airflow.pause(dagId);
  else airflow.unpause(dagId);
  return answer;
}

/** pydantic's lax bool: true/false, 0/1, and its strings. */
function bool(value: unknown, loc: (string | number)[], errors: FieldError[]): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 0 || value === 1) return value === 1;
  if (typeof value === 'string') {
    const v = value.toLowerCase();
    if (['0', 'off', 'f', 'false', 'n', 'no'].includes(v)) return false;
    if (['1', 'on', 't', 'true', 'y', 'yes'].includes(v)) return true;
    errors.push({ loc, msg: 'Input should be a valid boolean, unable to interpret input', type: 'bool_parsing' });
    return undefined;
  }
  errors.push({ loc, msg: 'Input should be a valid boolean', type: 'bool_type' });
  return undefined;
}

/** QueryParameters as FastAPI reads a query string: each key one value or a list. */
class Query {
  constructor(private readonly doc: Record<string, unknown>) {}

  list(name: string): string[] {
    const v = this.doc[name];
    if (v === undefined || v === null) return [];
    return (Array.isArray(v) ? v : [v]).map((x) => String(x));
  }

  one(name: string): string | undefined {
    const all = this.list(name);
    return all.length ? all[all.length - 1] : undefined;
  }

  int(name: string, fallback: number, errors: FieldError[]): number {
    const raw = this.one(name);
    if (raw === undefined) return fallback;
    if (!/^\s*[+-]?\d+\s*$/.test(raw)) {
      errors.push({ loc: ['query', name], msg: 'Input should be a valid integer, unable to parse string as an integer', type: 'int_parsing' });
      return fallback;
    }
    const n = Number(raw);
    if (n < 0) errors.push({ loc: ['query', name], msg: 'Input should be greater than or equal to 0', type: 'greater_than_equal' });
    return n;
  }

  date(name: string, errors: FieldError[]): number | undefined {
    const raw = this.one(name);
    if (raw === undefined || raw === '') return undefined;
    return parseDate(raw, ['query', name], errors);
  }
}

/** A date-time as pydantic accepts it (ISO 8601); `aware` where the model says AwareDatetime. */
function parseDate(raw: unknown, loc: (string | number)[], errors: FieldError[], aware = false): number | undefined {
  if (typeof raw !== 'string') {
    errors.push({ loc, msg: 'Input should be a valid datetime', type: 'datetime_type' });
    return undefined;
  }
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)(Z|[+-]\d{2}:?\d{2})?$/i.exec(raw.trim());
  if (!m) {
    errors.push({ loc, msg: 'Input should be a valid datetime, invalid datetime separator', type: 'datetime_parsing' });
    return undefined;
  }
  if (aware && !m[3]) {
    errors.push({ loc, msg: 'Input should have timezone info', type: 'timezone_aware' });
    return undefined;
  }
  const ms = Date.parse(`${m[1]}T${m[2]}${m[3] ?? 'Z'}`);
  if (Number.isNaN(ms)) {
    errors.push({ loc, msg: 'Input should be a valid datetime, invalid date', type: 'datetime_parsing' });
    return undefined;
  }
  return ms;
}

const TRIGGER_FIELDS = ['dag_run_id', 'data_interval_start', 'data_interval_end', 'logical_date', 'run_after', 'conf', 'note'];

/** TriggerDAGRunPostBody (StrictBaseModel: extra fields forbidden; `logical_date` has no default: required, nullable). */
function triggerBody(body: Record<string, unknown> | undefined): RestTrigger {
  if (body === undefined) throw new Invalid([{ loc: ['body'], msg: 'Field required', type: 'missing' }]);
  const errors: FieldError[] = [];
  for (const k of Object.keys(body)) if (!TRIGGER_FIELDS.includes(k)) errors.push({ loc: ['body', k], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' });
  const str = (k: string): string | null => {
    const v = body[k];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') {
      errors.push({ loc: ['body', k], msg: 'Input should be a valid string', type: 'string_type' });
      return null;
    }
    return v;
  };
  const date = (k: string, aware: boolean): number | null => {
    const v = body[k];
    if (v === undefined || v === null) return null;
    return parseDate(v, ['body', k], errors, aware) ?? null;
  };
  if (!('logical_date' in body)) errors.push({ loc: ['body', 'logical_date'], msg: 'Field required', type: 'missing' });
  const dagRunId = str('dag_run_id');
  const note = str('note');
  const logical = date('logical_date', true);
  const start = date('data_interval_start', true);
  const end = date('data_interval_end', true);
  const runAfter = date('run_after', false);
  let conf: Record<string, unknown> = {};
  if (body.conf !== undefined) {
    if (body.conf === null || typeof body.conf !== 'object' || Array.isArray(body.conf)) errors.push({ loc: ['body', 'conf'], msg: 'Input should be a valid dictionary', type: 'dict_type' });
    else conf = body.conf as Record<string, unknown>;
  }
  if (errors.length) throw new Invalid(errors);
  if ((start === null) !== (end === null)) {
    throw new Invalid([{ loc: ['body'], msg: 'Value error, Either both data_interval_start and data_interval_end must be provided or both must be None', type: 'value_error' }]);
  }
  return { dagRunId, logicalMs: logical, dataInterval: start !== null && end !== null ? [start, end] : null, runAfterMs: runAfter, conf, note };
}

function versionResponse(v: DagVersion): Record<string, unknown> {
  return { id: v.id, version_number: v.versionNumber, dag_id: v.dagId, bundle_name: BUNDLE_NAME, bundle_version: null, bundle_url: null, created_at: z(v.createdMs) };
}

/** DAGRunResponse (3.0.2). */
export function runResponse(run: DagRun): Record<string, unknown> {
  const ended = run.state === 'success' || run.state === 'failed';
  return {
    dag_run_id: run.runId,
    dag_id: run.dagId,
    logical_date: z(run.logicalMs),
    queued_at: z(run.queuedMs),
    start_date: zText(run.startDate),
    end_date: ended ? zText(run.endDate) : null,
    data_interval_start: z(run.dataInterval?.[0]),
    data_interval_end: z(run.dataInterval?.[1]),
    run_after: z(run.runAfterMs),
    last_scheduling_decision: null,
    run_type: run.runType,
    state: run.state,
    triggered_by: run.triggeredBy,
    conf: run.conf,
    note: run.note,
    dag_versions: run.dagVersion ? [versionResponse(run.dagVersion)] : [],
    bundle_version: null,
  };
}

type Key<T> = (item: T) => number | string | null;

/** ORDER BY as PostgreSQL sorts: NULLs last ascending, first descending; ties by `tie`. */
function sortBy<T>(items: T[], orderBy: string, keys: Record<string, Key<T>>, tie: (item: T) => number): T[] {
  const desc = orderBy.startsWith('-');
  const key = keys[orderBy.replace(/^-/, '')];
  if (!key) throw new AirflowHttpError(400, `Ordering with '${orderBy}' is disallowed or the attribute does not exist on the model`);
  return [...items].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    let c: number;
    if (x === null || y === null) c = x === y ? 0 : x === null ? 1 : -1;
    else c = x < y ? -1 : x > y ? 1 : 0;
    return (desc ? -c : c) || tie(a) - tie(b);
  });
}

const dateOf = (s: string | null | undefined): number | null => (s ? Date.parse(s) : null);

function within<T>(bounds: { get: (t: T) => number | null; gte?: number; lte?: number }[], item: T): boolean {
  return bounds.every(({ get, gte, lte }) => {
    const v = get(item);
    if (gte !== undefined && (v === null || v < gte)) return false;
    if (lte !== undefined && (v === null || v > lte)) return false;
    return true;
  });
}

/** get_dag_runs' SortParam (3.0): these attributes, `dag_run_id` an alias of run_id, `-` for descending. */
const RUN_ORDER: Record<string, Key<DagRun>> = {
  id: (r) => r.seq,
  state: (r) => r.state,
  dag_id: (r) => r.dagId,
  run_id: (r) => r.runId,
  dag_run_id: (r) => r.runId,
  logical_date: (r) => r.logicalMs,
  run_after: (r) => r.runAfterMs,
  start_date: (r) => dateOf(r.startDate),
  end_date: (r) => dateOf(r.endDate),
  conf: (r) => JSON.stringify(r.conf),
};

function listRuns(airflow: AirflowEnvironment, dagId: string, q: Query): unknown {
  const errors: FieldError[] = [];
  const limit = q.int('limit', 50, errors);
  const offset = q.int('offset', 0, errors);
  const ranges: [string, (r: DagRun) => number | null][] = [
    ['run_after', (r) => r.runAfterMs],
    ['logical_date', (r) => r.logicalMs],
    ['start_date', (r) => dateOf(r.startDate)],
    ['end_date', (r) => dateOf(r.endDate)],
  ];
  const bounds = ranges.map(([name, get]) => ({ get, gte: q.date(`${name}_gte`, errors), lte: q.date(`${name}_lte`, errors) }));
  if (errors.length) throw new Invalid(errors);
  if (q.one('updated_at_gte') !== undefined || q.one('updated_at_lte') !== undefined) {
    throw new NotEmulated('the local MWAA emulator keeps no updated_at: the updated_at_gte/updated_at_lte filters of GET /dags/{dag_id}/dagRuns are not emulated');
  }
  if (dagId !== '~') requireDag(airflow, dagId, `The DAG with dag_id: \`${dagId}\` was not found`);
  const states = q.list('state');
  const types = q.list('run_type');
  const dagIds = dagId === '~' ? [...new Set(airflow.runs.map((r) => r.dagId))] : [dagId];
  const filtered = dagIds
    .flatMap((d) => airflow.runsOf(d))
    .filter((r) => (!states.length || states.includes(r.state)) && (!types.length || types.includes(r.runType)) && within(bounds, r));
  const sorted = sortBy(filtered, q.one('order_by') ?? 'id', RUN_ORDER, (r) => r.seq);
  return { dag_runs: sorted.slice(offset, offset + limit).map(runResponse), total_entries: filtered.length };
}

const BATCH_FIELDS = [
  'dag_ids', 'dag_run_ids', 'task_ids', 'state', 'logical_date_gte', 'logical_date_lte', 'start_date_gte', 'start_date_lte',
  'end_date_gte', 'end_date_lte', 'run_after_gte', 'run_after_lte', 'duration_gte', 'duration_lte', 'pool', 'queue', 'executor',
  'page_offset', 'page_limit', 'order_by',
];
const TI_STATES = ['removed', 'scheduled', 'queued', 'running', 'success', 'restarting', 'failed', 'up_for_retry', 'up_for_reschedule', 'upstream_failed', 'skipped', 'deferred'];

interface TiRow {
  run: DagRun;
  task: TaskState;
  index: number;
}

function duration(task: TaskState): number | null {
  if (!task.start_date || !task.end_date) return null;
  return (Date.parse(task.end_date) - Date.parse(task.start_date)) / 1000;
}

const tiOrder = (t: TiRow) => t.run.seq * 100_000 + t.index;

/** The TaskInstance attributes the batch list sorts by here (a subset of 3.0's). */
const TI_ORDER: Record<string, Key<TiRow>> = {
  id: tiOrder,
  task_id: (t) => t.task.task_id,
  state: (t) => t.task.state,
  duration: (t) => duration(t.task),
  start_date: (t) => dateOf(t.task.start_date),
  end_date: (t) => dateOf(t.task.end_date),
  map_index: () => -1,
  try_number: (t) => t.task.try_number,
  logical_date: (t) => t.run.logicalMs,
  run_after: (t) => t.run.runAfterMs,
  data_interval_start: (t) => t.run.dataInterval?.[0] ?? null,
  data_interval_end: (t) => t.run.dataInterval?.[1] ?? null,
};

/** get_task_instances_batch: both path ids are the constant `~` (spec `const: "~"`); TaskInstancesBatchBody forbids extra fields. */
function listTaskInstances(airflow: AirflowEnvironment, params: Record<string, string>, body: Record<string, unknown> | undefined): unknown {
  const errors: FieldError[] = [];
  for (const p of ['dag_id', 'dag_run_id']) if (params[p] !== '~') errors.push({ loc: ['path', p], msg: "Input should be '~'", type: 'literal_error' });
  if (body === undefined) errors.push({ loc: ['body'], msg: 'Field required', type: 'missing' });
  const b = body ?? {};
  for (const k of Object.keys(b)) if (!BATCH_FIELDS.includes(k)) errors.push({ loc: ['body', k], msg: 'Extra inputs are not permitted', type: 'extra_forbidden' });
  const strings = (k: string): string[] | null => {
    const v = b[k];
    if (v === undefined || v === null) return null;
    if (!Array.isArray(v)) {
      errors.push({ loc: ['body', k], msg: 'Input should be a valid list', type: 'list_type' });
      return null;
    }
    v.forEach((x, i) => {
      if (typeof x !== 'string') errors.push({ loc: ['body', k, i], msg: 'Input should be a valid string', type: 'string_type' });
    });
    return v as string[];
  };
  const dagIds = strings('dag_ids');
  const runIds = strings('dag_run_ids');
  const taskIds = strings('task_ids');
  let states: (string | null)[] | null = null;
  if (b.state !== undefined && b.state !== null) {
    if (!Array.isArray(b.state)) errors.push({ loc: ['body', 'state'], msg: 'Input should be a valid list', type: 'list_type' });
    else {
      states = b.state as (string | null)[];
      states.forEach((s, i) => {
        if (s !== null && !TI_STATES.includes(s)) errors.push({ loc: ['body', 'state', i], msg: `Input should be ${TI_STATES.map((x) => `'${x}'`).join(', ')}`, type: 'enum' });
      });
    }
  }
  const int = (k: string, fallback: number): number => {
    const v = b[k];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      errors.push({ loc: ['body', k], msg: 'Input should be a valid integer', type: 'int_type' });
      return fallback;
    }
    if (v < 0) errors.push({ loc: ['body', k], msg: 'Input should be greater than or equal to 0', type: 'greater_than_equal' });
    return v;
  };
  const limit = int('page_limit', 100);
  const offset = int('page_offset', 0);
  let orderBy = 'id';
  if (b.order_by !== undefined && b.order_by !== null) {
    if (typeof b.order_by !== 'string') errors.push({ loc: ['body', 'order_by'], msg: 'Input should be a valid string', type: 'string_type' });
    else orderBy = b.order_by;
  }
  const ranges: [string, (t: TiRow) => number | null][] = [
    ['logical_date', (t) => t.run.logicalMs],
    ['run_after', (t) => t.run.runAfterMs],
    ['start_date', (t) => dateOf(t.task.start_date)],
    ['end_date', (t) => dateOf(t.task.end_date)],
  ];
  const one = (k: string) => (b[k] === undefined || b[k] === null ? undefined : parseDate(b[k], ['body', k], errors));
  const bounds = ranges.map(([name, get]) => ({ get, gte: one(`${name}_gte`), lte: one(`${name}_lte`) }));
  if (errors.length) throw new Invalid(errors);
  for (const k of ['duration_gte', 'duration_lte', 'pool', 'queue', 'executor']) {
    if (b[k] !== undefined && b[k] !== null) throw new NotEmulated(`the local MWAA emulator does not apply the TaskInstancesBatchBody filter ${k}`);
  }
  const rows: TiRow[] = [];
  for (const dagId of new Set(airflow.runs.map((r) => r.dagId))) {
    if (dagIds && !dagIds.includes(dagId)) continue;
    for (const run of airflow.runsOf(dagId)) {
      if (runIds && !runIds.includes(run.runId)) continue;
      run.tasks.forEach((task, index) => rows.push({ run, task, index }));
    }
  }
  const filtered = rows.filter((t) => (!taskIds || taskIds.includes(t.task.task_id)) && (!states || states.includes(t.task.state)) && within(bounds, t));
  const sorted = sortBy(filtered, orderBy, TI_ORDER, tiOrder);
  return { task_instances: sorted.slice(offset, offset + limit).map(taskInstanceResponse), total_entries: filtered.length };
}

/** TaskInstanceResponse (3.0.2). What the runner does not report is Airflow's default or null (docs/mwaa-emulator.md). */
function taskInstanceResponse({ run, task }: TiRow): Record<string, unknown> {
  return {
    id: task.id ?? '',
    task_id: task.task_id,
    dag_id: run.dagId,
    dag_run_id: run.runId,
    map_index: -1,
    logical_date: z(run.logicalMs),
    run_after: z(run.runAfterMs),
    start_date: zText(task.start_date),
    end_date: zText(task.end_date),
    duration: duration(task),
    state: task.state,
    try_number: task.try_number,
    // TaskInstance.max_tries is task.retries; the column's default, -1, when the runner does not report it
    max_tries: typeof task.max_tries === 'number' ? task.max_tries : -1,
    task_display_name: task.task_id,
    hostname: null,
    unixname: null,
    pool: 'default_pool',
    pool_slots: 1,
    queue: 'default',
    priority_weight: null,
    operator: typeof task.operator === 'string' ? task.operator : null,
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
    dag_version: run.dagVersion ? versionResponse(run.dagVersion) : null,
  };
}

interface ImportErrorRow {
  id: number;
  timestamp: number;
  filename: string;
  stack_trace: string;
}

/** get_import_errors' sort attributes, `import_error_id` an alias of id. */
const IMPORT_ERROR_ORDER: Record<string, Key<ImportErrorRow>> = {
  id: (e) => e.id,
  import_error_id: (e) => e.id,
  timestamp: (e) => e.timestamp,
  filename: (e) => e.filename,
  bundle_name: () => BUNDLE_NAME,
  stacktrace: (e) => e.stack_trace,
};

function listImportErrors(airflow: AirflowEnvironment, q: Query): unknown {
  const errors: FieldError[] = [];
  const limit = q.int('limit', 50, errors);
  const offset = q.int('offset', 0, errors);
  if (errors.length) throw new Invalid(errors);
  const rows: ImportErrorRow[] = airflow.importErrors.map((e) => {
    const known = airflow.importErrorIds.get(e.filename) ?? { id: 0, timestamp: airflow.lastParsedMs ?? 0 };
    return { id: known.id, timestamp: known.timestamp, filename: relativeFileloc(airflow, e.filename), stack_trace: e.stack_trace };
  });
  const sorted = sortBy(rows, q.one('order_by') ?? 'id', IMPORT_ERROR_ORDER, (e) => e.id);
  return {
    import_errors: sorted
      .slice(offset, offset + limit)
      .map((e) => ({ import_error_id: e.id, timestamp: z(e.timestamp), filename: e.filename, bundle_name: BUNDLE_NAME, stack_trace: e.stack_trace })),
    total_entries: rows.length,
  };
}
