/**
 * An emulator of the Amazon MWAA REST API (2020-07-01) for the `local` endpoint: the router hands it
 * every request whose SigV4 scope names the `airflow` service. Behaviour: ../docs/mwaa-emulator.md.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage, usageError } from './shared/errors.js';
import { partitionOf } from './shared/moto-clients.js';
import type { MwaaBackend } from './mwaa-backend.js';
import { S3_OBJECTS, checkEnvironmentName, configFromCreate, configFromUpdate, type EnvConfig } from './mwaa/config.js';
import { Environment, storeKey, type Context, type EnvironmentStore, type UpdateError } from './mwaa/environment.js';
import {
  AwsError,
  errorResponse,
  jsonResponse,
  notFoundError,
  parseJsonBody,
  unknownOperation,
  validationError,
  type EmulatorRequest,
  type EmulatorResponse,
} from './mwaa/http.js';
import { listEnvironments } from './mwaa/list.js';
import { listTags, tagResource, untagResource } from './mwaa/tags.js';
import { forbidden, runCliCommand, unsupported, type CliTarget } from './mwaa/cli-endpoint.js';
import { CliTokenRegistry } from './mwaa/cli-tokens.js';
import { DagFolder, type DagFolderSource } from './mwaa/dag-folder.js';
import { AirflowEnvironment } from './mwaa/dag-runs.js';
import { invokeRestApi } from './mwaa/invoke-rest-api.js';
import { isAirflow3 } from './shared/mwaa-catalog.js';

export type { EmulatorRequest, EmulatorResponse } from './mwaa/http.js';

export interface MwaaDelays {
  createSeconds: number;
  updateSeconds: number;
  deleteSeconds: number;
}

const DELAY_VARS: Record<keyof MwaaDelays, string> = {
  createSeconds: 'ABALONE_MWAA_CREATE_DELAY',
  updateSeconds: 'ABALONE_MWAA_UPDATE_DELAY',
  deleteSeconds: 'ABALONE_MWAA_DELETE_DELAY',
};
const DEFAULT_DELAYS: MwaaDelays = { createSeconds: 3, updateSeconds: 2, deleteSeconds: 2 };

/** How long creates, updates and deletes take, from ABALONE_MWAA_*_DELAY (seconds, fractions allowed). */
export function delaysFromEnv(env: NodeJS.ProcessEnv = process.env): MwaaDelays {
  const delays = { ...DEFAULT_DELAYS };
  for (const [key, name] of Object.entries(DELAY_VARS) as [keyof MwaaDelays, string][]) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) {
      throw usageError(`${name} must be a number of seconds >= 0, got '${raw}'.`);
    }
    delays[key] = value;
  }
  return delays;
}

/** What the Airflow CLI endpoint needs to find an environment's DAGs and run them (the runner's command line, dag-runner/README.md). */
export interface AirflowSetup {
  dagSource: DagFolderSource;
  runnerPath: string;
  /** An interpreter that imports boto3 and jinja2, or undefined. */
  python: () => Promise<string | undefined>;
  /** Where DAG folders, run state files and task logs go; removed by close(). */
  workDir: string;
}

export interface MwaaEmulatorOptions {
  backend: MwaaBackend;
  delays: MwaaDelays;
  now?: () => Date;
  /** Shared by every regional emulator of one endpoint: a CLI request names no region, only its token. */
  cliTokens?: CliTokenRegistry;
  /** Without it the CLI endpoint answers every command with a 500 saying so. */
  airflow?: AirflowSetup;
}

export class MwaaEmulator implements CliTarget {
  private readonly environments: EnvironmentStore = new Map();
  private readonly backend: MwaaBackend;
  private readonly delays: MwaaDelays;
  private readonly clock: () => Date;
  readonly cliTokens: CliTokenRegistry;
  private readonly airflowSetup?: AirflowSetup;
  /** Airflow's state per environment (store key), made on the first CLI command. */
  private readonly airflow = new Map<string, { env: AirflowEnvironment; dir: string; queue: Promise<unknown> }>();
  private airflowCount = 0;
  private closed = false;

