import { ToolError, errorMessage, errorName } from '../base/errors.js';
import { endpointOverride, type Clients } from './clients.js';

export interface CallerIdentity {
  readonly account: string;
  readonly partition: string;
}

/**
 * The account and partition the credentials belong to (STS GetCallerIdentity). The credentials
 * are known only now (a profile, SSO or a role): onSecret gets each secret part, so that the
 * caller can keep it out of every output.
 */
export async function callerIdentity(clients: Clients, fallbackPartition: string, onSecret: (secret: string | undefined) => void): Promise<CallerIdentity> {
  const { GetCallerIdentityCommand } = await import('./client-classes/sts.js');
  const sts = await clients.sts();
  const identity = await sts.send(new GetCallerIdentityCommand({}));
  const credentials = await sts.config.credentials().catch(() => undefined);
  onSecret(credentials?.secretAccessKey);
  onSecret(credentials?.sessionToken);
  if (!identity.Account) throw new ToolError('NoAccount', 'STS GetCallerIdentity returned no account id');
  return { account: identity.Account, partition: identity.Arn?.split(':')[1] ?? fallbackPartition };
}

const CREDENTIALS_HELP = 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, pass --profile, or run `aws configure`';

/** What an error from the first AWS call means for the user: credentials, or the endpoint. */
export function explainIdentityError(error: unknown, options: { endpointUrl?: string }): unknown {
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
