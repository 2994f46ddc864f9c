import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateDatabaseCommand, GetDatabaseCommand, GetTagsCommand } from '@aws-sdk/client-glue';
import { CreateRoleCommand, GetRoleCommand } from '@aws-sdk/client-iam';
import { runCli } from '../support/cli.js';
import { destroyClients, inventoryClients, type InventoryClients } from '../support/inventory.js';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';

/**
 * Issue 21, item 7, end to end: resources with the pipeline's names that someone else made (no
 * pipeline tag) are not adopted, changed or deleted; `up --adopt` takes them over and tags them.
 */
const ACCOUNT = '123456789012';
const DATABASE = 'abalone_new';
const GLUE_ROLE = 'abalone-glue-us-east-1';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

let endpoint: TestEndpoint;
let clients: InventoryClients;

beforeAll(async () => {
  endpoint = await startLocalEndpoint();
  clients = inventoryClients(endpoint.url);
}, 60_000);

afterAll(async () => {
  if (clients) destroyClients(clients);
  await endpoint?.stop();
});

describe("up, status and destroy leave someone else's same-named resources alone", () => {
  it('stops the steps that find them, says so, deletes nothing of theirs; --adopt takes them over', async () => {
    await clients.glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: DATABASE, Description: 'someone else' } }));
    await clients.iam.send(new CreateRoleCommand({ RoleName: GLUE_ROLE, AssumeRolePolicyDocument: TRUST, Tags: [{ Key: 'team', Value: 'research' }] }));
    const env = endpoint.env;

    const up = await runCli(['up', '--yes', '--json'], { env, timeoutMs: 300_000 });
    expect(up.code).toBe(1);
    const doc = JSON.parse(up.stdout) as { steps: Array<{ step: string; status: string }> };
    expect(doc.steps.find((s) => s.step === 'ensure-roles')?.status).toBe('failed');
    expect(up.stderr).toMatch(/role\/abalone-glue-us-east-1 \(no tag abalone-pipeline:name\) has this pipeline's name but not its tag/);
    // The role was not changed: its trust policy is still the owner's.
    const role = (await clients.iam.send(new GetRoleCommand({ RoleName: GLUE_ROLE }))).Role!;
    expect(decodeURIComponent(role.AssumeRolePolicyDocument!)).toContain('ec2.amazonaws.com');

    const status = await runCli(['status', '--json'], { env });
    expect(status.code).toBe(3);
    const resources = (JSON.parse(status.stdout) as { resources: Array<{ id: string; state: string; detail: string }> }).resources;
    expect(resources.find((r) => r.id === GLUE_ROLE)).toMatchObject({ state: 'drift', detail: expect.stringMatching(/^not this pipeline's/) });

    const destroy = await runCli(['destroy', '--yes'], { env, timeoutMs: 300_000 });
    expect(destroy.code, destroy.stderr).toBe(0);
    expect(destroy.stderr).toMatch(/left alone: arn:aws:iam::123456789012:role\/abalone-glue-us-east-1 is not this pipeline's/);
    expect((await clients.iam.send(new GetRoleCommand({ RoleName: GLUE_ROLE }))).Role?.RoleName).toBe(GLUE_ROLE);
    expect((await clients.glue.send(new GetDatabaseCommand({ Name: DATABASE }))).Database?.Description).toBe('someone else');

    const adopt = await runCli(['up', '--yes', '--adopt'], { env, timeoutMs: 300_000 });
    expect(adopt.code, adopt.stderr).toBe(0);
    expect(adopt.stdout).toMatch(/adopt \(--adopt\): no tag abalone-pipeline:name; tag it abalone-pipeline:name = abalone/);
    const tags = (await clients.glue.send(new GetTagsCommand({ ResourceArn: `arn:aws:glue:us-east-1:${ACCOUNT}:database/${DATABASE}` }))).Tags;
    expect(tags?.['abalone-pipeline:name']).toBe('abalone');
    const again = await runCli(['up', '--yes'], { env, timeoutMs: 300_000 });
    expect(again.code, again.stderr).toBe(0);
  }, 900_000);
});
