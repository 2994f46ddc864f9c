import { resolve } from 'node:path';
import type { PipelineConfig } from '../engine/config.js';
import { UsageError } from '../errors.js';
import { ARTIFACTS_DIR, DEFAULT_AIRFLOW_DIR } from './paths.js';
import * as v from './validate.js';

/** The shaping options of up/status/destroy, validated into what the steps build. */
export function pipelineConfig(raw: Record<string, unknown>): PipelineConfig {
  const str = (key: string) => String(raw[key]);
  const minWorkers = v.workers('--min-workers')(str('minWorkers'));
  const maxWorkers = v.workers('--max-workers')(str('maxWorkers'));
  if (minWorkers > maxWorkers) {
    throw new UsageError(`--min-workers ${minWorkers} is more than --max-workers ${maxWorkers}`, 'InvalidOption');
  }
  const subnetIds = raw.subnetIds === undefined ? undefined : v.subnetIds(str('subnetIds'));
  const securityGroupIds = raw.securityGroupIds === undefined ? undefined : v.securityGroupIds(str('securityGroupIds'));
  if ((subnetIds === undefined) !== (securityGroupIds === undefined)) {
    throw new UsageError('--subnet-ids and --security-group-ids go together: give both to use an existing network, or neither to create one', 'InvalidOption');
  }
  return {
    envClass: v.envClass(str('envClass')),
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
    airflowDir: raw.dir === undefined ? DEFAULT_AIRFLOW_DIR : resolve(str('dir')),
    artifactsDir: ARTIFACTS_DIR,
  };
}
