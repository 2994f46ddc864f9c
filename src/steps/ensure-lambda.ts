import { join } from 'node:path';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  TagResourceCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type FunctionConfiguration,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { isNotFound, readOrUndefined } from '../aws/errors.js';
import { errorMatching, retryWhileRolePropagates, sleep } from '../aws/retry.js';
import { describeWait } from '../engine/timing.js';
import { zipFolder } from '../base/files/zip.js';
import { ToolError, errorName } from '../base/errors.js';
import { regionalArn, type Names } from '../engine/names.js';
import { change, type Change, type ResourceState, type Step, type StepContext } from '../engine/types.js';
import { adoptDetail, claim, leaveAlone, notOursDetail } from '../engine/ownership.js';
import { roleArn } from './roles/specs.js';

const STEP = 'ensure-lambda';
const RESOURCE_TYPE = 'lambda-function';
const roleNotAssumable = errorMatching('InvalidParameterValueException', /cannot be assumed by Lambda/i);

/** The settings `up` gives the function; drift in any of them updates the configuration. */
export function functionSettings(names: Names) {
  return {
    Runtime: 'python3.12',
    Handler: 'analyze_results.handler',
    MemorySize: 128,
    Timeout: 60,
    Role: roleArn(names, names.roles.lambda),
    Description: `abalone-pipeline ${names.name}: regression metrics of a model evaluation`,
  } as const;
}

export function lambdaSourceDir(artifactsDir: string): string {
  return join(artifactsDir, 'lambda', 'analyze_results');
}

function functionArn(names: Names): string {
  return regionalArn(names, 'lambda', `function:${names.analyzeFunction}`);
}

function configDifferences(names: Names, actual: FunctionConfiguration): string[] {
  const want = functionSettings(names);
  const keys = ['Runtime', 'Handler', 'MemorySize', 'Timeout', 'Role'] as const;
  return keys.filter((k) => actual[k] !== want[k]).map((k) => `${k} ${actual[k] ?? 'unset'} (want ${want[k]})`);
}

/** Waits until the function is Active and its last update Successful; a Failed state is an error. */
async function waitUntilReady(ctx: StepContext, lambda: LambdaClient, what: string): Promise<void> {
  const { initialDelayMs, maxDelayMs, timeoutMs: limit } = ctx.timing.lambdaReady;
  const deadline = Date.now() + limit;
  let announced = false;
  for (let delay = initialDelayMs; ; delay = Math.min(delay * 2, maxDelayMs)) {
    const { Configuration: c } = await lambda.send(new GetFunctionCommand({ FunctionName: ctx.names.analyzeFunction }));
    if (c?.State === 'Failed' || c?.LastUpdateStatus === 'Failed') {
      throw new ToolError('LambdaFailed', `function ${ctx.names.analyzeFunction} ${what} failed: ${c.StateReason ?? c.LastUpdateStatusReason ?? 'no reason given'}`);
    }
    const ready = c?.State === 'Active' && (c.LastUpdateStatus === undefined || c.LastUpdateStatus === 'Successful');
    if (ready) break;
    if (Date.now() > deadline) throw new ToolError('WaitTimeout', `function ${ctx.names.analyzeFunction} was not ready ${describeWait(limit)} after its ${what}; run the same command again to keep waiting`);
    if (!announced) ctx.progress({ kind: 'waiting', step: STEP, message: `waiting for function ${ctx.names.analyzeFunction} to be ready after its ${what}` });
    announced = true;
    await sleep(delay, ctx.signal);
  }
  if (announced) ctx.progress({ kind: 'wait-done', step: STEP });
}

async function observe(ctx: StepContext) {
  const [lambda, code] = await Promise.all([ctx.clients.lambda(), zipFolder(lambdaSourceDir(ctx.config.artifactsDir))]);
  const found = await readOrUndefined(() => lambda.send(new GetFunctionCommand({ FunctionName: ctx.names.analyzeFunction })));
  const config = found?.Configuration;
  const drift = config
    ? {
        code: config.CodeSha256 !== code.sha256,
        config: configDifferences(ctx.names, config),
        tagged: found?.Tags?.[ctx.names.tagKey] === ctx.names.name,
        tag: found?.Tags?.[ctx.names.tagKey],
      }
    : undefined;
  return { lambda, code, drift };
}

