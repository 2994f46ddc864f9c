import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { BIN, runCli } from '../support/cli.js';

describe('abalone-pipeline local', () => {
  it('without moto installed, says how to install it and exits 1', async () => {
    const run = await runCli(['local', '--port', '0'], { env: { PATH: '/nonexistent' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('pip install "moto[server]"');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('a port in use is a clear error', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const run = await runCli(['local', '--port', String(port)], { env: { PATH: process.env.PATH } });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`port ${port} on 127.0.0.1 is in use`);
    } finally {
      blocker.close();
    }
  });

  it('an invalid --port is a usage error', async () => {
    const run = await runCli(['local', '--port', 'http']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--port');
  });

  it('prints the export lines, serves until Ctrl-C, then stops its moto child and exits 130', async () => {
    const child = spawn(process.execPath, [BIN, 'local', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      const ready = () => {
        if (stdout.includes('AWS_DISABLE_HOST_PREFIX_INJECTION') && stderr.includes('Ctrl-C to stop')) resolve();
      };
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        ready();
      });
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        ready();
      });
      child.once('exit', () => reject(new Error(stderr)));
    });
    expect(stdout).toMatch(/^export AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:\d+$/m);
    expect(stdout).toMatch(/^export AWS_ACCESS_KEY_ID=test$/m);
    expect(stdout).toMatch(/^export AWS_REGION=us-east-1$/m);
    expect(stdout).toMatch(/^export AWS_DISABLE_HOST_PREFIX_INJECTION=true$/m);
    const motoUrl = /moto at (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1];
    expect(motoUrl).toBeDefined();

    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    await expect(fetch(`${motoUrl}/moto-api/data.json`)).rejects.toThrow();
  });
});
