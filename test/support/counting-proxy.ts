import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  readonly service: string;
  readonly operation: string;
  readonly mutating: boolean;
  /** The `Name` of a JSON-protocol request (an SSM parameter, a Glue job), when it has one. */
  readonly name?: string;
}

/** The lock's own writes: the only writes a converged `up` may make (docs/cli.md, Locking). */
export function isLockCall(call: RecordedCall): boolean {
  return call.service === 'ssm' && (call.name ?? '').endsWith('/lock');
}

function jsonName(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { Name?: unknown };
    return typeof parsed.Name === 'string' ? parsed.Name : undefined;
  } catch {
    return undefined;
  }
}

const READ_PREFIX = /^(Get|List|Describe|Head|BatchGet|Search|Lookup)/;

/** Names the AWS operation of a request from its protocol's own markers. */
export function classify(req: IncomingMessage, body: Buffer): RecordedCall {
  const auth = req.headers.authorization ?? '';
  const service = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(auth)?.[1] ?? 'unknown';
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') {
    const operation = target.split('.').pop() ?? target;
    return { service, operation, mutating: !READ_PREFIX.test(operation), name: jsonName(body) };
  }
  const action = /(?:^|&)Action=([^&]+)/.exec(body.toString('utf8'))?.[1];
  if (action) return { service, operation: action, mutating: !READ_PREFIX.test(action) };
  const method = req.method ?? 'GET';
  const operation = `${method} ${(req.url ?? '').split('?')[0]}`;
  return { service, operation, mutating: !['GET', 'HEAD'].includes(method) };
}

/**
 * A proxy on loopback in front of the local endpoint: forwards every request as it came (the Host
 * the SDK signed included) and keeps what `record` makes of it, when anything.
 */
export class ForwardingProxy<C> {
  readonly calls: C[] = [];
  private server?: Server;
  url = '';

  constructor(
    private readonly upstream: string,
    private readonly record: (req: IncomingMessage, body: Buffer) => C | undefined,
  ) {}

  async start(): Promise<void> {
    const target = new URL(this.upstream);
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const call = this.record(req, body);
        if (call !== undefined) this.calls.push(call);
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

/** A proxy in front of the local endpoint that records every AWS call the CLI makes. */
export class CountingProxy extends ForwardingProxy<RecordedCall> {
  constructor(upstream: string) {
    super(upstream, classify);
  }

  /** Mutating calls other than the lock's own. */
  mutating(): RecordedCall[] {
    return this.calls.filter((c) => c.mutating && !isLockCall(c));
  }
}
