import { DescribeEndpointCommand } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import type { Clients } from './clients.js';
import { isNotFound } from './errors.js';

/** DescribeEndpoint's EndpointStatus (InService, Creating, ...), or undefined when there is no such endpoint. */
export async function endpointStatus(clients: Clients, endpoint: string): Promise<string | undefined> {
  const sagemaker = await clients.sagemaker();
  try {
    return (await sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }))).EndpointStatus;
  } catch (error) {
    // SageMaker reports a missing endpoint as a ValidationException "Could not find endpoint".
    if (isNotFound(error) || /Could not find endpoint/i.test(String((error as Error).message))) return undefined;
    throw error;
  }
}

/** InvokeEndpoint with a text/csv body; the answer's body as text. */
export async function invokeEndpointCsv(clients: Clients, endpoint: string, body: string): Promise<string> {
  const runtime = await clients.sagemakerRuntime();
  const out = await runtime.send(new InvokeEndpointCommand({ EndpointName: endpoint, ContentType: 'text/csv', Accept: 'text/csv', Body: new TextEncoder().encode(body) }));
  return new TextDecoder().decode(out.Body);
}
