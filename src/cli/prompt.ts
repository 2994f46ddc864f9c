import { UsageError } from '../errors.js';

/** The one wrapper around the prompt library: tests mock this module, never the library. */
export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

export async function confirm(message: string, signal: AbortSignal): Promise<boolean> {
  const { confirm: ask } = await import('@inquirer/prompts');
  return ask({ message, default: false }, { output: process.stderr, signal });
}

/** Without a terminal we never ask: the user must say --yes. */
export function requireYesOrTerminal(yes: boolean, what: string): void {
  if (!yes && !canPrompt()) {
    throw new UsageError(`${what} needs confirmation and there is no terminal to ask on: pass --yes`, 'ConfirmationRequired');
  }
}
