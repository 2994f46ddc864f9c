/**
 * MWAA's InvokeRestApi operation for the pinned @aws-sdk/client-mwaa 3.523.0, which predates it
 * (the operation was announced 2024-10-23; 3.523.0's commands are CreateCliToken ... UpdateEnvironment).
 *
 * The command is built exactly as the SDK's generated commands are (compare
 * node_modules/@aws-sdk/client-mwaa/dist-es/commands/CreateCliTokenCommand.js and
 * protocols/Aws_restJson1.js): a `Command.classBuilder()` from @smithy/smithy-client whose middleware
 * function adds the serde plugin (our se_/de_ functions) and the endpoint plugin (the rule set's
 * parameters), so that `mwaa.send(new InvokeRestApiCommand(input))` runs through the client's own
 * stack: its credential chain, SigV4 signing (the client's auth scheme: service `airflow`), retries,
 * the endpoint rule set and endpoint overrides (`--endpoint-url`, AWS_ENDPOINT_URL[_MWAA]), and
 * `disableHostPrefix` (set by clients.ts for emulators). Nothing here signs or sends by itself.
 *
 * The wire shape is the botocore model of MWAA 2020-07-01 (botocore 1.43.107
 * `botocore/data/mwaa/2020-07-01/service-2.json`):
 *   InvokeRestApi: POST /restapi/{Name}, endpoint hostPrefix `env.`, rest-json;
 *   input {Name (uri), Path (1..64 chars), Method (GET|PUT|POST|PATCH|DELETE), QueryParameters
 *   (document), Body (document, sensitive)}; output {RestApiStatusCode (integer), RestApiResponse
 *   (document, sensitive)}; errors RestApiClientException and RestApiServerException (both HTTP 400,
 *   members RestApiStatusCode and RestApiResponse: Airflow's own status and JSON answer),
 *   AccessDeniedException (403), ResourceNotFoundException (404), ValidationException (400),
 *   InternalServerException (500).
 *
 * Limits (MWAA user guide, "Using the Apache Airflow REST API"): the operation times out after
 * 10 seconds and fails when Airflow's response exceeds 6 MB.
 */
