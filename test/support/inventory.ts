import { BatchGetProjectsCommand, CodeBuildClient, ListProjectsCommand } from '@aws-sdk/client-codebuild';
import {
  DescribeAddressesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  type Tag,
} from '@aws-sdk/client-ec2';
import { GetCrawlersCommand, GetDatabasesCommand, GetJobsCommand, GetTagsCommand, GlueClient } from '@aws-sdk/client-glue';
import { IAMClient, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand, ListRolesCommand, ListRoleTagsCommand } from '@aws-sdk/client-iam';
import { LambdaClient, ListFunctionsCommand, ListTagsCommand } from '@aws-sdk/client-lambda';
import { GetEnvironmentCommand, ListEnvironmentsCommand, MWAAClient } from '@aws-sdk/client-mwaa';
import { GetBucketTaggingCommand, ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { DescribeParametersCommand, ListTagsForResourceCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

export const TAG_KEY = 'abalone-pipeline:name';

/** One resource in the emulator, named by what stays the same from run to run (never by its random id). */
export interface InventoryItem {
  readonly type: string;
  /** Stable identity: a name, a Name tag, a CIDR; duplicates show as equal keys. */
  readonly key: string;
  /** What else should be equal between two runs (policies held, attachment, state, routes). */
  readonly detail: string;
  readonly tags: Readonly<Record<string, string>>;
  /** AWS made it on its own (a default VPC and its pieces, a VPC's main route table and default group). */
  readonly auto: boolean;
  /** False for what cannot carry tags (S3 objects). */
  readonly taggable: boolean;
}

const tagMap = (tags: readonly { Key?: string; Value?: string }[] | undefined) => Object.fromEntries((tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
const nameOf = (tags: readonly Tag[] | undefined) => tags?.find((t) => t.Key === 'Name')?.Value;

async function all<T>(fetch: (token: string | undefined) => Promise<{ items: T[]; next?: string }>): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    items.push(...page.items);
    token = page.next;
  } while (token);
  return items;
}

export interface InventoryClients {
  readonly s3: S3Client;
  readonly iam: IAMClient;
  readonly glue: GlueClient;
  readonly lambda: LambdaClient;
  readonly codebuild: CodeBuildClient;
  readonly ssm: SSMClient;
  readonly ec2: EC2Client;
  readonly mwaa: MWAAClient;
  readonly sts: STSClient;
}

/** SDK clients straight to the endpoint (not through any test proxy), with the local endpoint's dummy credentials. */
export function inventoryClients(endpoint: string, region = 'us-east-1'): InventoryClients {
  const config = { endpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 3 };
  return {
    s3: new S3Client({ ...config, forcePathStyle: true }),
    iam: new IAMClient(config),
    glue: new GlueClient(config),
    lambda: new LambdaClient(config),
    codebuild: new CodeBuildClient(config),
    ssm: new SSMClient(config),
    ec2: new EC2Client(config),
    mwaa: new MWAAClient({ ...config, disableHostPrefix: true }),
    sts: new STSClient(config),
  };
}

export function destroyClients(clients: InventoryClients): void {
  for (const client of Object.values(clients)) (client as { destroy(): void }).destroy();
}

function item(type: string, key: string, detail: string, tags: Record<string, string>, options: { auto?: boolean; taggable?: boolean } = {}): InventoryItem {
  return { type, key, detail, tags, auto: options.auto ?? false, taggable: options.taggable ?? true };
}

async function storage(c: InventoryClients): Promise<InventoryItem[]> {
  const buckets = (await c.s3.send(new ListBucketsCommand({}))).Buckets ?? [];
  const items: InventoryItem[] = [];
  for (const bucket of buckets) {
    const Bucket = bucket.Name!;
    const tags = await c.s3.send(new GetBucketTaggingCommand({ Bucket })).then((o) => tagMap(o.TagSet), () => ({}));
    items.push(item('s3-bucket', Bucket, '', tags));
    const objects = await all((ContinuationToken) =>
      c.s3.send(new ListObjectsV2Command({ Bucket, ContinuationToken })).then((o) => ({ items: o.Contents ?? [], next: o.IsTruncated ? o.NextContinuationToken : undefined })),
    );
    for (const o of objects) items.push(item('s3-object', `${Bucket}/${o.Key}`, '', {}, { taggable: false }));
  }
  return items;
}

async function iam(c: InventoryClients): Promise<InventoryItem[]> {
  const roles = await all((Marker) => c.iam.send(new ListRolesCommand({ Marker })).then((o) => ({ items: o.Roles ?? [], next: o.IsTruncated ? o.Marker : undefined })));
  return Promise.all(
    roles.map(async (role) => {
      const RoleName = role.RoleName!;
      const [tags, inline, attached] = await Promise.all([
        c.iam.send(new ListRoleTagsCommand({ RoleName })).then((o) => tagMap(o.Tags)),
        c.iam.send(new ListRolePoliciesCommand({ RoleName })).then((o) => (o.PolicyNames ?? []).sort()),
        c.iam.send(new ListAttachedRolePoliciesCommand({ RoleName })).then((o) => (o.AttachedPolicies ?? []).map((p) => p.PolicyName!).sort()),
      ]);
      return item('iam-role', RoleName, `inline=[${inline.join(',')}] attached=[${attached.join(',')}]`, tags);
    }),
  );
}

async function analytics(c: InventoryClients, region: string, account: string): Promise<InventoryItem[]> {
  const arn = (kind: string, name: string) => `arn:aws:glue:${region}:${account}:${kind}/${name}`;
  const glueTags = (resource: string) => c.glue.send(new GetTagsCommand({ ResourceArn: resource })).then((o) => ({ ...(o.Tags ?? {}) }), () => ({}));
  const [databases, crawlers, jobs, functions, projectNames] = await Promise.all([
    c.glue.send(new GetDatabasesCommand({})).then((o) => o.DatabaseList ?? []),
    c.glue.send(new GetCrawlersCommand({})).then((o) => o.Crawlers ?? []),
    c.glue.send(new GetJobsCommand({})).then((o) => o.Jobs ?? []),
    all((Marker) => c.lambda.send(new ListFunctionsCommand({ Marker })).then((o) => ({ items: o.Functions ?? [], next: o.NextMarker }))),
    c.codebuild.send(new ListProjectsCommand({})).then((o) => o.projects ?? []),
  ]);
  const projects = projectNames.length ? ((await c.codebuild.send(new BatchGetProjectsCommand({ names: projectNames }))).projects ?? []) : [];
  return [
    ...(await Promise.all(databases.map(async (d) => item('glue-database', d.Name!, '', await glueTags(arn('database', d.Name!)))))),
    ...(await Promise.all(crawlers.map(async (x) => item('glue-crawler', x.Name!, `role=${x.Role}`, await glueTags(arn('crawler', x.Name!)))))),
    ...(await Promise.all(jobs.map(async (j) => item('glue-job', j.Name!, `${j.Command?.Name}`, await glueTags(arn('job', j.Name!)))))),
    ...(await Promise.all(
      functions.map(async (f) => item('lambda-function', f.FunctionName!, `${f.Runtime} ${f.CodeSha256}`, await c.lambda.send(new ListTagsCommand({ Resource: f.FunctionArn! })).then((o) => ({ ...(o.Tags ?? {}) })))),
    )),
    ...projects.map((p) => item('codebuild-project', p.name!, `${p.source?.location}`, Object.fromEntries((p.tags ?? []).map((t) => [t.key ?? '', t.value ?? ''])))),
  ];
}

async function parameters(c: InventoryClients): Promise<InventoryItem[]> {
  const params = await all((NextToken) => c.ssm.send(new DescribeParametersCommand({ NextToken })).then((o) => ({ items: o.Parameters ?? [], next: o.NextToken })));
  return Promise.all(
    params.map(async (p) => {
      const tags = await c.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: p.Name! })).then((o) => tagMap(o.TagList));
      return item('ssm-parameter', p.Name!, `${p.Type}`, tags);
    }),
  );
}

