import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MwaaBackend } from '../../src/mwaa-backend.js';
import { MwaaEmulator } from '../../src/mwaa-emulator.js';
import { handleCliRequest } from '../../src/mwaa/cli-endpoint.js';
import { CLI_TOKEN_TTL_MS, CliTokenRegistry } from '../../src/mwaa/cli-tokens.js';
import type { DagFolderSource } from '../../src/mwaa/dag-folder.js';

/**
 * The MWAA Airflow CLI endpoint (`POST /aws_mwaa/cli`) with an injected clock and the fake runner of
 * test/fixtures (honouring the runner's command line, packages/local-endpoint/dag-runner/README.md). Sources: MWAA User Guide "Creating an Apache Airflow CLI token" (60 s
 * tokens, `{"stdout","stderr"}` base64); apache/airflow 2.10 airflow/cli/commands/dag_command.py
 * (set_is_paused, dag_list_dag_runs, dag_list_import_errors, dag_trigger), task_command.py
 * (task_states_for_dag_run), airflow/api/client/local_client.py (trigger_dag's dict).
 */
const FAKE_RUNNER = join(import.meta.dirname, '../fixtures/fake-dag-runner.py');
const ACCOUNT = '111122223333';
const BUCKET = 'arn:aws:s3:::abalone-bucket';
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
    return [...objects.keys()].filter((k) => k.startsWith(prefix)).sort().map((k) => ({ key: k.slice(prefix.length), etag: `"${objects.get(k)!.length}-${k}"` }));
  },
  async download(_arn, key) {
    return Buffer.from(objects.get(key)!);
  },
};

const dagFile = (spec: Record<string, unknown>) => `# fake-dag: ${JSON.stringify(spec)}\n`;

let clock: number;
let tokens: CliTokenRegistry;
let emulator: MwaaEmulator;
let work: string;

