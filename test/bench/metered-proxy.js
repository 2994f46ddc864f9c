import { createHash } from 'node:crypto';
import { Agent, createServer, request } from 'node:http';

/**
 * A request-counting proxy in front of the local endpoint, like test/support/counting-proxy.ts
 * (and classifying each call with its `classify`: read or mutating, the lock's own writes
 * apart), that also records when each call started and ended, for the peak number of calls
 * in flight (concurrency) and the time spent uploading.
 */
export class MeteredProxy {
  /** @type {Array<{service: string, operation: string, mutating: boolean, name?: string, lock: boolean, bytes: number, t0: number, t1: number}>} */
  calls = [];
  url = '';

  constructor(upstream, support) {
    this.upstream = new URL(upstream);
    this.classify = support.classify;
    this.isLockCall = support.isLockCall;
    this.agent = new Agent({ keepAlive: true, maxSockets: 64 });
  }

  async start() {
    this.server = createServer((req, res) => {
      const t0 = performance.now();
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const call = { ...this.classify(req, body), method: req.method, url: req.url, path: (req.url ?? '').split('?')[0], bytes: body.length, t0, t1: t0 };
        // The same request twice (URL and body): a repeated read, whatever the signature.
        call.key = `${call.service} ${req.method} ${req.url} ${createHash('sha1').update(body).digest('hex')}`;
        call.lock = this.isLockCall(call);
        this.calls.push(call);
        const up = request(
          { host: this.upstream.hostname, port: this.upstream.port, method: req.method, path: req.url, headers: req.headers, agent: this.agent },
          (reply) => {
            res.writeHead(reply.statusCode ?? 502, reply.headers);
            reply.pipe(res);
            reply.on('end', () => (call.t1 = performance.now()));
          },
        );
        up.on('error', () => res.destroy());
        up.end(body);
      });
    });
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${this.server.address().port}`;
  }

  clear() {
    this.calls.length = 0;
  }

  /**
   * Counts of the calls recorded since the last clear(): reads and mutating calls of the
   * pipeline's resources, the lock's own calls apart; identical reads repeated; peak in flight.
   */
  summary() {
    const reads = this.calls.filter((c) => !c.mutating && !c.lock);
    const seen = new Set();
    let repeated = 0;
    for (const c of reads) {
      if (seen.has(c.key)) repeated += 1;
      seen.add(c.key);
    }
    return {
      total: this.calls.length,
      reads: reads.length,
      mutating: this.calls.filter((c) => c.mutating && !c.lock).length,
      lock: this.calls.filter((c) => c.lock).length,
      repeatedReads: repeated,
      peakInFlight: peakInFlight(this.calls),
    };
  }

  /** "ec2 DescribeVpcs x2, ..." for the calls matching `filter`. */
  breakdown(filter = () => true) {
    const counts = new Map();
    for (const c of this.calls.filter(filter)) {
      const op = /^(GET|HEAD|PUT|POST|DELETE) /.test(c.operation) ? restOperation(c) : c.operation;
      const k = `${c.service} ${op}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return [...counts].sort((a, b) => a[0].localeCompare(b[0])).map(([k, n]) => (n > 1 ? `${k} x${n}` : k));
  }

  async stop() {
    this.server?.closeAllConnections();
    await new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.agent.destroy();
  }
}

/** An S3 call as method, bucket or object, and subresource ("GET bucket?versioning"); others as method and path. */
function restOperation(c) {
  if (c.service !== 's3') return `${c.method} ${c.path}`;
  const query = (c.url ?? '').split('?')[1] ?? '';
  const sub = query.split('&').map((p) => p.split('=')[0]).find((k) => k && !['x-id', 'prefix', 'list-type', 'continuation-token'].includes(k));
  const what = c.path.replace(/\/$/, '').split('/').length > 2 ? 'object' : 'bucket';
  return `${c.method} ${what}${sub ? `?${sub}` : c.method === 'GET' && what === 'bucket' ? ' (list)' : ''}`;
}

/** The most calls open at one moment. */
export function peakInFlight(calls) {
  const edges = calls.flatMap((c) => [[c.t0, 1], [c.t1, -1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let peak = 0;
  for (const [, d] of edges) peak = Math.max(peak, (open += d));
  return peak;
}
