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
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { GetEnvironmentCommand, TagResourceCommand, type MWAAClient } from '@aws-sdk/client-mwaa';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetRoleCommand, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { createClients, type Clients } from '../../src/aws/clients.js';
import type { PipelineConfig } from '../../src/engine/config.js';
import { deriveNames } from '../../src/engine/names.js';
import { timingProfile } from '../../src/engine/timing.js';
import { inspect, reconcile, type EngineEvent, type ReconcileMode, type StepResult } from '../../src/engine/reconcile.js';
import { hourlyCostLines } from '../../src/engine/cost.js';
import type { Step } from '../../src/engine/types.js';
import { ensureBucket } from '../../src/steps/ensure-bucket.js';
import { ensureRoles } from '../../src/steps/ensure-roles.js';
import { uploadAirflow } from '../../src/steps/upload-airflow.js';
import { attachPolicies } from '../../src/steps/attach-policies.js';
import { ensureVpc } from '../../src/steps/ensure-vpc.js';
import { ensureMwaa } from '../../src/steps/ensure-mwaa.js';
import { defaultConfig } from '../support/step-context.js';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';

const STEPS: Step[] = [ensureBucket, uploadAirflow, ensureRoles, attachPolicies, ensureVpc, ensureMwaa];
const names = deriveNames('abalone', 'us-east-1', '123456789012');
const OWNED = [{ Name: 'tag:abalone-pipeline:name', Values: ['abalone'] }];

let endpoint: TestEndpoint;
let clients: Clients;
let ec2: EC2Client;
let mwaa: MWAAClient;

async function run(mode: ReconcileMode, config: Partial<PipelineConfig> = {}, steps: Step[] = STEPS): Promise<{ results: StepResult[]; events: EngineEvent[] }> {
  const events: EngineEvent[] = [];
  const results = await reconcile(
    steps,
    { names, config: defaultConfig(config), clients, timing: timingProfile({ emulated: clients.emulated }), signal: new AbortController().signal },
    { mode, onEvent: (e) => void events.push(e) },
  );
  return { results, events };
}

const stepOf = (results: StepResult[], step: string) => results.find((r) => r.step === step)!;
const ok = (results: StepResult[]) => results.filter((r) => r.status === 'failed').map((r) => `${r.step}: ${r.error?.message}`);

async function owned() {
  const [vpcs, subnets, igws, addresses, nats, tables, groups] = await Promise.all([
    ec2.send(new DescribeVpcsCommand({ Filters: OWNED })).then((o) => o.Vpcs ?? []),
    ec2.send(new DescribeSubnetsCommand({ Filters: OWNED })).then((o) => o.Subnets ?? []),
    ec2.send(new DescribeInternetGatewaysCommand({ Filters: OWNED })).then((o) => o.InternetGateways ?? []),
    ec2.send(new DescribeAddressesCommand({})).then((o) => o.Addresses ?? []),
    ec2.send(new DescribeNatGatewaysCommand({})).then((o) => (o.NatGateways ?? []).filter((n) => n.State !== 'deleted')),
    ec2.send(new DescribeRouteTablesCommand({ Filters: OWNED })).then((o) => o.RouteTables ?? []),
    ec2.send(new DescribeSecurityGroupsCommand({ Filters: OWNED })).then((o) => o.SecurityGroups ?? []),
  ]);
  return { vpcs, subnets, igws, addresses, nats, tables, groups };
}

const nameOf = (tags: { Key?: string; Value?: string }[] | undefined) => tags?.find((t) => t.Key === 'Name')?.Value;

