import { afterEach, describe, expect, it, vi } from 'vitest';
import { AccessDeniedException, MWAAClient, MWAAServiceException, ResourceNotFoundException, ValidationException, type MWAAClientConfig } from '@aws-sdk/client-mwaa';
import { HttpResponse, type HttpRequest } from '@smithy/protocol-http';
import { InvokeRestApiCommand, RestApiClientException, RestApiServerException } from '../../../src/aws/invoke-rest-api.js';
import { errorName } from '../../../src/base/errors.js';

// The wire shape under test is the botocore model of MWAA 2020-07-01 (botocore 1.43.107):
// InvokeRestApi = POST /restapi/{Name}, hostPrefix `env.`, rest-json, SigV4 signing name `airflow`.

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

/** A real MWAAClient whose HTTP handler records the signed request and answers without a network. */
function capturingClient(answer: Answer, config: Partial<MWAAClientConfig> = {}) {
  const requests: HttpRequest[] = [];
  const requestHandler = {
    handle: async (request: HttpRequest) => {
      requests.push(request);
      const response = new HttpResponse({
        statusCode: answer.status,
        headers: { 'content-type': 'application/json', 'x-amzn-requestid': 'req-1', ...answer.headers },
        body: Buffer.from(JSON.stringify(answer.body)),
      });
      return { response };
    },
  };
  const client = new MWAAClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' },
    maxAttempts: 1,
    requestHandler,
    ...config,
  });
  return { client, requests };
}

const OK: Answer = { status: 200, body: { RestApiStatusCode: 200, RestApiResponse: { import_errors: [], total_entries: 0 } } };

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('InvokeRestApiCommand on the MWAA client stack', () => {
  it('serialises to POST https://env.airflow.<region>.amazonaws.com/restapi/<Name> with the JSON body, signed SigV4 for service airflow', async () => {
    const { client, requests } = capturingClient(OK);
    const out = await client.send(
      new InvokeRestApiCommand({
        Name: 'abalone-airflow-environment',
        Path: '/dags/abalone_pipeline/dagRuns',
        Method: 'POST',
        QueryParameters: { limit: 5 },
        Body: { logical_date: null, conf: { force: true } },
      }),
    );
    expect(out.RestApiStatusCode).toBe(200);
    expect(out.RestApiResponse).toEqual({ import_errors: [], total_entries: 0 });
    expect(out.$metadata.requestId).toBe('req-1');

    expect(requests).toHaveLength(1);
    const request = requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.protocol).toBe('https:');
    expect(request.hostname).toBe('env.airflow.us-east-1.amazonaws.com');
    expect(request.path).toBe('/restapi/abalone-airflow-environment');
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(String(request.body))).toEqual({
      Path: '/dags/abalone_pipeline/dagRuns',
      Method: 'POST',
      QueryParameters: { limit: 5 },
      Body: { logical_date: null, conf: { force: true } },
    });
    const authorization = request.headers['authorization'] ?? '';
    expect(authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/airflow\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/);
    expect(request.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(request.headers['host']).toBe('env.airflow.us-east-1.amazonaws.com');
  });

  it('leaves out QueryParameters and Body when not given', async () => {
    const { client, requests } = capturingClient(OK);
    await client.send(new InvokeRestApiCommand({ Name: 'env-1', Path: '/importErrors', Method: 'GET' }));
    expect(JSON.parse(String(requests[0]!.body))).toEqual({ Path: '/importErrors', Method: 'GET' });
  });

  it('honours disableHostPrefix (what clients.ts sets for emulators)', async () => {
    const { client, requests } = capturingClient(OK, { disableHostPrefix: true });
    await client.send(new InvokeRestApiCommand({ Name: 'env-1', Path: '/importErrors', Method: 'GET' }));
    expect(requests[0]!.hostname).toBe('airflow.us-east-1.amazonaws.com');
    expect(requests[0]!.path).toBe('/restapi/env-1');
  });

  it('honours an endpoint override in the client config (--endpoint-url)', async () => {
    const { client, requests } = capturingClient(OK, { endpoint: 'http://127.0.0.1:4566', disableHostPrefix: true });
    await client.send(new InvokeRestApiCommand({ Name: 'env-1', Path: '/importErrors', Method: 'GET' }));
    const request = requests[0]!;
    expect(`${request.protocol}//${request.hostname}:${request.port}${request.path}`).toBe('http://127.0.0.1:4566/restapi/env-1');
    expect(request.headers['authorization']).toMatch(/\/us-east-1\/airflow\/aws4_request/);
  });

  it('honours AWS_ENDPOINT_URL_MWAA, as the SDK does for its own commands', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_MWAA', 'http://localhost:9911');
    const { client, requests } = capturingClient(OK, { disableHostPrefix: true });
    await client.send(new InvokeRestApiCommand({ Name: 'env-1', Path: '/importErrors', Method: 'GET' }));
    expect(`${requests[0]!.protocol}//${requests[0]!.hostname}:${requests[0]!.port}${requests[0]!.path}`).toBe('http://localhost:9911/restapi/env-1');
  });

  it('uses the FIPS endpoint from the rule set when asked', async () => {
    const { client, requests } = capturingClient(OK, { useFipsEndpoint: true, region: 'us-west-2' });
    await client.send(new InvokeRestApiCommand({ Name: 'env-1', Path: '/importErrors', Method: 'GET' }));
    expect(requests[0]!.hostname).toBe('env.airflow-fips.us-west-2.amazonaws.com');
  });

  it('keeps the sensitive Body and RestApiResponse out of what the SDK logs', async () => {
    const logged: unknown[] = [];
    const logger = { debug: () => {}, info: (o: unknown) => logged.push(o), warn: () => {}, error: () => {} };
    const { client } = capturingClient({ status: 200, body: { RestApiStatusCode: 200, RestApiResponse: { value: 'top-secret-out' } } }, { logger });
    await client.send(new InvokeRestApiCommand({ Name: 'env-1', Path: '/variables', Method: 'POST', Body: { value: 'top-secret-in' } }));
    const text = JSON.stringify(logged);
    expect(text).toContain('InvokeRestApiCommand');
    expect(text).not.toContain('top-secret');
  });
});

