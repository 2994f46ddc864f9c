import { register } from 'node:module';

let registered = false;

/**
 * Loads the AWS SDK clients through sdk-hooks.ts (about half the start-up time of a command
 * that uses them all). Called just before a command's module loads, so `--help` and usage
 * errors never pay for it. `ABALONE_SDK_HOOKS=off` keeps Node's own loader.
 */
export function registerSdkHooks(env: NodeJS.ProcessEnv = process.env): void {
  if (registered || env.ABALONE_SDK_HOOKS === 'off') return;
  registered = true;
  try {
    register('./sdk-hooks.js', import.meta.url);
  } catch {
    // A Node without module.register: the default loader, only slower.
  }
}
