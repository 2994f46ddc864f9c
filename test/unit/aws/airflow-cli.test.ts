import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { CreateCliTokenCommand, MWAAClient } from '@aws-sdk/client-mwaa';
import { AirflowCli, cliUrl, environmentProblem, parseJsonRows } from '../../../src/aws/airflow-cli.js';
import { redact, registerSecret } from '../../../src/output/redact.js';
import { FakeAirflowCli } from '../../support/fake-airflow-cli.js';

// The contract: https://docs.aws.amazon.com/mwaa/latest/userguide/call-mwaa-apis-cli.html
const mwaa = mockClient(MWAAClient);
const timing = { minGapMs: 0, requestTimeoutMs: 5_000 };

beforeEach(() => {
  mwaa.reset();
  mwaa.on(CreateCliTokenCommand).resolves({ CliToken: 'secret-token', WebServerHostname: 'abc123.c2.us-east-1.airflow.amazonaws.com' });
});
afterEach(() => mwaa.reset());

function cli(options: Partial<ConstructorParameters<typeof AirflowCli>[0]> = {}) {
  return new AirflowCli({ mwaa: new MWAAClient({ region: 'us-east-1' }), environment: 'abalone-airflow-environment', timing, signal: new AbortController().signal, registerSecret, ...options });
}

describe('AirflowCli', () => {
  it('on AWS posts the command line as text/plain with the Bearer token to https://<WebServerHostname>/aws_mwaa/cli and decodes the base64 answer', async () => {
    const seen: Array<{ url: string; init: RequestInit }> = [];
    const fetchStub = (async (url: string, init: RequestInit) => {
      seen.push({ url, init });
      const answer = { stdout: Buffer.from('No data found\n').toString('base64'), stderr: Buffer.from('[WARNING] x\n').toString('base64') };
      return new Response(JSON.stringify(answer), { status: 200 });
    }) as unknown as typeof fetch;
    const out = await cli({ fetch: fetchStub }).run('dags list-runs -d abalone_pipeline -o json');
    expect(out).toEqual({ stdout: 'No data found\n', stderr: '[WARNING] x\n' });
    expect(seen[0]!.url).toBe('https://abc123.c2.us-east-1.airflow.amazonaws.com/aws_mwaa/cli');
    expect(seen[0]!.init.method).toBe('POST');
    expect(seen[0]!.init.body).toBe('dags list-runs -d abalone_pipeline -o json');
    expect(seen[0]!.init.headers).toEqual({ Authorization: 'Bearer secret-token', 'Content-Type': 'text/plain' });
  });

  it('with an endpoint override posts to <endpoint>/aws_mwaa/cli, one request at a time, a token per request', async () => {
    const fake = new FakeAirflowCli({ delayMs: 20 });
    const url = await fake.start();
    try {
      const client = cli({ endpointUrl: `${url}/` });
      await Promise.all([client.run('dags list-import-errors -o json'), client.run('dags list-runs -d abalone_pipeline -o json'), client.run('dags unpause abalone_pipeline -o json')]);
      expect(fake.commands).toHaveLength(3);
      expect(fake.maxInFlight).toBe(1);
      expect(mwaa.commandCalls(CreateCliTokenCommand)).toHaveLength(3);
    } finally {
      await fake.stop();
    }
  });

  it('an unreachable web server is one clear error', async () => {
    const error = await cli({ endpointUrl: 'http://127.0.0.1:1' }).run('dags list-import-errors -o json').catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/cannot reach the Airflow web server at http:\/\/127\.0\.0\.1:1\/aws_mwaa\/cli/);
  });
});

