import type { PipelineConfig } from './config.js';
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

/** The stored settings as one stable JSON text (sorted keys, no undefined values). */
export function settingsValue(config: PipelineConfig): string {
  const entries = SETTING_KEYS.filter((k) => config[k] !== undefined).map((k) => [k, config[k]]);
  return JSON.stringify(Object.fromEntries(entries));
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
