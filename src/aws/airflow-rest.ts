import type { MWAAClient } from '@aws-sdk/client-mwaa';
import type { DocumentType } from '@smithy/types';
import { InterruptedError, ToolError, errorMessage, errorName } from '../base/errors.js';
import { InvokeRestApiCommand, REST_API_PATH_MAX, RestApiClientException, RestApiServerException, type RestApiMethod } from './invoke-rest-api.js';

/**
 * Airflow's REST API of one MWAA environment, reached through MWAA's InvokeRestApi
 * (src/aws/invoke-rest-api.ts): the request is an AWS call, signed with the caller's IAM
 * credentials; MWAA maps the caller to an Airflow role and forwards `Path` to the web server's
 * REST API (`/api/v2` on Airflow 3, `/api/v1` on 2.x: paths are given without the prefix, as the
 * Amazon provider's MwaaHook/MwaaTriggerDagRunOperator do).
 *
 * What MWAA documents ("Using the Apache Airflow REST API",
 * https://docs.aws.amazon.com/mwaa/latest/userguide/access-mwaa-apache-airflow-rest-api.html) and
 * this class therefore respects:
 * - `Path` is 1 to 64 characters (the model's RestApiPath): checked here, before any call, with an
 *   error naming the path; query parameters go in `QueryParameters`, never in the path;
 * - the call is ended by MWAA after 10 seconds: only quick Airflow endpoints belong here (no waits);
 * - Airflow's response may not exceed 6 MB: list calls must bound their page size (`limit`).
 * Bodies (ours and Airflow's) may hold secrets (a run's conf, variables): they are never logged or
 * put into an error message; the SDK's logger sees them masked (invoke-rest-api.ts).
 */
export interface AirflowRestOptions {
  readonly mwaa: MWAAClient;
  /** The MWAA environment's name. */
  readonly environment: string;
  /**
   * The environment's ARN (GetEnvironment's `Arn`): partition, region and account of the Airflow
   * role resource named when access is denied. Without it the region comes from the client and
   * the rest is left as a placeholder.
   */
  readonly environmentArn?: string;
  readonly signal?: AbortSignal;
  /** Bound on one call, retries included (MWAA itself ends the Airflow call after 10 s). Default 60 s. */
  readonly requestTimeoutMs?: number;
}

/** A query parameter value; arrays become repeated parameters (`state=a&state=b`). */
export type QueryValue = string | number | boolean | readonly string[];

export interface RestRequestOptions {
  readonly query?: Readonly<Record<string, QueryValue | undefined>>;
  readonly body?: Readonly<Record<string, unknown>>;
}

export interface RestAnswer<T = unknown> {
  /** Airflow's HTTP status (2xx here: 4xx/5xx are thrown as AirflowRestError). */
  readonly status: number;
  readonly body: T;
}

/**
 * Airflow answered 4xx or 5xx: `status` and `detail` are Airflow's (`HTTPExceptionResponse.detail`,
 * or the 422 `HTTPValidationError` list made one line).
 */
export class AirflowRestError extends ToolError {
  constructor(
    readonly method: RestApiMethod,
    readonly path: string,
    readonly status: number,
    readonly detail: string,
    environment: string,
  ) {
    super('AirflowRestError', `Airflow's REST API of ${environment} answered ${status} to ${method} ${path}: ${detail || '(no detail)'}`);
  }
}

const DEFAULT_TIMEOUT_MS = 60_000;

export class AirflowRestApi {
  constructor(private readonly options: AirflowRestOptions) {}

  get environment(): string {
    return this.options.environment;
  }

  /** One Airflow REST call: `request('GET', '/dags/abalone_pipeline')`. */
  async request<T = unknown>(method: RestApiMethod, path: string, options: RestRequestOptions = {}): Promise<RestAnswer<T>> {
    checkPath(path);
    const { mwaa, environment } = this.options;
    const signal = this.options.signal;
    const timeoutMs = this.options.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    const timeout = AbortSignal.timeout(timeoutMs);
    const query = queryDocument(options.query);
    try {
      const out = await mwaa.send(
        new InvokeRestApiCommand({
          Name: environment,
          Path: path,
          Method: method,
          ...(query ? { QueryParameters: query } : {}),
          ...(options.body !== undefined ? { Body: options.body as DocumentType } : {}),
        }),
        { abortSignal: signal ? AbortSignal.any([signal, timeout]) : timeout },
      );
      const status = out.RestApiStatusCode ?? 200;
      // MWAA sends Airflow's 4xx/5xx as RestApiClient/ServerException; should one come back as a plain answer, it is still an error.
      if (status >= 400) throw new AirflowRestError(method, path, status, detailOf(out.RestApiResponse), environment);
      return { status, body: (out.RestApiResponse ?? null) as T };
    } catch (error) {
      if (error instanceof AirflowRestError) throw error;
      if (signal?.aborted) throw new InterruptedError(`interrupted during ${method} ${path}`);
      if (timeout.aborted) {
        throw new ToolError('AirflowRestTimeout', `Airflow's REST API of ${environment} did not answer ${method} ${path} within ${Math.round(timeoutMs / 1000)}s (MWAA ends an InvokeRestApi call after 10 s)`);
      }
      throw await this.translate(error, method, path);
    }
  }

