import {
  AddTagsToResourceCommand,
  DeleteParametersCommand,
  GetParameterCommand,
  GetParametersCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  type Parameter,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { readOrUndefined } from '../aws/errors.js';
import { errorName } from '../base/errors.js';
import type { PipelineConfig } from '../engine/config.js';
import { regionalArn, type Names } from '../engine/names.js';
import { change, type Change, type ResourceState, type Step, type StepContext } from '../engine/types.js';
import { settingsParameter, settingsValue } from '../engine/settings.js';
import { roleArn } from './roles/specs.js';

const RESOURCE_TYPE = 'ssm-parameter';

/**
 * The run-time configuration the DAG reads (artifacts/airflow/dags/abalone_pipeline/config.py),
 * and the settings `up` was run with (src/engine/settings.ts).
 */
export function wantedParameters(names: Names, config: PipelineConfig): Array<{ name: string; value: string }> {
  const values: Record<string, string> = {
    'data-bucket': names.bucket,
    'sagemaker-role-arn': roleArn(names, names.roles.sagemaker),
    'analyze-results-function': names.analyzeFunction,
    'crawler-name': names.crawler,
    'etl-job-name': names.etlJob,
    'rmse-threshold': String(config.rmseThreshold),
  };
  return [
    ...Object.entries(values).map(([key, value]) => ({ name: `${names.ssmPrefix}/${key}`, value })),
    { name: settingsParameter(names), value: settingsValue(config) },
  ];
}

function parameterArn(names: Names, name: string): string {
  return regionalArn(names, 'ssm', `parameter${name}`);
}

interface Observed {
  readonly name: string;
  readonly value: string;
  readonly actual?: Parameter;
  readonly tagged: boolean;
}

async function observe(ctx: StepContext): Promise<{ ssm: SSMClient; params: Observed[] }> {
  const ssm = await ctx.clients.ssm();
  const wanted = wantedParameters(ctx.names, ctx.config);
  const out = await ssm.send(new GetParametersCommand({ Names: wanted.map((w) => w.name) }));
  const found = new Map((out.Parameters ?? []).map((p) => [p.Name!, p]));
  const params = await Promise.all(
    wanted.map(async (w): Promise<Observed> => {
      const actual = found.get(w.name);
      if (!actual) return { ...w, tagged: false };
      const tags = await readOrUndefined(() => ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: w.name })));
      return { ...w, actual, tagged: tags?.TagList?.some((t) => t.Key === ctx.names.tagKey && t.Value === ctx.names.name) ?? false };
    }),
  );
  return { ssm, params };
}

/** The settings that differ, e.g. `settings: envClass mw1.small → mw1.medium`. */
function settingsDifference(actualText: string, wantedText: string): string {
  let actual: Record<string, unknown> = {};
  try {
    actual = JSON.parse(actualText) as Record<string, unknown>;
  } catch {
    // unreadable: every wanted key differs
  }
  const wanted = JSON.parse(wantedText) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(actual), ...Object.keys(wanted)])];
  const changed = keys.filter((k) => JSON.stringify(actual[k]) !== JSON.stringify(wanted[k]));
  return `settings: ${changed.map((k) => `${k} ${JSON.stringify(actual[k]) ?? 'unset'} → ${JSON.stringify(wanted[k]) ?? 'unset'}`).join(', ')}`;
}

function differences(p: Observed, tagKey: string): string[] {
  if (!p.actual) return [];
  const out: string[] = [];
  if (p.actual.Value !== p.value) out.push(p.name.endsWith('/settings') ? settingsDifference(p.actual.Value ?? '', p.value) : `value ${JSON.stringify(p.actual.Value)} (want ${JSON.stringify(p.value)})`);
  if (p.actual.Type !== 'String') out.push(`type ${p.actual.Type} (want String)`);
  if (!p.tagged) out.push(`tag ${tagKey} missing`);
  return out;
}

export const ensureParameters: Step = {
  name: 'ensure-parameters',
  dependsOn: ['ensure-roles', 'ensure-glue', 'ensure-lambda'],

  async plan(ctx: StepContext): Promise<Change[]> {
    const { ssm, params } = await observe(ctx);
    const { names } = ctx;
    const Tags = [{ Key: names.tagKey, Value: names.name }];
    const changes: Change[] = [];
    for (const p of params) {
      const arn = parameterArn(names, p.name);
      if (!p.actual) {
        changes.push(
          change('create', arn, `String = ${p.value}`, async () => {
            try {
              await ssm.send(new PutParameterCommand({ Name: p.name, Value: p.value, Type: 'String', Tags }));
            } catch (error) {
              // A retry after a lost response finds the parameter it made: success once read back.
              if (errorName(error) !== 'ParameterAlreadyExists') throw error;
              const found = await ssm.send(new GetParameterCommand({ Name: p.name }));
              if (found.Parameter?.Value !== p.value || found.Parameter?.Type !== 'String') {
                await ssm.send(new PutParameterCommand({ Name: p.name, Value: p.value, Type: 'String', Overwrite: true }));
              }
            }
          }),
        );
        continue;
      }
      const valueDrift = p.actual.Value !== p.value || p.actual.Type !== 'String';
      if (valueDrift) {
        changes.push(
          change('update', arn, differences({ ...p, tagged: true }, names.tagKey).join('; '), async () => {
            // Tags cannot go with Overwrite: they are added on their own below when missing.
            await ssm.send(new PutParameterCommand({ Name: p.name, Value: p.value, Type: 'String', Overwrite: true }));
          }),
        );
      }
      if (!p.tagged) {
        changes.push(
          change('update', arn, `tag ${names.tagKey} missing`, async () => {
            await ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: p.name, Tags }));
          }),
        );
      }
    }
    return changes;
  },

  async status(ctx: StepContext): Promise<ResourceState[]> {
    const { params } = await observe(ctx);
    return params.map((p): ResourceState => {
      const base = { type: RESOURCE_TYPE, id: p.name };
      if (!p.actual) return { ...base, state: 'missing', detail: '' };
      const drift = differences(p, ctx.names.tagKey);
      return drift.length > 0 ? { ...base, state: 'drift', detail: drift.join('; ') } : { ...base, state: 'ok', detail: '' };
    });
  },

  async planDestroy(ctx: StepContext): Promise<Change[]> {
    const ssm = await ctx.clients.ssm();
    const wanted = wantedParameters(ctx.names, ctx.config).map((w) => w.name);
    const out = await ssm.send(new GetParametersCommand({ Names: wanted }));
    const present = new Set((out.Parameters ?? []).map((p) => p.Name));
    return wanted.filter((name) => present.has(name)).map((name) =>
      change('delete', parameterArn(ctx.names, name), 'the parameter', async () => {
        // DeleteParameters reports names that are already gone instead of failing.
        await ssm.send(new DeleteParametersCommand({ Names: [name] }));
      }),
    );
  },
};
