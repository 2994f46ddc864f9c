import { describe, expect, it } from 'vitest';
import type { Clients } from '../../../src/aws/clients.js';
import { inspect, planToConfirm, reconcile, type BaseContext, type EngineEvent, type StepResult } from '../../../src/engine/reconcile.js';
import { deriveNames } from '../../../src/engine/names.js';
import { timingProfile } from '../../../src/engine/timing.js';
import { change, MemoKey, type Change, type ResourceState, type Step, type StepContext, type StepName } from '../../../src/engine/types.js';
import { InterruptedError, ToolError, foreignCode } from '../../../src/base/errors.js';
import { defaultConfig } from '../../support/step-context.js';

/** Everything a fake step did, in order across steps. */
type Log = string[];

interface FakeChange {
  readonly action?: Change['action'];
  readonly resource: string;
  /** Runs inside apply(), before it is recorded as applied. */
  readonly run?: () => void | Promise<void>;
}

interface FakeStepOptions {
  readonly dependsOn?: readonly StepName[];
  readonly changes?: readonly FakeChange[];
  readonly destroyChanges?: readonly FakeChange[];
  readonly planError?: Error;
  readonly beforePlan?: () => Promise<void>;
  readonly states?: readonly ResourceState[];
  readonly statusError?: Error;
}

function fakeStep(name: StepName, log: Log, options: FakeStepOptions = {}): Step {
  const toChanges = (list: readonly FakeChange[] = []) =>
    list.map((c) =>
      change(c.action ?? 'create', c.resource, `detail of ${c.resource}`, async () => {
        log.push(`apply ${c.resource}`);
        await c.run?.();
      }),
    );
  return {
    name,
    dependsOn: options.dependsOn ?? [],
    async plan(ctx: StepContext) {
      expect(typeof ctx.progress).toBe('function');
      log.push(`plan ${name}`);
      await options.beforePlan?.();
      if (options.planError) throw options.planError;
      return toChanges(options.changes);
    },
    async status() {
      log.push(`status ${name}`);
      if (options.statusError) throw options.statusError;
      return [...(options.states ?? [])];
    },
    async planDestroy() {
      log.push(`planDestroy ${name}`);
      return toChanges(options.destroyChanges);
    },
  };
}

const unusedClients = new Proxy({} as Clients, {
  get(_target, prop) {
    if (prop === 'then') return undefined;
    throw new Error(`a fake step must not touch clients.${String(prop)}`);
  },
});

