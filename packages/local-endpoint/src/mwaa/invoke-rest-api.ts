/**
 * MWAA's InvokeRestApi (`POST /restapi/{Name}`, botocore 1.43.107 `data/mwaa/2020-07-01/service-2.json`):
 * the request members (Path 1..64 characters, Method GET|PUT|POST|PATCH|DELETE, QueryParameters and Body
 * JSON documents) checked as the model says; on an Airflow 3 environment `Path` goes to Airflow's REST
 * API v2 (rest-api.ts) and Airflow's answer comes back as MWAA sends it: 2xx as 200
 * `{RestApiStatusCode, RestApiResponse}`, 4xx as RestApiClientException and 5xx as
 * RestApiServerException (both HTTP 400, members RestApiStatusCode and RestApiResponse).
 * On a 2.x environment MWAA forwards to REST API v1, which the emulator does not emulate: a
 * ValidationException says so. Behaviour: docs/mwaa-emulator.md, "InvokeRestApi".
 */
import { isAirflow3 } from '../shared/mwaa-catalog.js';
import type { EnvConfig } from './config.js';
import type { AirflowEnvironment } from './dag-runs.js';
import { AwsError, validationError } from './http.js';
import { invokeRest } from './rest-api.js';
import { Violations, isObject, oneOf, str } from './shapes.js';

export const REST_API_METHODS = ['GET', 'PUT', 'POST', 'PATCH', 'DELETE'] as const;

export interface InvokeRestApiContext {
  name: string;
  config: EnvConfig;
  status: string;
  body: Record<string, unknown>;
  closed: boolean;
  /** Whether the endpoint has the local DAG runner (without it, no Airflow answers). */
  airflowAvailable: boolean;
  /** Runs `work` on the environment's Airflow state, in its request queue. */
  run: <T>(work: (airflow: AirflowEnvironment) => Promise<T>) => Promise<T>;
  selfUrl: string;
}

/** The model's RestApiClientException / RestApiServerException: HTTP 400 with Airflow's status and answer as members. */
export function restApiException(status: number, response: unknown): AwsError {
  const code = status >= 500 ? 'RestApiServerException' : 'RestApiClientException';
  return new AwsError(code, `Airflow's REST API answered ${status}`, 400, { RestApiStatusCode: status, RestApiResponse: response });
}

export async function invokeRestApi(ctx: InvokeRestApiContext): Promise<unknown> {
  const { body, config, name } = ctx;
  const v = new Violations();
  if (body.Path === undefined || body.Path === null) v.add(null, 'Path', 'Member must not be null');
  else str(1, 64)(v, body.Path, 'Path');
  if (body.Method === undefined || body.Method === null) v.add(null, 'Method', 'Member must not be null');
  else oneOf(REST_API_METHODS)(v, body.Method, 'Method');
  for (const member of ['QueryParameters', 'Body'] as const) {
    const value = body[member];
    if (value !== undefined && value !== null && !isObject(value)) v.add(value, member, 'Member must be a JSON object');
  }
  v.throwIfAny();
  if (['CREATING', 'CREATE_FAILED', 'DELETING'].includes(ctx.status) || ctx.closed) {
    throw validationError(`Environment ${name} is ${ctx.closed ? 'unavailable' : ctx.status}; its Apache Airflow web server cannot be reached.`);
  }
  if (!isAirflow3(config.AirflowVersion)) {
    throw validationError(
      `InvokeRestApi on environment ${name} (Apache Airflow ${config.AirflowVersion}) goes to Airflow's REST API v1, which the local MWAA emulator does not emulate: it emulates InvokeRestApi for Apache Airflow 3.x environments (REST API v2), and the Airflow CLI endpoint (CreateCliToken) for 2.x.`,
    );
  }
  if (!ctx.airflowAvailable) {
    throw restApiException(501, { detail: 'this endpoint was started without the local DAG runner; no Airflow answers InvokeRestApi' });
  }
  const call = {
    method: body.Method as string,
    path: body.Path as string,
    query: (body.QueryParameters ?? {}) as Record<string, unknown>,
    body: (body.Body ?? undefined) as Record<string, unknown> | undefined,
  };
  const answer = await ctx.run(async (airflow) => {
    await airflow.refresh(config, ctx.selfUrl);
    return invokeRest(airflow, call);
  });
  if (answer.status >= 400) throw restApiException(answer.status, answer.body);
  return { RestApiStatusCode: answer.status, RestApiResponse: answer.body };
}
