import type { KeptEndpoint, ParkedMark, PipelineConfig } from './config.js';

export type { KeptEndpoint, ParkedMark } from './config.js';
import type { Names } from './names.js';
import type { ParameterStore } from './parameter-store.js';

/**
 * The options that shape what `up` builds. `up` stores the ones it used in the (SSM) parameter
 * `<prefix>/settings`, so that a later `up`, `status` or `destroy` without those flags keeps
 * them (a plain `up` never silently switches an environment back to the defaults).
 */
export const SETTING_KEYS = [
  'envClass',
  'minWorkers',
  'maxWorkers',
  'airflowVersion',
  'webserverAccess',
  'natGateways',
  'subnetIds',
  'securityGroupIds',
  'etlEngine',
  'managedPolicies',
  'rmseThreshold',
] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];
export type Settings = Partial<Pick<PipelineConfig, SettingKey>>;

export function settingsParameter(names: Names): string {
  return `${names.ssmPrefix}/settings`;
}

/** The stored settings as one stable JSON text (sorted keys, no undefined values), the parked mark last. */
export function settingsValue(config: PipelineConfig): string {
  const entries: Array<[string, unknown]> = SETTING_KEYS.filter((k) => config[k] !== undefined).map((k) => [k, config[k]]);
  if (config.parked) entries.push([PARKED_KEY, config.parked]);
  return JSON.stringify(Object.fromEntries(entries));
}

const PARKED_KEY = 'parked';

/** The parked mark in stored settings, or undefined when there is none (or it is unreadable). */
export function parkedMarkOf(stored: Record<string, unknown>): ParkedMark | undefined {
  const mark = stored[PARKED_KEY] as Record<string, unknown> | undefined;
  if (!mark || typeof mark !== 'object' || typeof mark.since !== 'string') return undefined;
  const e = mark.endpoint as Record<string, unknown> | undefined;
  const endpoint =
    e && typeof e.config === 'string' && typeof e.instanceType === 'string' && typeof e.instanceCount === 'number'
      ? { config: e.config, instanceType: e.instanceType, instanceCount: e.instanceCount }
      : undefined;
  return { since: mark.since, ...(endpoint ? { endpoint } : {}) };
}

/** The stored settings text with the mark set (or, with undefined, removed); every other key as stored. */
export function withParkedMark(stored: Record<string, unknown>, mark: ParkedMark | undefined): string {
  const { [PARKED_KEY]: _previous, ...rest } = stored;
  return JSON.stringify(mark ? { ...rest, [PARKED_KEY]: mark } : rest);
}

/** What the last `up` stored, or {} when nothing (or something unreadable) is there. */
export async function readSettings(store: ParameterStore, names: Names): Promise<Record<string, unknown>> {
  const value = await store.get(settingsParameter(names));
  try {
    const parsed: unknown = JSON.parse(value ?? '{}');
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
