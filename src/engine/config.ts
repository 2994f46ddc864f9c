import type { EnvironmentClass } from '../aws/mwaa-catalog.js';
import type { ParkedMark } from './settings.js';

export type EtlEngine = 'pythonshell' | 'spark';
export type WebserverAccess = 'PUBLIC_ONLY' | 'PRIVATE_ONLY';

/** What `up` builds, after flags, prompts and defaults are resolved. */
export interface PipelineConfig {
  readonly envClass: EnvironmentClass;
  readonly minWorkers: number;
  readonly maxWorkers: number;
  readonly airflowVersion: string;
  readonly webserverAccess: WebserverAccess;
  readonly natGateways: 1 | 2;
  readonly subnetIds?: readonly string[];
  readonly securityGroupIds?: readonly string[];
  readonly etlEngine: EtlEngine;
  readonly managedPolicies: boolean;
  readonly rmseThreshold: number;
  /** Wait for asynchronous work (MWAA creation/update) to finish. */
  readonly wait: boolean;
  /** `destroy --keep-data`: keep the bucket and its objects. */
  readonly keepData: boolean;
  /** The local Airflow folder `upload-airflow` syncs (dags/, scripts/, requirements.txt). */
  readonly airflowDir: string;
  /** The folder holding the shipped artifacts (data/, lambda/). */
  readonly artifactsDir: string;
  /** `up --adopt`: take over resources with the pipeline's names that lack its tag, tagging them (engine/ownership.ts). */
  readonly adopt?: boolean;
  /** Set while the pipeline is parked (`park`): what `up` needs to resume it. */
  readonly parked?: ParkedMark;
}