import {
  AccessDeniedException,
  InternalServerException,
  MWAAServiceException,
  ResourceNotFoundException,
  ValidationException,
  type MWAAClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-mwaa';
import { requestBuilder as rb } from '@smithy/core';
import { getEndpointPlugin } from '@smithy/middleware-endpoint';
import { getSerdePlugin } from '@smithy/middleware-serde';
import { isValidHostname } from '@smithy/protocol-http';
import {
  Command as $Command,
  SENSITIVE_STRING,
  collectBody,
  decorateServiceException,
  expectInt32,
  expectNonNull,
  expectObject,
  expectString,
  map,
  take,
  withBaseException,
  type ExceptionOptionType,
} from '@smithy/smithy-client';
import type { DocumentType, HttpRequest, HttpResponse, MetadataBearer, ResponseMetadata, SerdeContext } from '@smithy/types';

/** The HTTP methods InvokeRestApi accepts (the model's RestApiMethod enum). */
export const RestApiMethod = {
  DELETE: 'DELETE',
  GET: 'GET',
  PATCH: 'PATCH',
  POST: 'POST',
  PUT: 'PUT',
} as const;
export type RestApiMethod = (typeof RestApiMethod)[keyof typeof RestApiMethod];

/** The model's RestApiPath: 1 to 64 characters. */
export const REST_API_PATH_MAX = 64;

export interface InvokeRestApiRequest {
  /** The environment (EnvironmentName: 1..80 chars, `[a-zA-Z][0-9a-zA-Z-_]*`). */
  Name: string | undefined;
  /** The Airflow REST API path without `/api/v1` or `/api/v2`, e.g. `/dags/my_dag` (max 64 chars). */
  Path: string | undefined;
  Method: RestApiMethod | undefined;
  /** Query parameters as a JSON object. */
  QueryParameters?: DocumentType;
  /** The request body as a JSON object (sensitive: never logged). */
  Body?: DocumentType;
}

export interface InvokeRestApiResponse {
  /** Airflow's HTTP status. */
  RestApiStatusCode?: number;
  /** Airflow's JSON answer (sensitive: never logged). */
  RestApiResponse?: DocumentType;
}

export interface InvokeRestApiCommandInput extends InvokeRestApiRequest {}
export interface InvokeRestApiCommandOutput extends InvokeRestApiResponse, MetadataBearer {}

/** Airflow answered 4xx: its status and JSON body are the members. */
export class RestApiClientException extends MWAAServiceException {
  override readonly name = 'RestApiClientException' as const;
  override readonly $fault = 'client' as const;
  RestApiStatusCode?: number;
  RestApiResponse?: DocumentType;
  constructor(opts: ExceptionOptionType<RestApiClientException, MWAAServiceException>) {
    super({ name: 'RestApiClientException', $fault: 'client', ...opts });
    Object.setPrototypeOf(this, RestApiClientException.prototype);
    this.RestApiStatusCode = opts.RestApiStatusCode;
    this.RestApiResponse = opts.RestApiResponse;
  }
}

/** Airflow answered 5xx: its status and JSON body are the members (the MWAA model marks it a client fault, HTTP 400). */
export class RestApiServerException extends MWAAServiceException {
  override readonly name = 'RestApiServerException' as const;
  override readonly $fault = 'client' as const;
  RestApiStatusCode?: number;
  RestApiResponse?: DocumentType;
  constructor(opts: ExceptionOptionType<RestApiServerException, MWAAServiceException>) {
    super({ name: 'RestApiServerException', $fault: 'client', ...opts });
    Object.setPrototypeOf(this, RestApiServerException.prototype);
    this.RestApiStatusCode = opts.RestApiStatusCode;
    this.RestApiResponse = opts.RestApiResponse;
  }
}

/** What the SDK's logger middleware may print: the sensitive documents masked. */
export const InvokeRestApiRequestFilterSensitiveLog = (obj: InvokeRestApiRequest): Record<string, unknown> => ({
  ...obj,
  ...(obj.Body !== undefined ? { Body: SENSITIVE_STRING } : {}),
});
export const InvokeRestApiResponseFilterSensitiveLog = (obj: InvokeRestApiResponse): Record<string, unknown> => ({
  ...obj,
  ...(obj.RestApiResponse !== undefined ? { RestApiResponse: SENSITIVE_STRING } : {}),
});

/** The rule set's parameters, as every MWAA command declares them (client-mwaa's endpoint/EndpointParameters commonParams, not exported by the package). */
const commonParams = {
  UseFIPS: { type: 'builtInParams', name: 'useFipsEndpoint' },
  Endpoint: { type: 'builtInParams', name: 'endpoint' },
  Region: { type: 'builtInParams', name: 'region' },
  UseDualStack: { type: 'builtInParams', name: 'useDualstackEndpoint' },
} as const;

type Context = SerdeContext;

export const se_InvokeRestApiCommand = async (input: InvokeRestApiCommandInput, context: Context): Promise<HttpRequest> => {
  const b = rb(input, context);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  b.bp('/restapi/{Name}');
  b.p('Name', () => input.Name, '{Name}', false);
  const body = JSON.stringify(
    take(input, {
      Body: (_: DocumentType) => _,
      Method: [],
      Path: [],
      QueryParameters: (_: DocumentType) => _,
    }),
  );
  let { hostname: resolvedHostname } = await context.endpoint();
  if (context.disableHostPrefix !== true) {
    resolvedHostname = 'env.' + resolvedHostname;
    if (!isValidHostname(resolvedHostname)) {
      throw new Error('ValidationError: prefixed hostname must be hostname compatible.');
    }
  }
  b.hn(resolvedHostname);
  b.m('POST').h(headers).b(body);
  return b.build();
};

export const de_InvokeRestApiCommand = async (output: HttpResponse, context: Context): Promise<InvokeRestApiCommandOutput> => {
  if (output.statusCode !== 200 && output.statusCode >= 300) {
    return de_CommandError(output, context);
  }
  const contents: InvokeRestApiCommandOutput = map({ $metadata: deserializeMetadata(output) }) as InvokeRestApiCommandOutput;
  const data = expectNonNull(expectObject(await parseBody(output.body, context)), 'body') as Record<string, unknown>;
  const doc = take(data, {
    RestApiResponse: (_: DocumentType) => _,
    RestApiStatusCode: expectInt32,
  });
  Object.assign(contents, doc);
  return contents;
};

type ParsedOutput = HttpResponse & { body: Record<string, unknown> };

const de_CommandError = async (output: HttpResponse, context: Context): Promise<never> => {
  const parsedOutput: ParsedOutput = { ...output, body: await parseErrorBody(output.body, context) };
  const errorCode = loadRestJsonErrorCode(output, parsedOutput.body);
  switch (errorCode) {
    case 'ResourceNotFoundException':
    case 'com.amazonaws.mwaa#ResourceNotFoundException':
      throw messageException(ResourceNotFoundException, parsedOutput, 'message');
    case 'InternalServerException':
    case 'com.amazonaws.mwaa#InternalServerException':
      throw messageException(InternalServerException, parsedOutput, 'message');
    case 'ValidationException':
    case 'com.amazonaws.mwaa#ValidationException':
      throw messageException(ValidationException, parsedOutput, 'message');
    case 'AccessDeniedException':
    case 'com.amazonaws.mwaa#AccessDeniedException':
      throw messageException(AccessDeniedException, parsedOutput, 'Message');
    case 'RestApiClientException':
    case 'com.amazonaws.mwaa#RestApiClientException':
      throw restApiException(RestApiClientException, parsedOutput);
    case 'RestApiServerException':
    case 'com.amazonaws.mwaa#RestApiServerException':
      throw restApiException(RestApiServerException, parsedOutput);
    default:
      return throwDefaultError({ output, parsedBody: parsedOutput.body, errorCode }) as never;
  }
};

const throwDefaultError = withBaseException(MWAAServiceException);

/** The model's error shapes with one string member: `Message` (AccessDenied) or `message` (the others). */
function messageException<E extends MWAAServiceException>(Ctor: new (opts: any) => E, parsedOutput: ParsedOutput, member: 'Message' | 'message'): E {
  const doc = take(parsedOutput.body, { [member]: expectString });
  const exception = new Ctor({ $metadata: deserializeMetadata(parsedOutput), ...doc });
  return decorateServiceException(exception, parsedOutput.body);
}

function restApiException<E extends RestApiClientException | RestApiServerException>(Ctor: new (opts: ExceptionOptionType<E, MWAAServiceException>) => E, parsedOutput: ParsedOutput): E {
  const doc = take(parsedOutput.body, {
    RestApiResponse: (_: DocumentType) => _,
    RestApiStatusCode: expectInt32,
  }) as { RestApiResponse?: DocumentType; RestApiStatusCode?: number };
  const exception = new Ctor({ $metadata: deserializeMetadata(parsedOutput), ...doc } as ExceptionOptionType<E, MWAAServiceException>);
  return decorateServiceException(exception, parsedOutput.body);
}

const deserializeMetadata = (output: HttpResponse): ResponseMetadata => ({
  httpStatusCode: output.statusCode,
  requestId: output.headers['x-amzn-requestid'] ?? output.headers['x-amzn-request-id'] ?? output.headers['x-amz-request-id'],
  extendedRequestId: output.headers['x-amz-id-2'],
  cfId: output.headers['x-amz-cf-id'],
});

const collectBodyString = (streamBody: unknown, context: Context): Promise<string> => collectBody(streamBody, context).then((body) => context.utf8Encoder(body));

const parseBody = (streamBody: unknown, context: Context): Promise<Record<string, unknown>> =>
  collectBodyString(streamBody, context).then((encoded) => (encoded.length ? (JSON.parse(encoded) as Record<string, unknown>) : {}));

const parseErrorBody = async (errorBody: unknown, context: Context): Promise<Record<string, unknown>> => {
  const value = await parseBody(errorBody, context);
  value.message = value.message ?? value.Message;
  return value;
};

/** The error's shape name: the x-amzn-errortype header, else the body's `code` or `__type` (as client-mwaa's loadRestJsonErrorCode). */
const loadRestJsonErrorCode = (output: HttpResponse, data: Record<string, unknown>): string | undefined => {
  const findKey = (object: Record<string, unknown>, key: string) => Object.keys(object).find((k) => k.toLowerCase() === key.toLowerCase());
  const sanitizeErrorCode = (rawValue: unknown): string => {
    let cleanValue = typeof rawValue === 'number' ? rawValue.toString() : String(rawValue);
    if (cleanValue.indexOf(',') >= 0) cleanValue = cleanValue.split(',')[0]!;
    if (cleanValue.indexOf(':') >= 0) cleanValue = cleanValue.split(':')[0]!;
    if (cleanValue.indexOf('#') >= 0) cleanValue = cleanValue.split('#')[1]!;
    return cleanValue;
  };
  const headerKey = findKey(output.headers, 'x-amzn-errortype');
  if (headerKey !== undefined) return sanitizeErrorCode(output.headers[headerKey]);
  if (data.code !== undefined) return sanitizeErrorCode(data.code);
  if (data['__type'] !== undefined) return sanitizeErrorCode(data['__type']);
  return undefined;
};

/**
 * `mwaa.send(new InvokeRestApiCommand({ Name, Path, Method, QueryParameters, Body }))`.
 * Throws RestApiClientException / RestApiServerException (Airflow answered 4xx / 5xx),
 * AccessDeniedException (no `airflow:InvokeRestApi` on the Airflow role), ResourceNotFoundException,
 * ValidationException, InternalServerException, or MWAAServiceException for anything else.
 */
export class InvokeRestApiCommand extends $Command
  .classBuilder<InvokeRestApiCommandInput, InvokeRestApiCommandOutput, MWAAClientResolvedConfig, ServiceInputTypes, ServiceOutputTypes>()
  .ep({ ...commonParams })
  .m(function (this: { serialize: any; deserialize: any }, Command: any, _cs: unknown, config: MWAAClientResolvedConfig) {
    return [getSerdePlugin(config, this.serialize, this.deserialize), getEndpointPlugin(config, Command.getEndpointParameterInstructions())];
  })
  .s('AmazonMWAA', 'InvokeRestApi', {})
  .n('MWAAClient', 'InvokeRestApiCommand')
  .f(InvokeRestApiRequestFilterSensitiveLog, InvokeRestApiResponseFilterSensitiveLog)
  .ser(se_InvokeRestApiCommand)
  .de(de_InvokeRestApiCommand)
  .build() {}
