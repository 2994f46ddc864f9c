import { request as httpRequest } from 'node:http';
import { header, type LocalService, type Reply, type ServiceRequest } from '../protocol.js';

/**
 * Bucket policies kept by the local endpoint instead of moto: moto 5.2 evaluates every
 * bucket-policy condition other than StringEquals as true, so the TLS-only Deny
 * (`aws:SecureTransport = false`) would block every object request. Stored here, a policy is
 * returned exactly as it was put, and enforced by nobody (the endpoint is plain HTTP).
 */
export class BucketPolicyStore {
  private readonly policies = new Map<string, string>();

  get(bucket: string): string | undefined {
    return this.policies.get(bucket);
  }

  put(bucket: string, policy: string): void {
    this.policies.set(bucket, policy);
  }

  delete(bucket: string): void {
    this.policies.delete(bucket);
  }

  clear(): void {
    this.policies.clear();
  }
}

/**
 * The bucket-policy keeper: `?policy` on a bucket (PUT, GET, DELETE) is answered from the store,
 * and a bucket moto deletes loses its policy. Everything else of S3 is moto's.
 */
export function bucketPolicyKeeper(motoUrl: string): LocalService {
  const policies = new BucketPolicyStore();
  const moto = new URL(motoUrl);

  async function bucketExists(req: ServiceRequest, bucket: string): Promise<boolean> {
    const head = await new Promise<number>((resolve, reject) => {
      const r = httpRequest({ host: moto.hostname, port: moto.port, method: 'HEAD', path: `/${bucket}`, headers: { authorization: header(req, 'authorization') ?? '' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 500);
      });
      r.once('error', reject);
      r.end();
    });
    return head === 200;
  }

  async function bucketPolicy(req: ServiceRequest, bucket: string): Promise<Reply> {
    if (!(await bucketExists(req, bucket))) return s3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', bucket);
    switch (req.method) {
      case 'PUT': {
        const text = req.body.toString('utf8');
        try {
          JSON.parse(text);
        } catch {
          return s3Error(400, 'MalformedPolicy', 'Policies must be valid JSON', bucket);
        }
        policies.put(bucket, text);
        return { status: 204, headers: {}, body: '' };
      }
      case 'GET': {
        const policy = policies.get(bucket);
        if (policy === undefined) return s3Error(404, 'NoSuchBucketPolicy', 'The bucket policy does not exist', bucket);
        return { status: 200, headers: { 'content-type': 'application/json' }, body: policy };
      }
      case 'DELETE':
        policies.delete(bucket);
        return { status: 204, headers: {}, body: '' };
      default:
        return s3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource', bucket);
    }
  }

  return {
    service: 'bucket-policies',
    async handle(req, forward) {
      const raw = req.service === 's3' ? /^\/([^/]+)\/?$/.exec(req.path)?.[1] : undefined;
      if (!raw) return undefined;
      const bucket = decodeURIComponent(raw);
      if (req.query.has('policy')) return bucketPolicy(req, bucket);
      if (req.method !== 'DELETE' || req.query.toString() !== '') return undefined;
      const reply = await forward();
      if (reply.status === 204) policies.delete(bucket);
      return reply;
    },
    reset: () => policies.clear(),
    close: () => policies.clear(),
  };
}

function s3Error(status: number, code: string, message: string, bucket: string): Reply {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><BucketName>${bucket}</BucketName><RequestId>local</RequestId></Error>`;
  return { status, headers: { 'content-type': 'application/xml' }, body: xml };
}
