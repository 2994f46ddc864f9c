import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { AccessDeniedException, MWAAClient, ResourceNotFoundException, ValidationException } from '@aws-sdk/client-mwaa';
import { AirflowRestApi, AirflowRestError, checkPath, detailOf } from '../../../src/aws/airflow-rest.js';
import { InvokeRestApiCommand, RestApiClientException, RestApiServerException } from '../../../src/aws/invoke-rest-api.js';
import { InterruptedError, ToolError } from '../../../src/base/errors.js';

const mwaa = mockClient(MWAAClient);
const ENV = 'abalone-airflow-environment';
const ENV_ARN = `arn:aws-cn:airflow:cn-north-1:210987654321:environment/${ENV}`;

beforeEach(() => mwaa.reset());
afterEach(() => mwaa.reset());

function api(options: Partial<ConstructorParameters<typeof AirflowRestApi>[0]> = {}) {
  return new AirflowRestApi({ mwaa: new MWAAClient({ region: 'eu-west-1' }), environment: ENV, environmentArn: ENV_ARN, ...options });
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('AirflowRestApi.request', () => {
  it('sends one InvokeRestApi call for the environment and returns Airflow status and body', async () => {
    mwaa.on(InvokeRestApiCommand).resolves({ RestApiStatusCode: 200, RestApiResponse: { dag_id: 'abalone_pipeline', is_paused: true } });
    const answer = await api().request('GET', '/dags/abalone_pipeline', { query: { limit: 5, order_by: '-run_after', state: ['queued', 'running'], skip: undefined } });
    expect(answer).toEqual({ status: 200, body: { dag_id: 'abalone_pipeline', is_paused: true } });
    const calls = mwaa.commandCalls(InvokeRestApiCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({ Name: ENV, Path: '/dags/abalone_pipeline', Method: 'GET', QueryParameters: { limit: 5, order_by: '-run_after', state: ['queued', 'running'] } });
  });

  it('sends the body as a JSON document and no QueryParameters when there is no query', async () => {
    mwaa.on(InvokeRestApiCommand).resolves({ RestApiStatusCode: 200, RestApiResponse: {} });
    await api().request('PATCH', '/dags/abalone_pipeline', { body: { is_paused: false } });
    expect(mwaa.commandCalls(InvokeRestApiCommand)[0]!.args[0].input).toEqual({ Name: ENV, Path: '/dags/abalone_pipeline', Method: 'PATCH', Body: { is_paused: false } });
  });

  it('treats an Airflow error status that arrives as a plain answer as an AirflowRestError', async () => {
    mwaa.on(InvokeRestApiCommand).resolves({ RestApiStatusCode: 404, RestApiResponse: { detail: 'Not Found' } });
    const error = (await failure(api().request('GET', '/dags/x'))) as AirflowRestError;
    expect(error).toBeInstanceOf(AirflowRestError);
    expect(error.status).toBe(404);
  });

  it('refuses a path longer than the 64 characters of the model, before any call', async () => {
    const path = '/dags/abalone_pipeline/dagRuns/manual__2026-10-01T12:00:00.123456+00:00/taskInstances';
    const error = await failure(api().request('GET', path));
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).code).toBe('RestApiPathTooLong');
    expect(error.message).toContain(`${path} is ${path.length} characters`);
    expect(error.message).toContain('at most 64');
    expect(mwaa.commandCalls(InvokeRestApiCommand)).toHaveLength(0);
    expect(() => checkPath('/dags/~/dagRuns/~/taskInstances/list')).not.toThrow();
    expect(() => checkPath(`/${'x'.repeat(63)}`)).not.toThrow();
    expect(() => checkPath(`/${'x'.repeat(64)}`)).toThrow(/65 characters/);
    expect(() => checkPath('/dags?limit=1')).toThrow(/QueryParameters/);
    expect(() => checkPath('dags')).toThrow(/must start with \//);
  });

  it("turns Airflow's 4xx into an AirflowRestError naming method, path, status and detail", async () => {
    mwaa.on(InvokeRestApiCommand).rejects(
      new RestApiClientException({ $metadata: { httpStatusCode: 400 }, message: 'client error', RestApiStatusCode: 404, RestApiResponse: { detail: "DAG with dag_id: 'x' not found" } }),
    );
    const error = await failure(api().request('GET', '/dags/x'));
    expect(error).toBeInstanceOf(AirflowRestError);
    const e = error as AirflowRestError;
    expect(e.code).toBe('AirflowRestError');
    expect(e.status).toBe(404);
    expect(e.detail).toBe("DAG with dag_id: 'x' not found");
    expect(e.message).toBe(`Airflow's REST API of ${ENV} answered 404 to GET /dags/x: DAG with dag_id: 'x' not found`);
  });

  it("turns Airflow's 5xx (RestApiServerException) into an AirflowRestError too", async () => {
    mwaa.on(InvokeRestApiCommand).rejects(new RestApiServerException({ $metadata: {}, message: 'server error', RestApiStatusCode: 503, RestApiResponse: { detail: 'database unavailable' } }));
    const error = (await failure(api().request('POST', '/dags/x/dagRuns', { body: { conf: { token: 'secret-value' } } }))) as AirflowRestError;
    expect(error.status).toBe(503);
    expect(error.message).toBe(`Airflow's REST API of ${ENV} answered 503 to POST /dags/x/dagRuns: database unavailable`);
    expect(error.message).not.toContain('secret-value');
  });

  it('makes a 422 validation list one line of loc: msg, leaving out the echoed input', async () => {
    const body = { detail: [{ loc: ['body', 'logical_date'], msg: 'Field required', type: 'missing', input: { conf: { token: 'secret-value' } } }] };
    mwaa.on(InvokeRestApiCommand).rejects(new RestApiClientException({ $metadata: {}, message: 'client error', RestApiStatusCode: 422, RestApiResponse: body }));
    const error = (await failure(api().request('POST', '/dags/x/dagRuns'))) as AirflowRestError;
    expect(error.detail).toBe('body.logical_date: Field required');
    expect(error.message).not.toContain('secret-value');
    expect(detailOf({ detail: { reason: 'x' } })).toBe('{"reason":"x"}');
    expect(detailOf({ type: 'about:blank', title: 'DAG not found', status: 404 })).toBe('DAG not found');
    expect(detailOf(undefined)).toBe('');
  });

  it('names airflow:InvokeRestApi and the Airflow role resource derived from the environment ARN on AccessDenied', async () => {
    mwaa.on(InvokeRestApiCommand).rejects(new AccessDeniedException({ $metadata: {}, message: 'Access denied: no Airflow role' }));
    const error = (await failure(api().request('PATCH', '/dags/abalone_pipeline', { body: { is_paused: false } }))) as ToolError;
    expect(error.code).toBe('AirflowRestAccessDenied');
    expect(error.message).toContain('`airflow:InvokeRestApi`');
    expect(error.message).toContain(`arn:aws-cn:airflow:cn-north-1:210987654321:role/${ENV}/<AirflowRole>`);
    expect(error.message).toContain('PATCH /dags/abalone_pipeline');
  });

  it('without the environment ARN, the role resource takes the region from the client and leaves the rest as placeholders', async () => {
    mwaa.on(InvokeRestApiCommand).rejects(new AccessDeniedException({ $metadata: {}, message: 'denied' }));
    const error = await failure(api({ environmentArn: undefined }).request('GET', '/importErrors'));
    expect(error.message).toContain(`arn:<partition>:airflow:eu-west-1:<account>:role/${ENV}/<AirflowRole>`);
  });

  it('names the missing environment on ResourceNotFound and the needed update on "Update your environment to use InvokeRestApi"', async () => {
    mwaa.on(InvokeRestApiCommand).rejects(new ResourceNotFoundException({ $metadata: {}, message: 'not found' }));
    const missing = (await failure(api().request('GET', '/importErrors'))) as ToolError;
    expect(missing.code).toBe('NoEnvironment');
    expect(missing.message).toContain(`the Airflow environment ${ENV} does not exist`);
    mwaa.reset();
    mwaa.on(InvokeRestApiCommand).rejects(new ValidationException({ $metadata: {}, message: 'Update your environment to use InvokeRestApi' }));
    const old = (await failure(api().request('GET', '/importErrors'))) as ToolError;
    expect(old.code).toBe('AirflowRestInvalid');
    expect(old.message).toContain('abalone-pipeline up');
  });

  it('lets other errors through unchanged', async () => {
    const boom = Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    mwaa.on(InvokeRestApiCommand).rejects(boom);
    expect(await failure(api().request('GET', '/importErrors'))).toBe(boom);
  });

  it('is an InterruptedError when the caller aborts', async () => {
    const controller = new AbortController();
    mwaa.on(InvokeRestApiCommand).callsFake(async () => {
      controller.abort();
      throw Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    });
    expect(await failure(api({ signal: controller.signal }).request('GET', '/importErrors'))).toBeInstanceOf(InterruptedError);
  });

  it('bounds a call by requestTimeoutMs and says that MWAA ends its call after 10 s', async () => {
    mwaa.on(InvokeRestApiCommand).callsFake(async () => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      throw Object.assign(new Error('Request aborted'), { name: 'AbortError' });
    });
    const error = (await failure(api({ requestTimeoutMs: 20 }).request('GET', '/importErrors'))) as ToolError;
    expect(error.code).toBe('AirflowRestTimeout');
    expect(error.message).toContain('10 s');
  });
});
