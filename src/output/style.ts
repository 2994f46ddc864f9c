/** ANSI styling that switches off for --no-color, NO_COLOR, or a stdout that is not a terminal. */
export interface Style {
  green(text: string): string;
  yellow(text: string): string;
  red(text: string): string;
  cyan(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const wrap = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;
const identity = (text: string) => text;

export function createStyle(enabled: boolean): Style {
  if (!enabled) return { green: identity, yellow: identity, red: identity, cyan: identity, dim: identity, bold: identity };
  return { green: wrap(32, 39), yellow: wrap(33, 39), red: wrap(31, 39), cyan: wrap(36, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

export function colorEnabled(flag: boolean, env: NodeJS.ProcessEnv, stdoutIsTty: boolean): boolean {
  if (!flag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stdoutIsTty;
}
