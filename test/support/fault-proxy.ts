import { createHash } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { classify, isLockCall, type RecordedCall } from './counting-proxy.js';

/**
 * A proxy between the CLI and the local endpoint that injects faults the way AWS (or the network)
 * produces them: throttling errors in each protocol's own error format, 500 and 503 responses,
 * and connection resets. Each fault happens either before the request is forwarded (the upstream
 * never sees it) or after the upstream has done the work (the response is lost).
 *
 * Which requests are faulted is decided by a seeded hash of the request's identity (service,
 * operation, target) and how many times that identity was seen, so a run is reproducible even
 * though the CLI sends independent requests concurrently.
 */
export type FaultKind = 'throttle' | 'http500' | 'http503' | 'reset';
export type FaultPhase = 'before' | 'after';

/** An AWS error answered instead of (before) or after (after) the real call. */
export interface AwsError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

export type Fault = { readonly kind: FaultKind; readonly phase: FaultPhase } | { readonly kind: 'error'; readonly phase: FaultPhase; readonly error: AwsError };

export interface ProxyCall extends RecordedCall {
  /** 1-based, in arrival order. */
  readonly index: number;
  /** service + operation + target (bucket/key, Name, resource id): what the seeded choice hashes. */
  readonly identity: string;
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** Scripted faults: the first `times` calls `match` accepts get `fault` (`times` defaults to 1). */
export interface FaultRule {
  readonly match: (call: ProxyCall) => boolean;
  readonly fault: Fault | ((call: ProxyCall) => Fault);
  readonly times?: number;
}

export interface InjectedFault {
  readonly call: ProxyCall;
  readonly fault: Fault;
}

/**
 * A hook called for every call, before it is forwarded and again once the upstream answered
 * (phase `after`); `drop` closes the connection without a response (e.g. after the test killed
 * the CLI), `continue` goes on.
 */
export type CallHook = (call: ProxyCall, phase: FaultPhase) => 'continue' | 'drop' | Promise<'continue' | 'drop'>;

export interface FaultProxyOptions {
  readonly seed?: number;
  /** Fraction of calls faulted at random (0 by default: only the rules apply). */
  readonly rate?: number;
  /** No more random faults than this. */
  readonly maxFaults?: number;
  readonly kinds?: readonly FaultKind[];
  readonly phases?: readonly FaultPhase[];
  /** Calls that are never faulted at random (the rules still apply). */
  readonly exempt?: (call: ProxyCall) => boolean;
  readonly rules?: readonly FaultRule[];
  readonly hook?: CallHook;
}

type Protocol = 'json' | 'restJson' | 'restXml' | 'query' | 'ec2';

/** The wire protocol of each service the CLI calls (how it says an error). */
export function protocolOf(service: string): Protocol {
  switch (service) {
    case 's3':
      return 'restXml';
    case 'ec2':
      return 'ec2';
    case 'iam':
    case 'sts':
      return 'query';
    case 'lambda':
    case 'airflow':
      return 'restJson';
    default:
      return 'json'; // ssm, glue, codebuild: awsJson1_1
  }
}

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Status, headers and body of an AWS error in the service's own error format. */
export function errorResponse(service: string, method: string, error: AwsError): { status: number; headers: Record<string, string>; body: string } {
  const requestId = 'fault-proxy-0000';
  const protocol = protocolOf(service);
  // A HEAD response has no body: S3 says only the status (the SDK names the error by it).
  if (method === 'HEAD') return { status: error.status, headers: { 'x-amz-request-id': requestId }, body: '' };
  switch (protocol) {
    case 'json':
      return {
        status: error.status,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId, 'x-amzn-errortype': error.code },
        body: JSON.stringify({ __type: error.code, message: error.message }),
      };
    case 'restJson':
      return {
        status: error.status,
        headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': error.code },
        body: JSON.stringify({ message: error.message, Message: error.message }),
      };
    case 'restXml':
      return {
        status: error.status,
        headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code><Message>${xmlEscape(error.message)}</Message><RequestId>${requestId}</RequestId></Error>`,
      };
    case 'query':
      return {
        status: error.status,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: `<ErrorResponse xmlns="https://${service}.amazonaws.com/doc/"><Error><Type>${error.status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${error.code}</Code><Message>${xmlEscape(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    case 'ec2':
      return {
        status: error.status,
        headers: { 'content-type': 'text/xml;charset=UTF-8' },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${error.code}</Code><Message>${xmlEscape(error.message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`,
      };
  }
}

/** The error each fault kind answers with (a reset has none: the connection is closed). */
export function faultError(kind: Exclude<FaultKind, 'reset'>, service: string, method: string): AwsError {
  switch (kind) {
    case 'throttle':
      // S3 throttles with 503 SlowDown; a HEAD cannot carry a code, so its status must say it.
      return service === 's3' && method === 'HEAD'
        ? { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' }
        : { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' };
    case 'http500':
      return { status: 500, code: protocolOf(service) === 'restXml' || protocolOf(service) === 'ec2' ? 'InternalError' : 'InternalFailure', message: 'We encountered an internal error. Please try again.' };
    case 'http503':
      return { status: 503, code: 'ServiceUnavailable', message: 'Service is unavailable. Please try again.' };
  }
}

/** A number in [0, 1) from a seed and any text: the same inputs always give the same number. */
export function seededUnit(seed: number, text: string): number {
  return createHash('sha256').update(`${seed}\u0000${text}`).digest().readUInt32BE(0) / 2 ** 32;
}

/** A seeded pseudo-random generator (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const S3_SUBRESOURCES: Record<string, string> = {
  versioning: 'BucketVersioning',
  tagging: 'BucketTagging',
  publicAccessBlock: 'PublicAccessBlock',
  encryption: 'BucketEncryption',
  policy: 'BucketPolicy',
  versions: 'ListObjectVersions',
  delete: 'DeleteObjects',
  location: 'BucketLocation',
};

const VERBS: Record<string, string> = { GET: 'Get', PUT: 'Put', HEAD: 'Head', DELETE: 'Delete', POST: 'Post' };

/** The S3 operation of a path-style request: its `x-id`, else what its method, path and sub-resource say. */
export function s3Operation(method: string, url: string): string {
  const parsed = new URL(url, 'http://local');
  const xId = parsed.searchParams.get('x-id');
  if (xId) return xId;
  const objectLevel = parsed.pathname.split('/').filter(Boolean).length > 1;
  const sub = Object.keys(S3_SUBRESOURCES).find((k) => parsed.searchParams.has(k));
  if (sub === 'versions' || sub === 'delete') return S3_SUBRESOURCES[sub]!;
  const verb = VERBS[method] ?? method;
  if (sub) return `${verb}${S3_SUBRESOURCES[sub]}`;
  if (parsed.searchParams.get('list-type') === '2') return 'ListObjectsV2';
  if (objectLevel) return `${verb}Object`;
  return method === 'PUT' ? 'CreateBucket' : method === 'GET' ? 'ListObjects' : `${verb}Bucket`;
}

/** What a request is about, beyond its operation: the S3 path, or the Name/id parameters of its body. */
function targetOf(req: IncomingMessage, body: string): string {
  const path = (req.url ?? '/').split('?')[0];
  if (req.headers['x-amz-target']) {
    try {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      return ['Name', 'JobName', 'FunctionName', 'name', 'ResourceArn', 'Names', 'names']
        .map((k) => (parsed[k] === undefined ? '' : JSON.stringify(parsed[k])))
        .join('|');
    } catch {
      return '';
    }
  }
  if (/(?:^|&)Action=/.test(body)) {
    // Query protocols: every parameter but the volatile ones (a client token differs per run).
    return body
      .split('&')
      .filter((p) => !/^(Version|ClientToken)=/.test(p))
      .sort()
      .join('&');
  }
  return `${req.method} ${path}`;
}

export class FaultProxy {
  readonly calls: ProxyCall[] = [];
  readonly injected: InjectedFault[] = [];
  url = '';
  private server?: Server;
  private readonly seen = new Map<string, number>();
  private readonly ruleUses = new Map<FaultRule, number>();
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];
  private randomFaults = 0;

  constructor(
    private readonly upstream: string,
    private options: FaultProxyOptions = {},
  ) {}

  /** Replaces the fault options (and forgets what was counted): one proxy, many scenarios. */
  configure(options: FaultProxyOptions): void {
    this.options = options;
    this.clear();
  }

  clear(): void {
    this.calls.length = 0;
    this.injected.length = 0;
    this.seen.clear();
    this.ruleUses.clear();
    this.randomFaults = 0;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.inFlight += 1;
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        this.inFlight -= 1;
        if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      };
      res.once('close', finish);
      this.handle(req, res).catch(() => res.destroy()).finally(finish);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** Resolves once no request is being handled (a killed CLI's last requests included). */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Mutating calls other than the lock's own. */
  mutating(): ProxyCall[] {
    return this.calls.filter((c) => c.mutating && !isLockCall(c));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private decide(call: ProxyCall): Fault | undefined {
    for (const rule of this.options.rules ?? []) {
      const used = this.ruleUses.get(rule) ?? 0;
      if (used >= (rule.times ?? 1) || !rule.match(call)) continue;
      this.ruleUses.set(rule, used + 1);
      return typeof rule.fault === 'function' ? rule.fault(call) : rule.fault;
    }
    const { rate = 0, maxFaults = Infinity, seed = 1 } = this.options;
    if (rate <= 0 || this.randomFaults >= maxFaults || this.options.exempt?.(call)) return undefined;
    const occurrence = `${call.identity}#${this.seen.get(call.identity)}`;
    if (seededUnit(seed, occurrence) >= rate) return undefined;
    // Which calls fail is the seeded choice; the faults take turns, so that every kind meets both
    // phases within the first kinds × phases faults, however few calls a run makes.
    const n = this.randomFaults;
    this.randomFaults += 1;
    const kinds = this.options.kinds ?? ['throttle', 'http500', 'http503', 'reset'];
    const phases = this.options.phases ?? ['before', 'after'];
    return { kind: kinds[n % kinds.length]!, phase: phases[Math.floor(n / kinds.length) % phases.length]! };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const text = body.toString('utf8');
    const classified = classify(req, body);
    const recorded = classified.service === 's3' ? { ...classified, operation: s3Operation(req.method ?? 'GET', req.url ?? '/') } : classified;
    const identity = `${recorded.service} ${recorded.operation} ${targetOf(req, text)}`;
    this.seen.set(identity, (this.seen.get(identity) ?? 0) + 1);
    const call: ProxyCall = { ...recorded, index: this.calls.length + 1, identity, method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: text };
    this.calls.push(call);

    if ((await this.options.hook?.(call, 'before')) === 'drop') return void res.destroy();
    const fault = this.decide(call);
    if (fault) this.injected.push({ call, fault });
    if (fault?.phase === 'before') return this.answerFault(res, call, fault);

    const reply = await this.forward(req, body);
    if ((await this.options.hook?.(call, 'after')) === 'drop') return void res.destroy();
    if (fault) return this.answerFault(res, call, fault);
    const headers = { ...reply.headers };
    delete headers['transfer-encoding'];
    delete headers.connection;
    if (req.method !== 'HEAD') headers['content-length'] = String(reply.body.length);
    res.writeHead(reply.status, headers).end(reply.body);
  }

  private answerFault(res: ServerResponse, call: ProxyCall, fault: Fault): void {
    if (fault.kind === 'reset') {
      res.socket?.resetAndDestroy?.();
      res.destroy();
      return;
    }
    const error = fault.kind === 'error' ? fault.error : faultError(fault.kind, call.service, call.method);
    const answer = errorResponse(call.service, call.method, error);
    res.writeHead(answer.status, { ...answer.headers, 'content-length': String(Buffer.byteLength(answer.body)) }).end(answer.body);
  }

  private forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
    const target = new URL(this.upstream);
    return new Promise((resolve, reject) => {
      const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (reply) => {
        const parts: Buffer[] = [];
        reply.on('data', (c: Buffer) => parts.push(c));
        reply.on('end', () => resolve({ status: reply.statusCode ?? 502, headers: reply.headers, body: Buffer.concat(parts) }));
        reply.on('error', reject);
      });
      upstream.once('error', reject);
      upstream.end(body);
    });
  }
}

/** Matches calls by service and operation (`CreateVpc`, `PutParameter`, `PUT /bucket`...). */
export function isCall(service: string, operation: string | RegExp): (call: ProxyCall) => boolean {
  return (call) => call.service === service && (typeof operation === 'string' ? call.operation === operation : operation.test(call.operation));
}
