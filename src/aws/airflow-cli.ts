import { CreateCliTokenCommand, type Environment, type MWAAClient } from '@aws-sdk/client-mwaa';
import type { AirflowCliTiming } from '../engine/timing.js';
import { InterruptedError, ToolError, errorMessage, errorName, type ErrorCode } from '../base/errors.js';
import { isAirflow3 } from '../engine/mwaa-catalog.js';
import { getEnvironment } from './mwaa-environment.js';
import { sleep } from './retry.js';

/** An MWAA environment as GetEnvironment describes it. */
export type MwaaEnvironment = Environment;

/**
 * The Airflow CLI that MWAA exposes on its web server
 * (https://docs.aws.amazon.com/mwaa/latest/userguide/call-mwaa-apis-cli.html): a CreateCliToken
 * call (the token is valid 60 seconds, so one is taken per command), then
 * `POST https://<WebServerHostname>/aws_mwaa/cli` with `Authorization: Bearer <token>`,
 * `Content-Type: text/plain` and the command line as the body; the answer is JSON
 * `{"stdout": <base64>, "stderr": <base64>}`. AWS asks for one request at a time ("do not open a
 * new request until the previous one completes"), so calls are queued and spaced.
 */
export interface CliOutput {
  readonly stdout: string;
  readonly stderr: string;
}

export type { AirflowCliTiming } from '../engine/timing.js';

export interface AirflowCliOptions {
  readonly mwaa: MWAAClient;
  readonly environment: string;
  /**
   * The endpoint override in force for MWAA. A loopback override (the local endpoint) answers the
   * CLI itself: requests go to `<endpoint>/aws_mwaa/cli`. Any other override (a VPC or FIPS
   * endpoint, a proxy) serves only the MWAA API: the token still goes only to the environment's
   * `WebServerHostname`, over https.
   */
  readonly endpointUrl?: string;
  readonly timing: AirflowCliTiming;
  readonly signal: AbortSignal;
  /** Registers each CLI token for redaction as soon as it is issued (output/redact.ts `registerSecret`). */
  readonly registerSecret: (value: string) => void;
  /** For tests; the global fetch otherwise. */
  readonly fetch?: typeof fetch;
}

/** HTTP statuses a web server answers to a token it does not accept (expired, or not yet valid). */
const TOKEN_REJECTED = new Set([401, 403]);

export class AirflowCli {
  private queue: Promise<unknown> = Promise.resolve();
  private lastStart = 0;
  /** How many times a token was refused and a new one taken (for tests and diagnostics). */
  tokenRenewals = 0;

  constructor(private readonly options: AirflowCliOptions) {}

  /** Runs one Airflow CLI command line, e.g. `dags list-runs -d abalone_pipeline -o json`. */
  run(command: string): Promise<CliOutput> {
    const next = this.queue.then(
      () => this.send(command),
      () => this.send(command),
    );
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async send(command: string): Promise<CliOutput> {
    const wait = this.lastStart + this.options.timing.minGapMs - Date.now();
    if (wait > 0) await sleep(wait, this.options.signal);
    for (let attempt = 1; ; attempt++) {
      this.lastStart = Date.now();
      const { token, hostname } = await this.token();
      const response = await this.post(this.url(hostname), token, command);
      if (TOKEN_REJECTED.has(response.status) && attempt === 1) {
        // The token lives 60 s; a slow request or clock skew can outlive it: take a new one.
        this.tokenRenewals += 1;
        continue;
      }
      if (response.status >= 300 && response.status < 400) {
        // fetch is told not to follow: a redirect would carry the Bearer token to another host.
        throw new ToolError('AirflowCliRedirect', `the Airflow CLI of ${this.options.environment} answered \`${command}\` with a redirect (HTTP ${response.status}${response.location ? ` to ${response.location}` : ''}): not followed, the CLI token is sent only to the environment's web server`);
      }
      if (response.status !== 200) {
        const hint = TOKEN_REJECTED.has(response.status) ? ' (a new CLI token was refused too: check the caller may call airflow:CreateCliToken for this environment)' : '';
        throw new ToolError('AirflowCliError', `the Airflow CLI of ${this.options.environment} answered HTTP ${response.status} to \`${command}\`${hint}: ${firstLine(response.body)}`);
      }
      return decodeAnswer(response.body, command);
    }
  }

  private url(hostname: string | undefined): string {
    return cliUrl(this.options.environment, hostname, this.options.endpointUrl);
  }

  private async token(): Promise<{ token: string; hostname?: string }> {
    const out = await this.options.mwaa.send(new CreateCliTokenCommand({ Name: this.options.environment }), { abortSignal: this.options.signal });
    if (!out.CliToken) throw new ToolError('NoCliToken', `CreateCliToken for ${this.options.environment} returned no token`);
    // A credential for 60 s: never printed, not even in an error quoting the request or a debug stack.
    this.options.registerSecret(out.CliToken);
    return { token: out.CliToken, hostname: out.WebServerHostname };
  }

  private async post(url: string, token: string, command: string): Promise<{ status: number; body: string; location?: string }> {
    const doFetch = this.options.fetch ?? fetch;
    const timeout = AbortSignal.timeout(this.options.timing.requestTimeoutMs);
    try {
      const response = await doFetch(url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/plain' },
        body: command,
        redirect: 'manual',
        signal: AbortSignal.any([this.options.signal, timeout]),
      });
      return { status: response.status, body: await response.text(), location: response.headers?.get?.('location') ?? undefined };
    } catch (error) {
      if (this.options.signal.aborted) throw new InterruptedError(`interrupted during \`${command}\``);
      if (timeout.aborted) throw new ToolError('AirflowCliTimeout', `the Airflow CLI of ${this.options.environment} did not answer \`${command}\` within ${Math.round(this.options.timing.requestTimeoutMs / 1000)}s`);
      const cause = (error as { cause?: unknown }).cause;
      throw new ToolError('AirflowCliUnreachable', `cannot reach the Airflow web server at ${url} (${errorName(cause ?? error)}: ${errorMessage(cause ?? error)})`);
    }
  }
}

