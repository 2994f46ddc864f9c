import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { BucketPolicyStore } from './bucket-policies.js';
import { ClientTokenStore, mismatchXml, tokenedCall } from './client-tokens.js';
import type { ComputeHandler } from './compute/index.js';
import { fixMotoResponse } from './moto-fixes.js';
import type { EmulatorRequest, EmulatorResponse } from './mwaa/http.js';
import { CLI_PATH, type CliHttpRequest } from './mwaa/cli-endpoint.js';

/** The SigV4 credential scope of a request: `Credential=AKID/20260101/us-east-1/s3/aws4_request`. */
export function credentialScope(headers: IncomingMessage['headers'], query: URLSearchParams): { region: string; service: string } | undefined {
  const auth = headers.authorization ?? '';
  const credential = /Credential=([^,\s]+)/.exec(auth)?.[1] ?? query.get('X-Amz-Credential') ?? undefined;
  const parts = credential?.split('/');
  if (!parts || parts.length < 5) return undefined;
  return { region: parts[2]!, service: parts[3]! };
}

export interface MwaaHandler {
  handle(request: EmulatorRequest): Promise<EmulatorResponse>;
  reset(): void;
  /** MWAA's Airflow CLI endpoint (`POST /aws_mwaa/cli`, unsigned, a Bearer CLI token): mwaa/cli-endpoint.ts. */
  cli?(request: CliHttpRequest): Promise<EmulatorResponse>;
}

export interface RouterOptions {
  readonly motoUrl: string;
  readonly mwaa: MwaaHandler;
  /** The work the endpoint performs itself (Glue runs, SageMaker jobs and endpoints, Lambda Invoke). */
  readonly compute?: ComputeHandler;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Routes each request by its credential scope's service: `airflow` to the MWAA emulator,
 * S3 bucket-policy calls to the policy store, everything else to moto unchanged.
 */
export function createRouter(options: RouterOptions) {
  const policies = new BucketPolicyStore();
  const tokens = new ClientTokenStore();
  const moto = new URL(options.motoUrl);

  function forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
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

  async function bucketExists(req: IncomingMessage, bucket: string): Promise<boolean> {
    const head = await new Promise<number>((resolve, reject) => {
      const r = httpRequest({ host: moto.hostname, port: moto.port, method: 'HEAD', path: `/${bucket}`, headers: { authorization: req.headers.authorization ?? '' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 500);
      });
      r.once('error', reject);
      r.end();
    });
    return head === 200;
  }

  async function bucketPolicy(req: IncomingMessage, res: ServerResponse, bucket: string, body: Buffer): Promise<void> {
    if (!(await bucketExists(req, bucket))) return s3Error(res, 404, 'NoSuchBucket', 'The specified bucket does not exist', bucket);
    switch (req.method) {
      case 'PUT': {
        const text = body.toString('utf8');
        try {
          JSON.parse(text);
        } catch {
          return s3Error(res, 400, 'MalformedPolicy', 'Policies must be valid JSON', bucket);
        }
        policies.put(bucket, text);
        res.writeHead(204).end();
        return;
      }
      case 'GET': {
        const policy = policies.get(bucket);
        if (policy === undefined) return s3Error(res, 404, 'NoSuchBucketPolicy', 'The bucket policy does not exist', bucket);
        res.writeHead(200, { 'content-type': 'application/json' }).end(policy);
        return;
      }
      case 'DELETE':
        policies.delete(bucket);
        res.writeHead(204).end();
        return;
      default:
        return s3Error(res, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource', bucket);
    }
  }

  return async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const body = await readBody(req);
    const scope = credentialScope(req.headers, url.searchParams);

    if (url.pathname === '/moto-api/reset' && req.method === 'POST') {
      options.mwaa.reset();
      options.compute?.reset();
      policies.clear();
      tokens.clear();
    }
    // The Airflow web server's CLI endpoint: not SigV4-signed, so it cannot be routed by scope.
    if (!scope && (url.pathname === CLI_PATH || url.pathname === `${CLI_PATH}/`) && options.mwaa.cli) {
      const selfUrl = `http://${req.headers.host ?? '127.0.0.1'}`;
      const reply = await options.mwaa.cli({ method: req.method ?? 'GET', headers: req.headers, body, selfUrl });
      res.writeHead(reply.status, reply.headers).end(reply.body);
      return;
    }
    // --- compute executors (src/compute): they answer the operations they own, else fall through to moto.
    if (options.compute && scope) {
      const reply = await options.compute.handle(
        { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body, service: scope.service, region: scope.region },
        () => forward(req, body),
      );
      if (reply) {
        const payload = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
        res.writeHead(reply.status, { ...reply.headers, 'content-length': String(payload.length) }).end(payload);
        return;
      }
    }
    // --- end compute executors
    if (scope?.service === 'airflow') {
      const reply = await options.mwaa.handle({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        region: scope.region,
      });
      res.writeHead(reply.status, reply.headers).end(reply.body);
      return;
    }
    const bucket = scope?.service === 's3' ? /^\/([^/]+)\/?$/.exec(url.pathname)?.[1] : undefined;
    if (bucket && url.searchParams.has('policy')) return bucketPolicy(req, res, decodeURIComponent(bucket), body);

    const tokened = scope?.service === 'ec2' && req.method === 'POST' ? tokenedCall(scope.region, body.toString('utf8')) : undefined;
    const earlier = tokened && tokens.lookup(tokened);
    if (earlier === 'mismatch') {
      res.writeHead(400, { 'content-type': 'text/xml;charset=UTF-8' }).end(mismatchXml());
      return;
    }
    if (earlier) {
      res.writeHead(earlier.status, earlier.headers).end(earlier.body);
      return;
    }

    const reply = await forward(req, body);
    reply.body = fixMotoResponse(scope?.service, reply.body);
    if (bucket && req.method === 'DELETE' && url.search === '' && reply.status === 204) policies.delete(decodeURIComponent(bucket));
    const headers = { ...reply.headers };
    if (req.method !== 'HEAD') {
      delete headers['transfer-encoding'];
      headers['content-length'] = String(reply.body.length);
    }
    if (tokened) tokens.remember(tokened, { status: reply.status, headers, body: reply.body });
    res.writeHead(reply.status, headers).end(reply.body);
  };
}

function s3Error(res: ServerResponse, status: number, code: string, message: string, bucket: string): void {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><BucketName>${bucket}</BucketName><RequestId>local</RequestId></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml' }).end(xml);
}
