import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { classify, type RecordedCall } from './counting-proxy.js';
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
export class RecordingProxy {
  readonly calls: WireCall[] = [];
  private server?: Server;
  url = '';

  constructor(private readonly upstream: string) {}

  async start(): Promise<void> {
    const target = new URL(this.upstream);
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const url = new URL(req.url ?? '/', 'http://local');
        if (/AWS4-HMAC-SHA256/.test(req.headers.authorization ?? '')) {
          const base = classify(req, body);
          const operation = base.service === 's3' ? s3Operation(req.method ?? 'GET', req.url ?? '/') : base.operation;
          this.calls.push({ ...base, operation, method: req.method ?? 'GET', path: decodeURIComponent(url.pathname), query: url.searchParams, body: body.toString('utf8') });
        }
        const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (reply) => {
          res.writeHead(reply.statusCode ?? 502, reply.headers);
          reply.pipe(res);
        });
        upstream.on('error', () => res.destroy());
        upstream.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  clear(): void {
    this.calls.length = 0;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
