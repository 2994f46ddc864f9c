/**
 * The endpoint's trust boundary for what arrives on its port (issue 21; README.md, "Trust
 * boundary"). Modelled on LocalStack's CorsEnforcer (localstack-core/localstack/aws/handlers/cors.py):
 * a request that names an Origin (or, without one, a Referer) that is not allowed is refused with
 * 403 and a log line before any service sees it, and a request with neither goes through (the AWS
 * CLI and SDKs send neither). Unlike LocalStack, no origin is allowed by default
 * (ABALONE_LOCAL_ALLOWED_ORIGINS adds some), a `Sec-Fetch-Site` of `cross-site` or `same-site`
 * is refused too (a browser's no-cors GET, such as an <img>, carries no Origin), and the Host must
 * name this endpoint's own loopback address, which defeats DNS rebinding.
 */
import { usageError } from './shared/errors.js';

/**
 * A region as AWS spells it: the regionRegex of each partition in botocore's endpoints.json
 * (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc), with `\w`
 * narrowed to lower-case letters, plus the generic `^[a-z]{2}(-[a-z]+)+-\d+$`.
 */
const REGION_PATTERNS = [
  /^(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d+$/,
  /^cn-[a-z]+-\d+$/,
  /^us-gov-[a-z]+-\d+$/,
  /^us-iso-[a-z]+-\d+$/,
  /^us-isob-[a-z]+-\d+$/,
  /^eu-isoe-[a-z]+-\d+$/,
  /^us-isof-[a-z]+-\d+$/,
  /^eusc-de-[a-z]+-\d+$/,
  /^[a-z]{2}(-[a-z]+)+-\d+$/,
];

export function isAwsRegion(region: string): boolean {
  return region.length <= 32 && REGION_PATTERNS.some((p) => p.test(region));
}

/** The variable that lists the browser origins allowed to call the endpoint (comma-separated). */
export const ALLOWED_ORIGINS_VAR = 'ABALONE_LOCAL_ALLOWED_ORIGINS';

/** `scheme://host[:port]`, lower-cased, as a browser sends it in Origin. */
function originOf(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.origin.toLowerCase();
  } catch {
    return undefined;
  }
}

/** ABALONE_LOCAL_ALLOWED_ORIGINS: each entry an origin (`http://localhost:3000`); empty by default. */
export function allowedOriginsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const raw = env[ALLOWED_ORIGINS_VAR]?.trim();
  if (!raw) return [];
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const origin = originOf(entry);
      if (!origin || origin.replace(/\/$/, '') !== entry.toLowerCase().replace(/\/$/, '')) {
        throw usageError(`${ALLOWED_ORIGINS_VAR} must list origins such as http://localhost:3000 (scheme, host and port, no path), got '${entry}'.`);
      }
      return origin;
    });
}

export interface TrustPolicy {
  readonly allowedOrigins: readonly string[];
}

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Whether `host` (the Host header) names a loopback address: 127.0.0.1, localhost or [::1], or a
 * name under `localhost` (RFC 6761: it resolves to loopback, never to another machine), which is
 * what an SDK makes by prefixing a host (`env.localhost`, a virtual-hosted S3 bucket). This is
 * what stops DNS rebinding (a page's own name resolved to 127.0.0.1 keeps that name in Host).
 * The port is not compared: a proxy on loopback in front of the endpoint (the tests' recording
 * and fault proxies, the bench's meter) forwards the Host the SDK signed, which it cannot rewrite
 * without breaking the signature, and a local process can reach the port directly anyway.
 */
export function isOwnHost(host: string | undefined): boolean {
  if (!host) return false;
  const m = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d+))?$/i.exec(host.trim());
  if (!m) return false;
  const name = m[1]!.toLowerCase().replace(/\.$/, '');
  return LOOPBACK_NAMES.has(name) || name.endsWith('.localhost');
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Why a request is refused (a sentence for the log), or undefined when it may go on. */
export function refusal(headers: Record<string, string | string[] | undefined>, policy: TrustPolicy): string | undefined {
  const host = first(headers.host);
  if (!isOwnHost(host)) {
    return `its Host ${JSON.stringify(host ?? '')} is not a loopback address of this endpoint (127.0.0.1, localhost, [::1] or a name under localhost)`;
  }
  const origin = first(headers.origin);
  if (origin !== undefined) {
    const normal = originOf(origin);
    if (!normal || !policy.allowedOrigins.includes(normal)) {
      return `its Origin ${JSON.stringify(origin)} is not allowed (${ALLOWED_ORIGINS_VAR} lists the allowed ones)`;
    }
    return undefined;
  }
  const referer = first(headers.referer);
  if (referer !== undefined) {
    const normal = originOf(referer);
    if (!normal || !policy.allowedOrigins.includes(normal)) {
      return `its Referer's origin ${JSON.stringify(normal ?? referer)} is not allowed (${ALLOWED_ORIGINS_VAR} lists the allowed ones)`;
    }
    return undefined;
  }
  const site = first(headers['sec-fetch-site'])?.toLowerCase();
  if (site === 'cross-site' || site === 'same-site') {
    return `it is a browser's ${site} request (Sec-Fetch-Site) from no allowed origin`;
  }
  return undefined;
}