async function network(c: InventoryClients): Promise<InventoryItem[]> {
  const [vpcs, subnets, igws, tables, groups, addresses, nats] = await Promise.all([
    c.ec2.send(new DescribeVpcsCommand({})).then((o) => o.Vpcs ?? []),
    c.ec2.send(new DescribeSubnetsCommand({})).then((o) => o.Subnets ?? []),
    c.ec2.send(new DescribeInternetGatewaysCommand({})).then((o) => o.InternetGateways ?? []),
    c.ec2.send(new DescribeRouteTablesCommand({})).then((o) => o.RouteTables ?? []),
    c.ec2.send(new DescribeSecurityGroupsCommand({})).then((o) => o.SecurityGroups ?? []),
    c.ec2.send(new DescribeAddressesCommand({})).then((o) => o.Addresses ?? []),
    c.ec2.send(new DescribeNatGatewaysCommand({})).then((o) => (o.NatGateways ?? []).filter((n) => n.State !== 'deleted')),
  ]);
  const defaultVpcs = new Set(vpcs.filter((v) => v.IsDefault).map((v) => v.VpcId));
  const vpcName = (id: string | undefined) => {
    const vpc = vpcs.find((v) => v.VpcId === id);
    return vpc ? (vpc.IsDefault ? 'default-vpc' : nameOf(vpc.Tags) ?? `untagged-vpc(${vpc.CidrBlock})`) : `gone(${id})`;
  };
  const byId = new Map<string, string>();
  for (const s of subnets) byId.set(s.SubnetId!, nameOf(s.Tags) ?? `subnet(${s.CidrBlock})`);
  for (const g of igws) byId.set(g.InternetGatewayId!, nameOf(g.Tags) ?? 'untagged-igw');
  for (const n of nats) byId.set(n.NatGatewayId!, nameOf(n.Tags) ?? 'untagged-nat');
  for (const a of addresses) byId.set(a.AllocationId!, nameOf(a.Tags) ?? 'untagged-eip');
  const name = (id: string | undefined) => (id ? byId.get(id) ?? (id === 'local' ? 'local' : id.replace(/-[0-9a-f]+$/, '-?')) : '');

  return [
    ...vpcs.map((v) => item('vpc', vpcName(v.VpcId), `${v.CidrBlock}`, tagMap(v.Tags), { auto: v.IsDefault })),
    ...subnets.map((s) => item('subnet', `${vpcName(s.VpcId)}/${name(s.SubnetId)}`, `${s.CidrBlock} ${s.AvailabilityZone} publicIp=${s.MapPublicIpOnLaunch}`, tagMap(s.Tags), { auto: defaultVpcs.has(s.VpcId) })),
    ...igws.map((g) => item('internet-gateway', name(g.InternetGatewayId), `attached=[${(g.Attachments ?? []).map((a) => vpcName(a.VpcId)).join(',')}]`, tagMap(g.Tags))),
    ...tables.map((t) => {
      const main = (t.Associations ?? []).some((a) => a.Main);
      const key = `${vpcName(t.VpcId)}/${nameOf(t.Tags) ?? (main ? 'main' : 'untagged-route-table')}`;
      const routes = (t.Routes ?? []).map((r) => `${r.DestinationCidrBlock}→${name(r.GatewayId ?? r.NatGatewayId)}`).sort();
      const associated = (t.Associations ?? []).filter((a) => a.SubnetId).map((a) => name(a.SubnetId)).sort();
      return item('route-table', key, `routes=[${routes.join(',')}] subnets=[${associated.join(',')}]`, tagMap(t.Tags), { auto: main && !nameOf(t.Tags) });
    }),
    ...groups.map((g) => {
      const ingress = (g.IpPermissions ?? []).map((p) => `${p.IpProtocol}:${(p.UserIdGroupPairs ?? []).map((pair) => (pair.GroupId === g.GroupId ? 'self' : 'other')).join('+')}`).sort();
      return item('security-group', `${vpcName(g.VpcId)}/${g.GroupName}`, `ingress=[${ingress.join(',')}]`, tagMap(g.Tags), { auto: g.GroupName === 'default' });
    }),
    ...addresses.map((a) => item('elastic-ip', name(a.AllocationId), `associated=${a.AssociationId ? 'yes' : 'no'}`, tagMap(a.Tags))),
    ...nats.map((n) => item('nat-gateway', name(n.NatGatewayId), `${n.State} in ${name(n.SubnetId)} with ${(n.NatGatewayAddresses ?? []).map((a) => name(a.AllocationId)).join(',')}`, tagMap(n.Tags))),
  ];
}

