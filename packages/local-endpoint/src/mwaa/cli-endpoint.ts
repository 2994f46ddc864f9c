/**
 * `POST /aws_mwaa/cli`: the Airflow CLI endpoint of an MWAA web server ("Creating an Apache Airflow
 * CLI token", MWAA User Guide): `Authorization: Bearer <CliToken>`, `Content-Type: text/plain`, the
 * command line as the body; the answer is 200 `{"stdout": <base64>, "stderr": <base64>}`.
 * The request is not SigV4-signed: the token alone names the region and environment.
 * Error answers (not documented by AWS; chosen as docs/mwaa-emulator.md, "Airflow CLI", explains):
 * 403 for a missing, unknown or expired token, 405 for another method, 500 for a command the
 * endpoint does not run.
 */
import { randomUUID } from 'node:crypto';
import { parseCommandLine } from './cli-args.js';
import { runCommand, UnsupportedOutput } from './cli-commands.js';
import type { CliTokenRegistry } from './cli-tokens.js';
import { UnsupportedSchedule, type AirflowEnvironment } from './dag-runs.js';
import type { EnvConfig } from './config.js';
import type { EmulatorResponse } from './http.js';

export interface CliHttpRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** This endpoint's own URL (scheme and Host of the request): the runs' AWS_ENDPOINT_URL. */
  selfUrl: string;
}

/** What one regional emulator offers the endpoint. */
export interface CliTarget {
  runCli(region: string, name: string, commandLine: string, selfUrl: string): Promise<EmulatorResponse>;
}

export const CLI_PATH = '/aws_mwaa/cli';

function reply(status: number, body: unknown): EmulatorResponse {
  return { status, headers: { 'content-type': 'application/json', 'x-amzn-RequestId': randomUUID() }, body: JSON.stringify(body) };
}

export function forbidden(reason: string): EmulatorResponse {
  return reply(403, { message: `Forbidden: ${reason}` });
}

export function unsupported(message: string): EmulatorResponse {
  return reply(500, { message });
}

export function cliAnswer(stdout: string, stderr: string): EmulatorResponse {
  return reply(200, { stdout: Buffer.from(stdout).toString('base64'), stderr: Buffer.from(stderr).toString('base64') });
}

/** Checks the method and the token, then hands the command to the emulator of the token's region. */
export async function handleCliRequest(
  req: CliHttpRequest,
  tokens: CliTokenRegistry,
  now: number,
  targetFor: (region: string) => CliTarget,
): Promise<EmulatorResponse> {
  if (req.method.toUpperCase() !== 'POST') return reply(405, { message: `Method ${req.method} is not allowed on ${CLI_PATH}; use POST` });
  const header = req.headers.authorization;
  const auth = Array.isArray(header) ? header[0] : header;
  const token = auth ? /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1] : undefined;
  if (!token) return forbidden('the request has no Authorization: Bearer <CliToken> header');
  const check = tokens.check(token, now);
  if (!check.ok) return forbidden(check.reason === 'expired' ? 'the CLI token has expired (tokens are valid for 60 seconds)' : 'the CLI token is not valid');
  return targetFor(check.scope.region).runCli(check.scope.region, check.scope.name, req.body.toString('utf8'), req.selfUrl);
}

/** Runs one command line against an environment's Airflow state. */
export async function runCliCommand(airflow: AirflowEnvironment, config: EnvConfig, commandLine: string, selfUrl: string): Promise<EmulatorResponse> {
  const parsed = parseCommandLine(commandLine);
  if (!parsed.ok) {
    if ('unsupported' in parsed) return unsupported(parsed.unsupported);
    // DefaultHelpParser.error (airflow/cli/cli_parser.py): help on stdout (not reproduced), then exit 2 with this line.
    return cliAnswer('', `\n${parsed.usage.prog} command error: ${parsed.usage.message}, see help above.\n`);
  }
  await airflow.refresh(config, selfUrl);
  try {
    const out = runCommand(airflow, parsed.command);
    return cliAnswer(out.stdout, out.stderr);
  } catch (error) {
    if (error instanceof UnsupportedOutput || error instanceof UnsupportedSchedule) return unsupported(error.message);
    throw error;
  }
}