beforeEach(async () => {
  clock = Date.parse('2026-12-01T10:30:00Z');
  tokens = new CliTokenRegistry();
  work = mkdtempSync(join(tmpdir(), 'mwaa-cli-test-'));
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

async function createEnv(name: string, options: Record<string, string> = {}, region = 'us-east-1'): Promise<void> {
  const body = {
    ExecutionRoleArn: `arn:aws:iam::${ACCOUNT}:role/mwaa`,
    SourceBucketArn: BUCKET,
    DagS3Path: 'airflow/dags',
    NetworkConfiguration: { SubnetIds: ['subnet-a', 'subnet-b'], SecurityGroupIds: ['sg-1'] },
    AirflowConfigurationOptions: options,
    AirflowVersion: '2.10.3',
  };
  const reply = await emulator.handle({ method: 'PUT', path: `/environments/${name}`, query: new URLSearchParams(), headers: {}, body: Buffer.from(JSON.stringify(body)), region });
  expect(reply.status).toBe(200);
  clock += 1000;
}

async function cliToken(name: string, region = 'us-east-1'): Promise<string> {
  const reply = await emulator.handle({ method: 'POST', path: `/clitoken/${name}`, query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0), region });
  expect(reply.status).toBe(200);
  return JSON.parse(reply.body).CliToken as string;
}

interface CliReply {
  status: number;
  stdout: string;
  stderr: string;
  message?: string;
}

async function post(body: string, headers: Record<string, string>, method = 'POST'): Promise<CliReply> {
  const reply = await handleCliRequest({ method, headers, body: Buffer.from(body), selfUrl: 'http://127.0.0.1:4566' }, tokens, clock, () => emulator);
  const json = JSON.parse(reply.body);
  if (reply.status !== 200) return { status: reply.status, stdout: '', stderr: '', message: json.message };
  return { status: 200, stdout: Buffer.from(json.stdout, 'base64').toString(), stderr: Buffer.from(json.stderr, 'base64').toString() };
}

async function cli(command: string, name = 'env1'): Promise<CliReply> {
  return post(command, { authorization: `Bearer ${await cliToken(name)}`, 'content-type': 'text/plain' });
}

async function runsJson(dagId: string): Promise<Record<string, string>[]> {
  const reply = await cli(`dags list-runs -d ${dagId} -o json`);
  expect(reply.stderr).toBe('');
  return JSON.parse(reply.stdout);
}

/** Polls (bounded) until every run of the DAG has ended. */
async function settled(dagId: string, count: number): Promise<Record<string, string>[]> {
  for (let i = 0; i < 400; i++) {
    const runs = await runsJson(dagId);
    if (runs.length === count && runs.every((r) => r.state === 'success' || r.state === 'failed')) return runs;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`runs of ${dagId} did not end: ${JSON.stringify(await runsJson(dagId))}`);
}

describe('CLI tokens', () => {
  it('are valid for 60 seconds (MWAA User Guide: "The token returned in the response is valid for 60 seconds")', async () => {
    await createEnv('env1');
    const token = await cliToken('env1');
    const headers = { authorization: `Bearer ${token}` };
    clock += CLI_TOKEN_TTL_MS - 1;
    expect((await post('dags list-import-errors -o json', headers)).status).toBe(200);
    clock += 1;
    const expired = await post('dags list-import-errors -o json', headers);
    expect(expired).toMatchObject({ status: 403, message: 'Forbidden: the CLI token has expired (tokens are valid for 60 seconds)' });
  });

  it('are tied to the environment and region they were issued for', async () => {
    await createEnv('env1');
    await createEnv('env1', {}, 'eu-west-1');
    objects.set('airflow/dags/a.py', dagFile({ dag_id: 'only_here', schedule: null, tasks: ['t'] }));
    const usToken = await cliToken('env1');
    expect((await post('dags unpause only_here', { authorization: `Bearer ${usToken}` })).stdout).toContain('only_here');
    // the same environment name in another region is another environment with its own state
    const euToken = await cliToken('env1', 'eu-west-1');
    const eu = await post('dags list-runs -d only_here -o json', { authorization: `Bearer ${euToken}` });
    expect(eu.stdout).toBe('[]\n');
  });

  it('refuses a missing, malformed or unknown token with 403 and another method with 405', async () => {
    await createEnv('env1');
    expect((await post('dags list-import-errors', {})).status).toBe(403);
    expect((await post('dags list-import-errors', { authorization: 'Basic abc' })).status).toBe(403);
    expect(await post('dags list-import-errors', { authorization: 'Bearer nope' })).toMatchObject({ status: 403, message: 'Forbidden: the CLI token is not valid' });
    const token = await cliToken('env1');
    expect((await post('', { authorization: `Bearer ${token}` }, 'GET')).status).toBe(405);
  });

  it('stop working once the environment is deleted', async () => {
    await createEnv('env1');
    const token = await cliToken('env1');
    await emulator.handle({ method: 'DELETE', path: '/environments/env1', query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0), region: 'us-east-1' });
    expect(await post('dags list-import-errors', { authorization: `Bearer ${token}` })).toMatchObject({ status: 403, message: 'Forbidden: environment env1 has no Airflow web server now' });
  });
});

describe('commands the endpoint does not run', () => {
  it('answers 500 naming the command (MWAA answers unsupported commands with a 500: aws/amazon-mwaa-docker-images#148)', async () => {
    await createEnv('env1');
    const reply = await cli('variables set a b');
    expect(reply.status).toBe(500);
    expect(reply.message).toMatch(/^this endpoint does not support the Airflow CLI command 'variables set'; it runs dags unpause, dags trigger/);
  });

  it('answers 500 for an Airflow option or output format it does not produce', async () => {
    await createEnv('env1');
    expect((await cli('dags list-import-errors -o yaml')).message).toBe('this endpoint does not support -o yaml; it prints json and table');
    expect((await cli('dags trigger x -e 2026-01-01')).message).toBe("this endpoint does not support the option -e/--exec-date of 'airflow dags trigger'");
  });

  it('reports argparse errors on stderr as Airflow does (200: the command ran and failed)', async () => {
    await createEnv('env1');
    expect(await cli('dags trigger')).toEqual({
      status: 200,
      stdout: '',
      stderr: '\nairflow dags trigger command error: the following arguments are required: dag_id, see help above.\n',
    });
    expect((await cli('dags list-runs abalone')).stderr).toContain('the following arguments are required: -d/--dag-id');
    expect((await cli('dags list-runs -d a -o xml')).stderr).toContain(
      "argument -o/--output: invalid choice: 'xml' (choose from 'table', 'json', 'yaml', 'plain')",
    );
  });
});

