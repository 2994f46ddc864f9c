import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DescribeEndpointCommand, DescribeEndpointConfigCommand, DescribeModelCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { parseJson, runCli } from '../support/cli.js';
import { CREDENTIALS } from '../support/compute.js';
import { CountingProxy } from '../support/counting-proxy.js';
import { deployModel } from '../support/deployed-model.js';
import { destroyClients, duplicates, inventoryClients, inventoryLines, takeInventory, type InventoryClients, type InventoryItem } from '../support/inventory.js';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';

/**
 * `park` then `up` on the local endpoint (docs/runs.md: park; issue #14): park deletes exactly what
 * bills by the hour while idle, status calls it `parked` (exit 0), up recreates it (the endpoint
 * from its kept config), and the pipeline is back to its converged state.
 */
const BUCKET = 'abalone-data-us-east-1-123456789012';
const SETTINGS = '/abalone-pipeline/abalone/settings';

let endpoint: TestEndpoint;
let proxy: CountingProxy;
let clients: InventoryClients;
let sagemaker: SageMakerClient;
let baseline: InventoryItem[];

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { env: { ...endpoint.env, ...env }, timeoutMs: 120_000 });

/** What park deletes, by inventory line: the environment, NAT gateways and their addresses, and the private tables' default routes' targets. */
const PARKED_LINE = /^(mwaa-environment|nat-gateway|elastic-ip) |^route-table abalone-vpc\/abalone-private-routes-/;
const kept = (lines: string[]) => lines.filter((l) => !PARKED_LINE.test(l));

async function lines(): Promise<string[]> {
  const items = await takeInventory(clients);
  expect(duplicates(items), 'duplicate resources').toEqual([]);
  return inventoryLines(items);
}

const describeEndpoint = () => sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'abalone-endpoint' }));

async function storedSettings(): Promise<Record<string, any>> {
  return JSON.parse((await clients.ssm.send(new GetParameterCommand({ Name: SETTINGS }))).Parameter!.Value!);
}

beforeAll(async () => {
  endpoint = await startLocalEndpoint();
  proxy = new CountingProxy(endpoint.url);
  await proxy.start();
  clients = inventoryClients(endpoint.url);
  sagemaker = new SageMakerClient({ endpoint: endpoint.url, region: 'us-east-1', credentials: CREDENTIALS });
  await endpoint.reset();
  baseline = await takeInventory(clients);
}, 90_000);

afterAll(async () => {
  sagemaker?.destroy();
  if (clients) destroyClients(clients);
  await proxy?.stop();
  await endpoint?.stop();
});

beforeEach(async () => {
  await endpoint.reset();
  proxy.clear();
});

