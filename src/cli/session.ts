import { createClients, defaultRegion } from '../aws/clients.js';
import { callerIdentity, explainIdentityError } from '../aws/identity.js';
import { deriveNames, partitionOf } from '../engine/names.js';
import type { Session } from '../engine/session.js';
import { timingProfile } from '../engine/timing.js';
import { UsageError } from '../base/errors.js';
import { registerSecret } from '../output/redact.js';
import { validateName, validateRegion } from './validate.js';

export type { Session } from '../engine/session.js';

export interface GlobalOptions {
  name: string;
  region?: string;
  profile?: string;
  endpointUrl?: string;
  yes: boolean;
  json: boolean;
  color: boolean;
}

export async function resolveRegion(options: GlobalOptions): Promise<string> {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? (await defaultRegion());
  if (!region) {
    throw new UsageError('no AWS region: pass --region, set AWS_REGION, or set a region in your AWS profile (aws configure)', 'MissingRegion');
  }
  return validateRegion(region);
}

/**
 * Resolves region, credentials and account (from STS) before any command touches AWS, and picks
 * the timing profile once: the local endpoint's pace when an endpoint override is active.
 */
export async function openSession(options: GlobalOptions): Promise<Session> {
  if (options.profile) process.env.AWS_PROFILE = options.profile;
  const region = await resolveRegion(options);
  validateName(options.name, region);
  if (options.endpointUrl) validateEndpoint(options.endpointUrl);
  const clients = createClients({ region, profile: options.profile, endpointUrl: options.endpointUrl });
  let identity;
  try {
    identity = await callerIdentity(clients, partitionOf(region), registerSecret);
  } catch (error) {
    throw explainIdentityError(error, options);
  }
  return { clients, names: deriveNames(options.name, region, identity.account, identity.partition), timing: timingProfile({ emulated: clients.emulated }) };
}

function validateEndpoint(url: string): void {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('protocol');
  } catch {
    throw new UsageError(`--endpoint-url "${url}" is not an http(s) URL`, 'InvalidOption');
  }
}
