/**
 * One emulated environment: its configuration, tags and lifecycle. Status is computed lazily
 * from timestamps (no timers): a transition started at T with duration D has ended once now >= T + D,
 * and `settle` applies its outcome the first time anything looks at the environment after that.
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { LOG_MODULES, S3_OBJECTS, type EnvConfig } from './config.js';

/** The tag that forces a failure: `create`, `update` or `unavailable` (see docs/mwaa-emulator.md). */
export const FAIL_TAG = 'abalone-emulator:fail';

export type SettledStatus = 'AVAILABLE' | 'CREATE_FAILED' | 'UPDATE_FAILED' | 'UNAVAILABLE';
export type Status = SettledStatus | 'CREATING' | 'UPDATING' | 'DELETING';

export interface UpdateError {
  ErrorCode: string;
  ErrorMessage: string;
}

interface Transition {
  kind: 'CREATE' | 'UPDATE' | 'DELETE';
  endsAt: number;
  /** What the asynchronous checks found when the request came in; undefined when they passed. */
  error?: UpdateError;
}

interface LastUpdate {
  Status: 'SUCCESS' | 'PENDING' | 'FAILED';
  CreatedAt: number;
  Error?: UpdateError;
  WorkerReplacementStrategy?: string;
}

export interface Context {
  region: string;
  account: string;
  partition: string;
}

/** Environments are regional: the store's key is region and name. */
export type EnvironmentStore = Map<string, Environment>;

export function storeKey(region: string, name: string): string {
  return `${region}\u0000${name}`;
}

export class Environment {
  status: Status;
  tags: Record<string, string>;
  lastUpdate: LastUpdate;
  private transition?: Transition;
  private previous?: EnvConfig;
  private readonly createdAt: number;
  private readonly host: string;
  private readonly serviceIds = { webserver: hex(17), database: hex(17), queue: randomUUID() };

  constructor(
    readonly name: string,
    readonly arn: string,
    public config: EnvConfig,
    tags: Record<string, string>,
    ctx: Context,
    now: number,
    durationMs: number,
    asyncError?: UpdateError,
  ) {
    this.tags = tags;
    this.createdAt = now;
    this.status = 'CREATING';
    this.transition = { kind: 'CREATE', endsAt: now + durationMs, ...(asyncError ? { error: asyncError } : {}) };
    this.lastUpdate = { Status: 'PENDING', CreatedAt: now };
    const domain = ctx.partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
    const vpce = config.WebserverAccessMode === 'PRIVATE_ONLY' ? '-vpce' : '';
    this.host = `${randomUUID()}${vpce}.c${randomInt(1, 10)}.${ctx.region}.airflow.${domain}`;
  }

  get webserverHostname(): string {
    return this.host;
  }

  /** Statuses that accept an UpdateEnvironment. */
  canUpdate(): boolean {
    return this.status === 'AVAILABLE' || this.status === 'UPDATE_FAILED';
  }

  /** Statuses that accept a DeleteEnvironment: every settled one. */
  canDelete(): boolean {
    return !this.transition;
  }

  startUpdate(next: EnvConfig, now: number, durationMs: number, asyncError?: UpdateError, strategy?: string): void {
    this.previous = this.config;
    this.config = next;
    this.status = 'UPDATING';
    this.transition = { kind: 'UPDATE', endsAt: now + durationMs, ...(asyncError ? { error: asyncError } : {}) };
    this.lastUpdate = { Status: 'PENDING', CreatedAt: now, ...(strategy ? { WorkerReplacementStrategy: strategy } : {}) };
  }

  startDelete(now: number, durationMs: number): void {
    this.status = 'DELETING';
    this.transition = { kind: 'DELETE', endsAt: now + durationMs };
  }

  /** The failure tag asks for UNAVAILABLE: a settled, healthy environment turns so at once. */
  applyFailTag(): void {
    if (this.tags[FAIL_TAG] === 'unavailable' && (this.status === 'AVAILABLE' || this.status === 'UPDATE_FAILED')) {
      this.status = 'UNAVAILABLE';
    }
  }

