/**
 * The one way the endpoint starts and bounds a child process. A child that runs to an end (a
 * Python executor child, an interpreter probe, the DAG runner's parse) is `runChild`: its output
 * collected (4 MiB a stream at most), killed with its whole process group at its timeout or when
 * its signal aborts. A child that serves until told (moto, a DAG run) is stopped by `stopChild`:
 * SIGTERM, then SIGKILL after a grace period.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The result channel (fd 3), when asked for. */
  result: string;
  /** Why it was killed: its timeout, or a stop request. */
  killed?: 'timeout' | 'stopped';
}

export interface ChildSpec {
  command: string;
  args: string[];
  cwd?: string;
  env: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** Killed (SIGKILL, its process group) after this long; without it, only a stop ends it. */
  timeoutMs?: number;
  /** Open fd 3 as a pipe the child writes its result to. */
  resultPipe?: boolean;
  /** Aborting it kills the child (StopTrainingJob, BatchStopJobRun, reset, close). */
  signal?: AbortSignal;
  /** Called once the child has left the queue and started. */
  onStart?: () => void;
}

const OUTPUT_LIMIT = 4 * 1024 * 1024;

export function runChild(spec: ChildSpec): Promise<ChildResult> {
  return new Promise((resolve) => {
    const stdio: Array<'pipe' | 'ignore'> = ['pipe', 'pipe', 'pipe'];
    if (spec.resultPipe) stdio.push('pipe');
    const child = spawn(spec.command, spec.args, { cwd: spec.cwd, env: spec.env, stdio, detached: true });
    let stdout = '';
    let stderr = '';
    let result = '';
    let killed: ChildResult['killed'];
    const kill = (why: 'timeout' | 'stopped') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      killed ??= why;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = spec.timeoutMs === undefined ? undefined : setTimeout(() => kill('timeout'), Math.max(1, spec.timeoutMs));
    const onAbort = () => kill('stopped');
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    const append = (current: string, d: Buffer) => (current.length < OUTPUT_LIMIT ? current + d.toString() : current);
    child.stdout?.on('data', (d: Buffer) => (stdout = append(stdout, d)));
    child.stderr?.on('data', (d: Buffer) => (stderr = append(stderr, d)));
    (child.stdio[3] as NodeJS.ReadableStream | undefined)?.on('data', (d: Buffer) => (result = append(result, d)));
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(spec.input ?? '');
    const done = (code: number | null) => {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      resolve({ code, stdout, stderr, result, ...(killed ? { killed } : {}) });
    };
    child.once('error', (error) => {
      stderr += `${error.message}\n`;
      done(127);
    });
    child.once('close', (code) => done(code));
  });
}

/** Stops a long-running child: SIGTERM, SIGKILL after `graceMs`; settles when it has exited. */
export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