export const ensureLambda: Step = {
  name: STEP,
  dependsOn: ['ensure-roles'],

  async plan(ctx: StepContext): Promise<Change[]> {
    const { lambda, code, drift } = await observe(ctx);
    const { names } = ctx;
    const arn = functionArn(names);
    const settings = functionSettings(names);
    const withRole = <T>(fn: () => Promise<T>) => retryWhileRolePropagates(ctx, STEP, names.roles.lambda, roleNotAssumable, fn);
    if (!drift) {
      return [
        change('create', arn, `${settings.Runtime}, ${settings.MemorySize} MB, ${settings.Timeout} s, code ${code.sha256}`, async () => {
          try {
            await withRole(() =>
              lambda.send(
                new CreateFunctionCommand({
                  FunctionName: names.analyzeFunction,
                  ...settings,
                  Code: { ZipFile: code.zip },
                  Tags: { [names.tagKey]: names.name },
                }),
              ),
            );
          } catch (error) {
            // A retry after a lost response finds the function it made; the next plan compares it.
            if (errorName(error) !== 'ResourceConflictException') throw error;
          }
          await waitUntilReady(ctx, lambda, 'creation');
        }),
      ];
    }
    claim(ctx, [{ resource: arn, tag: drift.tag }]);
    const changes: Change[] = [];
    if (drift.code) {
      changes.push(
        change('update', arn, `code changed (CodeSha256 ${code.sha256})`, async () => {
          await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: names.analyzeFunction, ZipFile: code.zip }));
          await waitUntilReady(ctx, lambda, 'code update');
        }),
      );
    }
    if (drift.config.length > 0) {
      changes.push(
        change('update', arn, drift.config.join('; '), async () => {
          // A code update in progress blocks a configuration update: wait for it first.
          await waitUntilReady(ctx, lambda, 'previous update');
          await withRole(() => lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: names.analyzeFunction, ...settings })));
          await waitUntilReady(ctx, lambda, 'configuration update');
        }),
      );
    }
    if (!drift.tagged) {
      changes.push(
        change('update', arn, adoptDetail(names, drift.tag), async () => {
          await lambda.send(new TagResourceCommand({ Resource: arn, Tags: { [names.tagKey]: names.name } }));
        }),
      );
    }
    return changes;
  },

  async status(ctx: StepContext): Promise<ResourceState[]> {
    const { drift } = await observe(ctx);
    const base = { type: RESOURCE_TYPE, id: ctx.names.analyzeFunction };
    if (!drift) return [{ ...base, state: 'missing', detail: '' }];
    if (!drift.tagged) return [{ ...base, state: 'drift', detail: notOursDetail(ctx.names, drift.tag) }];
    const details = [...(drift.code ? ['code differs from artifacts/lambda/analyze_results'] : []), ...drift.config];
    return [details.length > 0 ? { ...base, state: 'drift', detail: details.join('; ') } : { ...base, state: 'ok', detail: '' }];
  },

  async planDestroy(ctx: StepContext): Promise<Change[]> {
    const lambda = await ctx.clients.lambda();
    const found = await readOrUndefined(() => lambda.send(new GetFunctionCommand({ FunctionName: ctx.names.analyzeFunction })));
    if (!found?.Configuration) return [];
    const tag = found.Tags?.[ctx.names.tagKey];
    if (tag !== ctx.names.name) {
      leaveAlone(ctx, STEP, functionArn(ctx.names), tag);
      return [];
    }
    return [
      change('delete', functionArn(ctx.names), 'the function', async () => {
        try {
          await lambda.send(new DeleteFunctionCommand({ FunctionName: ctx.names.analyzeFunction }));
        } catch (error) {
          if (!isNotFound(error)) throw error;
        }
      }),
    ];
  },
};
