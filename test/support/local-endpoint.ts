import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from './cli.js';

export interface TestEndpoint {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** Environment for a CLI child process: endpoint, dummy credentials, region. */
  readonly env: Record<string, string>;
  /** POST /moto-api/reset: forgets every resource (moto, MWAA emulator, bucket policies). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts `abalone-pipeline local --port 0` (the built CLI: the system gives it a free port, so
 * parallel test files never race for one), as a user would, and takes its URL from the
 * `export AWS_ENDPOINT_URL=` line. MWAA and SageMaker endpoint delays default to fractions of a second here.
 */
export async function startLocalEndpoint(extraEnv: Record<string, string> = {}): Promise<TestEndpoint> {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'local', '--port', '0'], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ABALONE_MWAA_CREATE_DELAY: '0.3',
      ABALONE_MWAA_UPDATE_DELAY: '0.3',
      ABALONE_MWAA_DELETE_DELAY: '0.3',
      ABALONE_LOCAL_ENDPOINT_DELAY: '0.3',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`local endpoint did not start in 60s:\n${stderr}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('AWS_DISABLE_HOST_PREFIX_INJECTION')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`local endpoint exited (${code}) before it was ready:\n${stderr}`));
    });
  });
  const url = /^export AWS_ENDPOINT_URL=(\S+)$/m.exec(stdout)?.[1];
  if (!url) throw new Error(`local endpoint printed no AWS_ENDPOINT_URL:\n${stdout}`);
  return {
    url,
    env: {
      AWS_ENDPOINT_URL: url,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      NO_COLOR: '1',
    },
    async reset() {
      const response = await fetch(`${url}/moto-api/reset`, { method: 'POST' });
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`reset failed: ${response.status}`);
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGINT');
      await exited;
    },
  };
}
