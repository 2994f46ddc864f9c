import { InterruptedError, UsageError, errorName } from '../base/errors.js';

/** The one wrapper around the prompt library: tests mock this module, never the library. */
export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

/**
 * Ctrl-C at a prompt: the terminal is in raw mode, so no SIGINT reaches the process; the prompt
 * library ends with ExitPromptError (or AbortPromptError when our signal aborted). Either is an
 * interruption before anything was changed: exit 130, as for Ctrl-C anywhere else.
 */
async function asking<T>(ask: () => Promise<T>): Promise<T> {
  try {
    return await ask();
  } catch (error) {
    if (errorName(error) === 'ExitPromptError' || errorName(error) === 'AbortPromptError') {
      throw new InterruptedError('interrupted at the prompt: nothing was changed');
    }
    throw error;
  }
}

export async function confirm(message: string, signal: AbortSignal): Promise<boolean> {
  const { confirm: ask } = await import('@inquirer/prompts');
  return asking(() => ask({ message, default: false }, { output: process.stderr, signal }));
}

/**
 * The harder confirmation for what cannot be undone (as `gh repo delete` asks for the repository's
 * name): true only when the user types `expected` exactly.
 */
export async function confirmByTyping(message: string, expected: string, signal: AbortSignal): Promise<boolean> {
  const { input } = await import('@inquirer/prompts');
  const typed = await asking(() => input({ message }, { output: process.stderr, signal }));
  return typed.trim() === expected;
}

/** Without a terminal we never ask: the user must say --yes. */
export function requireYesOrTerminal(yes: boolean, what: string): void {
  if (!yes && !canPrompt()) {
    throw new UsageError(`${what} needs confirmation and there is no terminal to ask on: pass --yes`, 'ConfirmationRequired');
  }
}
