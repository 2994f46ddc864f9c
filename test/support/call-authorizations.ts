import type { Names } from '../../src/engine/names.js';
import type { Authorization } from './iam-eval.js';
import type { WireCall } from './recording-proxy.js';

/**
 * What IAM authorises one recorded call against: its action(s), the resource ARN(s) of the
 * resource types the Service Authorization Reference lists for the action, and the request's
 * condition keys. ARNs come from the request itself (names, paths, ARNs it carries) and the
 * pipeline's partition, region and account: never written out by hand.
 *
 * Deliberate simplifications, each stated: EC2 calls are authorised against `*` with their
 * condition keys (tag-on-create: `aws:RequestTag/...` from the TagSpecification and the implicit
 * `ec2:CreateTags` with `ec2:CreateAction`; an action on an existing resource: the pipeline's tag
 * as `aws:ResourceTag/...`, since the tool acts only on the network it found by that tag).
 */
const SERVICE_PRINCIPAL: Record<string, string> = {
  glue: 'glue.amazonaws.com',
  codebuild: 'codebuild.amazonaws.com',
  lambda: 'lambda.amazonaws.com',
  airflow: 'airflow.amazonaws.com',
  sagemaker: 'sagemaker.amazonaws.com',
};

function queryParams(body: string): URLSearchParams {
  return new URLSearchParams(body);
}

/** `Tags.member.N.Key`/`Value` (IAM) or `TagSpecification.N.Tag.M.Key`/`Value` (EC2) as a map. */
function queryTags(params: URLSearchParams): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [k, v] of params) {
    const m = /^(.*\.)Key$/.exec(k);
    if (m && /(Tags\.member|TagSpecification\.\d+\.Tag)\.\d+\.$/.test(m[1]!)) tags[v] = params.get(`${m[1]}Value`) ?? '';
  }
  return tags;
}

function tagContext(tags: Record<string, string>, kind: 'RequestTag' | 'ResourceTag'): Record<string, string | string[]> {
  const context: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(tags)) context[`aws:${kind.toLowerCase()}/${k}`.toLowerCase()] = v;
  if (kind === 'RequestTag' && Object.keys(tags).length > 0) context['aws:tagkeys'] = Object.keys(tags);
  return context;
}

/** Every IAM role ARN a JSON body names: passing it is `iam:PassRole` to the calling service. */
function passedRoles(value: unknown, found: string[] = []): string[] {
  if (typeof value === 'string' && /^arn:[^:]+:iam::\d{12}:role\//.test(value)) found.push(value);
  else if (Array.isArray(value)) for (const v of value) passedRoles(v, found);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) passedRoles(v, found);
  return found;
}

const CREATES_WITH_ROLE = /^(Create|Update)/;

function passRole(service: string, operation: string, body: unknown): Authorization[] {
  if (!CREATES_WITH_ROLE.test(operation)) return [];
  return [...new Set(passedRoles(body))].map((role) => ({ action: 'iam:PassRole', resource: role, context: { 'iam:passedtoservice': SERVICE_PRINCIPAL[service] ?? service } }));
}

const S3_BUCKET_ACTIONS: Record<string, string> = {
  HeadBucket: 's3:ListBucket',
  ListObjects: 's3:ListBucket',
  ListObjectsV2: 's3:ListBucket',
  ListObjectVersions: 's3:ListBucketVersions',
  CreateBucket: 's3:CreateBucket',
  DeleteBucket: 's3:DeleteBucket',
  GetBucketVersioning: 's3:GetBucketVersioning',
  PutBucketVersioning: 's3:PutBucketVersioning',
  GetBucketTagging: 's3:GetBucketTagging',
  PutBucketTagging: 's3:PutBucketTagging',
  GetPublicAccessBlock: 's3:GetBucketPublicAccessBlock',
  PutPublicAccessBlock: 's3:PutBucketPublicAccessBlock',
  GetBucketEncryption: 's3:GetEncryptionConfiguration',
  PutBucketEncryption: 's3:PutEncryptionConfiguration',
  GetBucketPolicy: 's3:GetBucketPolicy',
  PutBucketPolicy: 's3:PutBucketPolicy',
  DeleteBucketPolicy: 's3:DeleteBucketPolicy',
  GetBucketLocation: 's3:GetBucketLocation',
};

