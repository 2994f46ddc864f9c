import type { EnvironmentClass } from './mwaa-catalog.js';

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

/**
 * What `park` records in the stored settings (key `parked`), so that `up` knows to resume and
 * how: the endpoint it deleted, to be created again from its kept endpoint config.
 */
export interface ParkedMark {
  /** When `park` first marked the pipeline (ISO 8601). */
  readonly since: string;
  readonly endpoint?: KeptEndpoint;
}

export interface KeptEndpoint {
  /** The endpoint config the deleted endpoint served (kept by park, with its model). */
  readonly config: string;
  readonly instanceType: string;
  readonly instanceCount: number;
}
