/**
 * The executors' Python children: at most `size` run at once (two cores stay usable), each
 * started and bounded by shared/child.ts (killed, its whole process group, at its timeout or when stopped).
 */
import { runChild, type ChildResult, type ChildSpec } from '../shared/child.js';

export type { ChildResult, ChildSpec } from '../shared/child.js';

export class ChildPool {
  private running = 0;
  private readonly queue: Array<() => void> = [];

  /** `cwd`: the working directory of a child whose spec names none (never the endpoint's own). */
  constructor(
    readonly size: number,
    readonly cwd?: string,
  ) {}

  async run(spec: ChildSpec): Promise<ChildResult> {
    await this.slot(spec.signal);
    try {
      if (spec.signal?.aborted) return { code: null, stdout: '', stderr: '', result: '', killed: 'stopped' };
      spec.onStart?.();
      return await runChild({ ...spec, cwd: spec.cwd ?? this.cwd });
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

/** The last non-empty line of a child's error output: what Glue and SageMaker report. */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '';
}