describe('DAGs from the environment DAG folder', () => {
  it('start paused (dags_are_paused_at_creation defaults to True) and unpause prints the set_is_paused table', async () => {
    await createEnv('env1');
    objects.set('airflow/dags/manual.py', dagFile({ dag_id: 'manual_dag', schedule: null, tasks: ['a'] }));
    expect(await cli('dags list-runs -d manual_dag -o json')).toEqual({ status: 200, stdout: '[]\n', stderr: '' });
    const unpaused = await cli('dags unpause manual_dag');
    expect(unpaused.stdout).toBe('dag_id     | is_paused\n===========+==========\nmanual_dag | False    \n                      \n');
    expect((await cli('dags unpause manual_dag')).stdout).toBe('No paused DAGs were found\n');
    expect((await cli('dags unpause missing -o json')).stdout).toBe('No paused DAGs were found\n');
  });

  it('honours is_paused_upon_creation=False and [core] dags_are_paused_at_creation', async () => {
    await createEnv('env1', { 'core.dags_are_paused_at_creation': 'False' });
    objects.set('airflow/dags/d.py', dagFile({ dag_id: 'live', schedule: null, tasks: ['a'] }));
    expect((await cli('dags unpause live')).stdout).toBe('No paused DAGs were found\n');
  });

  it('lists import errors with the dag_list_import_errors mapper', async () => {
    await createEnv('env1');
    objects.set('airflow/dags/broken.py', '# fake-import-error\n');
    const reply = await cli('dags list-import-errors -o json');
    const errors = JSON.parse(reply.stdout);
    expect(errors).toHaveLength(1);
    expect(Object.keys(errors[0])).toEqual(['filepath', 'error']);
    expect(errors[0].filepath).toMatch(/broken\.py$/);
    expect(errors[0].error).toContain('ImportError: fake import error in broken.py');
    objects.delete('airflow/dags/broken.py');
    expect((await cli('dags list-import-errors')).stdout).toBe('No data found\n');
  });

  it('says which DAG is missing, as dag_list_dag_runs does', async () => {
    await createEnv('env1');
    expect(await cli('dags list-runs --dag-id nope -o json')).toEqual({ status: 200, stdout: '', stderr: "DAG: nope does not exist in 'dag' table\n" });
    expect((await cli('dags trigger nope')).stderr).toBe('airflow.exceptions.DagNotFound: Dag id nope not found in DagModel\n');
  });
});

