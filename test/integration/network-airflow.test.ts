import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CreateNatGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  AssociateRouteTableCommand,
  AllocateAddressCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeAddressesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { GetEnvironmentCommand, MWAAClient } from '@aws-sdk/client-mwaa';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { parseJson, runCli } from '../support/cli.js';
import { CountingProxy } from '../support/counting-proxy.js';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';


const ENVIRONMENT = 'abalone-airflow-environment';
const OWNED = [{ Name: 'tag:abalone-pipeline:name', Values: ['abalone'] }];
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

let endpoint: TestEndpoint;
let proxy: CountingProxy;
let ec2: EC2Client;
let mwaa: MWAAClient;
let iam: IAMClient;

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { env: { ...endpoint.env, ...env }, timeoutMs: 180_000 });
const step = (doc: any, name: string) => doc.steps.find((s: any) => s.step === name);

async function leftovers() {
  const [vpcs, subnets, igws, groups, tables, addresses, nats] = await Promise.all([
    ec2.send(new DescribeVpcsCommand({ Filters: OWNED })).then((o) => o.Vpcs ?? []),
    ec2.send(new DescribeSubnetsCommand({ Filters: OWNED })).then((o) => o.Subnets ?? []),
    ec2.send(new DescribeInternetGatewaysCommand({ Filters: OWNED })).then((o) => o.InternetGateways ?? []),
    ec2.send(new DescribeSecurityGroupsCommand({ Filters: OWNED })).then((o) => o.SecurityGroups ?? []),
    ec2.send(new DescribeRouteTablesCommand({ Filters: OWNED })).then((o) => o.RouteTables ?? []),
    ec2.send(new DescribeAddressesCommand({})).then((o) => o.Addresses ?? []),
    ec2.send(new DescribeNatGatewaysCommand({})).then((o) => (o.NatGateways ?? []).filter((n) => n.State !== 'deleted')),
  ]);
  return [...vpcs, ...subnets, ...igws, ...groups, ...tables, ...addresses, ...nats];
}

