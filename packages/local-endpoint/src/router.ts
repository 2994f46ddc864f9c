/**
 * Every request enters the endpoint here (`route`): it is read once, given its SigV4 credential
 * scope, and handed to the registered services in order (services.ts) until one replies; the
 * last, moto, always does. POST /moto-api/reset resets every service first, then goes to moto.
 * A check that concerns every request (Host, Origin, region) belongs in `route`, before the loop.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { wireHeaders, type LocalService, type MotoReply, type Reply, type ServiceRequest } from './protocol.js';

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

  return async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const body = await readBody(req);
    const scope = credentialScope(req.headers, url.searchParams);
    const request: ServiceRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body,
      service: scope?.service ?? '',
      region: scope?.region ?? '',
      signed: scope !== undefined,
      selfUrl: `http://${req.headers.host ?? '127.0.0.1'}`,
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

function send(res: ServerResponse, method: string, reply: Reply): void {
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
  res.writeHead(reply.status, wireHeaders(method, reply, body)).end(body);
}
