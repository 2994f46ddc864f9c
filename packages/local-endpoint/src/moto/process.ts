import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { stopChild } from '../shared/child.js';
import { childBaseEnv } from '../shared/child-env.js';
import { LocalEndpointError } from '../shared/errors.js';

export interface MotoProcess {
  readonly url: string;
  stop(): Promise<void>;
}

export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const INSTALL_HINT = 'moto_server was not found: install it with `pip install "moto[server]"` (Python 3)';

/**
 * Starts `moto_server` on a free loopback port and waits until it answers. AWS managed IAM
 * policies are loaded (MOTO_IAM_LOAD_MANAGED_POLICIES) so that `--managed-policies` works.
 */
export interface MotoOptions {
  /** Added to the child's environment (which is childBaseEnv: none of the parent's AWS_* variables). */
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
  /** Its working directory (a folder of the endpoint's); the parent's own is never inherited. */
  cwd?: string;
}

export async function startMoto(options: MotoOptions = {}): Promise<MotoProcess> {
  // A port free when asked can be taken before moto binds it (another process asking at the same
  // moment): moto then exits saying the address is in use, and a new port is tried.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startMotoOn(await freePort(), options);
    } catch (error) {
      if (!(error instanceof LocalEndpointError && error.code === 'MotoPortTaken') || attempt === 3) throw error;
    }
  }
}

async function startMotoOn(port: number, options: MotoOptions): Promise<MotoProcess> {
  const env = { ...childBaseEnv(), MOTO_IAM_LOAD_MANAGED_POLICIES: 'true', ...options.env };
  const child = await spawnFirst(
    [
      ['moto_server', ['-H', '127.0.0.1', '-p', String(port)]],
      ['python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)]],
    ],
    env,
    options.cwd,
  );
  const url = `http://127.0.0.1:${port}`;
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(/address already in use/i.test(stderr) ? new LocalEndpointError('MotoPortTaken', `port ${port} was taken before moto_server bound it`) : new LocalEndpointError('MotoExited', exitReason(code, stderr))),
    ),
  );
  exited.catch(() => undefined);
  await Promise.race([waitUntilAnswering(url, options.readyTimeoutMs ?? 30_000), exited]);
  return {
    url,
    stop: () => stopChild(child),
  };
}

function exitReason(code: number | null, stderr: string): string {
  if (/No module named/.test(stderr)) return INSTALL_HINT;
  return `moto_server exited (code ${code}) before it was ready: ${stderr.trim().split('\n').slice(-3).join(' ')}`;
}

async function spawnFirst(candidates: Array<[string, string[]]>, env: NodeJS.ProcessEnv, cwd: string | undefined): Promise<ChildProcess> {
  for (const [command, args] of candidates) {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    const started = await new Promise<boolean>((resolve) => {
      child.once('spawn', () => resolve(true));
      child.once('error', () => resolve(false));
    });
    if (started) return child;
  }
  throw new LocalEndpointError('MotoMissing', INSTALL_HINT);
}

async function waitUntilAnswering(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    try {
      const response = await fetch(`${url}/moto-api/data.json`);
      await response.arrayBuffer();
      return;
    } catch {
      if (Date.now() > deadline) throw new LocalEndpointError('MotoTimeout', `moto_server did not answer at ${url} within ${timeoutMs / 1000}s`);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
