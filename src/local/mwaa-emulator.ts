/**
 * An emulator of the Amazon MWAA REST API (2020-07-01) for the `local` endpoint: the router hands it
 * every request whose SigV4 scope names the `airflow` service. Behaviour: ./mwaa-emulator.md.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { partitionOf } from '../engine/names.js';
import { UsageError, errorMessage } from '../errors.js';
import type { MwaaBackend } from './mwaa-backend.js';
import { S3_OBJECTS, checkEnvironmentName, configFromCreate, configFromUpdate, type EnvConfig } from './mwaa/config.js';
import { Environment, storeKey, type Context, type EnvironmentStore, type UpdateError } from './mwaa/environment.js';
import {
  ApiError,
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
      throw new UsageError(`${name} must be a number of seconds >= 0, got '${raw}'.`);
    }
    delays[key] = value;
  }
  return delays;
}

export interface MwaaEmulatorOptions {
  backend: MwaaBackend;
  delays: MwaaDelays;
  now?: () => Date;
}

export class MwaaEmulator {
  private readonly environments: EnvironmentStore = new Map();
  private readonly backend: MwaaBackend;
  private readonly delays: MwaaDelays;
  private readonly clock: () => Date;

  constructor(options: MwaaEmulatorOptions) {
    this.backend = options.backend;
    this.delays = options.delays;
    this.clock = options.now ?? (() => new Date());
  }

  async handle(request: EmulatorRequest): Promise<EmulatorResponse> {
    const requestId = randomUUID();
    try {
      return jsonResponse(requestId, await this.route(request));
    } catch (error) {
      const apiError =
        error instanceof ApiError ? error : new ApiError('InternalServerException', 500, errorMessage(error));
      return errorResponse(requestId, apiError);
    }
  }

  /** Forgets every environment (and so every tag). */
  reset(): void {
    this.environments.clear();
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
    if ((resource === 'clitoken' || resource === 'webtoken') && label !== undefined && method === 'POST') {
      return this.token(resource, req.region, label);
    }
    throw unknownOperation(method, req.path);
  }

  private settleAll(): void {
    const now = this.now();
    for (const [key, env] of this.environments) {
      if (!env.settle(now)) this.environments.delete(key);
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
    return {};
  }

  private async token(kind: 'clitoken' | 'webtoken', region: string, name: string): Promise<unknown> {
    const env = this.find(region, name);
    const token = randomBytes(48).toString('base64url');
    if (kind === 'clitoken') return { CliToken: token, WebServerHostname: env.webserverHostname };
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
