/**
 * moto 5.2 answers CodeBuild (a JSON-protocol service, whose timestamps are epoch seconds) with
 * ISO-8601 strings for startTime/endTime/created/lastModified; the SDK then warns on stderr and
 * reads NaN. The local endpoint rewrites those fields to epoch seconds, as AWS sends them.
 */
const TIMESTAMP_KEYS = new Set(['startTime', 'endTime', 'created', 'lastModified', 'creationDate']);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

function rewrite(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewrite);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, TIMESTAMP_KEYS.has(k) && typeof v === 'string' && ISO.test(v) ? Date.parse(v) / 1000 : rewrite(v)]),
    );
  }
  return value;
}

/** A moto response body as AWS would send it, for the services whose shapes moto gets wrong. */
export function fixMotoResponse(service: string | undefined, body: Buffer): Buffer {
  if (service !== 'codebuild' || body.length === 0) return body;
  try {
    return Buffer.from(JSON.stringify(rewrite(JSON.parse(body.toString('utf8')))));
  } catch {
    return body;
  }
}