  constructor(options: MwaaEmulatorOptions) {
    this.backend = options.backend;
    this.delays = options.delays;
    this.clock = options.now ?? (() => new Date());
    this.cliTokens = options.cliTokens ?? new CliTokenRegistry();
    if (options.airflow) this.airflowSetup = options.airflow;
  }

  async handle(request: EmulatorRequest): Promise<EmulatorResponse> {
    const requestId = randomUUID();
    try {
      return jsonResponse(requestId, await this.route(request));
    } catch (error) {
      const apiError =
        error instanceof AwsError ? error : new AwsError('InternalServerException', errorMessage(error), 500);
      return errorResponse(requestId, apiError);
    }
  }

  /** Forgets every environment (and so every tag, CLI token, DAG and run; running runs are killed). */
  reset(): void {
    const regions = new Set([...this.environments.values()].map((e) => e.arn.split(':')[3]!));
    this.environments.clear();
    regions.forEach((r) => this.cliTokens.clear(r));
    void this.dropAirflow();
  }

  /** Kills every run and removes the work directory (the endpoint is closing). */
  async close(): Promise<void> {
    this.closed = true;
    await this.dropAirflow();
    if (this.airflowSetup) rmSync(this.airflowSetup.workDir, { recursive: true, force: true });
  }

  /** Kills the runs of one environment (by store key) or of all. */
  private async dropAirflow(key?: string): Promise<void> {
    const entries = [...this.airflow.entries()].filter(([k]) => key === undefined || k === key);
    for (const [k] of entries) this.airflow.delete(k);
    await Promise.all(entries.map(([, a]) => a.env.kill()));
    for (const [, a] of entries) rmSync(a.dir, { recursive: true, force: true });
  }

  /** One Airflow CLI command for environment `name` of this emulator's region (see mwaa/cli-endpoint.ts). */
  async runCli(region: string, name: string, commandLine: string, selfUrl: string): Promise<EmulatorResponse> {
    this.settleAll();
    const key = storeKey(region, name);
    const env = this.environments.get(key);
    if (!env || ['CREATING', 'CREATE_FAILED', 'DELETING'].includes(env.status)) {
      return forbidden(`environment ${name} has no Airflow web server now`);
    }
    if (this.closed) return forbidden('the endpoint is closing');
    if (isAirflow3(env.config.AirflowVersion)) {
      // MWAA documents no Airflow 3 CLI support table; the emulator emulates 3.x through InvokeRestApi only.
      return unsupported(
        `this endpoint does not run Airflow CLI commands on environment ${name}, which runs Apache Airflow ${env.config.AirflowVersion}: MWAA's support for Airflow 3 CLI commands is not documented, so the local MWAA emulator serves Airflow 3.x environments through InvokeRestApi (Airflow's REST API v2) only`,
      );
    }
    if (!this.airflowSetup) return unsupported('this endpoint was started without the local DAG runner; it runs no Airflow CLI command');
    return this.serially(key, env.config, (airflow) => runCliCommand(airflow, env.config, commandLine, selfUrl));
  }

  /**
   * Runs `work` on the environment's Airflow state (made on first use) after every earlier request of
   * that environment: MWAA's web server serves the CLI endpoint one request at a time, and the
   * emulator serves InvokeRestApi calls in the same queue.
   */
  private serially<T>(key: string, config: EnvConfig, work: (airflow: AirflowEnvironment) => Promise<T>): Promise<T> {
    let entry = this.airflow.get(key);
    if (!entry) {
      const setup = this.airflowSetup!;
      const [region, name] = key.split('\u0000') as [string, string];
      const dir = join(setup.workDir, `env-${++this.airflowCount}`);
      mkdirSync(dir, { recursive: true });
      const folder = new DagFolder(setup.dagSource, dir);
      const airflow = new AirflowEnvironment(region, name, config, folder, dir, { runnerPath: setup.runnerPath, python: setup.python, now: this.clock });
      entry = { env: airflow, dir, queue: Promise.resolve() };
      this.airflow.set(key, entry);
    }
    const current = entry;
    const result = current.queue.then(() => work(current.env));
    current.queue = result.catch(() => undefined);
    return result;
  }

