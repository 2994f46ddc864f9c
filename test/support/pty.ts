import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BIN } from './cli.js';

const HELPER = fileURLToPath(new URL('./pty_session.py', import.meta.url));

/** Wait until the screen matches `expect` (a regular expression's source), then type `send`. */
export interface PtyStep {
  readonly expect: string;
  readonly send: string;
}

export interface PtyResult {
  /** The exit code, or minus the signal that ended the command. */
  readonly code: number;
  /** Everything the command wrote to its terminal (stdout and stderr together), without ANSI sequences, lines ending in \\n. */
  readonly screen: string;
  /** Why a step could not be taken (its text never appeared), or null. */
  readonly error: string | null;
}

export const KEY = { enter: '\r', ctrlC: '\u0003' } as const;

/**
 * Runs the built CLI in a pseudo-terminal (Python's pty module, test/support/pty_session.py):
 * stdin, stdout and stderr are a terminal, as for a user, so the tool prompts.
 */
export function runCliInTerminal(args: string[], options: { env?: Record<string, string | undefined>; steps?: readonly PtyStep[]; timeoutMs?: number } = {}): Promise<PtyResult> {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', TERM: 'xterm', COLUMNS: '200', LINES: '50', ...options.env };
  const spec = { argv: [process.execPath, BIN, ...args], env, steps: options.steps ?? [], timeout: (options.timeoutMs ?? 120_000) / 1000 };
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [HELPER], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`pty helper exited ${code}: ${stderr}`));
      const result = JSON.parse(stdout) as PtyResult;
      resolve({ ...result, screen: result.screen.replace(/\r\n/g, '\n') });
    });
    child.stdin.end(JSON.stringify(spec));
  });
}
