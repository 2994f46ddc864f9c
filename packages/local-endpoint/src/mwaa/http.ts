/** The HTTP side of the MWAA emulator: the request/response shapes the router uses, and REST-JSON errors. */

export interface EmulatorRequest {
  method: string;
  /** The request's pathname as sent (segments still percent-encoded). */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  /** The region of the SigV4 credential scope. */
  region: string;
}

export interface EmulatorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** An error MWAA's REST-JSON protocol reports: `x-amzn-ErrorType` names it, the body carries `message`. */
export class ApiError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = type;
  }
}

export function validationError(message: string): ApiError {
  return new ApiError('ValidationException', 400, message);
}

export function notFoundError(message: string): ApiError {
  return new ApiError('ResourceNotFoundException', 404, message);
}

export function unknownOperation(method: string, path: string): ApiError {
  return new ApiError('UnknownOperationException', 404, `No MWAA operation matches ${method} ${path}`);
}

export function jsonResponse(requestId: string, body: unknown, status = 200): EmulatorResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-RequestId': requestId },
    body: JSON.stringify(body),
  };
}

export function errorResponse(requestId: string, error: ApiError): EmulatorResponse {
  return {
    status: error.status,
    headers: { 'content-type': 'application/json', 'x-amzn-RequestId': requestId, 'x-amzn-ErrorType': error.type },
    body: JSON.stringify({ message: error.message }),
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