  private async translate(error: unknown, method: RestApiMethod, path: string): Promise<unknown> {
    const { environment } = this.options;
    if (error instanceof RestApiClientException || error instanceof RestApiServerException) {
      return new AirflowRestError(method, path, error.RestApiStatusCode ?? 0, detailOf(error.RestApiResponse), environment);
    }
    switch (errorName(error)) {
      case 'AccessDeniedException':
        return new ToolError(
          'AirflowRestAccessDenied',
          `access denied to ${method} ${path} on ${environment}'s Airflow REST API (${oneLine(errorMessage(error))}): the caller needs \`airflow:InvokeRestApi\` on the Airflow role resource ${await this.roleArn()} (Viewer is enough to read; unpausing and triggering need a role that may edit DAGs and create DAG runs, such as Op)`,
        );
      case 'ResourceNotFoundException':
        return new ToolError('NoEnvironment', `the Airflow environment ${environment} does not exist (InvokeRestApi ${method} ${path}): run \`abalone-pipeline up\` first`);
      case 'ValidationException': {
        const message = oneLine(errorMessage(error));
        const hint = /update your environment/i.test(message) ? ': the environment predates InvokeRestApi; an environment update (`abalone-pipeline up`) brings it' : '';
        return new ToolError('AirflowRestInvalid', `MWAA refused InvokeRestApi ${method} ${path} for ${environment}: ${message}${hint}`);
      }
      default:
        return error;
    }
  }

  /** `arn:<partition>:airflow:<region>:<account>:role/<env>/<AirflowRole>`, from the environment's ARN when known. */
  private async roleArn(): Promise<string> {
    const { environment, environmentArn, mwaa } = this.options;
    const parts = environmentArn?.split(':');
    if (parts && parts.length >= 6 && parts[0] === 'arn') {
      return `arn:${parts[1]}:airflow:${parts[3]}:${parts[4]}:role/${environment}/<AirflowRole>`;
    }
    let region = '<region>';
    try {
      region = (await mwaa.config.region()) || region;
    } catch {
      // keep the placeholder
    }
    return `arn:<partition>:airflow:${region}:<account>:role/${environment}/<AirflowRole>`;
  }
}

/** The model's RestApiPath limits (1..64 characters), and no query string in the path. */
export function checkPath(path: string): void {
  if (!path.startsWith('/')) throw new ToolError('RestApiPathInvalid', `the Airflow REST path ${path} must start with /`);
  if (path.includes('?')) throw new ToolError('RestApiPathInvalid', `the Airflow REST path ${path} carries a query string: query parameters go in QueryParameters`);
  if (path.length > REST_API_PATH_MAX) {
    throw new ToolError('RestApiPathTooLong', `the Airflow REST path ${path} is ${path.length} characters; MWAA's InvokeRestApi accepts at most ${REST_API_PATH_MAX}`);
  }
}

function queryDocument(query: RestRequestOptions['query']): DocumentType | undefined {
  if (!query) return undefined;
  const out: Record<string, DocumentType> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    out[key] = Array.isArray(value) ? [...(value as readonly string[])] : (value as string | number | boolean);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Airflow 3's error bodies (REST API v2): `HTTPExceptionResponse {detail: string | object}`, and
 * for 422 `HTTPValidationError {detail: [{loc, msg, type}]}`. Only `loc` and `msg` are kept: newer
 * versions add the offending `input`, which may be part of a request body.
 */
export function detailOf(response: unknown): string {
  if (response === undefined || response === null) return '';
  if (typeof response === 'string') return oneLine(response);
  if (typeof response !== 'object') return String(response);
  const detail = (response as { detail?: unknown }).detail;
  if (typeof detail === 'string') return oneLine(detail);
  if (Array.isArray(detail)) {
    return detail
      .map((item) => {
        const { loc, msg } = (item ?? {}) as { loc?: unknown; msg?: unknown };
        const where = Array.isArray(loc) ? loc.join('.') : '';
        return `${where ? `${where}: ` : ''}${typeof msg === 'string' ? msg : 'invalid'}`;
      })
      .join('; ')
      .slice(0, 300);
  }
  if (detail && typeof detail === 'object') return oneLine(JSON.stringify(detail));
  // v1 (Airflow 2) problem+json: {type, title, status, detail}
  const title = (response as { title?: unknown }).title;
  return typeof title === 'string' ? oneLine(title) : '';
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}
