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
  /**
   * A version change MWAA makes only through a new environment, which `up` offers to make (delete
   * and create, after the plan is confirmed): 2.10.3 and below to 3.x.
   */
  readonly replaceFor?: VersionMove;
  /** A version change `up` refuses: 3.x back to Airflow 2 (MWAA downgrades 3.x only to 2.11.x). */
  readonly refused?: VersionMove;
  readonly tagMissing: boolean;
}

export interface VersionMove {
  readonly from: string;
  readonly to: string;
  /** One line: the move and why MWAA needs it done this way. */
  readonly reason: string;
}

/**
 * How MWAA moves an environment between Airflow versions (MWAA user guide, "Changing the Apache
 * Airflow version", upgrading-environment): minor and major upgrades and downgrades happen in
 * place, except that a major upgrade 2 → 3 goes in place only from 2.11.x ("to perform a major
 * upgrade from Airflow 2.10.3 and below, you need to create a new environment and migrate your
 * resources"), and 3.x downgrades only to 2.11.x.
 */
export function versionMove(from: string, to: string): 'same' | 'in-place' | 'replace' | 'refuse' | 'downgrade' {
  if (from === to) return 'same';
  const [fromMajor, toMajor] = [Number.parseInt(from, 10), Number.parseInt(to, 10)];
  if (fromMajor >= 3 && toMajor < 3) return compareVersions(to, '2.11.0') >= 0 ? 'in-place' : 'refuse';
  if (fromMajor < 3 && toMajor >= 3) return compareVersions(from, '2.11.0') >= 0 ? 'in-place' : 'replace';
  return compareVersions(to, from) < 0 ? 'downgrade' : 'in-place';
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
  let replaceFor: VersionMove | undefined;
  let refused: VersionMove | undefined;
  if (want.AirflowVersion && env.AirflowVersion !== want.AirflowVersion) {
    const from = env.AirflowVersion;
    const move = from ? versionMove(from, want.AirflowVersion) : 'in-place';
    if (move === 'replace') {
      replaceFor = {
        from: from!,
        to: want.AirflowVersion,
        reason: `it runs Airflow ${from}, up wants ${want.AirflowVersion}: MWAA upgrades ${from} to Airflow 3 only through a new environment`,
      };
    } else if (move === 'refuse') {
      refused = {
        from: from!,
        to: want.AirflowVersion,
        reason: `it runs Airflow ${from}, up wants ${want.AirflowVersion}: MWAA downgrades Airflow 3 only to 2.11.x, which the DAG is not tested on`,
      };
    } else if (move === 'downgrade') {
      mustRecreate.push(`it runs Airflow ${from}, and MWAA cannot go back to ${want.AirflowVersion}`);
    } else {
      details.push(`AirflowVersion ${show(from)} → ${want.AirflowVersion}`);
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
  return {
    details,
    update: update as Omit<UpdateEnvironmentInput, 'Name'>,
    mustRecreate,
    ...(replaceFor ? { replaceFor } : {}),
    ...(refused ? { refused } : {}),
    tagMissing: env.Tags?.[tag.key] !== tag.value,
  };
}
