import { readBillable } from '../aws/billable.js';
import { ssmParameterStore } from '../aws/ssm-store.js';
import { hourlyCost, type HourlyCost } from '../engine/cost.js';
import { regionalArn } from '../engine/names.js';
import type { StepResult } from '../engine/reconcile.js';
import { parkedMarkOf, settingsParameter, withParkedMark, type KeptEndpoint, type ParkedMark } from '../engine/settings.js';
import { change, type Change, type Step, type StepContext, type StepName } from '../engine/types.js';
import { ToolError } from '../base/errors.js';
import { ensureMwaa } from '../steps/ensure-mwaa.js';
import { planParkNetwork } from '../steps/ensure-vpc.js';
import { keptEndpoint, planParkEndpoint } from '../steps/model-endpoint.js';
import type { OpContext } from './context.js';

/**
 * `park`: deletes what bills by the hour while the pipeline idles (the Airflow environment, the
 * NAT gateways with their elastic IPs, the SageMaker endpoint) with the steps' own deletes, and
 * marks the stored settings parked, so that `up` resumes it. Everything else stays.
 *
 * The mark goes first, before anything is deleted, with the endpoint's config: a park killed
 * after the endpoint's deletion still knows, when rerun or resumed, which config to recreate it
 * from. Rerun, every part finds what is already gone and does nothing for it.
 */
const none = async (): Promise<never[]> => [];

const readOnly = { plan: none, status: none };

/** The settings parameter's change: set the parked mark (the run's first change). */
const markStep: Step = {
  name: 'ensure-parameters',
  // Reverse order (as destroy runs): the mark before the deletes that depend on it.
  dependsOn: ['ensure-mwaa', 'ensure-vpc', 'model-endpoint'],
  ...readOnly,
  planDestroy: planMark,
};

/** The steps `park` runs (in reverse, as `destroy` does): mark, then environment, endpoint and NAT gateways. */
export const PARK_STEPS: readonly Step[] = [
  markStep,
  { name: 'ensure-mwaa', dependsOn: ['ensure-vpc'], ...readOnly, planDestroy: (ctx) => ensureMwaa.planDestroy(ctx) },
  { name: 'ensure-vpc', dependsOn: [], ...readOnly, planDestroy: planParkNetwork },
  { name: 'model-endpoint', dependsOn: [], ...readOnly, planDestroy: planParkEndpoint },
];

/** The steps whose resources `park` deletes and `up` recreates. */
export const RESUMED_STEPS: readonly StepName[] = ['ensure-vpc', 'ensure-mwaa', 'model-endpoint'];

async function planMark(ctx: StepContext): Promise<Change[]> {
  const { names } = ctx;
  const store = ssmParameterStore(await ctx.clients.ssm());
  const parameter = settingsParameter(names);
  const text = await store.get(parameter);
  if (text === undefined) {
    throw new ToolError('NotFound', `pipeline "${names.name}" has no stored settings (${parameter}) in ${names.region}: nothing to park (run \`abalone-pipeline up\` first)`);
  }
  const stored = parseSettings(text);
  const previous = parkedMarkOf(stored);
  const endpoint: KeptEndpoint | undefined = (await keptEndpoint(ctx)) ?? previous?.endpoint;
  if (previous && JSON.stringify(previous.endpoint) === JSON.stringify(endpoint)) return [];
  const mark: ParkedMark = { since: previous?.since ?? new Date().toISOString(), ...(endpoint ? { endpoint } : {}) };
  const detail = `mark parked${endpoint ? `; up recreates ${names.endpoint} from endpoint config ${endpoint.config}` : ''}`;
  return [change('update', regionalArn(names, 'ssm', `parameter${parameter}`), detail, () => store.put(parameter, withParkedMark(stored, mark)))];
}

function parseSettings(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new ToolError('InvalidSettings', `the stored settings are not a JSON object; run \`abalone-pipeline up\` to rewrite them`);
}

/** The hourly cost of what bills now (what `park` saves; `status`'s footer). */
export async function currentHourlyCost(ctx: OpContext): Promise<HourlyCost> {
  const session = await ctx.openSession();
  return hourlyCost(await readBillable(session.clients, session.names));
}

/** True when an `up` run recreated everything park removed: every resumed step ran and none failed. */
export function resumeComplete(results: readonly StepResult[], wait: boolean): boolean {
  if (!wait) return false; // the environment (or endpoint) was only requested, not seen ready
  return RESUMED_STEPS.every((step) => results.some((r) => r.step === step && (r.status === 'changed' || r.status === 'unchanged')));
}

/** Removes the parked mark from the stored settings (after a complete resume). */
export async function clearParkedMark(ctx: OpContext): Promise<void> {
  const session = await ctx.openSession();
  const store = ssmParameterStore(await session.clients.ssm());
  const parameter = settingsParameter(session.names);
  const text = await store.get(parameter);
  if (text === undefined) return;
  const stored = parseSettings(text);
  if (!parkedMarkOf(stored)) return;
  await store.put(parameter, withParkedMark(stored, undefined));
}