function base(signal: AbortSignal = new AbortController().signal): BaseContext {
  return { names: deriveNames('abalone', 'us-east-1', '123456789012'), config: defaultConfig(), clients: unusedClients, timing: timingProfile({ emulated: true, env: {} }), signal };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const byStep = (results: StepResult[], step: StepName) => results.find((r) => r.step === step)!;

describe('reconcile', () => {
  it('plan mode reports the changes and applies nothing', async () => {
    const log: Log = [];
    const events: EngineEvent[] = [];
    const steps = [
      fakeStep('ensure-bucket', log, { changes: [{ resource: 'bucket' }] }),
      fakeStep('upload-data', log, { dependsOn: ['ensure-bucket'], changes: [{ action: 'upload', resource: 'raw' }] }),
      fakeStep('upload-airflow', log, { dependsOn: ['ensure-bucket'] }),
    ];
    const results = await reconcile(steps, base(), { mode: 'plan', onEvent: (e) => events.push(e) });

    expect(log.filter((l) => l.startsWith('apply'))).toEqual([]);
    expect(log.filter((l) => l.startsWith('planDestroy'))).toEqual([]);
    expect(results).toEqual([
      { step: 'ensure-bucket', status: 'changed', changes: [{ action: 'create', resource: 'bucket', detail: 'detail of bucket' }] },
      { step: 'upload-data', status: 'changed', changes: [{ action: 'upload', resource: 'raw', detail: 'detail of raw' }] },
      { step: 'upload-airflow', status: 'unchanged', changes: [] },
    ]);
    const changeEvents = events.filter((e) => e.kind === 'change');
    expect(changeEvents).toHaveLength(2);
    expect(changeEvents.every((e) => e.kind === 'change' && e.planned)).toBe(true);
    // Reported records carry no apply function.
    for (const r of results) for (const c of r.changes) expect(Object.keys(c).sort()).toEqual(['action', 'detail', 'resource']);
  });

  it('apply mode applies every change in order, dependencies first, and reports each one', async () => {
    const log: Log = [];
    const events: EngineEvent[] = [];
    const steps = [
      fakeStep('upload-data', log, { dependsOn: ['ensure-bucket'], changes: [{ action: 'upload', resource: 'raw' }] }),
      fakeStep('ensure-bucket', log, { changes: [{ resource: 'b1' }, { action: 'update', resource: 'b2' }, { action: 'update', resource: 'b3' }] }),
    ];
    const results = await reconcile(steps, base(), { mode: 'apply', onEvent: (e) => events.push(e) });

    expect(log).toEqual(['plan ensure-bucket', 'apply b1', 'apply b2', 'apply b3', 'plan upload-data', 'apply raw']);
    expect(results.map((r) => [r.step, r.status, r.changes.map((c) => c.resource)])).toEqual([
      ['upload-data', 'changed', ['raw']],
      ['ensure-bucket', 'changed', ['b1', 'b2', 'b3']],
    ]);
    expect(byStep(results, 'ensure-bucket').changes.map((c) => c.action)).toEqual(['create', 'update', 'update']);
    expect(events.map((e) => (e.kind === 'change' ? `${e.kind} ${e.change.resource} ${e.planned}` : e.kind === 'step-finished' ? `finished ${e.result.step}` : `${e.kind} ${'step' in e ? e.step : ''}`))).toEqual([
      'step-started ensure-bucket',
      'change b1 false',
      'change b2 false',
      'change b3 false',
      'finished ensure-bucket',
      'step-started upload-data',
      'change raw false',
      'finished upload-data',
    ]);
  });

  it('passes step progress events through to onEvent', async () => {
    const events: EngineEvent[] = [];
    const step: Step = {
      ...fakeStep('ensure-bucket', []),
      async plan(ctx) {
        ctx.progress({ kind: 'notice', step: 'ensure-bucket', message: 'hello' });
        return [];
      },
    };
    await reconcile([step], base(), { mode: 'apply', onEvent: (e) => events.push(e) });
    expect(events).toContainEqual({ kind: 'notice', step: 'ensure-bucket', message: 'hello' });
  });

  it('a change that throws mid-way fails its step with the changes done so far and skips its dependents', async () => {
    const log: Log = [];
    const events: EngineEvent[] = [];
    const steps = [
      fakeStep('ensure-bucket', log, {
        changes: [
          { resource: 'one' },
          {
            resource: 'two',
            run: () => {
              throw new ToolError(foreignCode('AccessDenied'), 'not allowed to two');
            },
          },
          { resource: 'three' },
        ],
      }),
      fakeStep('upload-data', log, { dependsOn: ['ensure-bucket'], changes: [{ resource: 'raw' }] }),
      fakeStep('ensure-roles', log, { dependsOn: ['upload-data'], changes: [{ resource: 'role' }] }),
      fakeStep('ensure-parameters', log, { changes: [{ resource: 'param' }] }),
    ];
    const results = await reconcile(steps, base(), { mode: 'apply', onEvent: (e) => events.push(e) });

    expect(byStep(results, 'ensure-bucket')).toEqual({
      step: 'ensure-bucket',
      status: 'failed',
      changes: [{ action: 'create', resource: 'one', detail: 'detail of one' }],
      error: { code: 'AccessDenied', message: 'not allowed to two' },
    });
    expect(log).not.toContain('apply three');
    expect(log).not.toContain('plan upload-data');
    expect(log).not.toContain('plan ensure-roles');
    expect(byStep(results, 'upload-data')).toEqual({ step: 'upload-data', status: 'skipped', changes: [], because: 'ensure-bucket' });
    expect(byStep(results, 'ensure-roles')).toEqual({ step: 'ensure-roles', status: 'skipped', changes: [], because: 'upload-data' });
    // An unrelated step still runs.
    expect(byStep(results, 'ensure-parameters')).toMatchObject({ status: 'changed', changes: [{ resource: 'param' }] });
    expect(log).toContain('apply param');

    const finished = events.flatMap((e) => (e.kind === 'step-finished' ? [e.result] : []));
    expect(finished.find((r) => r.step === 'ensure-bucket')).toMatchObject({ status: 'failed', error: { code: 'AccessDenied' } });
    expect(finished.find((r) => r.step === 'upload-data')).toMatchObject({ status: 'skipped', because: 'ensure-bucket' });
    expect(finished.filter((r) => r.step === 'ensure-bucket')).toHaveLength(1);
  });

  it('a plan that throws fails the step with no changes; an SDK-style error keeps its name as the code', async () => {
    const log: Log = [];
    const sdkError = Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
    const results = await reconcile(
      [fakeStep('ensure-bucket', log, { planError: sdkError }), fakeStep('upload-data', log, { dependsOn: ['ensure-bucket'] })],
      base(),
      { mode: 'apply', onEvent: () => undefined },
    );
    expect(results).toEqual([
      { step: 'ensure-bucket', status: 'failed', changes: [], error: { code: 'AccessDenied', message: 'Access Denied' } },
      { step: 'upload-data', status: 'skipped', changes: [], because: 'ensure-bucket' },
    ]);
  });

  it('destroy mode calls planDestroy (never plan), dependents before their dependencies', async () => {
    const log: Log = [];
    const steps = [
      fakeStep('ensure-bucket', log, { destroyChanges: [{ action: 'delete', resource: 'bucket' }] }),
      fakeStep('upload-data', log, { dependsOn: ['ensure-bucket'] }),
      fakeStep('ensure-roles', log, { dependsOn: ['upload-data'], destroyChanges: [{ action: 'delete', resource: 'role' }] }),
    ];
    const results = await reconcile(steps, base(), { mode: 'destroy', onEvent: () => undefined });

    expect(log).toEqual(['planDestroy ensure-roles', 'apply role', 'planDestroy upload-data', 'planDestroy ensure-bucket', 'apply bucket']);
    expect(results.map((r) => [r.step, r.status, r.changes.map((c) => `${c.action} ${c.resource}`)])).toEqual([
      ['ensure-bucket', 'changed', ['delete bucket']],
      ['upload-data', 'unchanged', []],
      ['ensure-roles', 'changed', ['delete role']],
    ]);
  });

  it('destroy-plan reports deletions in reverse order and applies nothing', async () => {
    const log: Log = [];
    const events: EngineEvent[] = [];
    const steps = [
      fakeStep('ensure-bucket', log, { destroyChanges: [{ action: 'delete', resource: 'bucket' }] }),
      fakeStep('upload-data', log, { dependsOn: ['ensure-bucket'], destroyChanges: [{ action: 'delete', resource: 'raw' }] }),
    ];
    await reconcile(steps, base(), { mode: 'destroy-plan', onEvent: (e) => events.push(e) });
    expect(log).toEqual(['planDestroy upload-data', 'planDestroy ensure-bucket']);
    expect(events.flatMap((e) => (e.kind === 'change' ? [[e.change.resource, e.planned]] : []))).toEqual([
      ['raw', true],
      ['bucket', true],
    ]);
  });

  it('an aborted signal stops before the next apply and skips the steps not started', async () => {
    const log: Log = [];
    const controller = new AbortController();
    const independentDone = deferred();
    const steps = [
      fakeStep('ensure-bucket', log, {
        changes: [{ resource: 'first', run: () => controller.abort() }, { resource: 'second' }],
      }),
      fakeStep('upload-data', log, { dependsOn: ['ensure-bucket'], changes: [{ resource: 'raw' }] }),
      // Independent, already running when the interruption comes; its dependent has not started.
      fakeStep('ensure-parameters', log, { beforePlan: () => independentDone.promise }),
      fakeStep('ensure-vpc', log, { dependsOn: ['ensure-parameters'], changes: [{ resource: 'vpc' }] }),
    ];
    const run = reconcile(steps, base(controller.signal), { mode: 'apply', onEvent: () => undefined });
    await Promise.resolve();
    setTimeout(() => independentDone.resolve(), 5);
    const results = await run;

    expect(log).toContain('apply first');
    expect(log).not.toContain('apply second');
    expect(log).not.toContain('plan upload-data');
    expect(log).not.toContain('plan ensure-vpc');
    const bucket = byStep(results, 'ensure-bucket');
    expect(bucket.status).toBe('failed');
    expect(bucket.changes.map((c) => c.resource)).toEqual(['first']);
    expect(bucket.error).toEqual({ code: 'Interrupted', message: 'interrupted before: create second' });
    expect(byStep(results, 'upload-data')).toMatchObject({ status: 'skipped', changes: [] });
    expect(byStep(results, 'ensure-parameters').status).toBe('unchanged');
    expect(byStep(results, 'ensure-vpc')).toEqual({ step: 'ensure-vpc', status: 'skipped', changes: [], because: 'interrupted' });
  });

  it('an already-aborted signal starts nothing', async () => {
    const log: Log = [];
    const controller = new AbortController();
    controller.abort();
    const results = await reconcile([fakeStep('ensure-bucket', log, { changes: [{ resource: 'b' }] })], base(controller.signal), {
      mode: 'apply',
      onEvent: () => undefined,
    });
    expect(log).toEqual([]);
    expect(results).toEqual([{ step: 'ensure-bucket', status: 'skipped', changes: [], because: 'interrupted' }]);
  });

  it('InterruptedError carries exit code 130', () => {
    expect(new InterruptedError().exitCode).toBe(130);
  });
});

describe('inspect', () => {
  it('returns one row per resource with its step, and a failed row for a step whose status() throws', async () => {
    const log: Log = [];
    const steps = [
      fakeStep('ensure-bucket', log, { states: [{ type: 's3-bucket', id: 'b', state: 'ok', detail: '' }] }),
      fakeStep('upload-data', log, { statusError: new ToolError(foreignCode('AccessDenied'), 'cannot read the object') }),
      fakeStep('ensure-roles', log, {
        states: [
          { type: 'iam-role', id: 'r1', state: 'missing', detail: '' },
          { type: 'iam-role', id: 'r2', state: 'drift', detail: 'policy differs' },
        ],
      }),
      fakeStep('ensure-glue', log, { statusError: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) }),
    ];
    const rows = await inspect(steps, base(), () => undefined);

    expect(rows).toEqual([
      { step: 'ensure-bucket', type: 's3-bucket', id: 'b', state: 'ok', detail: '' },
      { step: 'upload-data', type: 'step', id: 'upload-data', state: 'failed', detail: 'AccessDenied: cannot read the object' },
      { step: 'ensure-roles', type: 'iam-role', id: 'r1', state: 'missing', detail: '' },
      { step: 'ensure-roles', type: 'iam-role', id: 'r2', state: 'drift', detail: 'policy differs' },
      { step: 'ensure-glue', type: 'step', id: 'ensure-glue', state: 'failed', detail: 'ECONNRESET: socket hang up' },
    ]);
    expect(log.every((l) => l.startsWith('status'))).toBe(true);
  });
});