beforeAll(async () => {
  endpoint = await startLocalEndpoint();
  clients = createClients({ region: 'us-east-1', endpointUrl: endpoint.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  ec2 = await clients.ec2();
  mwaa = await clients.mwaa();
});

afterAll(async () => {
  await endpoint?.stop();
});

beforeEach(async () => {
  await endpoint.reset();
});

describe('ensure-vpc, attach-policies and ensure-mwaa against the local endpoint', () => {
  it('builds the network, the policies and the environment, converges, and destroys everything', async () => {
    const plan = await run('plan');
    expect(ok(plan.results)).toEqual([]);
    const planned = plan.results.flatMap((r) => r.changes);
    expect(stepOf(plan.results, 'ensure-vpc').changes).toEqual([expect.objectContaining({ action: 'create', resource: 'vpc/abalone-vpc' })]);
    expect(stepOf(plan.results, 'ensure-mwaa').changes).toEqual([
      expect.objectContaining({ action: 'create', resource: 'arn:aws:airflow:us-east-1:123456789012:environment/abalone-airflow-environment', detail: expect.stringContaining('mw1.small, 1-10 workers') }),
    ]);
    expect(hourlyCostLines(planned, defaultConfig(), 'us-east-1').join('\n')).toMatch(/MWAA environment mw1\.small[\s\S]*NAT gateways × 2[\s\S]*total/);

    const up = await run('apply');
    expect(ok(up.results)).toEqual([]);
    const net = await owned();
    expect(net.vpcs.map((v) => v.CidrBlock)).toEqual(['10.192.0.0/16']);
    expect(net.subnets.map((s) => `${nameOf(s.Tags)} ${s.CidrBlock}`).sort()).toEqual([
      'abalone-private-1 10.192.20.0/24',
      'abalone-private-2 10.192.21.0/24',
      'abalone-public-1 10.192.10.0/24',
      'abalone-public-2 10.192.11.0/24',
    ]);
    expect(new Set(net.subnets.map((s) => s.AvailabilityZone)).size).toBe(2);
    expect(net.nats.map((n) => nameOf(n.Tags)).sort()).toEqual(['abalone-nat-1', 'abalone-nat-2']);
    expect(net.addresses.map((a) => nameOf(a.Tags)).sort()).toEqual(['abalone-nat-eip-1', 'abalone-nat-eip-2']);
    expect(net.igws).toHaveLength(1);
    expect(net.groups[0]!.IpPermissions).toEqual([expect.objectContaining({ IpProtocol: '-1', UserIdGroupPairs: [expect.objectContaining({ GroupId: net.groups[0]!.GroupId })] })]);
    const privateRoutes = net.tables.filter((t) => nameOf(t.Tags)?.startsWith('abalone-private-routes'));
    expect(new Set(privateRoutes.map((t) => t.Routes!.find((r) => r.DestinationCidrBlock === '0.0.0.0/0')!.NatGatewayId)).size).toBe(2);

    const env = (await mwaa.send(new GetEnvironmentCommand({ Name: names.environment }))).Environment!;
    expect(env).toMatchObject({
      Status: 'AVAILABLE',
      DagS3Path: 'airflow/dags',
      RequirementsS3Path: 'airflow/requirements.txt',
      EnvironmentClass: 'mw1.small',
      WebserverAccessMode: 'PUBLIC_ONLY',
      AirflowConfigurationOptions: { 'abalone.ssm_prefix': '/abalone-pipeline/abalone' },
      Tags: { 'abalone-pipeline:name': 'abalone' },
    });
    expect(env.RequirementsS3ObjectVersion).toBeTruthy();
    expect(env.NetworkConfiguration!.SubnetIds!.sort()).toEqual(net.subnets.filter((s) => nameOf(s.Tags)!.includes('private')).map((s) => s.SubnetId).sort());
    expect(Object.values(env.LoggingConfiguration!).every((m) => m.Enabled)).toBe(true);
    const iam = await clients.iam();
    expect((await iam.send(new ListRolePoliciesCommand({ RoleName: names.roles.mwaa }))).PolicyNames).toEqual(['abalone-pipeline-least-privilege']);
    expect(up.events.some((e) => e.kind === 'waiting' && e.step === 'ensure-mwaa' && /CREATING/.test(e.message))).toBe(true);

    const again = await run('plan');
    expect(ok(again.results)).toEqual([]);
    expect(again.results.flatMap((r) => r.changes)).toEqual([]);

    const rows = await inspect(STEPS, { names, config: defaultConfig(), clients, timing: timingProfile({ emulated: clients.emulated }), signal: new AbortController().signal }, () => undefined);
    expect(rows.filter((r) => r.state !== 'ok')).toEqual([]);
    expect(rows.find((r) => r.step === 'ensure-mwaa')!.detail).toMatch(/^AVAILABLE, https:\/\/.+\.airflow\.amazonaws\.com, Airflow 2\.10\.3/);

    const destroy = await run('destroy');
    expect(ok(destroy.results)).toEqual([]);
    expect(stepOf(destroy.results, 'ensure-vpc').changes.map((c) => c.resource.split('/')[0])).toEqual([
      'natgateway', 'natgateway', 'elastic-ip', 'elastic-ip', 'internet-gateway', 'route-table', 'route-table', 'route-table',
      'subnet', 'subnet', 'subnet', 'subnet', 'security-group', 'vpc',
    ]);
    const left = await owned();
    expect(left).toEqual({ vpcs: [], subnets: [], igws: [], addresses: [], nats: [], tables: [], groups: [] });
    await expect(mwaa.send(new GetEnvironmentCommand({ Name: names.environment }))).rejects.toThrow(/not found/);
    await expect(iam.send(new GetRoleCommand({ RoleName: names.roles.mwaa }))).rejects.toThrow();
  });

  it('builds one NAT gateway with --nat-gateways 1, and converges to 2 and back', async () => {
    expect(ok((await run('apply', { natGateways: 1 }, [ensureVpc])).results)).toEqual([]);
    let net = await owned();
    expect(net.nats.map((n) => nameOf(n.Tags))).toEqual(['abalone-nat-1']);
    const targets = () => net.tables.filter((t) => nameOf(t.Tags)?.startsWith('abalone-private')).map((t) => t.Routes!.find((r) => r.DestinationCidrBlock === '0.0.0.0/0')!.NatGatewayId);
    expect(new Set(targets())).toEqual(new Set([net.nats[0]!.NatGatewayId]));

    const two = await run('apply', { natGateways: 2 }, [ensureVpc]);
    expect(stepOf(two.results, 'ensure-vpc').changes.map((c) => `${c.action} ${c.resource}`)).toEqual([
      'create elastic-ip/abalone-nat-eip-2',
      'create natgateway/abalone-nat-2',
      'update route-table/abalone-private-routes-2',
    ]);
    net = await owned();
    expect(new Set(targets()).size).toBe(2);

    const one = await run('apply', { natGateways: 1 }, [ensureVpc]);
    expect(stepOf(one.results, 'ensure-vpc').changes.map((c) => `${c.action} ${c.resource}`)).toEqual([
      'update route-table/abalone-private-routes-2',
      'delete natgateway/abalone-nat-2',
      'delete elastic-ip/abalone-nat-eip-2',
    ]);
    net = await owned();
    expect(net.nats).toHaveLength(1);
    expect(net.addresses).toHaveLength(1);
    expect((await run('plan', { natGateways: 1 }, [ensureVpc])).results[0]!.changes).toEqual([]);
  });

  it('updates only what differs: the environment class, then the requirements version', async () => {
    expect(ok((await run('apply')).results)).toEqual([]);
    const bigger = await run('apply', { envClass: 'mw1.medium' });
    expect(ok(bigger.results)).toEqual([]);
    expect(bigger.results.filter((r) => r.status === 'changed').map((r) => r.step)).toEqual(['ensure-mwaa']);
    expect(stepOf(bigger.results, 'ensure-mwaa').changes).toEqual([
      expect.objectContaining({ action: 'update', detail: expect.stringMatching(/^EnvironmentClass mw1\.small → mw1\.medium; ~\$0\.74\/h/) }),
    ]);

    const s3 = await clients.s3();
    const put = await s3.send(new PutObjectCommand({ Bucket: names.bucket, Key: 'airflow/requirements.txt', Body: 'apache-airflow-providers-amazon\n' }));
    const requirements = await run('apply', { envClass: 'mw1.medium' }, [ensureVpc, ensureMwaa]);
    expect(stepOf(requirements.results, 'ensure-mwaa').changes).toEqual([
      expect.objectContaining({ action: 'update', detail: expect.stringMatching(/^RequirementsS3ObjectVersion \S+ → \S+$/) }),
    ]);
    const env = (await mwaa.send(new GetEnvironmentCommand({ Name: names.environment }))).Environment!;
    expect(env).toMatchObject({ Status: 'AVAILABLE', EnvironmentClass: 'mw1.medium', RequirementsS3ObjectVersion: put.VersionId });
  });

  it('reports UPDATE_FAILED with the error MWAA gives, and status shows the failure', async () => {
    expect(ok((await run('apply')).results)).toEqual([]);
    const arn = (await mwaa.send(new GetEnvironmentCommand({ Name: names.environment }))).Environment!.Arn!;
    await mwaa.send(new TagResourceCommand({ ResourceArn: arn, Tags: { 'abalone-emulator:fail': 'update' } }));
    const failed = await run('apply', { maxWorkers: 5 }, [ensureVpc, ensureMwaa]);
    expect(stepOf(failed.results, 'ensure-mwaa')).toMatchObject({ status: 'failed', error: { code: 'EnvironmentUpdateFailed', message: expect.stringContaining('UPDATE_FAILED') } });
    const rows = await inspect([ensureMwaa], { names, config: defaultConfig({ maxWorkers: 5 }), clients, timing: timingProfile({ emulated: clients.emulated }), signal: new AbortController().signal }, () => undefined);
    expect(rows[0]).toMatchObject({ state: 'failed', detail: expect.stringMatching(/^UPDATE_FAILED: /) });
  });

  it('uses existing subnets and security group, creating no network; rejects an invalid one by name', async () => {
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.50.0.0/16' }))).Vpc!.VpcId!;
    const subnet = async (cidr: string, az: string) => (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: cidr, AvailabilityZone: az }))).Subnet!.SubnetId!;
    const pub = await subnet('10.50.0.0/24', 'us-east-1a');
    const a = await subnet('10.50.1.0/24', 'us-east-1a');
    const b = await subnet('10.50.2.0/24', 'us-east-1b');
    const c = await subnet('10.50.3.0/24', 'us-east-1a');
    const eip = (await ec2.send(new AllocateAddressCommand({ Domain: 'vpc' }))).AllocationId!;
    const nat = (await ec2.send(new CreateNatGatewayCommand({ SubnetId: pub, AllocationId: eip }))).NatGateway!.NatGatewayId!;
    const table = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpc }))).RouteTable!.RouteTableId!;
    await ec2.send(new CreateRouteCommand({ RouteTableId: table, DestinationCidrBlock: '0.0.0.0/0', NatGatewayId: nat }));
    for (const s of [a, b, c]) await ec2.send(new AssociateRouteTableCommand({ RouteTableId: table, SubnetId: s }));
    const sg = (await ec2.send(new CreateSecurityGroupCommand({ VpcId: vpc, GroupName: 'mine', Description: 'mine' }))).GroupId!;

    const reuse = { subnetIds: [a, b], securityGroupIds: [sg] };
    const up = await run('apply', reuse);
    expect(ok(up.results)).toEqual([]);
    expect(stepOf(up.results, 'ensure-vpc')).toMatchObject({ status: 'unchanged', changes: [] });
    expect((await owned()).vpcs).toEqual([]);
    const env = (await mwaa.send(new GetEnvironmentCommand({ Name: names.environment }))).Environment!;
    expect(env.NetworkConfiguration).toEqual({ SubnetIds: [a, b], SecurityGroupIds: [sg] });

    const sameAz = await run('plan', { subnetIds: [a, c], securityGroupIds: [sg] }, [ensureVpc]);
    expect(stepOf(sameAz.results, 'ensure-vpc')).toMatchObject({ status: 'failed', error: { code: 'InvalidNetwork', message: expect.stringContaining('both in us-east-1a') } });
    const missing = await run('plan', { subnetIds: [a, 'subnet-0123456789abcdef0'], securityGroupIds: ['sg-0123456789abcdef0'] }, [ensureVpc]);
    expect(stepOf(missing.results, 'ensure-vpc').error?.message).toMatch(/subnet subnet-0123456789abcdef0 not found.*security group sg-0123456789abcdef0 not found/);

    const moved = await run('apply', {}, [ensureVpc, ensureMwaa]);
    expect(stepOf(moved.results, 'ensure-mwaa')).toMatchObject({
      status: 'failed',
      error: { code: 'EnvironmentMustBeRecreated', message: expect.stringContaining('aws mwaa delete-environment --name abalone-airflow-environment --region us-east-1') },
    });
  });

  it('attaches the managed policies with --managed-policies, keeping MWAA’s own inline policy', async () => {
    const steps = [ensureBucket, ensureRoles, attachPolicies];
    expect(ok((await run('apply', { managedPolicies: true }, steps)).results)).toEqual([]);
    const iam = await clients.iam();
    const attached = (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: names.roles.mwaa }))).AttachedPolicies!.map((p) => p.PolicyName).sort();
    expect(attached).toEqual(['AWSGlueConsoleFullAccess', 'AWSLambda_FullAccess', 'AmazonS3FullAccess', 'AmazonSSMReadOnlyAccess', 'AmazonSageMakerFullAccess']);
    expect((await run('plan', { managedPolicies: true }, steps)).results.flatMap((r) => r.changes)).toEqual([]);
    const back = await run('apply', {}, steps);
    expect(stepOf(back.results, 'attach-policies').changes.map((c) => c.action).sort()).toEqual(['delete', 'delete', 'delete', 'delete', 'delete', 'update']);
  });
});
