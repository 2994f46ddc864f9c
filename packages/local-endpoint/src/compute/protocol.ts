/** The request/response shapes the compute executors share, and AWS's JSON error formats. */
import { randomUUID } from 'node:crypto';

export interface ComputeRequest {
  method: string;
  /** pathname, still percent-encoded */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  service: string;
  region: string;
}

export interface Reply {
  status: number;
  headers: Record<string, string>;
  body: Buffer | string;
}

export interface MotoReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** Sends the request, unchanged, to moto. */
export type Forward = () => Promise<MotoReply>;

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

export function header(req: ComputeRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
