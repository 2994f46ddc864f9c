import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CreateEnvironmentCommand,
  DeleteEnvironmentCommand,
  GetEnvironmentCommand,
  MWAAClient,
  ResourceNotFoundException,
  TagResourceCommand,
  UpdateEnvironmentCommand,
  ValidationException,
  type Environment,
} from '@aws-sdk/client-mwaa';
import { DescribeSecurityGroupsCommand, DescribeSubnetsCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { HeadObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { ensureMwaa } from '../../../src/steps/ensure-mwaa.js';
import { wantedEnvironment } from '../../../src/steps/mwaa/wanted.js';
import type { PipelineConfig } from '../../../src/engine/config.js';
import type { Change } from '../../../src/engine/types.js';
import { InterruptedError, ToolError } from '../../../src/base/errors.js';
import { stepContext, type StepContextOverrides, type TestStepContext } from '../../support/step-context.js';

const mwaa = mockClient(MWAAClient);
const ec2 = mockClient(EC2Client);
const s3 = mockClient(S3Client);

const NAME = 'abalone-airflow-environment';
const ARN = `arn:aws:airflow:us-east-1:123456789012:environment/${NAME}`;
const NETWORK = { subnetIds: ['subnet-private1', 'subnet-private2'], securityGroupIds: ['sg-airflow'] };
const tags = (name: string) => [{ Key: 'abalone-pipeline:name', Value: 'abalone' }, { Key: 'Name', Value: name }];

let ctx: TestStepContext;

/** A context whose clients count as emulated: the short waits the local endpoint gets. */
function context(overrides: StepContextOverrides = {}, emulated = true): TestStepContext {
  return stepContext({ ...overrides, emulated });
}

/** The environment exactly as `up` makes it with this context's config, then the overrides. */
function environment(overrides: Partial<Environment> = {}, c: TestStepContext = ctx): Environment {
  const want = wantedEnvironment(c, NETWORK, { RequirementsS3Path: 'airflow/requirements.txt', RequirementsS3ObjectVersion: 'v1' });
  return {
    ...want,
    Arn: ARN,
    Status: 'AVAILABLE',
    WebserverUrl: 'abcd-1234.c3.us-east-1.airflow.amazonaws.com',
    LoggingConfiguration: want.LoggingConfiguration,
    ...overrides,
  } as Environment;
}

const notFound = () => new ResourceNotFoundException({ message: `Environment ${NAME} not found.`, $metadata: {} });
const failed = (code: string, message: string) => ({ Status: 'FAILED' as const, CreatedAt: new Date(), Error: { ErrorCode: code, ErrorMessage: message } });

/** GetEnvironment answers these in order, then keeps giving the last one. */
function serveEnvironments(...states: Array<Environment | undefined>): void {
  let i = 0;
  mwaa.on(GetEnvironmentCommand).callsFake(() => {
    const state = states[Math.min(i++, states.length - 1)];
    if (!state) throw notFound();
    return { Environment: state };
  });
}

function serveNetworkAndFiles(): void {
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: 'vpc-1', Tags: tags('abalone-vpc') }] });
  ec2.on(DescribeSubnetsCommand).resolves({
    Subnets: [
      { SubnetId: 'subnet-public1', VpcId: 'vpc-1', Tags: tags('abalone-public-1') },
      { SubnetId: 'subnet-private1', VpcId: 'vpc-1', Tags: tags('abalone-private-1') },
      { SubnetId: 'subnet-private2', VpcId: 'vpc-1', Tags: tags('abalone-private-2') },
    ],
  });
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-airflow', VpcId: 'vpc-1', Tags: tags('abalone-airflow-sg') }] });
  s3.on(HeadObjectCommand).callsFake(({ Key }) => {
    if (Key === 'airflow/requirements.txt') return { VersionId: 'v1' };
    throw new S3ServiceException({ name: 'NotFound', $fault: 'client', $metadata: { httpStatusCode: 404 } });
  });
}

