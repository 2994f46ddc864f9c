/** The HTTP side of the MWAA emulator: its request/response shapes, and MWAA's REST-JSON error format. */
import { AwsError } from '../protocol.js';

export interface EmulatorRequest {
  method: string;
  /** The request's pathname as sent (segments still percent-encoded). */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The region of the SigV4 credential scope. */
  region: string;
  /** This endpoint's own URL as the client reached it (runs started by InvokeRestApi use it as AWS_ENDPOINT_URL). */
  selfUrl?: string;
}

export interface EmulatorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** MWAA's REST-JSON errors are the endpoint's one AWS error type; `errorResponse` below is their wire format. */
export { AwsError } from '../protocol.js';

export function validationError(message: string): AwsError {
  return new AwsError('ValidationException', message, 400);
}

export function notFoundError(message: string): AwsError {
  return new AwsError('ResourceNotFoundException', message, 404);
}

export function unknownOperation(method: string, path: string): AwsError {
  return new AwsError('UnknownOperationException', `No MWAA operation matches ${method} ${path}`, 404);
}

export function jsonResponse(requestId: string, body: unknown, status = 200): EmulatorResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-RequestId': requestId },
    body: JSON.stringify(body),
  };
}

/** An error as MWAA's REST-JSON protocol reports it: `x-amzn-ErrorType` names it, the body carries `message`. */
export function errorResponse(requestId: string, error: AwsError): EmulatorResponse {
  return {
    status: error.status,
    headers: { 'content-type': 'application/json', 'x-amzn-RequestId': requestId, 'x-amzn-ErrorType': error.code },
    body: JSON.stringify({ message: error.message, ...error.extra }),
  };
}

/** The JSON object a request carries; an empty body is an empty object. */
export function parseJsonBody(body: Buffer): Record<string, unknown> {
  const text = body.toString('utf8').trim();
  if (!text) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw validationError('The request body is not valid JSON.');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw validationError('The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}
