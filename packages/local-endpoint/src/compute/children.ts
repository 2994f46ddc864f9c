/**
 * The endpoint's Python children: at most `size` run at once (two cores stay usable), each
 * killed (its whole process group) at its timeout or when stopped.
 */
import { spawn } from 'node:child_process';

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
  timeoutMs: number;
  /** Open fd 3 as a pipe the child writes its result to. */
  resultPipe?: boolean;
  /** Aborting it kills the child (StopTrainingJob, BatchStopJobRun, reset, close). */
  signal?: AbortSignal;
  /** Called once the child has left the queue and started. */
  onStart?: () => void;
}

const OUTPUT_LIMIT = 4 * 1024 * 1024;

export class ChildPool {
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(readonly size: number) {}

  async run(spec: ChildSpec): Promise<ChildResult> {
    await this.slot(spec.signal);
    try {
      if (spec.signal?.aborted) return { code: null, stdout: '', stderr: '', result: '', killed: 'stopped' };
      spec.onStart?.();
      return await runChild(spec);
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }

  private slot(signal?: AbortSignal): Promise<void> {
    if (this.running < this.size) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const start = () => {
        this.running++;
        resolve();
      };
      this.queue.push(start);
      signal?.addEventListener(
        'abort',
        () => {
          const i = this.queue.indexOf(start);
          if (i >= 0) {
            this.queue.splice(i, 1);
            start();
          }
        },
        { once: true },
      );
    });
  }
}

function runChild(spec: ChildSpec): Promise<ChildResult> {
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
    const timer = setTimeout(() => kill('timeout'), Math.max(1, spec.timeoutMs));
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

/** The last non-empty line of a child's error output: what Glue and SageMaker report. */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '';
}
