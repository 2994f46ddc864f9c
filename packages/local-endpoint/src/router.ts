/**
 * Every request enters the endpoint here (`route`): it is read once, given its SigV4 credential
 * scope, and handed to the registered services in order (services.ts) until one replies; the
 * last, moto, always does. POST /moto-api/reset resets every service first, then goes to moto.
 * The trust boundary (trust.ts: Host, Origin, Referer, Sec-Fetch-Site) and the credential scope's
 * region are checked in `route`, before the loop; a request's Host never becomes a URL.
 */
import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { wireHeaders, type LocalService, type MotoReply, type Reply, type ServiceRequest } from './protocol.js';
import { isAwsRegion, refusal, type TrustPolicy } from './trust.js';

/** The SigV4 credential scope of a request: `Credential=AKID/20260101/us-east-1/s3/aws4_request`. */
export function credentialScope(headers: IncomingMessage['headers'], query: URLSearchParams): { region: string; service: string } | undefined {
  const auth = headers.authorization ?? '';
  const credential = /Credential=([^,\s]+)/.exec(auth)?.[1] ?? query.get('X-Amz-Credential') ?? undefined;
  const parts = credential?.split('/');
  if (!parts || parts.length < 5) return undefined;
  return { region: parts[2]!, service: parts[3]! };
}

export interface RouterOptions {
  readonly motoUrl: string;
  /** This endpoint's own URL (http://127.0.0.1:<port>), fixed at start-up: what children and the DAG runner are given. */
  readonly selfUrl: () => string;
  /** Who may call (trust.ts): the Host and Origin checks. */
  readonly trust: TrustPolicy;
  /** A line for the endpoint's log (stderr): why a request was refused. */
  readonly log?: (line: string) => void;
  readonly services: readonly LocalService[];
  /** After every service's reset (the executors' shared work folders). */
  readonly afterReset?: () => void;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function createRouter(options: RouterOptions) {
  const moto = new URL(options.motoUrl);

  /** The request, unchanged, to moto. */
  function forward(req: IncomingMessage, body: Buffer): Promise<MotoReply> {
    return new Promise((resolve, reject) => {
      const upstream = httpRequest(
        { host: moto.hostname, port: moto.port, method: req.method, path: req.url, headers: req.headers },
        (res) => {
          readBody(res).then((data) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: data }), reject);
        },
      );
      upstream.once('error', reject);
      upstream.end(body);
    });
  }

  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));

  return async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    // The trust boundary (trust.ts): before the body is read or any service sees the request.
    const why = refusal(req.headers, options.trust);
    if (why) {
      log(`local endpoint: refused ${req.method ?? 'GET'} ${url.pathname}: ${why}`);
      req.resume();
      return send(res, req.method ?? 'GET', {
        status: 403,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: `Forbidden: ${why}.\n`,
      });
    }
    const body = await readBody(req);
    const scope = credentialScope(req.headers, url.searchParams);
    if (scope && !isAwsRegion(scope.region)) {
      log(`local endpoint: refused ${req.method ?? 'GET'} ${url.pathname}: its credential scope names no AWS region (${JSON.stringify(scope.region.slice(0, 64))})`);
      return send(res, req.method ?? 'GET', badRegionReply(req.headers, scope.service));
    }
    const request: ServiceRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      service: scope?.service ?? '',
      region: scope?.region ?? '',
      signed: scope !== undefined,
      selfUrl: options.selfUrl(),
    };

    if (request.path === '/moto-api/reset' && request.method === 'POST') {
      for (const service of options.services) service.reset();
      options.afterReset?.();
    }
    const toMoto = () => forward(req, body);
    for (const service of options.services) {
      const reply = await service.handle(request, toMoto);
      if (reply) return send(res, request.method, reply);
    }
    return send(res, request.method, await toMoto());
  };
}

/**
 * AWS's answer to a credential scoped to no valid region: 403 with "Credential should be scoped to
 * a valid region" (SignatureDoesNotMatch in the query protocol's XML, InvalidSignatureException in
 * JSON protocols); S3 says AuthorizationHeaderMalformed (400) in its own XML.
 */
export function badRegionReply(headers: IncomingMessage['headers'], service: string): Reply {
  const requestId = randomUUID();
  const message = 'Credential should be scoped to a valid region.';
  if (service === 's3') {
    return {
      status: 400,
      headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AuthorizationHeaderMalformed</Code><Message>The authorization header is malformed; the region is not valid.</Message><RequestId>${requestId}</RequestId></Error>`,
    };
  }
  const type = String(headers['content-type'] ?? '');
  if (!headers['x-amz-target'] && /x-www-form-urlencoded/.test(type)) {
    return {
      status: 403,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
      body: `<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    };
  }
  return {
    status: 403,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': requestId, 'x-amzn-errortype': 'InvalidSignatureException' },
    body: JSON.stringify({ __type: 'InvalidSignatureException', message }),
  };
}

function send(res: ServerResponse, method: string, reply: Reply): void {
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
  res.writeHead(reply.status, wireHeaders(method, reply, body)).end(body);
}
