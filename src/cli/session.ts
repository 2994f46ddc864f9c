import { createClients, defaultRegion, endpointOverride, type Clients } from '../aws/clients.js';
import { deriveNames, partitionOf, type Names } from '../engine/names.js';
import { ToolError, UsageError, errorMessage, errorName } from '../errors.js';
import { registerSecret } from '../output/redact.js';
import { validateName, validateRegion } from './validate.js';

export interface GlobalOptions {
  name: string;
  region?: string;
  profile?: string;
  endpointUrl?: string;
  yes: boolean;
  json: boolean;
  color: boolean;
}

export interface Session {
  readonly clients: Clients;
  readonly names: Names;
}

export async function resolveRegion(options: GlobalOptions): Promise<string> {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? (await defaultRegion());
  if (!region) {
    throw new UsageError('no AWS region: pass --region, set AWS_REGION, or set a region in your AWS profile (aws configure)', 'MissingRegion');
  }
  return validateRegion(region);
}

/** Resolves region, credentials and account (from STS) before any command touches AWS. */
export async function openSession(options: GlobalOptions): Promise<Session> {
  if (options.profile) process.env.AWS_PROFILE = options.profile;
  const region = await resolveRegion(options);
  validateName(options.name, region);
  if (options.endpointUrl) validateEndpoint(options.endpointUrl);
  const clients = createClients({ region, profile: options.profile, endpointUrl: options.endpointUrl });
  const { account, partition } = await callerIdentity(clients, options);
  return { clients, names: deriveNames(options.name, region, account, partition) };
}

function validateEndpoint(url: string): void {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('protocol');
  } catch {
    throw new UsageError(`--endpoint-url "${url}" is not an http(s) URL`, 'InvalidOption');
  }
}

async function callerIdentity(clients: Clients, options: GlobalOptions): Promise<{ account: string; partition: string }> {
  const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  try {
    const sts = await clients.sts();
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    // Credentials from a profile, SSO or a role are known only now: from here on, never printed.
    const credentials = await sts.config.credentials().catch(() => undefined);
    registerSecret(credentials?.secretAccessKey);
    registerSecret(credentials?.sessionToken);
    if (!identity.Account) throw new ToolError('NoAccount', 'STS GetCallerIdentity returned no account id');
    return { account: identity.Account, partition: identity.Arn?.split(':')[1] ?? partitionOf(clients.region) };
  } catch (error) {
    throw explainIdentityError(error, options);
  }
}

const CREDENTIALS_HELP = 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass --profile, or run `aws configure`';

export function explainIdentityError(error: unknown, options: GlobalOptions): unknown {
  if (error instanceof ToolError) return error;
  const name = errorName(error);
  const where = endpointOverride('sts', { endpointUrl: options.endpointUrl });
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(errorMessage(error))) {
    return new ToolError('MissingCredentials', `no AWS credentials found: ${CREDENTIALS_HELP}`);
  }
  if (name === 'ExpiredToken' || name === 'ExpiredTokenException' || name === 'RequestExpired') {
    return new ToolError('ExpiredCredentials', 'the AWS credentials have expired: refresh them (e.g. `aws sso login`, or a new session token)');
  }
  if (name === 'InvalidClientTokenId' || name === 'SignatureDoesNotMatch' || name === 'UnrecognizedClientException') {
    return new ToolError('InvalidCredentials', `AWS rejected the credentials (${name}): ${CREDENTIALS_HELP}`);
  }
  if (['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'TimeoutError'].includes(name)) {
    return new ToolError('EndpointUnreachable', `cannot reach AWS${where ? ` at ${where}` : ''} (${name}); check the network${where ? ' and that the endpoint is running' : ''}`);
  }
  if (where && (name === 'SyntaxError' || name === 'Error' || name === 'Unknown' || /Deserialization|Expected|parse/i.test(errorMessage(error)))) {
    return new ToolError('EndpointGarbage', `the endpoint ${where} did not answer like AWS STS (${errorMessage(error).split('\n')[0]})`);
  }
  return error;
}
