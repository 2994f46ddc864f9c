/**
 * The one contract of the endpoint's services (README.md of this package, "Shape"): the request
 * every service is handed, the reply it gives, `LocalService`, and the one AWS error type with
 * the wire formats AWS reports it in.
 */
import { randomUUID } from 'node:crypto';
import { errorMessage } from './shared/errors.js';

/** One request as it entered the endpoint (router.ts), with its SigV4 credential scope. */
export interface ServiceRequest {
  method: string;
  /** pathname, still percent-encoded */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The signing name of the credential scope (`s3`, `glue`, `airflow`, ...); '' when unsigned. */
  service: string;
  /** The region of the credential scope, always AWS's form (router.ts refuses others); '' when unsigned. */
  region: string;
  /** Whether the request carries a SigV4 credential scope (the Airflow CLI endpoint's do not). */
  signed: boolean;
  /** This endpoint's own URL, http://127.0.0.1:<port>, fixed at start-up (never the request's Host). */
  selfUrl: string;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer | string;
}

export interface MotoReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sends the request, unchanged, to moto. */
export type Forward = () => Promise<MotoReply>;

/**
 * A service of the endpoint: the router hands each request to the registered services in order
 * (services.ts); the first reply wins, undefined means "not mine". A service may call `forward`
 * to have moto answer (and keep or change what it says). `reset` is POST /moto-api/reset: forget
 * everything, stop every child; `close` is the endpoint stopping.
 */
export interface LocalService {
  /** Its name, for messages and the registry. */
  readonly service: string;
  handle(request: ServiceRequest, forward: Forward): Promise<Reply | undefined>;
  reset(): void;
  close(): void | Promise<void>;
}

/** A reply's headers as sent: the length of the body it carries, never chunked (but for HEAD). */
export function wireHeaders(method: string, reply: { headers: Reply['headers'] }, body: Buffer): Reply['headers'] {
  const headers = { ...reply.headers };
  if (method !== 'HEAD') {
    delete headers['transfer-encoding'];
    headers['content-length'] = String(body.length);
  }
  return headers;
}

/** An error AWS reports for a call: its code (exception name), HTTP status and message. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = code;
  }
}

export const validation = (message: string) => new AwsError('ValidationException', message);

/** awsJson1_1 (Glue, SageMaker): `__type` in the body and `x-amzn-ErrorType`. */
export function jsonError(error: AwsError): Reply {
  return {
    status: error.status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID(), 'x-amzn-errortype': error.code },
    body: JSON.stringify({ __type: error.code, message: error.message, Message: error.message, ...error.extra }),
  };
}

export function jsonReply(body: unknown): Reply {
  return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() }, body: JSON.stringify(body) };
}

/** restJson1 (Lambda, SageMaker Runtime): `x-amzn-ErrorType` names the error, the body carries the message. */
export function restError(error: AwsError): Reply {
  return {
    status: error.status,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), 'x-amzn-errortype': error.code },
    body: JSON.stringify({ Type: error.status >= 500 ? 'Service' : 'User', message: error.message, ...error.extra }),
  };
}

/** The JSON object a request carries; anything else is AWS's serialization error. */
export function jsonBody(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8').trim();
  if (!text) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new AwsError('SerializationException', 'The request body is not a JSON object.');
}

/** The SDK error of a call to moto, as the same AWS error to our caller. */
export function fromSdkError(error: unknown): AwsError {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  if (error instanceof AwsError) return error;
  return new AwsError(e?.name && e.name !== 'Error' ? e.name : 'InternalFailure', e?.message ?? String(error), e?.$metadata?.httpStatusCode ?? 500);
}

export function str(input: Record<string, unknown>, key: string, required: true): string;
export function str(input: Record<string, unknown>, key: string, required?: false): string | undefined;
export function str(input: Record<string, unknown>, key: string, required = false): string | undefined {
  const value = input[key];
  if (value === undefined || value === null) {
    if (required) throw validation(`1 validation error detected: Value null at '${lowerFirst(key)}' failed to satisfy constraint: Member must not be null`);
    return undefined;
  }
  if (typeof value !== 'string') throw new AwsError('SerializationException', `${key} must be a string.`);
  return value;
}

export function obj(input: Record<string, unknown>, key: string, required = false): Record<string, unknown> | undefined {
  const value = input[key];
  if (value === undefined || value === null) {
    if (required) throw validation(`1 validation error detected: Value null at '${lowerFirst(key)}' failed to satisfy constraint: Member must not be null`);
    return undefined;
  }
  if (typeof value !== 'object' || Array.isArray(value)) throw new AwsError('SerializationException', `${key} must be an object.`);
  return value as Record<string, unknown>;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** Epoch seconds, as awsJson and restJson send timestamps. */
export const epoch = (d: Date | undefined) => (d ? d.getTime() / 1000 : undefined);

export function header(req: ServiceRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** A service's handler whose unexpected errors become AWS's `code` 500 in awsJson (known AwsErrors as they are). */
export function guarded(code: string, handle: LocalService['handle']): LocalService['handle'] {
  return async (req, forward) => {
    try {
      return await handle(req, forward);
    } catch (error) {
      if (error instanceof AwsError) return jsonError(error);
      return jsonError(new AwsError(code, `local endpoint error: ${errorMessage(error)}`, 500));
    }
  };
}