describe('InvokeRestApiCommand errors', () => {
  const send = async (answer: Answer) => {
    const { client } = capturingClient(answer);
    try {
      await client.send(new InvokeRestApiCommand({ Name: 'env-1', Path: '/dags/nope', Method: 'GET' }));
    } catch (error) {
      return error;
    }
    throw new Error('expected a rejection');
  };

  it('an Airflow 4xx is a RestApiClientException (HTTP 400) carrying Airflow status and body', async () => {
    const error = await send({
      status: 400,
      headers: { 'x-amzn-errortype': 'RestApiClientException:http://internal.amazon.com/coral/com.amazonaws.mwaa/' },
      body: { RestApiStatusCode: 404, RestApiResponse: { detail: "DAG with dag_id: 'nope' not found" } },
    });
    expect(error).toBeInstanceOf(RestApiClientException);
    expect(error).toBeInstanceOf(MWAAServiceException);
    const e = error as RestApiClientException;
    expect(errorName(e)).toBe('RestApiClientException');
    expect(e.$fault).toBe('client');
    expect(e.RestApiStatusCode).toBe(404);
    expect(e.RestApiResponse).toEqual({ detail: "DAG with dag_id: 'nope' not found" });
    expect(e.$metadata.httpStatusCode).toBe(400);
  });

  it('an Airflow 5xx is a RestApiServerException, also found from the body __type', async () => {
    const error = await send({ status: 400, body: { __type: 'com.amazonaws.mwaa#RestApiServerException', RestApiStatusCode: 500, RestApiResponse: { detail: 'boom' } } });
    expect(error).toBeInstanceOf(RestApiServerException);
    expect((error as RestApiServerException).RestApiStatusCode).toBe(500);
  });

  it('AccessDenied, ResourceNotFound and Validation are the client package own classes', async () => {
    const denied = await send({ status: 403, headers: { 'x-amzn-errortype': 'AccessDeniedException' }, body: { Message: 'not authorized to perform airflow:InvokeRestApi' } });
    expect(denied).toBeInstanceOf(AccessDeniedException);
    // As for every generated error, decorateServiceException moves the model's `Message` member to `message`.
    expect((denied as Error).message).toBe('not authorized to perform airflow:InvokeRestApi');
    const missing = await send({ status: 404, headers: { 'x-amzn-errortype': 'ResourceNotFoundException' }, body: { message: 'Environment env-1 not found' } });
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
    expect((missing as Error).message).toBe('Environment env-1 not found');
    const invalid = await send({ status: 400, headers: { 'x-amzn-errortype': 'ValidationException' }, body: { message: 'Update your environment to use InvokeRestApi' } });
    expect(invalid).toBeInstanceOf(ValidationException);
  });

  it('an unknown error code falls back to MWAAServiceException with the name the service gave', async () => {
    const error = await send({ status: 404, headers: { 'x-amzn-errortype': 'UnknownOperationException' }, body: { message: 'no such operation' } });
    expect(error).toBeInstanceOf(MWAAServiceException);
    expect(errorName(error)).toBe('UnknownOperationException');
  });
});