function s3(call: WireCall, names: Names): Authorization[] {
  const [bucket, ...rest] = call.path.split('/').filter(Boolean);
  const bucketArn = `arn:${names.partition}:s3:::${bucket}`;
  const key = rest.join('/');
  const versioned = call.query.has('versionId');
  if (call.operation === 'DeleteObjects') {
    const objects = [...call.body.matchAll(/<Object>([\s\S]*?)<\/Object>/g)].map((m) => ({
      key: /<Key>([\s\S]*?)<\/Key>/.exec(m[1]!)?.[1] ?? '',
      version: /<VersionId>/.test(m[1]!),
    }));
    return objects.map((o) => ({ action: o.version ? 's3:DeleteObjectVersion' : 's3:DeleteObject', resource: `${bucketArn}/${o.key}` }));
  }
  const bucketAction = S3_BUCKET_ACTIONS[call.operation];
  if (bucketAction && !key) return [{ action: bucketAction, resource: bucketArn }];
  const objectAction: Record<string, string> = {
    GetObject: versioned ? 's3:GetObjectVersion' : 's3:GetObject',
    HeadObject: versioned ? 's3:GetObjectVersion' : 's3:GetObject',
    PutObject: 's3:PutObject',
    DeleteObject: versioned ? 's3:DeleteObjectVersion' : 's3:DeleteObject',
  };
  const action = objectAction[call.operation];
  if (action && key) return [{ action, resource: `${bucketArn}/${key}` }];
  return [{ action: `s3:${call.operation}`, resource: key ? `${bucketArn}/${key}` : bucketArn }];
}

function iam(call: WireCall, names: Names): Authorization[] {
  const params = queryParams(call.body);
  const role = params.get('RoleName');
  const resource = role ? `arn:${names.partition}:iam::${names.account}:role/${role}` : (params.get('PolicyArn') ?? '*');
  const tags = queryTags(params);
  const own = { action: `iam:${call.operation}`, resource, context: tagContext(tags, 'RequestTag') };
  // "To create a role with tags you must also have iam:TagRole" (IAM User Guide, tagging IAM roles).
  if (call.operation === 'CreateRole' && Object.keys(tags).length > 0) return [own, { ...own, action: 'iam:TagRole' }];
  return [own];
}

function ec2(call: WireCall, names: Names): Authorization[] {
  const params = queryParams(call.body);
  const op = call.operation;
  if (/^Describe/.test(op)) return [{ action: `ec2:${op}`, resource: '*' }];
  const requestTags = queryTags(params);
  if (Object.keys(requestTags).length > 0) {
    return [
      { action: `ec2:${op}`, resource: '*', context: tagContext(requestTags, 'RequestTag') },
      { action: 'ec2:CreateTags', resource: '*', context: { ...tagContext(requestTags, 'RequestTag'), 'ec2:createaction': op } },
    ];
  }
  return [{ action: `ec2:${op}`, resource: '*', context: tagContext({ [names.tagKey]: names.name }, 'ResourceTag') }];
}

function json(call: WireCall, names: Names): Authorization[] {
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(call.body || '{}') as Record<string, unknown>;
  } catch {
    // not JSON: no parameters
  }
  const prefix = call.service;
  const op = call.operation;
  const regional = (service: string, resource: string) => `arn:${names.partition}:${service}:${names.region}:${names.account}:${resource}`;
  const pass = passRole(call.service, op, body);
  const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
  let resources: string[] = ['*'];
  switch (prefix) {
    case 'glue': {
      const catalog = regional('glue', 'catalog');
      if (typeof body.ResourceArn === 'string') resources = [body.ResourceArn];
      else if (/Database$/.test(op)) {
        const db = str('Name') ?? (body.DatabaseInput as { Name?: string } | undefined)?.Name ?? '';
        resources = [catalog, regional('glue', `database/${db}`), ...(op === 'DeleteDatabase' ? [regional('glue', `table/${db}/*`), regional('glue', `userDefinedFunction/${db}/*`)] : [])];
      } else if (/Crawler/.test(op)) resources = [regional('glue', `crawler/${str('Name') ?? str('CrawlerName') ?? ''}`)];
      else if (/Job/.test(op)) resources = [regional('glue', `job/${str('JobName') ?? str('Name') ?? ''}`)];
      break;
    }
    case 'ssm': {
      const ids = [str('Name'), str('ResourceId'), ...((body.Names as string[] | undefined) ?? [])].filter((x): x is string => !!x);
      if (ids.length > 0) resources = ids.map((n) => regional('ssm', `parameter${n}`));
      break;
    }
    case 'codebuild': {
      const projects = [str('name'), str('projectName'), ...((body.names as string[] | undefined) ?? [])].filter((x): x is string => !!x);
      if (projects.length > 0) resources = projects.map((p) => regional('codebuild', `project/${p}`));
      break;
    }
    case 'sagemaker': {
      if (typeof body.ResourceArn === 'string') resources = [body.ResourceArn];
      else if (str('EndpointName') && /Endpoint$/.test(op)) resources = [regional('sagemaker', `endpoint/${str('EndpointName')!.toLowerCase()}`)];
      else if (str('EndpointConfigName')) resources = [regional('sagemaker', `endpoint-config/${str('EndpointConfigName')!.toLowerCase()}`)];
      else if (str('ModelName')) resources = [regional('sagemaker', `model/${str('ModelName')!.toLowerCase()}`)];
      break;
    }
  }
  return [...resources.map((resource) => ({ action: `${prefix}:${op}`, resource })), ...pass];
}