describe('the CLI token goes only to the web server (issue 21, item 6)', () => {
  const host = 'abc123.c2.us-east-1.airflow.amazonaws.com';
  const answer = () => new Response(JSON.stringify({ stdout: '', stderr: '' }), { status: 200 });

  it('is registered for redaction as soon as it is issued', async () => {
    const token = 'tok-REGISTERED-0123456789abcdef';
    mwaa.on(CreateCliTokenCommand).resolves({ CliToken: token, WebServerHostname: host });
    const fetchStub = (async () => answer()) as unknown as typeof fetch;
    await cli({ fetch: fetchStub }).run('dags list-import-errors -o json');
    expect(redact(`failed with ${token} in it`)).toBe('failed with [redacted] in it');
  });

  it('a web server quoting the request back in an error: the message, once redacted, holds no token', async () => {
    const token = 'tok-QUOTED-abcdef0123456789';
    mwaa.on(CreateCliTokenCommand).resolves({ CliToken: token, WebServerHostname: host });
    const fetchStub = (async (_url: string, init: RequestInit) => new Response(`bad request ${JSON.stringify(init.headers)}`, { status: 500 })) as unknown as typeof fetch;
    const error = (await cli({ fetch: fetchStub }).run('dags list-import-errors -o json').catch((e: unknown) => e)) as Error;
    expect(error.message).toContain(token);
    expect(redact(error.message)).not.toContain(token);
    expect(redact(String(error.stack))).not.toContain(token);
  });

  it('refuses redirects: fetch does not follow them, and a 3xx is an error that sends nothing further', async () => {
    const seen: Array<{ url: string; init: RequestInit }> = [];
    const fetchStub = (async (url: string, init: RequestInit) => {
      seen.push({ url, init });
      return new Response('', { status: 307, headers: { location: 'https://attacker.example/aws_mwaa/cli' } });
    }) as unknown as typeof fetch;
    const error = await cli({ fetch: fetchStub }).run('dags list-import-errors -o json').catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('AirflowCliRedirect');
    expect(seen).toHaveLength(1);
    expect(seen[0]!.init.redirect).toBe('manual');
  });

  it('with a non-loopback override (VPC or FIPS endpoint, proxy) still goes to https://<WebServerHostname> only', async () => {
    const seen: string[] = [];
    const fetchStub = (async (url: string) => {
      seen.push(url);
      return answer();
    }) as unknown as typeof fetch;
    await cli({ fetch: fetchStub, endpointUrl: 'http://vpce-0123.airflow.us-east-1.vpce.amazonaws.com' }).run('dags list-import-errors -o json');
    expect(seen).toEqual([`https://${host}/aws_mwaa/cli`]);
  });

  it('a loopback override (the local endpoint) answers the CLI itself; a host name that is not a DNS name gets nothing', () => {
    expect(cliUrl('e', host, 'http://127.0.0.1:4566/')).toBe('http://127.0.0.1:4566/aws_mwaa/cli');
    expect(cliUrl('e', host, 'http://localhost:4566')).toBe('http://localhost:4566/aws_mwaa/cli');
    expect(cliUrl('e', host, 'http://[::1]:4566')).toBe('http://[::1]:4566/aws_mwaa/cli');
    expect(cliUrl('e', host, 'https://airflow-fips.us-east-1.amazonaws.com')).toBe(`https://${host}/aws_mwaa/cli`);
    expect(cliUrl('e', host, 'http://127.0.0.1.attacker.example')).toBe(`https://${host}/aws_mwaa/cli`);
    for (const bad of ['evil.example/x?', 'user@evil.example', 'evil.example:8080', 'http://evil.example']) {
      expect(() => cliUrl('e', bad, undefined)).toThrow(/not a DNS name/);
    }
  });
});

describe('parseJsonRows (AirflowConsole.print_as_json)', () => {
  it('reads the JSON list, and "No data found" as an empty list', () => {
    expect(parseJsonRows('[\n  {"run_id": "a"}\n]\n')).toEqual([{ run_id: 'a' }]);
    expect(parseJsonRows('No data found\n')).toEqual([]);
    expect(parseJsonRows('Traceback ...')).toBeUndefined();
  });
});

describe('environmentProblem', () => {
  it('names a missing, a not-AVAILABLE and a PRIVATE_ONLY environment', () => {
    expect(environmentProblem('e', undefined)?.code).toBe('NoEnvironment');
    expect(environmentProblem('e', { Status: 'CREATING' })?.message).toContain('e is CREATING, not AVAILABLE');
    expect(environmentProblem('e', { Status: 'AVAILABLE', WebserverAccessMode: 'PRIVATE_ONLY' })?.code).toBe('WebserverPrivate');
    expect(environmentProblem('e', { Status: 'AVAILABLE', WebserverAccessMode: 'PUBLIC_ONLY' })).toBeUndefined();
  });
});
