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

/** Exponential backoff between tries: base, doubling up to max. */
export interface Backoff {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** How a poll loop waits: first delay, doubling up to max, giving up after timeoutMs. */
export interface Poll {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly timeoutMs: number;
}

/** The SDK waiters' own settings (seconds): `waitUntil...({ maxWaitTime, minDelay, maxDelay })`. */
export interface SdkWaiter {
  readonly maxWaitTime: number;
  readonly minDelay?: number;
  readonly maxDelay?: number;
}

/** The pace of MWAA's Airflow CLI endpoint (aws/airflow-cli.ts). */
export interface AirflowCliTiming {
  /** Least time between the starts of two requests (AWS: 5 s). */
  readonly minGapMs: number;
  /** How long one request may take before it counts as failed. */
  readonly requestTimeoutMs: number;
}

/** Intervals of `run`, `runs` and the run `add-data` starts. */
export interface RunTiming {
  readonly cli: AirflowCliTiming;
  /** Between two looks at the run's task states. */
  readonly pollMs: number;
  /** After unpausing, how long to look for the scheduled run Airflow starts for the latest interval. */
  readonly scheduledRunWaitMs: number;
  /** Bound on following one run; ABALONE_WAIT_TIMEOUT replaces it. */
  readonly followTimeoutMs: number;
}

/**
 * Every delay, backoff and wait bound the tool uses, chosen once per session: AWS's pace, or the
 * local endpoint's (which settles in milliseconds, so long first delays would only slow tests).
 */
export interface TimingProfile {
  readonly emulated: boolean;
  /** A call naming what this run just made, which AWS may not know everywhere yet. */
  readonly fresh: {
    /** S3: a new bucket's first configuration calls may say NoSuchBucket. */
    readonly bucket: Backoff;
    /** EC2: a new VPC, subnet or gateway may be "not found" for a moment. */
    readonly ec2: Backoff;
  };
  /** A create call without an idempotency token whose outcome is unknown (aws/create-once.ts). */
  readonly createOnce: Backoff;
  /** A call passing a role IAM may not have propagated yet (8 tries). */
  readonly rolePropagation: Backoff;
  /** EC2 refusing to delete what something still uses (DependencyViolation). */
  readonly ec2InUse: Backoff;
  /** GetEnvironment until an Airflow environment settles (create, update, delete take 20-30 minutes). */
  readonly mwaaEnvironment: Poll;
  /** GetFunction until a Lambda function is Active after a change. */
  readonly lambdaReady: Poll;
  /** BatchGetBuilds until a CodeBuild build ends. */
  readonly codebuildBuild: Omit<Poll, 'timeoutMs'>;
  /** The SDK's NAT gateway waiters (available, deleted). */
  readonly natGateway: SdkWaiter;
  /** The SDK's SageMaker endpoint-deleted waiter. */
  readonly endpointDeleted: SdkWaiter;
  /** The SDK's SageMaker endpoint-in-service waiter (resuming a parked endpoint). */
  readonly endpointInService: SdkWaiter;
  /** Starting and following a pipeline run through the Airflow CLI. */
  readonly run: RunTiming;
}

/** A NAT gateway is usually available in 1-3 minutes and gone in about one; 10 is a clear failure. */
const NAT_MAX_WAIT_SECONDS = 600;
/** A SageMaker endpoint is usually gone within a few minutes of DeleteEndpoint; 30 is a clear failure. */
const ENDPOINT_MAX_WAIT_SECONDS = 30 * 60;

/** The profile for a session; `emulated` when an endpoint override is active (clients.emulated). */
export function timingProfile(options: { emulated: boolean; env?: NodeJS.ProcessEnv }): TimingProfile {
  const { emulated } = options;
  const env = options.env ?? process.env;
  const pick = <T>(local: T, aws: T): T => (emulated ? local : aws);
  const quick: Backoff = { baseDelayMs: 50, maxDelayMs: 200 };
  return {
    emulated,
    fresh: {
      bucket: pick(quick, { baseDelayMs: 500, maxDelayMs: 5_000 }),
      ec2: pick(quick, { baseDelayMs: 1_000, maxDelayMs: 5_000 }),
    },
    createOnce: pick(quick, { baseDelayMs: 500, maxDelayMs: 8_000 }),
    // Against AWS: waits of 1, 2, 4, 8, 10, 10, 10 s (45 s in all); a new role is usually assumable within about 10 s.
    rolePropagation: pick(quick, { baseDelayMs: 1_000, maxDelayMs: 10_000 }),
    // Against AWS: up to about 9 minutes over 20 tries, while a deleted environment's network interfaces go.
    ec2InUse: pick(quick, { baseDelayMs: 5_000, maxDelayMs: 30_000 }),
    mwaaEnvironment: { ...pick({ initialDelayMs: 200, maxDelayMs: 1_000 }, { initialDelayMs: 15_000, maxDelayMs: 30_000 }), timeoutMs: waitTimeoutMs(90 * 60_000, env) },
    lambdaReady: { ...pick({ initialDelayMs: 100, maxDelayMs: 1_000 }, { initialDelayMs: 1_000, maxDelayMs: 5_000 }), timeoutMs: waitTimeoutMs(5 * 60_000, env) },
    codebuildBuild: { initialDelayMs: pick(200, 3_000), maxDelayMs: 15_000 },
    natGateway: {
      // The SDK's waiter needs more time than its first delay (1s against an emulator, 15s on AWS).
      maxWaitTime: Math.max(pick(2, 16), Math.round(waitTimeoutMs(NAT_MAX_WAIT_SECONDS * 1000, env) / 1000)),
      ...pick({ minDelay: 1, maxDelay: 2 }, {}),
    },
    endpointDeleted: {
      maxWaitTime: Math.max(pick(2, 16), Math.round(waitTimeoutMs(ENDPOINT_MAX_WAIT_SECONDS * 1000, env) / 1000)),
      ...pick({ minDelay: 1, maxDelay: 2 }, { minDelay: 15, maxDelay: 60 }),
    },
    // A new endpoint is usually InService in 5-10 minutes on AWS.
    endpointInService: {
      maxWaitTime: Math.max(pick(2, 16), Math.round(waitTimeoutMs(60 * 60 * 1000, env) / 1000)),
      ...pick({ minDelay: 1, maxDelay: 2 }, { minDelay: 30, maxDelay: 60 }),
    },
    // MWAA: one CLI request at a time, no faster than every 5 s; the DAG's dagrun_timeout is 6 h.
    run: pick<RunTiming>(
      { cli: { minGapMs: 0, requestTimeoutMs: 60_000 }, pollMs: 300, scheduledRunWaitMs: 1_500, followTimeoutMs: 30 * 60_000 },
      { cli: { minGapMs: 5_000, requestTimeoutMs: 60_000 }, pollMs: 5_000, scheduledRunWaitMs: 30_000, followTimeoutMs: 6 * 3600_000 + 10 * 60_000 },
    ),
  };
}