  /** Ends a transition whose time has come. Returns false when the environment is gone (deleted). */
  settle(now: number): boolean {
    const t = this.transition;
    if (!t || now < t.endsAt) return true;
    this.transition = undefined;
    if (t.kind === 'DELETE') return false;
    const forced = this.tags[FAIL_TAG];
    const failure = t.error ?? (forced === t.kind.toLowerCase() ? forcedError(forced) : undefined);
    if (failure) {
      this.lastUpdate = { ...this.lastUpdate, Status: 'FAILED', Error: failure };
      if (t.kind === 'CREATE') {
        this.status = 'CREATE_FAILED';
      } else {
        this.status = 'UPDATE_FAILED';
        this.config = this.previous ?? this.config;
      }
    } else if (forced === 'unavailable') {
      this.lastUpdate = { ...this.lastUpdate, Status: 'FAILED', Error: forcedError(forced) };
      this.status = 'UNAVAILABLE';
    } else {
      this.lastUpdate = { ...this.lastUpdate, Status: 'SUCCESS' };
      this.status = 'AVAILABLE';
    }
    this.previous = undefined;
    return true;
  }

  /** GetEnvironment's `Environment`. */
  describe(ctx: Context): Record<string, unknown> {
    const c = this.config;
    const logGroup = (suffix: string) =>
      `arn:${ctx.partition}:logs:${ctx.region}:${ctx.account}:log-group:airflow-${this.name}-${suffix}`;
    const logging = Object.fromEntries(
      LOG_MODULES.map((m) => {
        const { Enabled, LogLevel } = c.LoggingConfiguration[m];
        const arn = Enabled ? { CloudWatchLogGroupArn: logGroup(LOG_GROUP_SUFFIX[m]) } : {};
        return [m, { Enabled, LogLevel, ...arn }];
      }),
    );
    const objects = Object.fromEntries(S3_OBJECTS.flat().flatMap((k) => (c[k] !== undefined ? [[k, c[k]]] : [])));
    const built = this.status !== 'CREATING' && this.status !== 'CREATE_FAILED';
    const customer = c.EndpointManagement === 'CUSTOMER';
    const vpce = (id: string) => `com.amazonaws.vpce.${ctx.region}.vpce-svc-${id}`;
    return {
      Name: this.name,
      Arn: this.arn,
      Status: this.status,
      CreatedAt: seconds(this.createdAt),
      ...(built ? { WebserverUrl: this.host } : {}),
      ExecutionRoleArn: c.ExecutionRoleArn,
      ServiceRoleArn: `arn:${ctx.partition}:iam::${ctx.account}:role/aws-service-role/airflow.amazonaws.com/AWSServiceRoleForAmazonMWAA`,
      ...(c.KmsKey ? { KmsKey: c.KmsKey } : {}),
      AirflowVersion: c.AirflowVersion,
      SourceBucketArn: c.SourceBucketArn,
      DagS3Path: c.DagS3Path,
      ...objects,
      AirflowConfigurationOptions: c.AirflowConfigurationOptions,
      EnvironmentClass: c.EnvironmentClass,
      MaxWorkers: c.MaxWorkers,
      MinWorkers: c.MinWorkers,
      Schedulers: c.Schedulers,
      MinWebservers: c.MinWebservers,
      MaxWebservers: c.MaxWebservers,
      NetworkConfiguration: c.NetworkConfiguration,
      LoggingConfiguration: logging,
      LastUpdate: { ...this.lastUpdate, CreatedAt: seconds(this.lastUpdate.CreatedAt) },
      WeeklyMaintenanceWindowStart: c.WeeklyMaintenanceWindowStart,
      Tags: this.tags,
      WebserverAccessMode: c.WebserverAccessMode,
      EndpointManagement: c.EndpointManagement,
      ...(customer
        ? { WebserverVpcEndpointService: vpce(this.serviceIds.webserver), DatabaseVpcEndpointService: vpce(this.serviceIds.database) }
        : {}),
      CeleryExecutorQueue: `arn:${ctx.partition}:sqs:${ctx.region}:${ctx.account}:airflow-celery-${this.serviceIds.queue}`,
    };
  }
}

/** CloudWatch log group names MWAA uses: `airflow-<Name>-<suffix>`. */
const LOG_GROUP_SUFFIX: Record<(typeof LOG_MODULES)[number], string> = {
  DagProcessingLogs: 'DAGProcessing',
  SchedulerLogs: 'Scheduler',
  TaskLogs: 'Task',
  WebserverLogs: 'WebServer',
  WorkerLogs: 'Worker',
};

function forcedError(value: string): UpdateError {
  return {
    ErrorCode: value === 'unavailable' ? 'INTERNAL_ERROR' : 'INCORRECT_CONFIGURATION',
    ErrorMessage: `Failure forced by the environment tag ${FAIL_TAG}=${value}.`,
  };
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}

function hex(length: number): string {
  return randomBytes(Math.ceil(length / 2)).toString('hex').slice(0, length);
}