describe('runs', () => {
  it('unpausing a @daily DAG starts one scheduled run for the latest complete interval (catchup=False)', async () => {
    await createEnv('env1');
    objects.set('airflow/dags/daily.py', dagFile({ dag_id: 'daily', schedule: '@daily', tasks: ['a', 'b'] }));
    await cli('dags unpause daily');
    const [run] = await settled('daily', 1);
    expect(run).toMatchObject({
      dag_id: 'daily',
      run_id: 'scheduled__2026-11-30T00:00:00+00:00',
      state: 'success',
      execution_date: '2026-11-30T00:00:00+00:00',
    });
    expect(Object.keys(run!)).toEqual(['dag_id', 'run_id', 'state', 'execution_date', 'start_date', 'end_date']);
  });

  it('an @hourly DAG gets the last complete hour', async () => {
    await createEnv('env1');
    objects.set('airflow/dags/h.py', dagFile({ dag_id: 'hourly', schedule: '@hourly', tasks: ['a'] }));
    await cli('dags unpause hourly');
    expect((await settled('hourly', 1))[0]!.run_id).toBe('scheduled__2026-12-01T09:00:00+00:00');
  });

  it('refuses to unpause a DAG whose schedule it cannot compute, saying so', async () => {
    await createEnv('env1');
    objects.set('airflow/dags/w.py', dagFile({ dag_id: 'weekly', schedule: '@weekly', tasks: ['a'] }));
    const reply = await cli('dags unpause weekly');
    expect(reply.status).toBe(500);
    expect(reply.message).toMatch(/does not support the schedule '@weekly' of DAG weekly/);
  });

  it('dags trigger creates a queued manual run, printed as LocalClient.trigger_dag returns it', async () => {
    await createEnv('env1');
    objects.set('airflow/dags/daily.py', dagFile({ dag_id: 'daily', schedule: '@daily', tasks: ['a'] }));
    clock = Date.parse('2026-12-01T10:30:05.123Z');
    const reply = await cli(`dags trigger daily -c '{"force": true}' -o json`);
    expect(reply.stderr).toBe('');
    expect(JSON.parse(reply.stdout)).toEqual([
      {
        conf: { force: 'True' },
        dag_id: 'daily',
        dag_run_id: 'manual__2026-12-01T10:30:05+00:00',
        data_interval_start: '2026-11-30 00:00:00+00:00',
        data_interval_end: '2026-12-01 00:00:00+00:00',
        end_date: null,
        external_trigger: 'True',
        last_scheduling_decision: null,
        logical_date: '2026-12-01 10:30:05+00:00',
        run_type: 'manual',
        start_date: null,
        state: 'queued',
      },
    ]);
    // the DAG is paused: the run stays queued
    expect((await runsJson('daily')).map((r) => r.state)).toEqual(['queued']);
    expect((await cli('dags trigger daily --conf "{"')).stderr).toMatch(/^json\.decoder\.JSONDecodeError: /);
    expect((await cli('dags trigger daily')).stderr).toBe(
      'airflow.exceptions.DagRunAlreadyExists: A Dag Run already exists for dag id daily at 2026-12-01 10:30:05+00:00 with run id manual__2026-12-01T10:30:05+00:00\n',
    );
  });

  it('runs with the environment of the runner command line (packages/local-endpoint/dag-runner/README.md) and keeps max_active_runs', async () => {
    await createEnv('env1', { 'abalone.ssm_prefix': '/abalone/dev' });
    objects.set('airflow/dags/m.py', dagFile({ dag_id: 'm', schedule: null, max_active_runs: 1, task_seconds: 0.3, tasks: ['first', 'second'] }));
    await cli('dags trigger m');
    clock += 1000;
    await cli('dags trigger m');
    await cli('dags unpause m');
    const during = (await runsJson('m')).map((r) => r.state);
    expect(during).toEqual(['queued', 'running']);
    const runs = await settled('m', 2);
    expect(runs.map((r) => r.state)).toEqual(['success', 'success']);
    const older = runs[1]!;
    // the second run started only after the first ended
    expect(runs[0]!.start_date! >= older.end_date!).toBe(true);

    const states = JSON.parse((await cli(`tasks states-for-dag-run m ${older.run_id} -o json`)).stdout);
    expect(states.map((s: Record<string, string>) => [s.task_id, s.state])).toEqual([['first', 'success'], ['second', 'success']]);
    expect(Object.keys(states[0])).toEqual(['dag_id', 'execution_date', 'task_id', 'state', 'start_date', 'end_date']);
    expect(states[0].execution_date).toBe(older.execution_date);

    const log = readFileSync(
      join(work, 'env-1', 'logs', 'dag_id=m', `run_id=${older.run_id}`, 'task_id=first', 'attempt=1.log'),
      'utf8',
    );
    expect(JSON.parse(log).env).toMatchObject({
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AIRFLOW__ABALONE__SSM_PREFIX: '/abalone/dev',
    });
  });

  it('a failing task fails the run; states-for-dag-run shows the task states', async () => {
    await createEnv('env1');
    objects.set('airflow/dags/f.py', dagFile({ dag_id: 'f', schedule: null, tasks: ['a', 'b', 'c'] }));
    await cli('dags unpause f');
    await cli(`dags trigger f --conf '{"fail": "b"}'`);
    const [run] = await settled('f', 1);
    expect(run!.state).toBe('failed');
    const table = (await cli(`tasks states-for-dag-run f ${run!.run_id}`)).stdout;
    expect(table.split('\n')[0]).toMatch(/^dag_id \| execution_date {12}\| task_id \| state {11}\| start_date +\| end_date +$/);
    expect(table).toMatch(/\| c\s+\| upstream_failed \|/);
    expect((await cli('tasks states-for-dag-run f nope')).stderr).toBe(
      "airflow.exceptions.AirflowException: Error parsing the supplied execution_date. Error: Unable to parse string [nope]\n",
    );
    expect((await cli('tasks states-for-dag-run f 2020-01-01T00:00:00+00:00')).stderr).toBe(
      "airflow.exceptions.DagRunNotFound: DagRun for f with run_id or execution_date of '2020-01-01T00:00:00+00:00' not found\n",
    );
  });

  it('deleting the environment kills its running runs', async () => {
    await createEnv('env1');
    const termFile = join(work, 'terminated.txt');
    objects.set('airflow/dags/slow.py', dagFile({ dag_id: 'slow', schedule: null, task_seconds: 30, tasks: ['wait'], term_file: termFile }));
    await cli('dags unpause slow');
    await cli('dags trigger slow');
    // wait (bounded) until the runner has started the task
    for (let i = 0; i < 200; i++) {
      const run = (await runsJson('slow'))[0]!;
      const states = JSON.parse((await cli(`tasks states-for-dag-run slow ${run.run_id} -o json`)).stdout);
      if (states[0]?.state === 'running') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    await emulator.handle({ method: 'DELETE', path: '/environments/env1', query: new URLSearchParams(), headers: {}, body: Buffer.alloc(0), region: 'us-east-1' });
    // the runner's command line (packages/local-endpoint/dag-runner/README.md): the runner gets SIGTERM while its task runs
    for (let i = 0; i < 200 && !existsSync(termFile); i++) await new Promise((r) => setTimeout(r, 25));
    expect(readFileSync(termFile, 'utf8')).toBe('SIGTERM during wait\n');
  });

  it('reset (POST /moto-api/reset) kills running runs and forgets environments, DAGs and tokens', async () => {
    await createEnv('env1');
    const termFile = join(work, 'reset-terminated.txt');
    objects.set('airflow/dags/slow.py', dagFile({ dag_id: 'slow', schedule: null, task_seconds: 30, tasks: ['wait'], term_file: termFile }));
    await cli('dags unpause slow');
    const token = await cliToken('env1');
    const run = JSON.parse((await cli('dags trigger slow -o json')).stdout)[0];
    for (let i = 0; i < 200; i++) {
      const states = JSON.parse((await cli(`tasks states-for-dag-run slow ${run.dag_run_id} -o json`)).stdout);
      if (states[0]?.state === 'running') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    emulator.reset();
    for (let i = 0; i < 200 && !existsSync(termFile); i++) await new Promise((r) => setTimeout(r, 25));
    expect(readFileSync(termFile, 'utf8')).toBe('SIGTERM during wait\n');
    expect((await post('dags list-runs -d slow -o json', { authorization: `Bearer ${token}` })).status).toBe(403);
    await createEnv('env1');
    expect((await cli('dags list-runs -d slow -o json')).stdout).toBe('[]\n');
  });
});