  /** InvokeRestApi (`POST /restapi/{Name}`): see mwaa/invoke-rest-api.ts. */
  private async invokeRestApi(req: EmulatorRequest, name: string): Promise<unknown> {
    const env = this.find(req.region, name);
    return invokeRestApi({
      name,
      config: env.config,
      status: env.status,
      body: parseJsonBody(req.body),
      closed: this.closed,
      airflowAvailable: !!this.airflowSetup,
      run: (work) => this.serially(storeKey(req.region, name), env.config, work),
      selfUrl: req.selfUrl ?? 'http://127.0.0.1',
    });
  }

  private async route(req: EmulatorRequest): Promise<unknown> {
    this.settleAll();
    const [resource, ...rest] = req.path.split('/').filter(Boolean);
    const label = rest.length > 0 ? decodeLabel(rest.join('/')) : undefined;
    const method = req.method.toUpperCase();
    if (resource === 'environments' && label === undefined && method === 'GET') {
      return listEnvironments(this.environments, req.region, req.query);
    }
    if (resource === 'environments' && label !== undefined && rest.length === 1) {
      if (method === 'PUT') return this.create(req, label);
      if (method === 'GET') return { Environment: this.find(req.region, label).describe(await this.context(req.region)) };
      if (method === 'PATCH') return this.update(req, label);
      if (method === 'DELETE') return this.delete(req.region, label);
    }
    if (resource === 'tags' && label !== undefined) {
      if (method === 'GET') return listTags(this.environments, req.region, label);
      if (method === 'POST') return tagResource(this.environments, req.region, label, parseJsonBody(req.body));
      if (method === 'DELETE') return untagResource(this.environments, req.region, label, req.query);
    }
    if (resource === 'restapi' && label !== undefined && rest.length === 1 && method === 'POST') {
      return this.invokeRestApi(req, label);
    }
    if ((resource === 'clitoken' || resource === 'webtoken') && label !== undefined && method === 'POST') {
      return this.token(resource, req.region, label);
    }
    throw unknownOperation(method, req.path);
  }

  private settleAll(): void {
    const now = this.now();
    for (const [key, env] of this.environments) {
      if (!env.settle(now)) {
        this.environments.delete(key);
        void this.dropAirflow(key);
      }
    }
  }

  private now(): number {
    return this.clock().getTime();
  }

  private async context(region: string): Promise<Context> {
    return { region, account: await this.backend.accountId(), partition: partitionOf(region) };
  }

  private find(region: string, name: string): Environment {
    checkEnvironmentName(name);
    const env = this.environments.get(storeKey(region, name));
    if (!env) throw notFoundError(`Environment ${name} not found.`);
    return env;
  }

  private async create(req: EmulatorRequest, name: string): Promise<unknown> {
    checkEnvironmentName(name);
    const { config, tags } = configFromCreate(parseJsonBody(req.body));
    const key = storeKey(req.region, name);
    const exists = () => {
      if (this.environments.has(key)) throw validationError(`Environment ${name} already exists.`);
    };
    exists();
    await this.checkNow(config, { role: true, bucket: true, network: true });
    await this.checkVersionsNow(config, () => true);
    const asyncError = await this.checkLater(config);
    const ctx = await this.context(req.region);
    exists();
    const arn = `arn:${ctx.partition}:airflow:${req.region}:${ctx.account}:environment/${name}`;
    const ms = this.delays.createSeconds * 1000;
    this.environments.set(key, new Environment(name, arn, config, tags, ctx, this.now(), ms, asyncError));
    return { Arn: arn };
  }