describe('the run memo', () => {
  const SEEN = new MemoKey<string>('what the first step saw');
  const writer: Step = { name: 'ensure-vpc', dependsOn: [], plan: async (ctx) => (ctx.memo.set(SEEN, 'vpc-1'), []), status: async () => [], planDestroy: async () => [] };
  const reader = (seen: Array<string | undefined>): Step => ({
    name: 'ensure-mwaa',
    dependsOn: ['ensure-vpc'],
    plan: async (ctx) => (seen.push(ctx.memo.get(SEEN)), []),
    status: async () => [],
    planDestroy: async () => [],
  });

  it('carries what one step learned to a later step of the same run, and never into the next run', async () => {
    const seen: Array<string | undefined> = [];
    await reconcile([writer, reader(seen)], base(), { mode: 'plan', onEvent: () => undefined });
    await reconcile([reader(seen)], base(), { mode: 'plan', onEvent: () => undefined });
    expect(seen).toEqual(['vpc-1', undefined]);
  });
});

// Issue #11 item 2: apply what was confirmed, never a second plan.
describe('applying a confirmed plan', () => {
  const noEvents = () => undefined;

  it('applies the changes the plan showed without planning again', async () => {
    const log: Log = [];
    const steps = [fakeStep('ensure-bucket', log, { changes: [{ resource: 'bucket' }] }), fakeStep('ensure-roles', log, { dependsOn: ['ensure-bucket'], changes: [{ resource: 'role' }] })];
    const { results, confirmed } = await planToConfirm(steps, base(), { mode: 'plan', onEvent: noEvents });
    expect(results.map((r) => r.changes.length)).toEqual([1, 1]);
    expect(log).toEqual(['plan ensure-bucket', 'plan ensure-roles']);
    const applied = await reconcile(steps, base(), { mode: 'apply', onEvent: noEvents, confirmed });
    expect(log).toEqual(['plan ensure-bucket', 'plan ensure-roles', 'apply bucket', 'apply role']);
    expect(applied.map((r) => r.status)).toEqual(['changed', 'changed']);
  });

  it('a confirmed change that no longer holds stops its step, says so, and applies nothing unseen after it', async () => {
    const log: Log = [];
    // As the SDK throws it: a service exception named by its code.
    const moved = Object.assign(new Error('Role with name abalone-glue-role already exists.'), { name: 'EntityAlreadyExists' });
    const steps = [
      fakeStep('ensure-roles', log, { changes: [{ resource: 'role-a', run: () => Promise.reject(moved) }, { resource: 'role-b' }] }),
      fakeStep('ensure-glue', log, { dependsOn: ['ensure-roles'], changes: [{ resource: 'job' }] }),
    ];
    const { confirmed } = await planToConfirm(steps, base(), { mode: 'plan', onEvent: noEvents });
    const applied = await reconcile(steps, base(), { mode: 'apply', onEvent: noEvents, confirmed });
    expect(log).toEqual(['plan ensure-roles', 'plan ensure-glue', 'apply role-a']);
    expect(byStep(applied, 'ensure-roles')).toMatchObject({
      status: 'failed',
      error: { code: 'EntityAlreadyExists', message: expect.stringMatching(/^create role-a \(as confirmed\) failed: Role with name .* already exists\. The state may have moved since the plan: the 1 later change of this step was not applied; run the command again/) },
    });
    expect(byStep(applied, 'ensure-glue').status).toBe('skipped');
  });

  it('a step whose plan failed is not planned again on apply; the others apply as confirmed', async () => {
    const log: Log = [];
    const steps = [
      fakeStep('ensure-glue', log, { planError: new ToolError(foreignCode('AccessDenied'), 'glue:GetJob denied') }),
      fakeStep('ensure-lambda', log, { dependsOn: ['ensure-glue'], changes: [{ resource: 'function' }] }),
      fakeStep('ensure-bucket', log, { changes: [{ resource: 'bucket' }] }),
    ];
    const { results, confirmed } = await planToConfirm(steps, base(), { mode: 'plan', onEvent: noEvents });
    expect(byStep(results, 'ensure-glue').status).toBe('failed');
    const applied = await reconcile(steps, base(), { mode: 'apply', onEvent: noEvents, confirmed });
    expect(log.filter((l) => l.startsWith('plan'))).toEqual(['plan ensure-glue', 'plan ensure-bucket']);
    expect(log.filter((l) => l.startsWith('apply'))).toEqual(['apply bucket']);
    expect(byStep(applied, 'ensure-glue')).toMatchObject({ status: 'failed', error: { code: 'AccessDenied', message: 'not applied: its plan failed: glue:GetJob denied' } });
    expect(byStep(applied, 'ensure-lambda').status).toBe('skipped');
  });

  it("what a confirmed change reports while it applies reaches the applying run's renderer", async () => {
    let planCtx: StepContext | undefined;
    const step: Step = {
      name: 'ensure-mwaa',
      dependsOn: [],
      async plan(ctx) {
        planCtx = ctx;
        return [change('create', 'env', '', async () => ctx.progress({ kind: 'notice', step: 'ensure-mwaa', message: 'creating' }))];
      },
      status: async () => [],
      planDestroy: async () => [],
    };
    const planEvents: EngineEvent[] = [];
    const applyEvents: EngineEvent[] = [];
    const { confirmed } = await planToConfirm([step], base(), { mode: 'plan', onEvent: (e) => planEvents.push(e) });
    await reconcile([step], base(), { mode: 'apply', onEvent: (e) => applyEvents.push(e), confirmed });
    expect(planCtx).toBeDefined();
    expect(planEvents.some((e) => e.kind === 'notice')).toBe(false);
    expect(applyEvents.filter((e) => e.kind === 'notice')).toEqual([{ kind: 'notice', step: 'ensure-mwaa', message: 'creating' }]);
  });

  it("the tool's own errors from a confirmed change (a wait that timed out) stand as they are", async () => {
    const log: Log = [];
    const timeout = new ToolError('WaitTimeout', 'gave up waiting for environment abalone-airflow-environment after 90 minutes');
    const steps = [fakeStep('ensure-mwaa', log, { changes: [{ resource: 'env', run: () => Promise.reject(timeout) }] })];
    const { confirmed } = await planToConfirm(steps, base(), { mode: 'plan', onEvent: noEvents });
    const [result] = await reconcile(steps, base(), { mode: 'apply', onEvent: noEvents, confirmed });
    expect(result!.error).toEqual({ code: 'WaitTimeout', message: timeout.message });
  });
});
