import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { createOnce, once, OutcomeUnknownError } from '../../../src/aws/create-once.js';
import { timingProfile } from '../../../src/engine/timing.js';

/** An EC2 endpoint that answers every call with 503 and counts them. */
let server: Server;
let url: string;
let calls = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    calls += 1;
    res.writeHead(503, { 'content-type': 'text/xml' }).end('<Response><Errors><Error><Code>ServiceUnavailable</Code><Message>busy</Message></Error></Errors></Response>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const ec2 = () => new EC2Client({ endpoint: url, region: 'us-east-1', maxAttempts: 4, credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
const ctx = { signal: new AbortController().signal, timing: timingProfile({ emulated: true, env: {} }) };

describe('once(): a create without an idempotency token is never repeated by the SDK', () => {
  it('the SDK retries a 503 of a plain call, but not of a call marked once(): its outcome is unknown', async () => {
    calls = 0;
    await expect(ec2().send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).rejects.toThrow();
    expect(calls).toBe(4);
    calls = 0;
    const error = await ec2().send(once(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutcomeUnknownError);
    expect(calls).toBe(1);
  });

  it('createOnce looks before it tries again: what it finds is the result, and a bounded number of tries ends in the cause', async () => {
    calls = 0;
    let looks = 0;
    const found = await createOnce(ctx, () => ec2().send(once(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).then(() => 'made'), async () => (++looks === 2 ? 'vpc-found' : undefined));
    expect(found).toBe('vpc-found');
    expect([calls, looks]).toEqual([2, 2]);

    calls = 0;
    const error = await createOnce(ctx, () => ec2().send(once(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))), async () => undefined).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(OutcomeUnknownError);
    expect((error as Error).name).toBe('ServiceUnavailable');
    expect(calls).toBe(6);
  });
});
