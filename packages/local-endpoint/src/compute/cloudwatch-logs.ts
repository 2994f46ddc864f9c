/**
 * Writes a run's output to CloudWatch Logs in moto, where AWS puts it (Glue Python shell jobs:
 * /aws-glue/python-jobs/output and /error, one stream per job run id; see "Monitoring with Amazon
 * CloudWatch" in the Glue developer guide). The SDK has no Logs client in this project, so this
 * speaks the Logs JSON protocol (Logs_20140328) to moto directly.
 */
const BATCH_EVENTS = 5000;
const BATCH_BYTES = 900_000;

async function call(motoUrl: string, region: string, operation: string, body: unknown): Promise<{ status: number; type?: string }> {
  const response = await fetch(motoUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `Logs_20140328.${operation}`,
      authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${region}/logs/aws4_request, SignedHeaders=host, Signature=local`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let type: string | undefined;
  try {
    type = (JSON.parse(text) as { __type?: string }).__type;
  } catch {
    type = undefined;
  }
  return { status: response.status, type };
}

async function ensure(motoUrl: string, region: string, operation: string, body: unknown): Promise<void> {
  const r = await call(motoUrl, region, operation, body);
  if (r.status >= 300 && !String(r.type).includes('ResourceAlreadyExists')) throw new Error(`${operation} failed: ${r.status} ${r.type ?? ''}`);
}

/** One event per line of `text` (blank lines dropped), all stamped `time`. */
export async function putLog(motoUrl: string, region: string, group: string, stream: string, text: string, time: Date): Promise<void> {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return;
  await ensure(motoUrl, region, 'CreateLogGroup', { logGroupName: group });
  await ensure(motoUrl, region, 'CreateLogStream', { logGroupName: group, logStreamName: stream });
  let batch: Array<{ timestamp: number; message: string }> = [];
  let bytes = 0;
  const flush = async () => {
    if (!batch.length) return;
    const r = await call(motoUrl, region, 'PutLogEvents', { logGroupName: group, logStreamName: stream, logEvents: batch });
    if (r.status >= 300) throw new Error(`PutLogEvents failed: ${r.status} ${r.type ?? ''}`);
    batch = [];
    bytes = 0;
  };
  for (const message of lines) {
    if (batch.length >= BATCH_EVENTS || bytes + message.length + 26 > BATCH_BYTES) await flush();
    batch.push({ timestamp: time.getTime(), message: message.slice(0, 200_000) });
    bytes += message.length + 26;
  }
  await flush();
}
