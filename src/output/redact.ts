/**
 * The last line of defence: nothing the tool writes may carry a credential, not even when an
 * endpoint quotes a signed request back in an error message. The credentials in use are
 * registered as they become known; they, and the signed parts of a SigV4 request (Authorization
 * header, presigned query), are replaced before any text reaches stdout or stderr.
 */
const secrets = new Set<string>();

export const REDACTED = '[redacted]';

/** A secret access key or session token in use: never printed from now on. */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < 8) return;
  secrets.add(value);
  secrets.add(encodeURIComponent(value));
  secrets.add(JSON.stringify(value).slice(1, -1));
}

const SIGNED: ReadonlyArray<[RegExp, string]> = [
  // Authorization: AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request, SignedHeaders=..., Signature=hex
  [/AWS4-HMAC-SHA256\s+Credential=[^\s"',]+(?:,\s*SignedHeaders=[^\s"',]+)?(?:,\s*Signature=[0-9a-fA-F]+)?/g, `AWS4-HMAC-SHA256 ${REDACTED}`],
  // A presigned URL's query.
  [/(X-Amz-(?:Signature|Credential|Security-Token)=)[^&\s"']+/gi, `$1${REDACTED}`],
  // A bearer token (the MWAA CLI token, any OAuth-style credential), in a header or quoted back.
  [/(Bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi, `$1${REDACTED}`],
  // A session token header quoted as `name: value`, as JSON, or as JSON inside JSON.
  [/(x-amz-security-token\\?"?\s*[:=]\s*\\?"?)[^"\\\s,}]+/gi, `$1${REDACTED}`],
];

export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  for (const [pattern, replacement] of SIGNED) out = out.replace(pattern, replacement);
  return out;
}
