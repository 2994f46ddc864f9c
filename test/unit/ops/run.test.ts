import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { CreateCliTokenCommand, GetEnvironmentCommand, MWAAClient, MWAAServiceException, type Environment } from '@aws-sdk/client-mwaa';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeEndpointCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { createClients } from '../../../src/aws/clients.js';
import { deriveNames } from '../../../src/engine/names.js';
import { EXIT, ToolError } from '../../../src/base/errors.js';
import { runPipeline, type RunEvent, type RunTiming } from '../../../src/ops/run.js';
import { allTasks, FakeAirflowCli, step } from '../../support/fake-airflow-cli.js';
import { opContextFor } from '../../support/op-context.js';

const mwaa = mockClient(MWAAClient);
const s3 = mockClient(S3Client);
const sagemaker = mockClient(SageMakerClient);

const names = deriveNames('abalone', 'us-east-1', '123456789012');
const TIMING: RunTiming = { cli: { minGapMs: 0, requestTimeoutMs: 5_000 }, pollMs: 1, scheduledRunWaitMs: 50, followTimeoutMs: 20_000 };

let fake: FakeAirflowCli | undefined;
let tokens = 0;

function environment(overrides: Record<string, unknown> = {}): { Environment: Environment } {
  return {
    Environment: {
      Name: names.environment,
      Status: 'AVAILABLE',
      WebserverAccessMode: 'PUBLIC_ONLY',
      LoggingConfiguration: { TaskLogs: { Enabled: true, LogLevel: 'INFO', CloudWatchLogGroupArn: `arn:aws:logs:us-east-1:123456789012:log-group:airflow-${names.environment}-Task` } },
      ...overrides,
    } as Environment,
  };
}

function record(runId: string, decision: 'deployed' | 'rejected') {
  return {
    runId,
    dagId: 'abalone_pipeline',
    start: '2026-12-01T10:00:00+00:00',
    end: '2026-12-01T10:20:00+00:00',
    decision,
    rmse: decision === 'deployed' ? 1.82 : 3.52,
    threshold: 3.1,
    dataFiles: [
      { key: 'abalone_data/raw/abalone.data', etag: '"a"', rows: 4177 },
      { key: 'abalone_data/new/abalone.20261128T130501Z.1f2e3d4c.csv', etag: '"b"', rows: 100 },
    ],
    rows: 4277,
    trainingJob: 'abalone-train-x',
    model: 'abalone-model-x',
    endpointConfig: decision === 'deployed' ? 'abalone-config-x' : null,
    endpoint: decision === 'deployed' ? 'abalone-endpoint' : null,
    force: false,
  };
}

/** The part of the SDK's streaming body that run-records reads. */
function body(text: string) {
  return { transformToString: async () => text };
}

async function start(options: ConstructorParameters<typeof FakeAirflowCli>[0]) {
  fake = new FakeAirflowCli(options);
  const url = await fake.start();
  const clients = createClients({ region: 'us-east-1', endpointUrl: url, maxAttempts: 1, env: {} });
  const events: RunEvent[] = [];
  const controller = new AbortController();
  const deps = { clients, names, timing: TIMING, signal: controller.signal, onEvent: (e: RunEvent) => events.push(e), env: {} as NodeJS.ProcessEnv };
  return { deps, events, controller };
}

beforeEach(() => {
  tokens = 0;
  mwaa.reset();
  s3.reset();
  sagemaker.reset();
  mwaa.onAnyCommand().rejects(new Error('unstubbed call'));
  s3.onAnyCommand().rejects(new Error('unstubbed call'));
  sagemaker.onAnyCommand().rejects(new Error('unstubbed call'));
  mwaa.on(GetEnvironmentCommand).resolves(environment());
  mwaa.on(CreateCliTokenCommand).callsFake(async () => ({ CliToken: `token-${++tokens}`, WebServerHostname: 'abc.c2.us-east-1.airflow.amazonaws.com' }));
});
afterEach(async () => {
  await fake?.stop();
  fake = undefined;
});

const DEPLOYED = [
  step('queued', {}),
  step('running', { load_config: 'running' }),
  step('running', { load_config: 'success', check_new_data: 'running' }),
  step('running', { ...allTasks('success', { reject: 'skipped', record_run: 'running', end: null }) }),
  step('success', allTasks('success', { reject: 'skipped' })),
];