async function applyAll(changes: Change[]): Promise<void> {
  for (const c of changes) await c.apply();
}

const waits = () => ctx.events.filter((e) => e.kind === 'waiting').map((e) => (e as { message: string }).message);
const notices = () => ctx.events.filter((e) => e.kind === 'notice').map((e) => (e as { message: string }).message);

beforeEach(() => {
  const stubs: Array<{ reset(): void; onAnyCommand(): { rejects(error: Error): unknown } }> = [mwaa, ec2, s3];
  for (const m of stubs) {
    m.reset();
    m.onAnyCommand().rejects(new Error('unstubbed call'));
  }
  serveNetworkAndFiles();
  ctx = context();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('ensure-mwaa: create', () => {
  it('plans one create that says what is billable, with no mutating call', async () => {
    serveEnvironments(undefined);
    const changes = await ensureMwaa.plan(ctx);
    expect(changes.map(({ action, resource, detail }) => ({ action, resource, detail }))).toEqual([
      { action: 'create', resource: ARN, detail: 'mw1.small, 1-10 workers, Airflow 2.10.3, PUBLIC_ONLY, ~$0.49/h' },
    ]);
    expect(mwaa.commandCalls(CreateEnvironmentCommand)).toHaveLength(0);
  });

  it('creates the environment with everything up sets, then waits for AVAILABLE showing status and time', async () => {
    serveEnvironments(undefined, environment({ Status: 'CREATING' }), environment());
    mwaa.on(CreateEnvironmentCommand).resolves({ Arn: ARN });
    await applyAll(await ensureMwaa.plan(ctx));
    expect(mwaa.commandCalls(CreateEnvironmentCommand)[0]!.args[0].input).toEqual({
      Name: NAME,
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/abalone-mwaa-exec-us-east-1',
      SourceBucketArn: 'arn:aws:s3:::abalone-data-us-east-1-123456789012',
      DagS3Path: 'airflow/dags',
      RequirementsS3Path: 'airflow/requirements.txt',
      RequirementsS3ObjectVersion: 'v1',
      NetworkConfiguration: { SubnetIds: ['subnet-private1', 'subnet-private2'], SecurityGroupIds: ['sg-airflow'] },
      EnvironmentClass: 'mw1.small',
      MinWorkers: 1,
      MaxWorkers: 10,
      AirflowVersion: '2.10.3',
      WebserverAccessMode: 'PUBLIC_ONLY',
      LoggingConfiguration: {
        DagProcessingLogs: { Enabled: true, LogLevel: 'WARNING' },
        SchedulerLogs: { Enabled: true, LogLevel: 'WARNING' },
        TaskLogs: { Enabled: true, LogLevel: 'INFO' },
        WebserverLogs: { Enabled: true, LogLevel: 'WARNING' },
        WorkerLogs: { Enabled: true, LogLevel: 'WARNING' },
      },
      AirflowConfigurationOptions: { 'abalone.ssm_prefix': '/abalone-pipeline/abalone' },
      Tags: { 'abalone-pipeline:name': 'abalone' },
    });
    expect(waits()).toEqual([`${NAME} CREATING (0s)`, `${NAME} AVAILABLE (0s)`]);
    expect(ctx.events.at(-1)).toEqual({ kind: 'wait-done', step: 'ensure-mwaa' });
  });

  it('fails with LastUpdate.Error when the creation ends CREATE_FAILED', async () => {
    const error = failed('INCORRECT_CONFIGURATION', 'Unable to read s3://b/airflow/requirements.txt (version v1): the object does not exist.');
    serveEnvironments(undefined, environment({ Status: 'CREATING' }), environment({ Status: 'CREATE_FAILED', LastUpdate: error }));
    mwaa.on(CreateEnvironmentCommand).resolves({ Arn: ARN });
    const run = applyAll(await ensureMwaa.plan(ctx));
    await expect(run).rejects.toBeInstanceOf(ToolError);
    await expect(run).rejects.toMatchObject({
      code: 'EnvironmentCreateFailed',
      message: `environment ${NAME} is CREATE_FAILED: INCORRECT_CONFIGURATION: Unable to read s3://b/airflow/requirements.txt (version v1): the object does not exist.`,
    });
  });

  it('fails when the creation ends UNAVAILABLE, and refuses to update an UNAVAILABLE environment, saying how to recreate it', async () => {
    const error = failed('INTERNAL_ERROR', 'the environment could not recover');
    serveEnvironments(undefined, environment({ Status: 'UNAVAILABLE', LastUpdate: error }));
    mwaa.on(CreateEnvironmentCommand).resolves({ Arn: ARN });
    await expect(applyAll(await ensureMwaa.plan(ctx))).rejects.toMatchObject({ code: 'EnvironmentCreateFailed', message: expect.stringContaining('UNAVAILABLE: INTERNAL_ERROR') });

    serveEnvironments(environment({ Status: 'UNAVAILABLE', LastUpdate: error }));
    await expect(ensureMwaa.plan(ctx)).rejects.toMatchObject({
      code: 'EnvironmentUnavailable',
      message: expect.stringContaining(`aws mwaa delete-environment --name ${NAME} --region us-east-1`),
    });
  });

  it('retries CreateEnvironment while the new execution role is not assumable yet, saying why', async () => {
    serveEnvironments(undefined, environment());
    const propagating = new ValidationException({
      message: "Failed to assume role arn:aws:iam::123456789012:role/abalone-mwaa-exec-us-east-1. This could be due to the role's trust policy.",
      $metadata: {},
    });
    const policyPropagating = new ValidationException({ message: 'Invalid request provided: Provided role does not have sufficient permissions for s3 location abalone-data/airflow/dags', $metadata: {} });
    mwaa.on(CreateEnvironmentCommand).rejectsOnce(propagating).rejectsOnce(policyPropagating).resolves({ Arn: ARN });
    await applyAll(await ensureMwaa.plan(ctx));
    expect(mwaa.commandCalls(CreateEnvironmentCommand)).toHaveLength(3);
    expect(notices()).toEqual([
      expect.stringMatching(/^AWS does not accept role abalone-mwaa-exec-us-east-1 yet .*Failed to assume role.*attempt 2 of 8/),
      expect.stringMatching(/sufficient permissions.*attempt 3 of 8/),
    ]);
  });

  it('gives up on the role after a bounded number of tries, and never retries other validation errors', async () => {
    serveEnvironments(undefined);
    mwaa.on(CreateEnvironmentCommand).rejects(new ValidationException({ message: 'Failed to assume role arn:aws:iam::1:role/x', $metadata: {} }));
    await expect(applyAll(await ensureMwaa.plan(ctx))).rejects.toThrow(/Failed to assume role/);
    expect(mwaa.commandCalls(CreateEnvironmentCommand)).toHaveLength(8);

    mwaa.on(CreateEnvironmentCommand).rejects(new ValidationException({ message: 'Invalid request provided: subnet-x not found', $metadata: {} }));
    const calls = mwaa.commandCalls(CreateEnvironmentCommand).length;
    await expect(applyAll(await ensureMwaa.plan(ctx))).rejects.toThrow(/subnet-x not found/);
    expect(mwaa.commandCalls(CreateEnvironmentCommand)).toHaveLength(calls + 1);
  });

  it('with --no-wait returns once the creation is requested', async () => {
    ctx = context({ config: { wait: false } });
    serveEnvironments(undefined);
    mwaa.on(CreateEnvironmentCommand).resolves({ Arn: ARN });
    await applyAll(await ensureMwaa.plan(ctx));
    expect(mwaa.commandCalls(GetEnvironmentCommand)).toHaveLength(1);
    expect(notices()).toEqual([expect.stringContaining('abalone-pipeline status')]);
  });

  it('times out with a clear error that says a rerun keeps waiting', async () => {
    ctx = context({}, false);
    serveEnvironments(undefined, environment({ Status: 'CREATING' }));
    mwaa.on(CreateEnvironmentCommand).resolves({ Arn: ARN });
    const changes = await ensureMwaa.plan(ctx);
    vi.useFakeTimers();
    const run = applyAll(changes);
    const settled = run.then(
      () => undefined,
      (e: unknown) => e,
    );
    await vi.advanceTimersByTimeAsync(95 * 60_000);
    const error = await settled;
    expect(error).toBeInstanceOf(ToolError);
    expect(error).toMatchObject({ code: 'WaitTimeout', exitCode: 1, message: expect.stringMatching(/gave up waiting for environment abalone-airflow-environment after 90 minutes \(still CREATING\); run the command again/) });
  });

  it('stops waiting on Ctrl-C, not the creation, and says how to check on it', async () => {
    const controller = new AbortController();
    ctx = context({ signal: controller.signal });
    serveEnvironments(undefined, environment({ Status: 'CREATING' }));
    mwaa.on(CreateEnvironmentCommand).resolves({ Arn: ARN });
    const changes = await ensureMwaa.plan(ctx);
    const run = applyAll(changes);
    await vi.waitFor(() => expect(waits().length).toBeGreaterThan(0));
    controller.abort();
    await expect(run).rejects.toBeInstanceOf(InterruptedError);
    await expect(run).rejects.toMatchObject({ exitCode: 130, message: expect.stringContaining('abalone-pipeline status') });
    expect(mwaa.commandCalls(DeleteEnvironmentCommand)).toHaveLength(0);
  });

  it('a rerun that finds the environment CREATING waits for it, then converges', async () => {
    serveEnvironments(environment({ Status: 'CREATING' }), environment({ Status: 'CREATING' }), environment());
    const changes = await ensureMwaa.plan(ctx);
    expect(changes.map((c) => [c.action, c.detail])).toEqual([['update', 'CREATING: wait until it settles, then apply what differs']]);
    await applyAll(changes);
    expect(mwaa.commandCalls(UpdateEnvironmentCommand)).toHaveLength(0);
    expect(waits().at(-1)).toBe(`${NAME} AVAILABLE (0s)`);

    ctx = context({ config: { wait: false } });
    serveEnvironments(environment({ Status: 'CREATING' }));
    expect(await ensureMwaa.plan(ctx)).toEqual([]);
    expect(notices()).toEqual([expect.stringContaining('is CREATING; not waiting')]);
  });

  it('deletes a CREATE_FAILED environment and creates it again', async () => {
    const broken = environment({ Status: 'CREATE_FAILED', LastUpdate: failed('INCORRECT_CONFIGURATION', 'bad requirements') });
    serveEnvironments(broken);
    const changes = await ensureMwaa.plan(ctx);
    expect(changes.map((c) => [c.action, c.detail])).toEqual([
      ['delete', 'CREATE_FAILED (INCORRECT_CONFIGURATION: bad requirements): a failed environment cannot be updated'],
      ['create', 'mw1.small, 1-10 workers, Airflow 2.10.3, PUBLIC_ONLY, ~$0.49/h'],
    ]);
    mwaa.on(DeleteEnvironmentCommand).resolves({});
    mwaa.on(CreateEnvironmentCommand).resolves({ Arn: ARN });
    serveEnvironments(environment({ Status: 'DELETING' }), undefined, environment());
    await applyAll(changes);
    expect(mwaa.commandCalls(DeleteEnvironmentCommand)).toHaveLength(1);
    expect(mwaa.commandCalls(CreateEnvironmentCommand)).toHaveLength(1);
  });
});

describe('ensure-mwaa: drift', () => {
  it('is unchanged when every field matches, with no mutating call', async () => {
    serveEnvironments(environment());
    expect(await ensureMwaa.plan(ctx)).toEqual([]);
    expect(await ensureMwaa.status(ctx)).toEqual([
      { type: 'mwaa-environment', id: NAME, state: 'ok', detail: 'AVAILABLE, https://abcd-1234.c3.us-east-1.airflow.amazonaws.com, Airflow 2.10.3, mw1.small' },
    ]);
  });

  it('updates only the fields that differ, then waits for AVAILABLE', async () => {
    ctx = context({ config: { envClass: 'mw1.medium', maxWorkers: 5 } });
    serveEnvironments(environment({ EnvironmentClass: 'mw1.small', MaxWorkers: 10, RequirementsS3ObjectVersion: 'v0' }), environment({ Status: 'UPDATING' }), environment());
    mwaa.on(UpdateEnvironmentCommand).resolves({ Arn: ARN });
    const changes = await ensureMwaa.plan(ctx);
    expect(changes.map((c) => [c.action, c.detail])).toEqual([
      ['update', 'EnvironmentClass mw1.small → mw1.medium; MaxWorkers 10 → 5; RequirementsS3ObjectVersion v0 → v1; ~$0.74/h from then on'],
    ]);
    await applyAll(changes);
    expect(mwaa.commandCalls(UpdateEnvironmentCommand)[0]!.args[0].input).toEqual({
      Name: NAME,
      EnvironmentClass: 'mw1.medium',
      MaxWorkers: 5,
      RequirementsS3Path: 'airflow/requirements.txt',
      RequirementsS3ObjectVersion: 'v1',
    });
    expect(waits()).toEqual([`${NAME} UPDATING (0s)`, `${NAME} AVAILABLE (0s)`]);
  });

  it('fails with LastUpdate.Error when the update ends UPDATE_FAILED, and status shows it failed', async () => {
    ctx = context({ config: { maxWorkers: 4 } });
    const error = failed('INCORRECT_CONFIGURATION', 'update refused by the emulator');
    serveEnvironments(environment({ MaxWorkers: 10 }, ctx), environment({ Status: 'UPDATING' }), environment({ Status: 'UPDATE_FAILED', MaxWorkers: 10, LastUpdate: error }));
    mwaa.on(UpdateEnvironmentCommand).resolves({ Arn: ARN });
    await expect(applyAll(await ensureMwaa.plan(ctx))).rejects.toMatchObject({
      code: 'EnvironmentUpdateFailed',
      message: `environment ${NAME} is UPDATE_FAILED: INCORRECT_CONFIGURATION: update refused by the emulator`,
    });
    expect(await ensureMwaa.status(ctx)).toEqual([
      { type: 'mwaa-environment', id: NAME, state: 'failed', detail: 'UPDATE_FAILED: INCORRECT_CONFIGURATION: update refused by the emulator' },
    ]);
  });

  it('says the environment must be recreated when its subnets differ, with the command to do it', async () => {
    serveEnvironments(environment({ NetworkConfiguration: { SubnetIds: ['subnet-old1', 'subnet-old2'], SecurityGroupIds: ['sg-airflow'] } }));
    await expect(ensureMwaa.plan(ctx)).rejects.toMatchObject({
      code: 'EnvironmentMustBeRecreated',
      message: expect.stringMatching(/subnets subnet-old1, subnet-old2.*cannot move.*aws mwaa delete-environment --name abalone-airflow-environment --region us-east-1.*abalone-pipeline up/),
    });
    expect((await ensureMwaa.status(ctx))[0]).toMatchObject({ state: 'drift', detail: expect.stringContaining('cannot move') });
  });

  it("an environment with the pipeline's name but not its tag: not adopted, changed or deleted", async () => {
    serveEnvironments(environment({ Tags: {} }));
    await expect(ensureMwaa.plan(ctx)).rejects.toMatchObject({ code: 'NotOurs' });
    expect((await ensureMwaa.status(ctx))[0]).toMatchObject({ state: 'drift', detail: expect.stringMatching(/^not this pipeline's/) });
    expect(await ensureMwaa.planDestroy(ctx)).toEqual([]);
    expect(mwaa.commandCalls(UpdateEnvironmentCommand)).toHaveLength(0);
  });

  it('changes the security groups, the logs and the Airflow options in place; --adopt tags a missing tag', async () => {
    ctx = context({ config: { adopt: true } });
    serveEnvironments(
      environment({
        NetworkConfiguration: { SubnetIds: ['subnet-private2', 'subnet-private1'], SecurityGroupIds: ['sg-other'] },
        LoggingConfiguration: { ...environment().LoggingConfiguration, TaskLogs: { Enabled: false, LogLevel: 'INFO' } },
        AirflowConfigurationOptions: { 'abalone.ssm_prefix': '/abalone-pipeline/other', 'core.x': 'y' },
        Tags: {},
      }),
    );
    mwaa.on(UpdateEnvironmentCommand).resolves({ Arn: ARN });
    mwaa.on(TagResourceCommand).resolves({});
    const changes = await ensureMwaa.plan(ctx);
    expect(changes.map((c) => [c.action, c.detail])).toEqual([
      ['update', 'SecurityGroupIds sg-other → sg-airflow; LoggingConfiguration TaskLogs off → INFO; AirflowConfigurationOptions abalone.ssm_prefix, core.x'],
      ['update', 'adopt (--adopt): no tag abalone-pipeline:name; tag it abalone-pipeline:name = abalone'],
    ]);
    serveEnvironments(environment());
    await applyAll(changes);
    expect(Object.keys(mwaa.commandCalls(UpdateEnvironmentCommand)[0]!.args[0].input).sort()).toEqual(['AirflowConfigurationOptions', 'LoggingConfiguration', 'Name', 'NetworkConfiguration']);
    expect(mwaa.commandCalls(TagResourceCommand)[0]!.args[0].input).toEqual({ ResourceArn: ARN, Tags: { 'abalone-pipeline:name': 'abalone' } });
  });

  it('an existing environment on an Airflow version the DAG is not tested on is upgraded, never accepted as converged (issue 19)', async () => {
    ctx = context();
    serveEnvironments(environment({ AirflowVersion: '2.9.2' }));
    const changes = await ensureMwaa.plan(ctx);
    expect(changes.map((c) => [c.action, c.detail])).toContainEqual(['update', expect.stringContaining('AirflowVersion 2.9.2 → 2.10.3')]);
  });

  it('refuses to go back to an older Airflow version', async () => {
    ctx = context({ config: { airflowVersion: '2.9.2' } });
    serveEnvironments(environment({ AirflowVersion: '2.10.3' }));
    await expect(ensureMwaa.plan(ctx)).rejects.toMatchObject({ code: 'EnvironmentMustBeRecreated', message: expect.stringContaining('cannot go back to 2.9.2') });
  });
});

describe('ensure-mwaa: status', () => {
  it('maps each MWAA status to a state', async () => {
    const cases: Array<[Environment | undefined, string, string]> = [
      [undefined, 'missing', ''],
      [environment({ Status: 'CREATING', WebserverUrl: undefined }), 'creating', 'CREATING, Airflow 2.10.3'],
      [environment({ Status: 'UPDATING' }), 'updating', 'UPDATING, Airflow 2.10.3'],
      [environment({ Status: 'DELETING' }), 'deleting', 'DELETING'],
      [environment({ Status: 'CREATE_FAILED', LastUpdate: failed('E', 'm') }), 'failed', 'CREATE_FAILED: E: m'],
      [environment({ Status: 'UNAVAILABLE', LastUpdate: failed('INTERNAL_ERROR', 'x') }), 'failed', 'UNAVAILABLE: INTERNAL_ERROR: x'],
      [environment({ MinWorkers: 2 }), 'drift', 'MinWorkers 2 → 1'],
    ];
    for (const [env, state, detail] of cases) {
      serveEnvironments(env);
      expect(await ensureMwaa.status(ctx)).toEqual([{ type: 'mwaa-environment', id: NAME, state, detail }]);
    }
  });
});

describe('ensure-mwaa: destroy', () => {
  it('deletes the environment and waits until it is gone', async () => {
    serveEnvironments(environment());
    const changes = await ensureMwaa.planDestroy(ctx);
    expect(changes.map((c) => [c.action, c.resource])).toEqual([['delete', ARN]]);
    mwaa.on(DeleteEnvironmentCommand).resolves({});
    serveEnvironments(environment({ Status: 'DELETING' }), undefined);
    await applyAll(changes);
    expect(mwaa.commandCalls(DeleteEnvironmentCommand)).toHaveLength(1);
    expect(waits()).toEqual([`${NAME} DELETING (0s)`]);
  });

  it('waits for a CREATING environment to settle before deleting it; nothing to do when it is gone', async () => {
    serveEnvironments(environment({ Status: 'CREATING' }));
    const changes = await ensureMwaa.planDestroy(ctx);
    mwaa.on(DeleteEnvironmentCommand).resolves({});
    serveEnvironments(environment({ Status: 'AVAILABLE' }), environment({ Status: 'DELETING' }), undefined);
    await applyAll(changes);
    expect(mwaa.commandCalls(DeleteEnvironmentCommand)).toHaveLength(1);

    serveEnvironments(undefined);
    expect(await ensureMwaa.planDestroy(ctx)).toEqual([]);
  });
});

describe('ensure-mwaa: configuration', () => {
  it('depends on what the environment uses', () => {
    expect(ensureMwaa.dependsOn).toEqual(['ensure-vpc', 'attach-policies', 'upload-airflow', 'ensure-bucket', 'ensure-parameters']);
  });

  it('uses the given subnets and groups with --subnet-ids', async () => {
    const config: Partial<PipelineConfig> = { subnetIds: ['subnet-a', 'subnet-b'], securityGroupIds: ['sg-c'] };
    ctx = context({ config });
    serveEnvironments(undefined, environment());
    mwaa.on(CreateEnvironmentCommand).resolves({ Arn: ARN });
    await applyAll(await ensureMwaa.plan(ctx));
    expect(mwaa.commandCalls(CreateEnvironmentCommand)[0]!.args[0].input.NetworkConfiguration).toEqual({ SubnetIds: ['subnet-a', 'subnet-b'], SecurityGroupIds: ['sg-c'] });
    expect(ec2.commandCalls(DescribeSubnetsCommand)).toHaveLength(0);
  });
});

describe('ensure-mwaa: Airflow versions (issue 22)', () => {
  it('a new environment on 3.0.6 says so in its plan and creates it on 3.0.6', async () => {
    ctx = context({ config: { airflowVersion: '3.0.6' } });
    serveEnvironments(undefined);
    const changes = await ensureMwaa.plan(ctx);
    expect(changes.map((c) => [c.action, c.detail])).toEqual([['create', 'mw1.small, 1-10 workers, Airflow 3.0.6, PUBLIC_ONLY, ~$0.49/h']]);
  });

  it('2.10.3 → 3.0.6: the plan replaces the environment (delete, then create), with the time and what is lost and kept; nothing is called before it is applied', async () => {
    ctx = context({ config: { airflowVersion: '3.0.6' } });
    const old = environment({ AirflowVersion: '2.10.3' });
    serveEnvironments(old);
    const changes = await ensureMwaa.plan(ctx);
    expect(changes.map((c) => c.action)).toEqual(['delete', 'create']);
    const [del, create] = changes.map((c) => c.detail);
    expect(del).toContain('replace (Airflow 2.10.3 → 3.0.6)');
    expect(del).toContain('MWAA upgrades 2.10.3 to Airflow 3 only through a new environment');
    expect(del).toContain("Airflow's own run history");
    expect(del).toContain('the run records in s3://abalone-data-us-east-1-123456789012/abalone_data/runs/ stay');
    expect(create).toContain('Airflow 3.0.6 in its place, about 20-30 minutes on AWS (MWAA user guide)');
    expect(create).toContain('Airflow 3.0.6, PUBLIC_ONLY');
    expect(mwaa.commandCalls(DeleteEnvironmentCommand)).toHaveLength(0);
    expect(mwaa.commandCalls(CreateEnvironmentCommand)).toHaveLength(0);
    expect(mwaa.commandCalls(UpdateEnvironmentCommand)).toHaveLength(0);
  });

  it('applying the replacement deletes, waits until it is gone, then creates on 3.0.6 (never an in-place UpdateEnvironment)', async () => {
    ctx = context({ config: { airflowVersion: '3.0.6' } });
    const old = environment({ AirflowVersion: '2.10.3' });
    const created = environment({ AirflowVersion: '3.0.6' }, ctx);
    serveEnvironments(old);
    const changes = await ensureMwaa.plan(ctx);
    mwaa.on(DeleteEnvironmentCommand).resolves({});
    serveEnvironments({ ...old, Status: 'DELETING' }, undefined, created);
    mwaa.on(CreateEnvironmentCommand).resolves({ Arn: ARN });
    await applyAll(changes);
    expect(mwaa.commandCalls(DeleteEnvironmentCommand)).toHaveLength(1);
    expect(mwaa.commandCalls(CreateEnvironmentCommand)[0]!.args[0].input.AirflowVersion).toBe('3.0.6');
    expect(mwaa.commandCalls(UpdateEnvironmentCommand)).toHaveLength(0);
  });

  it('3.0.6 → 2.10.3 is refused with the reason (MWAA downgrades 3.x only to 2.11.x), nothing called', async () => {
    ctx = context({ config: { airflowVersion: '2.10.3' } });
    serveEnvironments(environment({ AirflowVersion: '3.0.6' }));
    const error = (await ensureMwaa.plan(ctx).catch((e: unknown) => e)) as ToolError;
    expect(error.code).toBe('AirflowDowngradeRefused');
    expect(error.message).toContain('it runs Airflow 3.0.6, up wants 2.10.3: MWAA downgrades Airflow 3 only to 2.11.x');
    expect(error.message).toContain('abalone-pipeline up --airflow-version 3.0.6');
    expect(mwaa.commandCalls(DeleteEnvironmentCommand)).toHaveLength(0);
  });

  it('status shows a version mismatch as drift naming both versions', async () => {
    ctx = context({ config: { airflowVersion: '3.0.6' } });
    serveEnvironments(environment({ AirflowVersion: '2.10.3' }));
    const [state] = await ensureMwaa.status(ctx);
    expect(state!.state).toBe('drift');
    expect(state!.detail).toContain('it runs Airflow 2.10.3, up wants 3.0.6');
    ctx = context({ config: { airflowVersion: '2.10.3' } });
    serveEnvironments(environment({ AirflowVersion: '3.0.6' }));
    const [refused] = await ensureMwaa.status(ctx);
    expect(refused!.state).toBe('drift');
    expect(refused!.detail).toContain('it runs Airflow 3.0.6, up wants 2.10.3');
  });

  it('an environment already on the version wanted is unchanged, whichever version', async () => {
    for (const version of ['3.0.6', '2.10.3']) {
      ctx = context({ config: { airflowVersion: version } });
      serveEnvironments(environment({ AirflowVersion: version }));
      expect(await ensureMwaa.plan(ctx)).toEqual([]);
    }
  });
});
