import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, type CliResult } from './cli.js';

export interface CliChildResult extends CliResult {
  /** The signal that ended the process (SIGKILL when a test killed it), or null. */
  readonly signal: NodeJS.Signals | null;
}

export interface CliChild {
  readonly process: ChildProcess;
  readonly pid: number;
  /** Everything written to stderr so far. */
  stderr(): string;
  readonly done: Promise<CliChildResult>;
}

/** Starts the built CLI as a child process and hands it over while it runs (to kill or interrupt it). */
export function spawnCli(args: string[], env: Record<string, string | undefined>, timeoutMs = 120_000): CliChild {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliChildResult>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  return { process: child, pid: child.pid!, stderr: () => stderr, done };
}
