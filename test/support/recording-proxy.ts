import type { IncomingMessage } from 'node:http';
import { ForwardingProxy, classify, type RecordedCall } from './counting-proxy.js';
import { s3Operation } from './fault-proxy.js';

/** One AWS call as sent: what CountingProxy names, plus what IAM authorises it against (path, body). */
export interface WireCall extends RecordedCall {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: string;
}

/**
 * A proxy in front of the local endpoint that keeps every SigV4-signed request whole, so that a
 * test can say which IAM actions on which resources it needed (test/support/iam-eval.ts). The
 * MWAA CLI endpoint (`/aws_mwaa/cli`, a Bearer token, not SigV4) is not an AWS API call: kept out.
 */
export class RecordingProxy extends ForwardingProxy<WireCall> {
  constructor(upstream: string) {
    super(upstream, wireCall);
  }
}

function wireCall(req: IncomingMessage, body: Buffer): WireCall | undefined {
  if (!/AWS4-HMAC-SHA256/.test(req.headers.authorization ?? '')) return undefined;
  const url = new URL(req.url ?? '/', 'http://local');
  const base = classify(req, body);
  const operation = base.service === 's3' ? s3Operation(req.method ?? 'GET', req.url ?? '/') : base.operation;
  return { ...base, operation, method: req.method ?? 'GET', path: decodeURIComponent(url.pathname), query: url.searchParams, body: body.toString('utf8') };
}
