import type { CreateEnvironmentInput, Environment, UpdateEnvironmentInput } from '@aws-sdk/client-mwaa';
import { VERSIONED_FILES } from '../../engine/airflow-folder.js';
import { LOG_LEVELS, type LogModule } from './wanted.js';

export interface EnvironmentDiff {
  /** Human text, one entry per field that differs. */
  readonly details: string[];
  /** Only the fields that differ, ready for UpdateEnvironment. */
  readonly update: Omit<UpdateEnvironmentInput, 'Name'>;
  /** Differences MWAA cannot apply to an existing environment. */
  readonly mustRecreate: string[];
  readonly tagMissing: boolean;
}

const SCALARS = ['ExecutionRoleArn', 'SourceBucketArn', 'DagS3Path', 'EnvironmentClass', 'MinWorkers', 'MaxWorkers', 'WebserverAccessMode'] as const;

const show = (v: unknown) => (v === undefined || v === null || v === '' ? 'unset' : String(v));
const sameSet = (a: readonly string[] = [], b: readonly string[] = []) => a.length === b.length && a.every((x) => b.includes(x));

/** -1, 0 or 1, comparing dotted versions numerically (2.10.1 > 2.9.2). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

function sortedEntries(map: Record<string, string> | undefined): string {
  return JSON.stringify(Object.entries(map ?? {}).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * Compares the environment with what `up` wants, field by field. `want` without a
 * NetworkConfiguration (network not found) leaves the network out of the comparison.
 */
export function diffEnvironment(env: Environment, want: CreateEnvironmentInput, tag: { key: string; value: string }): EnvironmentDiff {
  const details: string[] = [];
  const update: Record<string, unknown> = {};
  const mustRecreate: string[] = [];

  for (const field of SCALARS) {
    if (want[field] !== undefined && env[field] !== want[field]) {
      details.push(`${field} ${show(env[field])} → ${show(want[field])}`);
      update[field] = want[field];
    }
  }
  for (const fields of Object.values(VERSIONED_FILES)) {
    const path = want[fields.path];
    const version = want[fields.version];
    if (path === undefined) continue;
    if (env[fields.path] !== path || (version !== undefined && env[fields.version] !== version)) {
      details.push(env[fields.path] !== path ? `${fields.path} ${show(env[fields.path])} → ${path}` : `${fields.version} ${show(env[fields.version])} → ${show(version)}`);
      update[fields.path] = path;
      if (version !== undefined) update[fields.version] = version;
    }
  }
  if (want.AirflowVersion && env.AirflowVersion !== want.AirflowVersion) {
    if (env.AirflowVersion && compareVersions(want.AirflowVersion, env.AirflowVersion) < 0) {
      mustRecreate.push(`it runs Airflow ${env.AirflowVersion}, and MWAA cannot go back to ${want.AirflowVersion}`);
    } else {
      details.push(`AirflowVersion ${show(env.AirflowVersion)} → ${want.AirflowVersion}`);
      update.AirflowVersion = want.AirflowVersion;
    }
  }
  const net = want.NetworkConfiguration;
  if (net) {
    const actual = env.NetworkConfiguration ?? {};
    if (!sameSet(actual.SubnetIds, net.SubnetIds)) {
      mustRecreate.push(`it runs in subnets ${show(actual.SubnetIds?.join(', '))}, up wants ${show(net.SubnetIds?.join(', '))}, and MWAA cannot move an environment to other subnets`);
    }
    if (!sameSet(actual.SecurityGroupIds, net.SecurityGroupIds)) {
      details.push(`SecurityGroupIds ${show(actual.SecurityGroupIds?.join(', '))} → ${show(net.SecurityGroupIds?.join(', '))}`);
      update.NetworkConfiguration = { SecurityGroupIds: net.SecurityGroupIds };
    }
  }
  const logs = (Object.keys(LOG_LEVELS) as LogModule[]).filter((m) => {
    const a = env.LoggingConfiguration?.[m];
    const w = want.LoggingConfiguration?.[m];
    return w && (a?.Enabled !== w.Enabled || a?.LogLevel !== w.LogLevel);
  });
  if (logs.length > 0) {
    const describe = (m: LogModule) => {
      const a = env.LoggingConfiguration?.[m];
      return `${m} ${a?.Enabled ? a.LogLevel : 'off'} → ${want.LoggingConfiguration![m]!.LogLevel}`;
    };
    details.push(`LoggingConfiguration ${logs.map(describe).join(', ')}`);
    update.LoggingConfiguration = want.LoggingConfiguration;
  }
  if (want.AirflowConfigurationOptions && sortedEntries(env.AirflowConfigurationOptions) !== sortedEntries(want.AirflowConfigurationOptions)) {
    const keys = new Set([...Object.keys(env.AirflowConfigurationOptions ?? {}), ...Object.keys(want.AirflowConfigurationOptions)]);
    const changed = [...keys].filter((k) => env.AirflowConfigurationOptions?.[k] !== want.AirflowConfigurationOptions?.[k]).sort();
    details.push(`AirflowConfigurationOptions ${changed.join(', ')}`);
    update.AirflowConfigurationOptions = want.AirflowConfigurationOptions;
  }
  return { details, update: update as Omit<UpdateEnvironmentInput, 'Name'>, mustRecreate, tagMissing: env.Tags?.[tag.key] !== tag.value };
}
