import type { Output } from './output.js';

/**
 * One spinner line on stderr for everything that is waiting, e.g.
 * "ensure-mwaa: CREATING (4m 10s)". Without a TTY each message is a plain stderr line instead.
 */
export class WaitIndicator {
  private readonly waiting = new Map<string, string>();
  private spinner: { text: string; start(): unknown; stop(): unknown; clear(): unknown; render(): unknown } | undefined;
  private loading: Promise<void> | undefined;

  constructor(private readonly output: Output) {}

  update(step: string, message: string): void {
    const previous = this.waiting.get(step);
    this.waiting.set(step, message);
    if (!this.output.spinners) {
      if (previous !== message) this.output.info(`${step}: ${message}`);
      return;
    }
    this.loading ??= import('ora').then(({ default: ora }) => {
      this.spinner = ora({ stream: this.output.stderr, discardStdin: false });
    });
    void this.loading.then(() => this.refresh());
  }

  done(step: string): void {
    this.waiting.delete(step);
    this.refresh();
  }

  /** Runs a write to the terminal without the spinner garbling it. */
  around(write: () => void): void {
    if (!this.spinner || this.waiting.size === 0) return write();
    this.spinner.clear();
    write();
    this.spinner.render();
  }

  stop(): void {
    this.waiting.clear();
    this.refresh();
  }

  private refresh(): void {
    if (!this.spinner) return;
    if (this.waiting.size === 0) {
      this.spinner.stop();
      return;
    }
    this.spinner.text = [...this.waiting].map(([step, message]) => `${step}: ${message}`).join('  ·  ');
    this.spinner.start();
  }
}
