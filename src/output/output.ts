import type { Writable } from 'node:stream';
import { redact, registerSecret } from './redact.js';
import { createStyle, type Style } from './style.js';

/**
 * Where everything the user sees goes. Results go to stdout; progress, prompts and
 * diagnostics go to stderr. Nothing else in the tool writes to a stream.
 */
export interface Output {
  readonly json: boolean;
  readonly style: Style;
  /** A spinner is shown only on an interactive stderr outside CI. */
  readonly spinners: boolean;
  /** stdout line (human mode only). */
  line(text?: string): void;
  /** stderr line: progress, notices, diagnostics. */
  info(text: string): void;
  /** The one JSON document of a --json run. */
  result(document: unknown): void;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

export interface OutputOptions {
  json: boolean;
  color: boolean;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export function createOutput(options: OutputOptions): Output {
  const { stdout, stderr, json } = options;
  registerSecret(options.env.AWS_SECRET_ACCESS_KEY);
  registerSecret(options.env.AWS_SESSION_TOKEN);
  return {
    json,
    style: createStyle(options.color),
    spinners: Boolean(stderr.isTTY) && !options.env.CI,
    line: (text = '') => {
      if (!json) stdout.write(`${redact(text)}\n`);
    },
    info: (text) => {
      stderr.write(`${redact(text)}\n`);
    },
    result: (document) => {
      stdout.write(`${redact(JSON.stringify(document, null, 2))}\n`);
    },
    stdout,
    stderr,
  };
}