function restJson(call: WireCall, names: Names): Authorization[] {
  const regional = (service: string, resource: string) => `arn:${names.partition}:${service}:${names.region}:${names.account}:${resource}`;
  const parts = call.path.split('/').filter(Boolean);
  let body: unknown = {};
  try {
    body = JSON.parse(call.body || '{}');
  } catch {
    // not JSON
  }
  if (call.service === 'airflow') {
    if (parts[0] === 'tags') return [{ action: call.method === 'DELETE' ? 'airflow:UntagResource' : 'airflow:TagResource', resource: decodeURIComponent(parts.slice(1).join('/')) }];
    const environment = regional('airflow', `environment/${parts[1] ?? ''}`);
    if (parts[0] === 'clitoken') return [{ action: 'airflow:CreateCliToken', resource: environment }];
    // InvokeRestApi (POST /restapi/{Name}): authorised on the Airflow role the caller is mapped to,
    // arn:<partition>:airflow:<region>:<account>:role/<env>/<AirflowRole>. The tool's calls
    // (unpause: PATCH /dags/{id}; trigger: POST /dags/{id}/dagRuns; reads) run as Op.
    if (parts[0] === 'restapi') return [{ action: 'airflow:InvokeRestApi', resource: regional('airflow', `role/${parts[1] ?? ''}/Op`) }];
    if (parts[0] === 'webtoken') return [{ action: 'airflow:CreateWebLoginToken', resource: environment }];
    if (parts[0] === 'environments' && parts.length === 1) return [{ action: 'airflow:ListEnvironments', resource: '*' }];
    const action = { GET: 'GetEnvironment', PUT: 'CreateEnvironment', PATCH: 'UpdateEnvironment', DELETE: 'DeleteEnvironment' }[call.method] ?? call.method;
    const tags = (body as { Tags?: Record<string, string> }).Tags ?? {};
    return [{ action: `airflow:${action}`, resource: environment, context: tagContext(tags, 'RequestTag') }, ...passRole('airflow', action, body)];
  }
  if (call.service === 'lambda') {
    if (parts[1] === 'tags') return [{ action: 'lambda:TagResource', resource: decodeURIComponent(parts.slice(2).join('/')) }];
    const name = parts[2] ?? (body as { FunctionName?: string }).FunctionName ?? '';
    const fn = regional('lambda', `function:${name}`);
    const sub = parts[3];
    const action =
      call.method === 'POST' && parts.length === 2 ? 'CreateFunction'
      : sub === 'code' ? 'UpdateFunctionCode'
      : sub === 'configuration' ? (call.method === 'GET' ? 'GetFunctionConfiguration' : 'UpdateFunctionConfiguration')
      : sub === 'invocations' ? 'InvokeFunction'
      : call.method === 'DELETE' ? 'DeleteFunction' : 'GetFunction';
    return [{ action: `lambda:${action}`, resource: fn }, ...passRole('lambda', action, body)];
  }
  if (call.service === 'sagemaker' && parts[0] === 'endpoints' && parts[2] === 'invocations') {
    return [{ action: 'sagemaker:InvokeEndpoint', resource: regional('sagemaker', `endpoint/${parts[1]!.toLowerCase()}`) }];
  }
  return [{ action: `${call.service}:${call.operation}`, resource: '*' }];
}

/** The authorisations of one call; none for sts:GetCallerIdentity, which needs no permission. */
export function authorizationsOf(call: WireCall, names: Names): Authorization[] {
  if (call.service === 'sts' && call.operation === 'GetCallerIdentity') return [];
  if (call.service === 's3') return s3(call, names);
  if (call.service === 'iam' || call.service === 'sts') return iam(call, names);
  if (call.service === 'ec2') return ec2(call, names);
  if (/^(GET|PUT|POST|PATCH|DELETE|HEAD) /.test(call.operation)) return restJson(call, names);
  return json(call, names);
}