describe('the network and Airflow steps through the CLI', () => {
  beforeAll(async () => {
    endpoint = await startLocalEndpoint();
    proxy = new CountingProxy(endpoint.url);
    await proxy.start();
    const config = { endpoint: endpoint.url, region: 'us-east-1', credentials };
    ec2 = new EC2Client(config);
    mwaa = new MWAAClient({ ...config, disableHostPrefix: true });
    iam = new IAMClient(config);
  });

  afterAll(async () => {
    await proxy?.stop();
    await endpoint?.stop();
  });

  beforeEach(async () => {
    await endpoint.reset();
    proxy.clear();
  });

  it('up builds VPC, policies and environment; a second up changes nothing; status shows the URL; destroy leaves nothing', async () => {
    const plan = await cli(['up', '--dry-run', '--json'], { AWS_ENDPOINT_URL: proxy.url });
    expect(plan.code, plan.stderr).toBe(0);
    expect(proxy.mutating()).toEqual([]);
    expect(step(parseJson(plan), 'ensure-mwaa').changes[0].detail).toBe('mw1.small, 1-10 workers, Airflow 3.0.6, PUBLIC_ONLY, ~$0.49/h');

    const up = await cli(['up', '--yes', '--json']);
    expect(up.code, up.stderr).toBe(0);
    const doc = parseJson(up);
    for (const name of ['ensure-vpc', 'attach-policies', 'ensure-mwaa']) expect(step(doc, name).status).toBe('changed');
    expect((await mwaa.send(new GetEnvironmentCommand({ Name: ENVIRONMENT }))).Environment!.Status).toBe('AVAILABLE');

    proxy.clear();
    const again = await cli(['up', '--yes', '--json'], { AWS_ENDPOINT_URL: proxy.url });
    expect(again.code, again.stderr).toBe(0);
    for (const name of ['ensure-vpc', 'attach-policies', 'ensure-mwaa']) expect(step(parseJson(again), name)).toMatchObject({ status: 'unchanged', changes: [] });
    expect(proxy.mutating()).toEqual([]);

    const status = await cli(['status', '--json']);
    const rows = parseJson(status).resources.filter((r: any) => ['ensure-vpc', 'attach-policies', 'ensure-mwaa'].includes(r.step));
    expect(rows.filter((r: any) => r.state !== 'ok')).toEqual([]);
    expect(rows.find((r: any) => r.step === 'ensure-mwaa').detail).toMatch(/^AVAILABLE, https:\/\/\S+\.airflow\.amazonaws\.com, Airflow 3\.0\.6/);

    const bigger = await cli(['up', '--yes', '--json', '--env-class', 'mw1.medium']);
    expect(bigger.code, bigger.stderr).toBe(0);
    expect(parseJson(bigger).steps.filter((s: any) => s.status === 'changed').map((s: any) => s.step)).toEqual(['ensure-parameters', 'ensure-mwaa']);
    expect(step(parseJson(bigger), 'ensure-mwaa').changes).toEqual([expect.objectContaining({ action: 'update', detail: expect.stringMatching(/^EnvironmentClass mw1\.small → mw1\.medium/) })]);

    const destroy = await cli(['destroy', '--yes', '--json']);
    expect(destroy.code, destroy.stderr).toBe(0);
    expect(await leftovers()).toEqual([]);
    await expect(mwaa.send(new GetEnvironmentCommand({ Name: ENVIRONMENT }))).rejects.toThrow(/not found/);
    await expect(iam.send(new GetRoleCommand({ RoleName: 'abalone-mwaa-exec-us-east-1' }))).rejects.toThrow();
  });

  it('--nat-gateways 1 builds one NAT gateway, and destroy removes it with its address', async () => {
    const up = await cli(['up', '--yes', '--json', '--only', 'ensure-vpc', '--nat-gateways', '1']);
    expect(up.code, up.stderr).toBe(0);
    expect(step(parseJson(up), 'ensure-vpc').changes[0].detail).toContain('1 NAT gateway');
    expect((await ec2.send(new DescribeNatGatewaysCommand({ Filter: OWNED }))).NatGateways).toHaveLength(1);
    const destroy = await cli(['destroy', '--yes', '--json']);
    expect(destroy.code, destroy.stderr).toBe(0);
    expect(await leftovers()).toEqual([]);
  });

  it('reuses existing subnets, creating no network, and exits 1 naming what is wrong with a bad one', async () => {
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.60.0.0/16' }))).Vpc!.VpcId!;
    const subnet = async (cidr: string, az: string) => (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: cidr, AvailabilityZone: az }))).Subnet!.SubnetId!;
    const pub = await subnet('10.60.0.0/24', 'us-east-1a');
    const [a, b] = [await subnet('10.60.1.0/24', 'us-east-1a'), await subnet('10.60.2.0/24', 'us-east-1b')];
    const eip = (await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }))).AllocationId!;
    const nat = (await ec2.send(new CreateNatGatewayCommand({ SubnetId: pub, AllocationId: eip }))).NatGateway!.NatGatewayId!;
    const table = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpc }))).RouteTable!.RouteTableId!;
    await ec2.send(new CreateRouteCommand({ RouteTableId: table, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: nat }));
    for (const s of [a, b]) await ec2.send(new AssociateRouteTableCommand({ RouteTableId: table, SubnetId: s }));
    const sg = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpc, GroupName: 'mine', Description: 'mine' }))).GroupId!;

    const up = await cli(['up', '--yes', '--json', '--only', 'ensure-vpc', '--subnet-ids', `${a},${b}`, '--security-group-ids', sg]);
    expect(up.code, up.stderr).toBe(0);
    expect(step(parseJson(up), 'ensure-vpc')).toMatchObject({ status: 'unchanged', changes: [] });
    expect((await ec2.send(new DescribeVpcsCommand({ Filters: OWNED }))).Vpcs).toEqual([]);

    const bad = await cli(['up', '--yes', '--json', '--only', 'ensure-vpc', '--subnet-ids', `${a},${pub}`, '--security-group-ids', sg]);
    expect(bad.code).toBe(1);
    expect(step(parseJson(bad), 'ensure-vpc').error).toMatchObject({ code: 'InvalidNetwork', message: expect.stringContaining(`subnets ${a} and ${pub} are both in us-east-1a`) });
  });
});
