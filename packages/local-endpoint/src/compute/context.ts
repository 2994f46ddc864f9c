/** What every executor shares: moto's clients per region, the Python interpreters, the child pool, the temp folder. */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childBaseEnv } from '../shared/child-env.js';
import { usageError } from '../shared/errors.js';
import { within } from '../shared/paths.js';
import { motoClients, type MotoClients } from '../shared/moto-clients.js';
import type { PythonCapabilities } from '../python-env.js';
import { ChildPool } from './children.js';

export interface ComputeOptions {
  readonly motoUrl: string;
  /** This endpoint's own URL (children's AWS_ENDPOINT_URL), known once it listens. */
  readonly endpointUrl: () => string;
  readonly capabilities: Promise<PythonCapabilities>;
  readonly env?: NodeJS.ProcessEnv;
  /** The folder to work in (made if missing, removed by close); a new temp folder without it. */
  readonly tempRoot?: string;
}

/** Timing knobs of the compute executors (seconds), from ABALONE_LOCAL_* variables. */
export interface ComputeKnobs {
  /** SageMaker endpoints: Creating/Updating/Deleting -> next state (ABALONE_LOCAL_ENDPOINT_DELAY, default 2). */
  endpointDelay: number;
  /** How many seconds one minute of a Glue job's Timeout lasts (ABALONE_LOCAL_GLUE_MINUTE, default 60). */
  glueMinute: number;
  /** Concurrent Python children (ABALONE_LOCAL_CHILDREN, default 2). */
  children: number;
}

function knob(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw usageError(`${name} must be a number >= ${min}, got '${raw}'.`);
  return value;
}

export function knobsFromEnv(env: NodeJS.ProcessEnv = process.env): ComputeKnobs {
  return {
    endpointDelay: knob(env, 'ABALONE_LOCAL_ENDPOINT_DELAY', 2, 0),
    glueMinute: knob(env, 'ABALONE_LOCAL_GLUE_MINUTE', 60, 0.01),
    children: Math.floor(knob(env, 'ABALONE_LOCAL_CHILDREN', 2, 1)),
  };
}

export class ComputeContext {
  readonly pool: ChildPool;
  readonly knobs: ComputeKnobs;
  readonly tempRoot: string;
  private readonly clients = new Map<string, MotoClients>();
  private readonly accounts = new Map<string, Promise<string>>();
  private generation = 0;

  constructor(readonly options: ComputeOptions) {
    this.knobs = knobsFromEnv(options.env);
    if (options.tempRoot) mkdirSync(options.tempRoot, { recursive: true });
    this.tempRoot = options.tempRoot ?? mkdtempSync(join(tmpdir(), 'abalone-local-'));
    // A child's working directory when its spec names none: never the user's.
    const cwd = join(this.tempRoot, 'cwd');
    mkdirSync(cwd, { recursive: true });
    this.pool = new ChildPool(this.knobs.children, cwd);
  }

  moto(region: string): MotoClients {
    let c = this.clients.get(region);
    if (!c) {
      c = motoClients(this.options.motoUrl, region);
      this.clients.set(region, c);
    }
    return c;
  }

  accountId(region: string): Promise<string> {
    let a = this.accounts.get(region);
    if (!a) {
      a = (async () => (await (await this.moto(region).sts()).send(new GetCallerIdentityCommand({}))).Account ?? '123456789012')();
      a.catch(() => this.accounts.delete(region));
      this.accounts.set(region, a);
    }
    return a;
  }

  async arn(region: string, service: string, resource: string): Promise<string> {
    const partition = region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
    return `arn:${partition}:${service}:${region}:${await this.accountId(region)}:${resource}`;
  }

  /** A fresh folder under the temp root (removed with it on close, or on reset). */
  async workDir(kind: string, name: string): Promise<string> {
    const dir = within(this.tempRoot, `g${this.generation}`, kind, `${name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`);
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /**
   * The environment of a child: childBaseEnv (no AWS_* variable of the parent, dummy credentials),
   * AWS pointing at this endpoint's fixed URL.
   */
  childEnv(region: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...childBaseEnv(join(this.tempRoot, 'no-aws-config'), this.options.env ?? process.env),
      AWS_ENDPOINT_URL: this.options.endpointUrl(),
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_EC2_METADATA_DISABLED: 'true',
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1',
      ...extra,
    };
  }

  /** Forgets every work folder (after children were stopped). */
  resetFiles(): void {
    const old = join(this.tempRoot, `g${this.generation}`);
    this.generation++;
    rmSync(old, { recursive: true, force: true });
  }

  close(): void {
    rmSync(this.tempRoot, { recursive: true, force: true });
  }
}