describe('run', () => {
  it('unpauses a paused DAG once, follows the scheduled run unpausing started instead of triggering a second, and reads the decision from the run record', async () => {
    const { deps, events } = await start({ paused: true, scheduledOnUnpause: DEPLOYED });
    const runId = 'scheduled__2026-11-30T00:00:00+00:00';
    s3.on(GetObjectCommand, { Bucket: names.bucket, Key: `abalone_data/runs/${runId}.json` }).resolves({ Body: body(JSON.stringify(record(runId, 'deployed'))) } as never);
    sagemaker.on(DescribeEndpointCommand, { EndpointName: 'abalone-endpoint' }).resolves({ EndpointStatus: 'InService' } as never);

    const outcome = await runPipeline(opContextFor(deps), { force: false, follow: true, onEvent: deps.onEvent, env: deps.env });

    expect(outcome.runId).toBe(runId);
    expect(outcome.state).toBe('success');
    expect(outcome.result).toEqual({ decision: 'deployed', rmse: 1.82, threshold: 3.1, endpoint: 'abalone-endpoint', endpointStatus: 'InService', dataFiles: 2, rows: 4277 });
    expect(fake!.commands.filter((c) => c.startsWith('dags trigger'))).toEqual([]);
    expect(fake!.commands.filter((c) => c.startsWith('dags unpause'))).toHaveLength(1);
    const notices = events.filter((e) => e.kind === 'notice').map((e) => (e as { message: string }).message);
    expect(notices.filter((m) => /was paused/.test(m))).toHaveLength(1);
    // One event per task state change: load_config running then success, never repeated.
    const loadConfig = events.filter((e) => e.kind === 'task' && e.task.taskId === 'load_config').map((e) => (e as { task: { state: string } }).task.state);
    expect(loadConfig).toEqual(['running', 'success']);
    // Every CLI call took its own token (a token lives 60 s), as Bearer.
    expect(new Set(fake!.tokensSeen).size).toBe(fake!.requests);
    expect(fake!.maxInFlight).toBe(1);
  });

  it('triggers with conf {"force": true} when --force and the DAG is not paused', async () => {
    const { deps } = await start({ paused: false, triggeredSteps: [step('success', allTasks('success', { deploy: 'skipped' }))] });
    const runId = 'manual__2026-12-01T10:00:00+00:00';
    s3.on(GetObjectCommand).resolves({ Body: body(JSON.stringify(record(runId, 'rejected'))) } as never);

    const outcome = await runPipeline(opContextFor(deps), { force: true, follow: true, onEvent: deps.onEvent, env: deps.env });

    expect(fake!.commands).toContain(`dags trigger abalone_pipeline -c '{"force":true}' --no-replace-microseconds -o json`);
    expect(outcome.runId).toBe(runId);
    expect(outcome.result).toMatchObject({ decision: 'rejected', rmse: 3.52, endpoint: null, endpointStatus: null });
    expect(sagemaker.calls()).toHaveLength(0);
  });

  it('--no-follow returns the run id and the state when the command returned, with no result', async () => {
    const { deps } = await start({ triggeredSteps: DEPLOYED });
    const outcome = await runPipeline(opContextFor(deps), { force: false, follow: false, onEvent: deps.onEvent, env: deps.env });
    expect(outcome).toEqual({ runId: 'manual__2026-12-01T10:00:00+00:00', state: 'queued', tasks: [], result: null, failed: [] });
    expect(fake!.commands.some((c) => c.startsWith('tasks states-for-dag-run'))).toBe(false);
  });

  it('a skipped run is read from the task states: check_new_data success and every later task skipped; no record is read', async () => {
    const { deps } = await start({ triggeredSteps: [step('running', { load_config: 'success', check_new_data: 'running' }), step('success', allTasks('skipped', { load_config: 'success', check_new_data: 'success' }))] });
    const outcome = await runPipeline(opContextFor(deps), { force: false, follow: true, onEvent: deps.onEvent, env: deps.env });
    expect(outcome.state).toBe('success');
    expect(outcome.result?.decision).toBe('skipped');
    expect(s3.calls()).toHaveLength(0);
  });

  it('a failed run names the failed task and its CloudWatch Logs group on AWS', async () => {
    const { deps } = await start({ triggeredSteps: [step('failed', allTasks('upstream_failed', { load_config: 'success', check_new_data: 'success', crawl_new_data: 'success', preprocess: 'success', prepare_training: 'success', train: 'failed' }))] });
    const outcome = await runPipeline(opContextFor(deps), { force: false, follow: true, onEvent: deps.onEvent, env: deps.env });
    expect(outcome.state).toBe('failed');
    expect(outcome.failed.map((f) => f.taskId)).toEqual(['train']);
    // The same place against an endpoint override as on AWS; the stream name has ':' made '_' as MWAA's handler does.
    const { taskLogWhere } = await import('../../../src/ops/run.js');
    const onAws = taskLogWhere(environment().Environment, { names }, outcome.runId, 'train');
    const stream = `dag_id=abalone_pipeline/run_id=${outcome.runId.replace(/:/g, '_')}/task_id=train/attempt=<n>.log`;
    expect(onAws).toBe(`CloudWatch Logs group airflow-abalone-airflow-environment-Task, stream ${stream} (n: its last attempt)`);
    expect(outcome.failed[0]!.where).toBe(onAws);
  });

  it('a DAG import error is reported as such, and nothing is unpaused or triggered', async () => {
    const { deps } = await start({ importErrors: [{ filepath: '/usr/local/airflow/dags/abalone_pipeline_dag.py', error: 'Traceback (most recent call last):\n  File "x", line 1\nModuleNotFoundError: No module named \'airflow.providers.foo\'' }] });
    const error = await runPipeline(opContextFor(deps), { force: false, follow: true, onEvent: deps.onEvent, env: deps.env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).code).toBe('DagImportError');
    expect((error as ToolError).message).toContain("abalone_pipeline_dag.py: ModuleNotFoundError: No module named 'airflow.providers.foo'");
    expect(fake!.commands).toEqual(['dags list-import-errors -o json']);
  });

  it('an expired token mid-run takes a new one and the run is followed to its end', async () => {
    const { deps } = await start({ triggeredSteps: DEPLOYED, rejectRequests: [5] });
    s3.on(GetObjectCommand).resolves({ Body: body(JSON.stringify(record('manual__2026-12-01T10:00:00+00:00', 'deployed'))) } as never);
    sagemaker.on(DescribeEndpointCommand).resolves({ EndpointStatus: 'InService' } as never);
    const outcome = await runPipeline(opContextFor(deps), { force: false, follow: true, onEvent: deps.onEvent, env: deps.env });
    expect(outcome.result?.decision).toBe('deployed');
    expect(fake!.requests).toBe(fake!.commands.length + 1);
    expect(tokens).toBe(fake!.requests);
  });

  it('a token refused twice in a row is an error naming the HTTP status, not a hang', async () => {
    const { deps } = await start({ rejectRequests: [1, 2] });
    const error = await runPipeline(opContextFor(deps), { force: false, follow: true, onEvent: deps.onEvent, env: deps.env }).catch((e: unknown) => e);
    expect((error as ToolError).code).toBe('AirflowCliError');
    expect((error as ToolError).message).toMatch(/HTTP 403/);
  });

  it('PRIVATE_ONLY: says the web server cannot be reached from outside the VPC, exit 1, no CLI call', async () => {
    const { deps } = await start({});
    mwaa.on(GetEnvironmentCommand).resolves(environment({ WebserverAccessMode: 'PRIVATE_ONLY' }));
    const error = (await runPipeline(opContextFor(deps), { force: false, follow: true, onEvent: deps.onEvent, env: deps.env }).catch((e: unknown) => e)) as ToolError;
    expect(error.code).toBe('WebserverPrivate');
    expect(error.exitCode).toBe(EXIT.failed);
    expect(error.message).toMatch(/cannot be reached from outside the environment's VPC/);
    expect(mwaa.commandCalls(CreateCliTokenCommand)).toHaveLength(0);
    expect(fake!.requests).toBe(0);
  });

  it('an environment that is not AVAILABLE, or missing, ends with exit 1 naming its state', async () => {
    const { deps } = await start({});
    mwaa.on(GetEnvironmentCommand).resolves(environment({ Status: 'UPDATING' }));
    const updating = (await runPipeline(opContextFor(deps), { force: false, follow: true, onEvent: deps.onEvent, env: deps.env }).catch((e: unknown) => e)) as ToolError;
    expect(updating.code).toBe('EnvironmentNotAvailable');
    expect(updating.message).toContain('is UPDATING, not AVAILABLE');
    mwaa.on(GetEnvironmentCommand).rejects(new MWAAServiceException({ name: 'ResourceNotFoundException', $fault: 'client', $metadata: {}, message: 'Environment abalone-airflow-environment not found.' }));
    const missing = (await runPipeline(opContextFor(deps), { force: false, follow: true, onEvent: deps.onEvent, env: deps.env }).catch((e: unknown) => e)) as ToolError;
    expect(missing.code).toBe('NoEnvironment');
    expect(fake!.requests).toBe(0);
  });

  it('ABALONE_WAIT_TIMEOUT bounds the follow: exit 1, the run goes on', async () => {
    const { deps } = await start({ triggeredSteps: [step('running', { load_config: 'running' })] });
    const error = (await runPipeline(opContextFor(deps), { force: false, follow: true, onEvent: deps.onEvent, env: { ABALONE_WAIT_TIMEOUT: '0.2' } }).catch((e: unknown) => e)) as ToolError;
    expect(error.code).toBe('WaitTimeout');
    expect(error.exitCode).toBe(EXIT.failed);
    expect(error.message).toMatch(/gave up following run manual__.* \(still running\); the run goes on/);
  });

  it('Ctrl-C while following: exit 130 and the run goes on', async () => {
    const { deps, controller } = await start({ triggeredSteps: [step('running', { load_config: 'running' })] });
    const events: RunEvent[] = [];
    const onEvent = (e: RunEvent) => {
      events.push(e);
      if (e.kind === 'task') controller.abort();
    };
    const pending = runPipeline(opContextFor(deps), { force: false, follow: true, onEvent, env: deps.env }).catch((e: unknown) => e);
    const error = (await pending) as ToolError;
    expect(error.exitCode).toBe(EXIT.interrupted);
    expect(error.message).toMatch(/stopped following run manual__.*; the run goes on in Airflow/);
  });
});
