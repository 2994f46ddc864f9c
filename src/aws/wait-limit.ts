/**
 * How long the tool waits for one resource to settle (an Airflow environment, a NAT gateway, a
 * Lambda function) before it gives up with a WaitTimeout error, and a rerun picks up the wait.
 * Each waiter has its own bound; `ABALONE_WAIT_TIMEOUT` (seconds, a positive number) replaces it,
 * e.g. to keep a CI job from waiting on AWS longer than the job may run.
 */
export function waitTimeoutMs(defaultMs: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.ABALONE_WAIT_TIMEOUT?.trim();
  if (!raw) return defaultMs;
  const seconds = Number(raw);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : defaultMs;
}

/** "45s", "90 minutes": how long a wait lasted, for its timeout message. */
export function describeWait(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)}s`;
  return `${Math.round(ms / 60_000)} minutes`;
}