async function airflow(c: InventoryClients): Promise<InventoryItem[]> {
  const names = await all((NextToken) => c.mwaa.send(new ListEnvironmentsCommand({ NextToken })).then((o) => ({ items: o.Environments ?? [], next: o.NextToken })));
  return Promise.all(
    names.map(async (Name) => {
      const env = (await c.mwaa.send(new GetEnvironmentCommand({ Name }))).Environment;
      return item('mwaa-environment', Name, `${env?.Status} ${env?.EnvironmentClass}`, { ...(env?.Tags ?? {}) });
    }),
  );
}

/** Everything in the emulator, by type, with tags: what the tool made and what AWS (moto) made on its own. */
export async function takeInventory(c: InventoryClients, region = 'us-east-1'): Promise<InventoryItem[]> {
  const account = (await c.sts.send(new GetCallerIdentityCommand({}))).Account!;
  const parts = await Promise.all([storage(c), iam(c), analytics(c, region, account), parameters(c), network(c), airflow(c)]);
  return parts.flat();
}

const line = (i: InventoryItem) => {
  const tags = Object.entries(i.tags)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${i.type} ${i.key} ${i.detail} {${tags}}`.replace(/ +/g, ' ');
};

/** One sorted line per resource: two inventories are the same state when these are equal. */
export function inventoryLines(items: readonly InventoryItem[]): string[] {
  return items.map(line).sort();
}

/** Resources that appear more than once under one identity (a VPC made twice, two NAT gateways of one name). */
export function duplicates(items: readonly InventoryItem[]): string[] {
  const counts = new Map<string, number>();
  for (const i of items) counts.set(`${i.type} ${i.key}`, (counts.get(`${i.type} ${i.key}`) ?? 0) + 1);
  return [...counts].filter(([, n]) => n > 1).map(([k, n]) => `${k} ×${n}`);
}

/** What the tool made (not in the baseline, not made by AWS on its own) that lacks the pipeline's tag. */
export function untagged(items: readonly InventoryItem[], baseline: readonly InventoryItem[], tagKey = TAG_KEY): string[] {
  const before = new Set(baseline.map(line));
  return items.filter((i) => i.taggable && !i.auto && !before.has(line(i)) && !(tagKey in i.tags)).map(line);
}
