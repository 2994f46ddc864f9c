/**
 * Ctrl-C: the first stops the run between AWS calls (the engine checks the signal before each
 * change), the second exits at once. Either way the exit code is 130.
 */
export function onInterrupt(notify: (message: string) => void): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const handler = () => {
    if (controller.signal.aborted) {
      process.exit(130);
    }
    notify('interrupted: finishing the call under way, then stopping (Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
