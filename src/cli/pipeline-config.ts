import { resolve } from 'node:path';
import { getEnvironment } from '../aws/mwaa-environment.js';
import { ssmParameterStore } from '../aws/ssm-store.js';
import { DAG_AIRFLOW_VERSIONS, keptAirflowVersion } from '../engine/mwaa-catalog.js';
import type { PipelineConfig } from '../engine/config.js';
import { SETTING_KEYS, parkedMarkOf, readSettings, type SettingKey } from '../engine/settings.js';
import type { Session } from './session.js';
import { UsageError, errorMessage } from '../base/errors.js';
import { ARTIFACTS_DIR, DEFAULT_AIRFLOW_DIR } from '../base/paths.js';
import type { ShapingOptions } from './options.js';
import * as v from './validate.js';

/** The shaping options of up/status/destroy, validated into what the steps build. */
export function pipelineConfig(raw: ShapingOptions): PipelineConfig {
  // String(): a stored setting merged in (withStoredSettings) may be any JSON value.
  const str = (key: keyof ShapingOptions) => String(raw[key]);
  const envClass = v.envClass(str('envClass'));
  let minWorkers = v.workers('--min-workers')(str('minWorkers'));
  let maxWorkers = v.workers('--max-workers')(str('maxWorkers'));
  if (envClass === 'mw1.micro') {
    // mw1.micro runs exactly one worker: MWAA rejects any other count, after the network is built.
    const typed = new Set(raw.explicitOptions ?? []);
    for (const [flag, key, value] of [['--min-workers', 'minWorkers', minWorkers], ['--max-workers', 'maxWorkers', maxWorkers]] as const) {
      if (value !== 1 && typed.has(key)) throw new UsageError(`--env-class mw1.micro runs exactly one worker: ${flag} must be 1, not ${value}`, 'InvalidOption');
    }
    minWorkers = 1;
    maxWorkers = 1;
  }
  if (minWorkers > maxWorkers) {
    throw new UsageError(`--min-workers ${minWorkers} is more than --max-workers ${maxWorkers}`, 'InvalidOption');
  }
  const subnetIds = raw.subnetIds === undefined ? undefined : v.subnetIds(str('subnetIds'));
  const securityGroupIds = raw.securityGroupIds === undefined ? undefined : v.securityGroupIds(str('securityGroupIds'));
  if ((subnetIds === undefined) !== (securityGroupIds === undefined)) {
    throw new UsageError('--subnet-ids and --security-group-ids go together: give both to use an existing network, or neither to create one', 'InvalidOption');
  }
  return {
    envClass,
    minWorkers,
    maxWorkers,
    airflowVersion: v.airflowVersion(str('airflowVersion')),
    webserverAccess: v.webserverAccess(str('webserverAccess')),
    natGateways: v.natGateways(str('natGateways')),
    subnetIds,
    securityGroupIds,
    etlEngine: v.etlEngine(str('etlEngine')),
    managedPolicies: Boolean(raw.managedPolicies),
    rmseThreshold: v.positiveNumber('--rmse-threshold', str('rmseThreshold')),
    wait: raw.wait !== false,
    keepData: Boolean(raw.keepData),
    adopt: Boolean(raw.adopt),
    airflowDir: raw.dir === undefined ? DEFAULT_AIRFLOW_DIR : resolve(str('dir')),
    artifactsDir: ARTIFACTS_DIR,
  };
}

/** The raw option form of a stored setting (what the flag would have been). */
function asOption(value: unknown): unknown {
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'number') return String(value);
  return value;
}

/** Stored settings checked together: each pair is only valid (or invalid) as a whole. */
const SETTING_GROUPS: readonly (readonly SettingKey[])[] = [
  ['minWorkers', 'maxWorkers'],
  ['subnetIds', 'securityGroupIds'],
  ...SETTING_KEYS.filter((k) => !['minWorkers', 'maxWorkers', 'subnetIds', 'securityGroupIds'].includes(k)).map((k) => [k]),
];

function shown(value: unknown): string {
  if (value === undefined) return 'none (create a network)';
  return Array.isArray(value) ? value.join(',') : String(value);
}

/**
 * The config `up`/`status`/`destroy` work with: options the user typed win, then what the last
 * `up` stored, then the defaults. Stored values go through the same validation as flags; one this
 * version rejects (stored by another version, or edited by hand) is named with its stored value
 * and the value used instead, through `notice`, never dropped silently.
 */
export function withStoredSettings(raw: ShapingOptions, stored: Record<string, unknown>, notice: (message: string) => void): PipelineConfig {
  const explicit = new Set(raw.explicitOptions ?? []);
  let merged: ShapingOptions = { ...raw };
  const rejected: { keys: SettingKey[]; reason: string }[] = [];
  for (const group of SETTING_GROUPS) {
    const keys = group.filter((key) => !explicit.has(key) && stored[key] !== undefined);
    if (keys.length === 0) continue;
    // A stored value is any JSON: in the option's form, it goes through the flags' validation.
    const candidate = { ...merged, ...Object.fromEntries(keys.map((key) => [key, asOption(stored[key])])) } as ShapingOptions;
    try {
      pipelineConfig(candidate);
      merged = candidate;
    } catch (error) {
      rejected.push({ keys, reason: errorMessage(error) });
    }
  }
  const config = pipelineConfig(merged);
  for (const { keys, reason } of rejected) {
    const was = keys.map((key) => `${key} = ${JSON.stringify(stored[key])}`).join(', ');
    const now = keys.map((key) => shown(config[key])).join(', ');
    notice(`ignoring the stored setting${keys.length === 1 ? '' : 's'} ${was} (from the last \`up\`): ${reason}; using ${now} instead`);
  }
  return config;
}

/**
 * An existing environment keeps its Airflow version: when `--airflow-version` was not typed and
 * no valid version is stored, the version wanted is the environment's own
 * (`keptAirflowVersion`), not the default for new pipelines. Reads the environment only then.
 */
export async function withExistingVersion(raw: ShapingOptions, stored: Record<string, unknown>, session: Session): Promise<ShapingOptions> {
  if ((raw.explicitOptions ?? []).includes('airflowVersion')) return raw;
  if (typeof stored.airflowVersion === 'string' && (DAG_AIRFLOW_VERSIONS as readonly string[]).includes(stored.airflowVersion)) return raw;
  const environment = await getEnvironment(await session.clients.mwaa(), session.names.environment);
  const own = environment?.AirflowVersion;
  return own ? { ...raw, airflowVersion: keptAirflowVersion(own) } : raw;
}

/** Flags validated first (usage errors before any AWS call), then merged with the stored settings. */
export async function configFor(raw: ShapingOptions, session: Session, notice: (message: string) => void): Promise<PipelineConfig> {
  const stored = await readSettings(ssmParameterStore(await session.clients.ssm()), session.names);
  const parked = parkedMarkOf(stored);
  const config = withStoredSettings(await withExistingVersion(raw, stored, session), stored, notice);
  return parked ? { ...config, parked } : config;
}