describe('park, then up', () => {
  it('park deletes the environment, NAT gateways, addresses and endpoint and keeps the rest; status says parked (exit 0); up resumes to the converged state', async () => {
    const up = await cli(['up', '--yes']);
    expect(up.code, up.stderr).toBe(0);
    const deployed = await deployModel({ endpoint: endpoint.url, region: 'us-east-1', credentials: CREDENTIALS }, BUCKET);
    const reference = await lines();

    const running = await cli(['status', '--json']);
    expect(running.code, running.stderr).toBe(0);
    const runningCost = parseJson(running).hourlyCost;
    expect(runningCost.items.map((i: any) => i.item)).toEqual(['environment', 'nat-gateways', 'endpoint']);
    expect(runningCost.items[0].detail).toMatch(/^MWAA mw1\.small, 1-10 workers/);
    expect(runningCost.items[2].detail).toMatch(/^SageMaker endpoint ml\.m5\.large × 1/);
    expect(runningCost.basis).toMatch(/^list price, us-east-1, as of \d{4}-\d{2}$/);
    const human = await cli(['status']);
    expect(human.stdout).toMatch(/^Hourly cost now \(list price, us-east-1, as of .*\): \$[\d.]+\/h/m);

    const park = await cli(['park', '--yes', '--json']);
    expect(park.code, park.stderr).toBe(0);
    expect(park.stderr).toMatch(/^Hourly saving \(list price, us-east-1, as of .*\): \$[\d.]+\/h/m);
    expect(park.stderr).toMatch(/Airflow's own run history .* goes with the environment/);
    const doc = parseJson(park);
    expect(doc).toMatchObject({ name: 'abalone', region: 'us-east-1', dryRun: false });
    const changes = doc.steps.flatMap((s: any) => s.changes.map((c: any) => `${s.step} ${c.action} ${c.resource.replace(/^arn:aws:[^:]+:us-east-1:123456789012:/, '')}`));
    expect(changes.sort()).toEqual(
      [
        'ensure-mwaa delete environment/abalone-airflow-environment',
        'ensure-parameters update parameter/abalone-pipeline/abalone/settings',
        'ensure-vpc delete elastic-ip/abalone-nat-eip-1',
        'ensure-vpc delete elastic-ip/abalone-nat-eip-2',
        'ensure-vpc delete natgateway/abalone-nat-1',
        'ensure-vpc delete natgateway/abalone-nat-2',
        'model-endpoint delete endpoint/abalone-endpoint',
      ].sort(),
    );

    // What went and what stayed.
    const parked = await lines();
    expect(kept(parked)).toEqual(kept(reference));
    expect(parked.filter((l) => /^(mwaa-environment|nat-gateway|elastic-ip) /.test(l))).toEqual([]);
    const privateTables = parked.filter((l) => l.startsWith('route-table abalone-vpc/abalone-private-routes-'));
    expect(privateTables).toHaveLength(2);
    await expect(describeEndpoint()).rejects.toMatchObject({ name: 'ValidationException' });
    await sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: deployed.config }));
    await sagemaker.send(new DescribeModelCommand({ ModelName: deployed.model }));
    expect((await storedSettings()).parked).toMatchObject({ endpoint: { config: deployed.config, instanceType: 'ml.m5.large', instanceCount: 1 } });

    const status = await cli(['status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    const statusDoc = parseJson(status);
    const states = statusDoc.resources.filter((r: any) => r.state !== 'ok').map((r: any) => `${r.type} ${r.id} ${r.state}`);
    expect(states.sort()).toEqual(
      [
        'ec2-elastic-ip abalone-nat-eip-1 parked',
        'ec2-elastic-ip abalone-nat-eip-2 parked',
        'ec2-natgateway abalone-nat-1 parked',
        'ec2-natgateway abalone-nat-2 parked',
        'ec2-route-table abalone-private-routes-1 parked',
        'ec2-route-table abalone-private-routes-2 parked',
        'mwaa-environment abalone-airflow-environment parked',
        'sagemaker-endpoint abalone-endpoint parked',
      ].sort(),
    );
    expect(statusDoc.hourlyCost).toMatchObject({ usd: 0, items: [] });
    expect(statusDoc.parked).toMatchObject({ endpoint: { config: deployed.config } });

    const resume = await cli(['up', '--yes']);
    expect(resume.code, resume.stderr).toBe(0);
    expect(resume.stderr).toMatch(/^Pipeline "abalone" is parked \(since .*\): up resumes it\.$/m);
    expect(resume.stderr).toMatch(/^Hourly cost resumed \(list price, us-east-1, as of .*\): \$[\d.]+\/h/m);
    expect(resume.stderr).toMatch(/^ +endpoint +\$0\.115\/h +SageMaker endpoint ml\.m5\.large × 1/m);
    expect(resume.stderr).toMatch(/^resumed: pipeline "abalone" is no longer parked$/m);
    expect(resume.stdout).toMatch(new RegExp(`model-endpoint +\\+ create .*endpoint/abalone-endpoint .*from the kept endpoint config ${deployed.config}`));
    expect((await storedSettings()).parked).toBeUndefined();

    // Converged: the same inventory as before park, the last approved model serving again.
    expect(await lines()).toEqual(reference);
    expect(await describeEndpoint()).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: deployed.config });
    const predict = await cli(['predict', '--json', '--row', 'M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15']);
    expect(predict.code, predict.stderr).toBe(0);
    expect(parseJson(predict).predictions).toHaveLength(1);

    const after = await cli(['status', '--json']);
    expect(after.code, after.stderr).toBe(0);
    expect(parseJson(after).parked).toBeNull();
    expect(parseJson(after).hourlyCost.usd).toBe(runningCost.usd);

    // A no-op up after the resume changes nothing and makes no mutating call but the lock's.
    proxy.clear();
    const again = await cli(['up', '--yes', '--json'], { AWS_ENDPOINT_URL: proxy.url });
    expect(again.code, again.stderr).toBe(0);
    for (const step of parseJson(again).steps) expect(step).toMatchObject({ status: 'unchanged', changes: [] });
    expect(proxy.mutating().map((c) => `${c.service} ${c.operation}`)).toEqual([]);
  }, 240_000);

  it('park with no endpoint; park again is a no-op; destroy of a parked pipeline removes everything', async () => {
    const up = await cli(['up', '--yes']);
    expect(up.code, up.stderr).toBe(0);
    const reference = await lines();

    const dryRun = await cli(['park', '--dry-run', '--json']);
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(parseJson(dryRun).dryRun).toBe(true);
    expect(parseJson(dryRun).steps.find((s: any) => s.step === 'model-endpoint')).toMatchObject({ status: 'unchanged', changes: [] });
    expect(await lines()).toEqual(reference); // a dry run changes nothing

    const park = await cli(['park', '--yes', '--json']);
    expect(park.code, park.stderr).toBe(0);
    expect((await storedSettings()).parked.endpoint).toBeUndefined();
    const parked = await lines();
    expect(kept(parked)).toEqual(kept(reference));

    const status = await cli(['status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    expect(parseJson(status).resources.find((r: any) => r.type === 'sagemaker-endpoint')).toMatchObject({ state: 'ok', detail: expect.stringMatching(/^not deployed yet/) });

    proxy.clear();
    const twice = await cli(['park', '--yes', '--json'], { AWS_ENDPOINT_URL: proxy.url });
    expect(twice.code, twice.stderr).toBe(0);
    for (const step of parseJson(twice).steps) expect(step).toMatchObject({ status: 'unchanged', changes: [] });
    expect(proxy.mutating().map((c) => `${c.service} ${c.operation}`)).toEqual([]);
    expect(await lines()).toEqual(parked);

    const destroy = await cli(['destroy', '--yes']);
    expect(destroy.code, destroy.stderr).toBe(0);
    expect(await lines()).toEqual(inventoryLines(baseline));
  }, 240_000);

  it('park on a pipeline that was never made says so and exits 1', async () => {
    const park = await cli(['park', '--yes', '--json']);
    expect(park.code).toBe(1);
    expect(parseJson(park).steps.find((s: any) => s.step === 'ensure-parameters')).toMatchObject({
      status: 'failed',
      error: { code: 'NotFound', message: expect.stringMatching(/no stored settings .*nothing to park/) },
    });
    expect(await lines()).toEqual(inventoryLines(baseline));
  }, 60_000);
});