  private async update(req: EmulatorRequest, name: string): Promise<unknown> {
    const env = this.find(req.region, name);
    const body = parseJsonBody(req.body);
    const ready = () => {
      if (!env.canUpdate()) {
        throw validationError(
          `Environment ${name} is ${env.status}; it can be updated only when AVAILABLE or UPDATE_FAILED.`,
        );
      }
    };
    ready();
    const next = configFromUpdate(env.config, body);
    await this.checkNow(next, {
      role: body.ExecutionRoleArn !== undefined,
      bucket: body.SourceBucketArn !== undefined,
      network: body.NetworkConfiguration !== undefined,
    });
    await this.checkVersionsNow(next, (path, version) => body[path] !== undefined || body[version] !== undefined);
    const asyncError = await this.checkLater(next);
    ready();
    const strategy = typeof body.WorkerReplacementStrategy === 'string' ? body.WorkerReplacementStrategy : undefined;
    env.startUpdate(next, this.now(), this.delays.updateSeconds * 1000, asyncError, strategy);
    return { Arn: env.arn };
  }

  private delete(region: string, name: string): unknown {
    const env = this.find(region, name);
    if (!env.canDelete()) {
      throw validationError(`Environment ${name} is ${env.status}; it can be deleted only when it is not changing.`);
    }
    env.startDelete(this.now(), this.delays.deleteSeconds * 1000);
    // Deleting the environment takes its schedulers and workers, and so its running tasks, away.
    void this.dropAirflow(storeKey(region, name));
    return {};
  }

  private async token(kind: 'clitoken' | 'webtoken', region: string, name: string): Promise<unknown> {
    const env = this.find(region, name);
    if (kind === 'clitoken') return { CliToken: this.cliTokens.issue({ region, name }, this.now()), WebServerHostname: env.webserverHostname };
    const token = randomBytes(48).toString('base64url');
    const ctx = await this.context(region);
    return { WebToken: token, WebServerHostname: env.webserverHostname, IamIdentity: `arn:${ctx.partition}:iam::${ctx.account}:root` };
  }

  /** The cross-service checks AWS answers in the request itself: a failure is a ValidationException. */
  private async checkNow(config: EnvConfig, which: { role: boolean; bucket: boolean; network: boolean }): Promise<void> {
    const checks = [
      which.role && (() => this.backend.checkExecutionRole(config.ExecutionRoleArn)),
      which.bucket && (() => this.backend.checkSourceBucket(config.SourceBucketArn)),
      which.network &&
        (() => this.backend.checkNetwork(config.NetworkConfiguration.SubnetIds, config.NetworkConfiguration.SecurityGroupIds)),
    ];
    for (const check of checks) {
      const reason = check ? await check() : undefined;
      if (reason) throw validationError(reason);
    }
  }

  /**
   * An object version the request names must exist when the request is taken: the version is the
   * ID S3 assigned to the file (MWAA API reference, *S3ObjectVersion), so a missing one is a 400
   * ValidationException and nothing changes. `named` picks the members this request sets.
   */
  private async checkVersionsNow(config: EnvConfig, named: (path: string, version: string) => boolean): Promise<void> {
    for (const [path, version] of S3_OBJECTS) {
      const key = config[path];
      const id = config[version];
      if (key === undefined || id === undefined || !named(path, version)) continue;
      const reason = await this.backend.checkObjectVersion(config.SourceBucketArn, key.replace(/^\/+/, ''), id);
      if (reason) throw validationError(`Invalid request provided: ${version} ${id}: ${reason}`);
    }
  }

  /** The checks AWS makes while it builds the environment: the S3 objects named without a version. */
  private async checkLater(config: EnvConfig): Promise<UpdateError | undefined> {
    for (const [path, version] of S3_OBJECTS) {
      const key = config[path];
      if (key === undefined || config[version] !== undefined) continue;
      const reason = await this.backend.checkObjectVersion(config.SourceBucketArn, key.replace(/^\/+/, ''), config[version]);
      if (reason) return { ErrorCode: 'INCORRECT_CONFIGURATION', ErrorMessage: reason };
    }
    return undefined;
  }
}

function decodeLabel(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw validationError(`The path segment '${raw}' is not valid percent-encoding.`);
  }
}