/** 127.0.0.0/8, ::1 and `localhost`: an override there is this machine (the local endpoint). */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;

/**
 * Where the CLI token may go: `<loopback override>/aws_mwaa/cli` (the local endpoint answers the
 * CLI itself), else only `https://<WebServerHostname>/aws_mwaa/cli`, the host name exactly as
 * CreateCliToken returned it (a bare DNS name: no scheme, port, path or user part). A non-loopback
 * override (VPC or FIPS endpoint, proxy) is for the MWAA API only and never receives the token.
 */
export function cliUrl(environment: string, hostname: string | undefined, endpointUrl: string | undefined): string {
  if (endpointUrl && isLoopbackUrl(endpointUrl)) return `${endpointUrl.replace(/\/+$/, '')}/aws_mwaa/cli`;
  if (!hostname) throw new ToolError('NoWebServer', `CreateCliToken for ${environment} returned no web server host name`);
  if (!HOST_NAME.test(hostname)) throw new ToolError('AirflowCliHost', `CreateCliToken for ${environment} returned a web server host name that is not a DNS name (${JSON.stringify(hostname.slice(0, 100))}): the CLI token is not sent there`);
  return `https://${hostname}/aws_mwaa/cli`;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.slice(0, 300) || '(empty body)';
}

export function decodeAnswer(body: string, command: string): CliOutput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new ToolError('AirflowCliError', `the Airflow CLI answered \`${command}\` with something that is not JSON: ${firstLine(body)}`);
  }
  const answer = parsed as { stdout?: unknown; stderr?: unknown };
  const decode = (value: unknown) => (typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : '');
  return { stdout: decode(answer.stdout), stderr: decode(answer.stderr) };
}

/**
 * Airflow's `-o json` output (airflow/cli/simple_table.py, AirflowConsole.print_as_json): a JSON
 * list, or the text "No data found" when the list is empty. Undefined when stdout is neither.
 */
export function parseJsonRows<T = Record<string, unknown>>(stdout: string): T[] | undefined {
  const text = stdout.trim();
  if (text === '' || /^No data found\b/.test(text)) return [];
  const start = text.indexOf('[');
  if (start < 0) return undefined;
  try {
    const rows = JSON.parse(text.slice(start)) as unknown;
    return Array.isArray(rows) ? (rows as T[]) : undefined;
  } catch {
    return undefined;
  }
}

/** The last meaningful line Airflow wrote to stderr: the exception, for a one-line error. */
export function lastErrorLine(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/^(WARNING|INFO|DEBUG)\b|^\[.*\] \{.*\} (WARNING|INFO)/.test(l));
  return lines.at(-1) ?? '';
}

export interface UsableEnvironment {
  readonly environment: Environment;
}

/**
 * The environment, checked before any CLI call: it must exist, be AVAILABLE, and have a web
 * server this machine can reach (PRIVATE_ONLY is reachable only from inside its VPC, so the
 * call would hang until a network timeout).
 */
export async function usableEnvironment(mwaa: MWAAClient, name: string): Promise<Environment> {
  const environment = await getEnvironment(mwaa, name);
  const problem = environmentProblem(name, environment);
  if (problem) throw new ToolError(problem.code, problem.message);
  return environment!;
}

export function environmentProblem(name: string, environment: Environment | undefined): { code: ErrorCode; message: string } | undefined {
  if (!environment) {
    return { code: 'NoEnvironment', message: `the Airflow environment ${name} does not exist: run \`abalone-pipeline up\` first` };
  }
  if (environment.Status !== 'AVAILABLE') {
    return { code: 'EnvironmentNotAvailable', message: `the Airflow environment ${name} is ${environment.Status}, not AVAILABLE: wait for it (\`abalone-pipeline status\`) or run \`abalone-pipeline up\`` };
  }
  if (environment.WebserverAccessMode === 'PRIVATE_ONLY') {
    // Airflow 3 is reached through InvokeRestApi (ops/run.ts openPipelineDag), Airflow 2 through the CLI endpoint.
    const how = isAirflow3(environment.AirflowVersion)
      ? "MWAA's InvokeRestApi cannot reach a private web server from outside the environment's VPC"
      : "its CLI endpoint cannot be reached from outside the environment's VPC";
    return {
      code: 'WebserverPrivate',
      message: `the Airflow web server of ${name} is PRIVATE_ONLY: ${how}; run this from a machine in the VPC, or switch with \`abalone-pipeline up --webserver-access PUBLIC_ONLY\``,
    };
  }
  return undefined;
}
