import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CreateCliTokenCommand,
  CreateEnvironmentCommand,
  DeleteEnvironmentCommand,
  GetEnvironmentCommand,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateEnvironmentCommand,
  ValidationException,
  paginateListEnvironments,
  MWAAClient,
} from '@aws-sdk/client-mwaa';
import { MwaaEmulator } from '../../src/mwaa-emulator.js';
import type { MwaaBackend } from '../../src/mwaa-backend.js';

const ACCOUNT = '123456789012';
const backend: MwaaBackend = {
  accountId: async () => ACCOUNT,
  checkSourceBucket: async () => undefined,
  checkExecutionRole: async (arn) => (arn.endsWith('/missing') ? `Failed to assume role ${arn}.` : undefined),
  checkNetwork: async () => undefined,
  checkObjectVersion: async () => undefined,
};

let clock = Date.parse('2026-01-01T00:00:00Z');
const emulator = new MwaaEmulator({
  backend,
  delays: { createSeconds: 3, updateSeconds: 2, deleteSeconds: 2 },
  now: () => new Date(clock),
});
let server: Server;
let mwaa: MWAAClient;
const seenHosts: string[] = [];

beforeAll(async () => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKID');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://local');
      const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(req.headers.authorization ?? '');
      seenHosts.push(req.headers.host ?? '');
      void emulator
        .handle({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks), region: scope?.[1] ?? '' })
        .then((reply) => res.writeHead(reply.status, reply.headers).end(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // As the CLI makes it for an endpoint override (src/aws/clients.ts): no `api.`/`env.` host prefix.
  mwaa = new MWAAClient({ region: 'eu-west-1', endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1, disableHostPrefix: true });
});

afterAll(async () => {
  mwaa?.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  vi.unstubAllEnvs();
});

beforeEach(() => emulator.reset());

const input = (name: string) => ({
  Name: name,
  ExecutionRoleArn: `arn:aws:iam::${ACCOUNT}:role/mwaa`,
  SourceBucketArn: 'arn:aws:s3:::abalone-bucket',
  DagS3Path: 'dags',
  NetworkConfiguration: { SubnetIds: ['subnet-1', 'subnet-2'], SecurityGroupIds: ['sg-1'] },
  EnvironmentClass: 'mw1.small',
  Tags: { owner: 'abalone' },
});

describe('the MWAA emulator through @aws-sdk/client-mwaa', () => {
  it('creates, reaches AVAILABLE, updates, deletes and forgets an environment', async () => {
    const { Arn } = await mwaa.send(new CreateEnvironmentCommand(input('abalone')));
    expect(Arn).toBe(`arn:aws:airflow:eu-west-1:${ACCOUNT}:environment/abalone`);
    expect(seenHosts.every((h) => h.startsWith('127.0.0.1:'))).toBe(true);

    const creating = await mwaa.send(new GetEnvironmentCommand({ Name: 'abalone' }));
    expect(creating.Environment?.Status).toBe('CREATING');
    expect(creating.Environment?.CreatedAt).toEqual(new Date(clock));

    clock += 3000;
    const available = (await mwaa.send(new GetEnvironmentCommand({ Name: 'abalone' }))).Environment;
    expect(available?.Status).toBe('AVAILABLE');
    expect(available?.WebserverUrl).toMatch(/\.eu-west-1\.airflow\.amazonaws\.com$/);
    expect(available?.LastUpdate?.Status).toBe('SUCCESS');

    await mwaa.send(new UpdateEnvironmentCommand({ Name: 'abalone', MaxWorkers: 4 }));
    expect((await mwaa.send(new GetEnvironmentCommand({ Name: 'abalone' }))).Environment?.Status).toBe('UPDATING');
    clock += 2000;
    const updated = (await mwaa.send(new GetEnvironmentCommand({ Name: 'abalone' }))).Environment;
    expect(updated).toMatchObject({ Status: 'AVAILABLE', MaxWorkers: 4 });

    const token = await mwaa.send(new CreateCliTokenCommand({ Name: 'abalone' }));
    expect(token.WebServerHostname).toBe(updated?.WebserverUrl);

    await mwaa.send(new DeleteEnvironmentCommand({ Name: 'abalone' }));
    expect((await mwaa.send(new GetEnvironmentCommand({ Name: 'abalone' }))).Environment?.Status).toBe('DELETING');
    clock += 2000;
    await expect(mwaa.send(new GetEnvironmentCommand({ Name: 'abalone' }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('surfaces ValidationException as the SDK class, with the message', async () => {
    const bad = { ...input('abalone'), EnvironmentClass: 'mw1.huge' };
    const error = await mwaa.send(new CreateEnvironmentCommand(bad)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationException);
    expect((error as ValidationException).message).toMatch(/Invalid EnvironmentClass 'mw1.huge'/);
    expect((error as ValidationException).$metadata.httpStatusCode).toBe(400);

    const missingRole = { ...input('abalone'), ExecutionRoleArn: `arn:aws:iam::${ACCOUNT}:role/missing` };
    await expect(mwaa.send(new CreateEnvironmentCommand(missingRole))).rejects.toThrow(/Failed to assume role/);
  });

  it('pages ListEnvironments with the SDK paginator', async () => {
    const names = Array.from({ length: 7 }, (_, i) => `env${i}`);
    for (const name of names) await mwaa.send(new CreateEnvironmentCommand(input(name)));
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateListEnvironments({ client: mwaa, pageSize: 3 }, {})) {
      pages += 1;
      seen.push(...(page.Environments ?? []));
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(names);
  });

  it('tags and untags by ARN', async () => {
    const { Arn } = await mwaa.send(new CreateEnvironmentCommand(input('tagged')));
    await mwaa.send(new TagResourceCommand({ ResourceArn: Arn, Tags: { stage: 'test' } }));
    await mwaa.send(new UntagResourceCommand({ ResourceArn: Arn, tagKeys: ['owner'] }));
    expect((await mwaa.send(new ListTagsForResourceCommand({ ResourceArn: Arn }))).Tags).toEqual({ stage: 'test' });
  });
});
