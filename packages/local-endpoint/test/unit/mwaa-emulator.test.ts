import { beforeEach, describe, expect, it } from 'vitest';
import { MwaaEmulator, delaysFromEnv, type EmulatorRequest } from '../../src/mwaa-emulator.js';
import { trustsMwaa, type MwaaBackend } from '../../src/mwaa-backend.js';

const ACCOUNT = '111122223333';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/mwaa-exec`;
const BUCKET = 'arn:aws:s3:::abalone-bucket';
const BASE = {
  ExecutionRoleArn: ROLE,
  SourceBucketArn: BUCKET,
  DagS3Path: 'airflow/dags',
  NetworkConfiguration: { SubnetIds: ['subnet-a', 'subnet-b'], SecurityGroupIds: ['sg-1'] },
};

class FakeBackend implements MwaaBackend {
  bucketReason?: string;
  roleReason?: string;
  networkReason?: string;
  /** `key` or `key@version` of the objects that exist. */
  objects = new Set<string>();
  calls: string[] = [];
  failAccount = false;

  async accountId() {
    if (this.failAccount) throw new Error('moto is down');
    return ACCOUNT;
  }
  async checkSourceBucket(arn: string) {
    this.calls.push(`bucket ${arn}`);
    return this.bucketReason;
  }
  async checkExecutionRole(arn: string) {
    this.calls.push(`role ${arn}`);
    return this.roleReason;
  }
  async checkNetwork(subnets: string[], groups: string[]) {
    this.calls.push(`network ${subnets.join(',')} ${groups.join(',')}`);
    return this.networkReason;
  }
  async checkObjectVersion(_arn: string, key: string, version: string | undefined) {
    this.calls.push(`object ${key}@${version}`);
    return this.objects.has(version ? `${key}@${version}` : key) ? undefined : `no object ${key}`;
  }
}

let backend: FakeBackend;
let emulator: MwaaEmulator;
let clock: number;

beforeEach(() => {
  backend = new FakeBackend();
  clock = Date.parse('2026-01-01T00:00:00Z');
  emulator = new MwaaEmulator({
    backend,
    delays: { createSeconds: 3, updateSeconds: 2, deleteSeconds: 2 },
    now: () => new Date(clock),
  });
});

function advance(seconds: number): void {
  clock += seconds * 1000;
}

interface Reply {
  status: number;
  type?: string;
  json: Record<string, any>;
}

async function call(method: string, path: string, body?: unknown, query = '', region = 'us-east-1'): Promise<Reply> {
  const request: EmulatorRequest = {
    method,
    path,
    query: new URLSearchParams(query),
    headers: {},
    body: Buffer.from(body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body)),
    region,
  };
  const reply = await emulator.handle(request);
  expect(reply.headers['content-type']).toBe('application/json');
  return { status: reply.status, type: reply.headers['x-amzn-ErrorType'], json: JSON.parse(reply.body) };
}

const create = (name: string, extra: Record<string, unknown> = {}, region?: string) =>
  call('PUT', `/environments/${name}`, { ...BASE, ...extra }, '', region);
const get = (name: string, region?: string) => call('GET', `/environments/${name}`, undefined, '', region);
const status = async (name: string) => (await get(name)).json.Environment?.Status;
const tagsPath = (arn: string) => `/tags/${encodeURIComponent(arn)}`;

describe('delaysFromEnv', () => {
  it('defaults to 3, 2 and 2 seconds', () => {
    expect(delaysFromEnv({})).toEqual({ createSeconds: 3, updateSeconds: 2, deleteSeconds: 2 });
  });
  it('reads fractions from ABALONE_MWAA_*_DELAY', () => {
    const env = { ABALONE_MWAA_CREATE_DELAY: '0.05', ABALONE_MWAA_UPDATE_DELAY: '1.5', ABALONE_MWAA_DELETE_DELAY: '0' };
    expect(delaysFromEnv(env)).toEqual({ createSeconds: 0.05, updateSeconds: 1.5, deleteSeconds: 0 });
  });
  it('refuses a value that is not a number of seconds', () => {
    expect(() => delaysFromEnv({ ABALONE_MWAA_CREATE_DELAY: 'soon' })).toThrow(/ABALONE_MWAA_CREATE_DELAY/);
    expect(() => delaysFromEnv({ ABALONE_MWAA_DELETE_DELAY: '-1' })).toThrow(/>= 0/);
  });
});

describe('CreateEnvironment and GetEnvironment', () => {
  it('creates, reports CREATING, then AVAILABLE with the full shape', async () => {
    const created = await create('abalone', { Tags: { team: 'ml' }, LoggingConfiguration: { TaskLogs: { Enabled: true, LogLevel: 'INFO' } } });
    expect(created).toEqual({ status: 200, type: undefined, json: { Arn: `arn:aws:airflow:us-east-1:${ACCOUNT}:environment/abalone` } });
    expect(backend.calls).toEqual([`role ${ROLE}`, `bucket ${BUCKET}`, 'network subnet-a,subnet-b sg-1']);

    const creating = (await get('abalone')).json.Environment;
    expect(creating.Status).toBe('CREATING');
    expect(creating.WebserverUrl).toBeUndefined();
    expect(creating.LastUpdate).toEqual({ Status: 'PENDING', CreatedAt: clock / 1000 });

    advance(2.9);
    expect(await status('abalone')).toBe('CREATING');
    advance(0.1);
    const env = (await get('abalone')).json.Environment;
    expect(env).toMatchObject({
      Name: 'abalone',
      Status: 'AVAILABLE',
      CreatedAt: Date.parse('2026-01-01T00:00:00Z') / 1000,
      ExecutionRoleArn: ROLE,
      ServiceRoleArn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/airflow.amazonaws.com/AWSServiceRoleForAmazonMWAA`,
      SourceBucketArn: BUCKET,
      DagS3Path: 'airflow/dags',
      NetworkConfiguration: BASE.NetworkConfiguration,
      EnvironmentClass: 'mw1.small',
      MaxWorkers: 10,
      MinWorkers: 1,
      Schedulers: 2,
      MinWebservers: 2,
      MaxWebservers: 2,
      AirflowVersion: '3.0.6',
      WebserverAccessMode: 'PRIVATE_ONLY',
      EndpointManagement: 'SERVICE',
      WeeklyMaintenanceWindowStart: 'SUN:03:30',
      AirflowConfigurationOptions: {},
      Tags: { team: 'ml' },
      LastUpdate: { Status: 'SUCCESS' },
    });
    expect(env.WebserverUrl).toMatch(/^[0-9a-f-]+-vpce\.c\d\.us-east-1\.airflow\.amazonaws\.com$/);
    expect(env.LoggingConfiguration.TaskLogs).toEqual({
      Enabled: true,
      LogLevel: 'INFO',
      CloudWatchLogGroupArn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:airflow-abalone-Task`,
    });
    expect(env.LoggingConfiguration.DagProcessingLogs).toEqual({ Enabled: false, LogLevel: 'INFO' });
  });

  it('keeps every optional member it was given', async () => {
    backend.objects = new Set(['requirements.txt@v1', 'plugins.zip@v2', 'startup.sh@v3']);
    const all = {
      RequirementsS3Path: 'requirements.txt',
      RequirementsS3ObjectVersion: 'v1',
      PluginsS3Path: 'plugins.zip',
      PluginsS3ObjectVersion: 'v2',
      StartupScriptS3Path: 'startup.sh',
      StartupScriptS3ObjectVersion: 'v3',
      AirflowConfigurationOptions: { 'core.default_timezone': 'utc' },
      EnvironmentClass: 'mw1.medium',
      MaxWorkers: 5,
      MinWorkers: 2,
      Schedulers: 3,
      MinWebservers: 2,
      MaxWebservers: 4,
      AirflowVersion: '2.9.2',
      KmsKey: 'alias/mwaa',
      WebserverAccessMode: 'PUBLIC_ONLY',
      EndpointManagement: 'CUSTOMER',
      WeeklyMaintenanceWindowStart: 'TUE:04:00',
    };
    await create('full', all);
    advance(3);
    const env = (await get('full')).json.Environment;
    expect(env).toMatchObject({ ...all, Status: 'AVAILABLE' });
    expect(env.WebserverUrl).not.toContain('-vpce');
    expect(env.WebserverVpcEndpointService).toMatch(/^com\.amazonaws\.vpce\.us-east-1\.vpce-svc-/);
    expect(env.DatabaseVpcEndpointService).toMatch(/^com\.amazonaws\.vpce\.us-east-1\.vpce-svc-/);
  });

  it('uses the region partition in ARNs', async () => {
    const created = await create('china', {}, 'cn-north-1');
    expect(created.json.Arn).toBe(`arn:aws-cn:airflow:cn-north-1:${ACCOUNT}:environment/china`);
    expect((await get('china', 'us-east-1')).status).toBe(404);
  });

  it('gives mw1.micro its one worker, scheduler and webserver', async () => {
    await create('micro', { EnvironmentClass: 'mw1.micro' });
    expect((await get('micro')).json.Environment).toMatchObject({ MaxWorkers: 1, MinWorkers: 1, Schedulers: 1, MinWebservers: 1, MaxWebservers: 1 });
  });

  it('refuses a name that exists', async () => {
    await create('abalone');
    const again = await create('abalone');
    expect(again).toMatchObject({ status: 400, type: 'ValidationException', json: { message: 'Environment abalone already exists.' } });
  });

  it('answers 404 ResourceNotFoundException for an unknown environment', async () => {
    expect(await get('missing')).toEqual({
      status: 404,
      type: 'ResourceNotFoundException',
      json: { message: 'Environment missing not found.' },
    });
  });
});

describe('synchronous validation', () => {
  const cases: [string, string, Record<string, unknown>, RegExp][] = [
    ['name pattern', '1abalone', {}, /at 'Name' failed to satisfy constraint: Member must satisfy regular expression pattern/],
    ['name length', `a${'b'.repeat(80)}`, {}, /Member must have length less than or equal to 80/],
    ['role ARN pattern', 'x', { ExecutionRoleArn: 'mwaa-exec' }, /at 'ExecutionRoleArn'.*regular expression/],
    ['bucket ARN pattern', 'x', { SourceBucketArn: 'abalone-bucket' }, /at 'SourceBucketArn'.*regular expression/],
    ['empty DAG path', 'x', { DagS3Path: '' }, /at 'DagS3Path'.*greater than or equal to 1/],
    ['long DAG path', 'x', { DagS3Path: 'd'.repeat(1025) }, /at 'DagS3Path'.*less than or equal to 1024/],
    ['one subnet', 'x', { NetworkConfiguration: { SubnetIds: ['subnet-a'], SecurityGroupIds: ['sg-1'] } }, /at 'NetworkConfiguration.SubnetIds'.*greater than or equal to 2/],
    ['three subnets', 'x', { NetworkConfiguration: { SubnetIds: ['subnet-a', 'subnet-b', 'subnet-c'], SecurityGroupIds: ['sg-1'] } }, /less than or equal to 2/],
    ['no subnets', 'x', { NetworkConfiguration: { SecurityGroupIds: ['sg-1'] } }, /Value null at 'NetworkConfiguration.SubnetIds'/],
    ['subnet pattern', 'x', { NetworkConfiguration: { SubnetIds: ['subnet-a', 'net-b'], SecurityGroupIds: ['sg-1'] } }, /at 'NetworkConfiguration.SubnetIds.2.member'/],
    ['no security groups', 'x', { NetworkConfiguration: { SubnetIds: ['subnet-a', 'subnet-b'], SecurityGroupIds: [] } }, /SecurityGroupIds'.*greater than or equal to 1/],
    ['six security groups', 'x', { NetworkConfiguration: { SubnetIds: ['subnet-a', 'subnet-b'], SecurityGroupIds: ['sg-1', 'sg-2', 'sg-3', 'sg-4', 'sg-5', 'sg-6'] } }, /less than or equal to 5/],
    ['environment class', 'x', { EnvironmentClass: 'mw1.huge' }, /Invalid EnvironmentClass 'mw1.huge'. Valid values: mw1.micro/],
    ['airflow version', 'x', { AirflowVersion: '1.10.12' }, /Apache Airflow version 1.10.12 is not supported/],
    ['airflow version pattern', 'x', { AirflowVersion: 'V2' }, /at 'AirflowVersion'.*regular expression/],
    ['min workers 0', 'x', { MinWorkers: 0 }, /at 'MinWorkers'.*greater than or equal to 1/],
    ['max workers 26', 'x', { MaxWorkers: 26 }, /MaxWorkers must be between 1 and 25/],
    ['min above max workers', 'x', { MinWorkers: 5, MaxWorkers: 3 }, /MinWorkers \(5\) must not exceed MaxWorkers \(3\)/],
    ['fractional workers', 'x', { MaxWorkers: 2.5 }, /Member must be an integer/],
    ['micro with two workers', 'x', { EnvironmentClass: 'mw1.micro', MaxWorkers: 2 }, /between 1 and 1 for mw1.micro/],
    ['six schedulers', 'x', { Schedulers: 6 }, /at 'Schedulers'.*less than or equal to 5/],
    ['one scheduler on mw1.small', 'x', { Schedulers: 1 }, /Schedulers must be between 2 and 5/],
    ['webservers', 'x', { MaxWebservers: 6 }, /MaxWebservers must be between 2 and 5/],
    ['access mode', 'x', { WebserverAccessMode: 'OPEN' }, /enum value set: \[PRIVATE_ONLY, PUBLIC_ONLY, PUBLIC_AND_PRIVATE\]/],
    ['endpoint management', 'x', { EndpointManagement: 'ME' }, /at 'EndpointManagement'/],
    ['log level', 'x', { LoggingConfiguration: { TaskLogs: { Enabled: true, LogLevel: 'TRACE' } } }, /LoggingConfiguration.TaskLogs.LogLevel/],
    ['log enabled missing', 'x', { LoggingConfiguration: { WorkerLogs: { LogLevel: 'INFO' } } }, /Value null at 'LoggingConfiguration.WorkerLogs.Enabled'/],
    ['config key', 'x', { AirflowConfigurationOptions: { 'Core.X': 'y' } }, /AirflowConfigurationOptions.key/],
    ['config value is redacted', 'x', { AirflowConfigurationOptions: { 'core.x': 'tab\there' } }, /Sensitive Data Redacted/],
    ['kms key', 'x', { KmsKey: 'my-key' }, /at 'KmsKey'/],
    ['maintenance window', 'x', { WeeklyMaintenanceWindowStart: 'SUN:03:15' }, /WeeklyMaintenanceWindowStart/],
    ['too many tags', 'x', { Tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }, /at 'Tags'.*less than or equal to 50/],
    ['tag key pattern', 'x', { Tags: { 'a*b': 'v' } }, /Tags.key/],
    ['version without its path', 'x', { RequirementsS3ObjectVersion: 'v1' }, /RequirementsS3ObjectVersion requires RequirementsS3Path/],
    ['string where a number belongs', 'x', { MaxWorkers: '3' }, /at 'MaxWorkers'.*integer/],
  ];

  it.each(cases)('refuses %s', async (_what, name, extra, message) => {
    const reply = await create(name, extra);
    expect(reply.status).toBe(400);
    expect(reply.type).toBe('ValidationException');
    expect(reply.json.message).toMatch(message);
    expect((await call('GET', '/environments')).json.Environments).toEqual([]);
  });

  it('lists every missing required member at once', async () => {
    const reply = await call('PUT', '/environments/abalone', {});
    expect(reply.json.message).toMatch(/^4 validation errors detected: Value null at 'ExecutionRoleArn'/);
    for (const member of ['SourceBucketArn', 'DagS3Path', 'NetworkConfiguration']) expect(reply.json.message).toContain(`'${member}'`);
  });

  it('refuses a body that is not JSON', async () => {
    const reply = await call('PUT', '/environments/abalone', '{"Name":');
    expect(reply).toMatchObject({ status: 400, type: 'ValidationException' });
  });

  it.each([
    ['roleReason', 'Failed to assume role'],
    ['bucketReason', 'Provided bucket does not have versioning enabled'],
    ['networkReason', 'The subnets must be in two different Availability Zones'],
  ] as const)('returns the backend %s as a ValidationException and creates nothing', async (field, reason) => {
    backend[field] = reason;
    expect(await create('abalone')).toMatchObject({ status: 400, type: 'ValidationException', json: { message: reason } });
    expect((await get('abalone')).status).toBe(404);
  });

  it('answers 500 InternalServerException when the backend itself fails', async () => {
    backend.failAccount = true;
    expect(await create('abalone')).toMatchObject({ status: 500, type: 'InternalServerException', json: { message: 'moto is down' } });
  });
});

describe('object versions (synchronous)', () => {
  // MWAA API reference, CreateEnvironment/UpdateEnvironment: RequirementsS3ObjectVersion (and the
  // plugins and startup script versions) is "the version ID that Amazon S3 assigns to the file";
  // MWAA answers a request it cannot honour with 400 ValidationException "Invalid request
  // provided: ..." and changes nothing (as for the source bucket checks).
  it.each([
    ['RequirementsS3Path', 'requirements.txt', 'RequirementsS3ObjectVersion'],
    ['PluginsS3Path', 'plugins.zip', 'PluginsS3ObjectVersion'],
    ['StartupScriptS3Path', 'startup.sh', 'StartupScriptS3ObjectVersion'],
  ])('refuses a create whose %s names a version that does not exist, and creates nothing', async (path, key, version) => {
    backend.objects.add(key);
    const reply = await create('abalone', { [path]: key, [version]: 'v9' });
    expect(reply).toMatchObject({ status: 400, type: 'ValidationException' });
    expect(reply.json.message).toBe(`Invalid request provided: ${version} v9: no object ${key}`);
    expect((await get('abalone')).status).toBe(404);
  });

  it('refuses an update to a version that does not exist, and keeps the environment as it was', async () => {
    backend.objects.add('requirements.txt@v1');
    await create('abalone', { RequirementsS3Path: 'requirements.txt', RequirementsS3ObjectVersion: 'v1' });
    advance(3);
    const reply = await call('PATCH', '/environments/abalone', { RequirementsS3ObjectVersion: 'v2' });
    expect(reply).toMatchObject({ status: 400, type: 'ValidationException', json: { message: 'Invalid request provided: RequirementsS3ObjectVersion v2: no object requirements.txt' } });
    const env = (await get('abalone')).json.Environment;
    expect(env).toMatchObject({ Status: 'AVAILABLE', RequirementsS3ObjectVersion: 'v1' });
    backend.objects.add('requirements.txt@v2');
    expect((await call('PATCH', '/environments/abalone', { RequirementsS3ObjectVersion: 'v2' })).status).toBe(200);
  });
});

describe('asynchronous checks', () => {
  it('ends in CREATE_FAILED when an S3 object named without a version is missing', async () => {
    expect((await create('abalone', { RequirementsS3Path: 'requirements.txt' })).status).toBe(200);
    expect(await status('abalone')).toBe('CREATING');
    advance(3);
    const env = (await get('abalone')).json.Environment;
    expect(env.Status).toBe('CREATE_FAILED');
    expect(env.LastUpdate).toMatchObject({ Status: 'FAILED', Error: { ErrorCode: 'INCORRECT_CONFIGURATION', ErrorMessage: 'no object requirements.txt' } });
    expect((await call('DELETE', '/environments/abalone')).status).toBe(200);
  });

  it('strips a leading slash from object keys', async () => {
    backend.objects.add('plugins.zip');
    await create('abalone', { PluginsS3Path: '/plugins.zip' });
    advance(3);
    expect(await status('abalone')).toBe('AVAILABLE');
  });
});

describe('UpdateEnvironment', () => {
  beforeEach(async () => {
    await create('abalone');
  });

  it('refuses an update while CREATING', async () => {
    const reply = await call('PATCH', '/environments/abalone', { MaxWorkers: 4 });
    expect(reply).toMatchObject({ status: 400, type: 'ValidationException' });
    expect(reply.json.message).toBe('Environment abalone is CREATING; it can be updated only when AVAILABLE or UPDATE_FAILED.');
  });

  it('goes UPDATING with the new configuration, then AVAILABLE', async () => {
    advance(3);
    backend.calls = [];
    const reply = await call('PATCH', '/environments/abalone', {
      MaxWorkers: 4,
      NetworkConfiguration: { SecurityGroupIds: ['sg-2'] },
      LoggingConfiguration: { WorkerLogs: { Enabled: true, LogLevel: 'ERROR' } },
      WorkerReplacementStrategy: 'GRACEFUL',
    });
    expect(reply.json).toEqual({ Arn: `arn:aws:airflow:us-east-1:${ACCOUNT}:environment/abalone` });
    expect(backend.calls).toEqual(['network subnet-a,subnet-b sg-2']);
    const updating = (await get('abalone')).json.Environment;
    expect(updating).toMatchObject({ Status: 'UPDATING', MaxWorkers: 4, NetworkConfiguration: { SubnetIds: ['subnet-a', 'subnet-b'], SecurityGroupIds: ['sg-2'] } });
    expect(updating.LastUpdate).toMatchObject({ Status: 'PENDING', WorkerReplacementStrategy: 'GRACEFUL' });
    expect(updating.WebserverUrl).toBeDefined();
    expect((await call('PATCH', '/environments/abalone', { MaxWorkers: 5 })).status).toBe(400);
    advance(2);
    const env = (await get('abalone')).json.Environment;
    expect(env).toMatchObject({ Status: 'AVAILABLE', MaxWorkers: 4, LastUpdate: { Status: 'SUCCESS' } });
    expect(env.LoggingConfiguration.WorkerLogs.CloudWatchLogGroupArn).toMatch(/log-group:airflow-abalone-Worker$/);
  });

  it('checks a new role and bucket synchronously', async () => {
    advance(3);
    backend.roleReason = 'Failed to assume role';
    const reply = await call('PATCH', '/environments/abalone', { ExecutionRoleArn: `arn:aws:iam::${ACCOUNT}:role/other` });
    expect(reply).toMatchObject({ status: 400, json: { message: 'Failed to assume role' } });
    backend.roleReason = undefined;
    backend.bucketReason = 'no bucket';
    expect((await call('PATCH', '/environments/abalone', { SourceBucketArn: 'arn:aws:s3:::other' })).json.message).toBe('no bucket');
    expect(await status('abalone')).toBe('AVAILABLE');
  });

  it('ends in UPDATE_FAILED with the old configuration when an object is missing, and can update again', async () => {
    advance(3);
    await call('PATCH', '/environments/abalone', { MaxWorkers: 7, RequirementsS3Path: 'requirements.txt' });
    advance(2);
    const env = (await get('abalone')).json.Environment;
    expect(env).toMatchObject({ Status: 'UPDATE_FAILED', MaxWorkers: 10, LastUpdate: { Status: 'FAILED', Error: { ErrorCode: 'INCORRECT_CONFIGURATION' } } });
    expect(env.RequirementsS3Path).toBeUndefined();
    expect((await call('PATCH', '/environments/abalone', { MaxWorkers: 6 })).status).toBe(200);
    advance(2);
    expect((await get('abalone')).json.Environment).toMatchObject({ Status: 'AVAILABLE', MaxWorkers: 6 });
  });

  it('refuses an Airflow downgrade, bad members and an unknown environment', async () => {
    advance(3);
    expect((await call('PATCH', '/environments/abalone', { AirflowVersion: '2.10.3' })).json.message).toMatch(/downgrading Apache Airflow from version 3.0.6 to 2.10.3/);
    expect((await call('PATCH', '/environments/abalone', { MinWorkers: 11 })).json.message).toMatch(/MinWorkers \(11\) must not exceed MaxWorkers \(10\)/);
    expect((await call('PATCH', '/environments/abalone', { NetworkConfiguration: {} })).json.message).toMatch(/NetworkConfiguration.SecurityGroupIds/);
    expect((await call('PATCH', '/environments/abalone', { WorkerReplacementStrategy: 'NOW' })).status).toBe(400);
    expect((await call('PATCH', '/environments/nope', { MaxWorkers: 2 })).status).toBe(404);
  });
});

describe('DeleteEnvironment', () => {
  it('refuses while CREATING, then goes DELETING and is gone', async () => {
    await create('abalone');
    expect((await call('DELETE', '/environments/abalone')).json.message).toMatch(/is CREATING; it can be deleted only when it is not changing/);
    advance(3);
    expect(await call('DELETE', '/environments/abalone')).toMatchObject({ status: 200, json: {} });
    expect(await status('abalone')).toBe('DELETING');
    expect((await call('GET', '/environments')).json.Environments).toEqual(['abalone']);
    expect((await call('DELETE', '/environments/abalone')).status).toBe(400);
    advance(2);
    expect((await get('abalone')).status).toBe(404);
    expect((await call('GET', '/environments')).json.Environments).toEqual([]);
    expect((await call('DELETE', '/environments/abalone')).type).toBe('ResourceNotFoundException');
    expect((await create('abalone')).status).toBe(200);
  });
});

describe('the failure tag abalone-emulator:fail', () => {
  it('=create ends a create in CREATE_FAILED', async () => {
    await create('abalone', { Tags: { 'abalone-emulator:fail': 'create' } });
    advance(3);
    const env = (await get('abalone')).json.Environment;
    expect(env.Status).toBe('CREATE_FAILED');
    expect(env.LastUpdate.Error.ErrorMessage).toContain('abalone-emulator:fail=create');
  });

  it('=update ends each update in UPDATE_FAILED', async () => {
    await create('abalone', { Tags: { 'abalone-emulator:fail': 'update' } });
    advance(3);
    expect(await status('abalone')).toBe('AVAILABLE');
    await call('PATCH', '/environments/abalone', { MaxWorkers: 3 });
    advance(2);
    expect((await get('abalone')).json.Environment).toMatchObject({ Status: 'UPDATE_FAILED', MaxWorkers: 10 });
  });

  it('=unavailable ends a create in UNAVAILABLE, which refuses updates but can be deleted', async () => {
    await create('abalone', { Tags: { 'abalone-emulator:fail': 'unavailable' } });
    advance(3);
    const env = (await get('abalone')).json.Environment;
    expect(env).toMatchObject({ Status: 'UNAVAILABLE', LastUpdate: { Status: 'FAILED', Error: { ErrorCode: 'INTERNAL_ERROR' } } });
    expect((await call('PATCH', '/environments/abalone', { MaxWorkers: 3 })).status).toBe(400);
    expect((await call('DELETE', '/environments/abalone')).status).toBe(200);
  });

  it('=unavailable added by TagResource turns an AVAILABLE environment UNAVAILABLE at once', async () => {
    const { Arn } = (await create('abalone')).json;
    advance(3);
    await call('POST', tagsPath(Arn), { Tags: { 'abalone-emulator:fail': 'unavailable' } });
    expect(await status('abalone')).toBe('UNAVAILABLE');
  });
});

describe('ListEnvironments', () => {
  it('pages by MaxResults with an opaque NextToken, per region', async () => {
    for (const name of ['e', 'b', 'd', 'a', 'c']) await create(name);
    await create('west', {}, 'us-west-2');
    const first = await call('GET', '/environments', undefined, 'MaxResults=2');
    expect(first.json.Environments).toEqual(['a', 'b']);
    const second = await call('GET', '/environments', undefined, `MaxResults=2&NextToken=${first.json.NextToken}`);
    expect(second.json.Environments).toEqual(['c', 'd']);
    const third = await call('GET', '/environments', undefined, `MaxResults=2&NextToken=${second.json.NextToken}`);
    expect(third.json).toEqual({ Environments: ['e'] });
    expect((await call('GET', '/environments')).json).toEqual({ Environments: ['a', 'b', 'c', 'd', 'e'] });
    expect((await call('GET', '/environments', undefined, '', 'us-west-2')).json).toEqual({ Environments: ['west'] });
  });

  it.each(['MaxResults=0', 'MaxResults=26', 'MaxResults=abc', 'NextToken=not-a-token'])('refuses %s', async (query) => {
    expect(await call('GET', '/environments', undefined, query)).toMatchObject({ status: 400, type: 'ValidationException' });
  });
});

describe('tags', () => {
  it('lists, adds and removes tags by the percent-encoded ARN', async () => {
    const { Arn } = (await create('abalone', { Tags: { a: '1' } })).json;
    expect((await call('GET', tagsPath(Arn))).json).toEqual({ Tags: { a: '1' } });
    expect(await call('POST', tagsPath(Arn), { Tags: { b: '2', a: 'one' } })).toMatchObject({ status: 200, json: {} });
    expect((await call('GET', tagsPath(Arn))).json).toEqual({ Tags: { a: 'one', b: '2' } });
    expect((await call('DELETE', tagsPath(Arn), undefined, 'tagKeys=a&tagKeys=zzz')).status).toBe(200);
    expect((await call('GET', tagsPath(Arn))).json).toEqual({ Tags: { b: '2' } });
    expect((await get('abalone')).json.Environment.Tags).toEqual({ b: '2' });
  });

  it('accepts an ARN whose slash is not encoded', async () => {
    const { Arn } = (await create('abalone', { Tags: { a: '1' } })).json;
    expect((await call('GET', `/tags/${Arn}`)).json).toEqual({ Tags: { a: '1' } });
  });

  it('refuses bad ARNs, unknown environments and bad tag requests', async () => {
    const { Arn } = (await create('abalone')).json;
    expect((await call('GET', tagsPath('arn:aws:s3:::bucket'))).type).toBe('ValidationException');
    expect((await call('GET', tagsPath(Arn.replace('abalone', 'other')))).type).toBe('ResourceNotFoundException');
    expect((await call('GET', tagsPath(Arn), undefined, '', 'eu-west-1')).status).toBe(404);
    expect((await call('POST', tagsPath(Arn), {})).json.message).toMatch(/Value null at 'Tags'/);
    expect((await call('DELETE', tagsPath(Arn))).json.message).toMatch(/Value null at 'tagKeys'/);
    const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    expect((await call('POST', tagsPath(Arn), { Tags: many })).status).toBe(200);
    expect((await call('POST', tagsPath(Arn), { Tags: { extra: 'v' } })).json.message).toMatch(/at most 50 tags/);
  });
});

describe('tokens', () => {
  it('creates CLI and web login tokens for the webserver', async () => {
    await create('abalone');
    advance(3);
    const host = (await get('abalone')).json.Environment.WebserverUrl;
    const cli = (await call('POST', '/clitoken/abalone')).json;
    expect(cli).toEqual({ CliToken: expect.any(String), WebServerHostname: host });
    const web = (await call('POST', '/webtoken/abalone')).json;
    expect(web).toEqual({ WebToken: expect.any(String), WebServerHostname: host, IamIdentity: `arn:aws:iam::${ACCOUNT}:root` });
    expect((await call('POST', '/clitoken/nope')).status).toBe(404);
    expect((await call('POST', '/webtoken/nope')).status).toBe(404);
  });
});

describe('routing and reset', () => {
  it.each([
    ['GET', '/'],
    ['POST', '/environments'],
    ['POST', '/environments/abalone'],
    ['GET', '/environments/a/b'],
    ['GET', '/clitoken/abalone'],
    ['PUT', '/tags/x'],
  ])('answers %s %s with 404 UnknownOperationException', async (method, path) => {
    expect(await call(method, path)).toMatchObject({ status: 404, type: 'UnknownOperationException' });
  });

  it('forgets every environment on reset', async () => {
    await create('abalone');
    emulator.reset();
    expect((await call('GET', '/environments')).json.Environments).toEqual([]);
    expect((await create('abalone')).status).toBe(200);
  });
});

describe('trustsMwaa', () => {
  const policy = (statement: unknown) => encodeURIComponent(JSON.stringify({ Version: '2012-10-17', Statement: statement }));
  it('accepts a trust policy that lets airflow-env.amazonaws.com assume the role', () => {
    const allow = { Effect: 'Allow', Principal: { Service: ['airflow.amazonaws.com', 'airflow-env.amazonaws.com'] }, Action: 'sts:AssumeRole' };
    expect(trustsMwaa(policy([allow]))).toBe(true);
    expect(trustsMwaa(policy(allow))).toBe(true);
  });
  it('refuses other principals, denials and unreadable documents', () => {
    expect(trustsMwaa(policy([{ Effect: 'Allow', Principal: { Service: 'glue.amazonaws.com' }, Action: 'sts:AssumeRole' }]))).toBe(false);
    expect(trustsMwaa(policy([{ Effect: 'Deny', Principal: { Service: 'airflow-env.amazonaws.com' }, Action: 'sts:AssumeRole' }]))).toBe(false);
    expect(trustsMwaa('%%%')).toBe(false);
    expect(trustsMwaa(undefined)).toBe(false);
  });
});

describe('AirflowVersion (botocore 1.43.107 valid values; MWAA user guide, "Changing the Apache Airflow version")', () => {
  it('accepts exactly the valid values and defaults to the latest, 3.0.6', async () => {
    for (const version of ['2.7.2', '2.8.1', '2.9.2', '2.10.1', '2.10.3', '2.11.0', '3.0.6']) {
      expect((await create(`v${version.replace(/\./g, '-')}`, { AirflowVersion: version })).status).toBe(200);
    }
    for (const version of ['2.5.1', '2.6.3', '3.0.3', '3.1.0']) {
      const reply = await create('bad', { AirflowVersion: version });
      expect(reply).toMatchObject({ status: 400, type: 'ValidationException' });
      expect(reply.json.message).toBe(`Apache Airflow version ${version} is not supported. Supported versions: 2.7.2, 2.8.1, 2.9.2, 2.10.1, 2.10.3, 2.11.0, 3.0.6.`);
    }
    await create('latest');
    advance(3);
    expect((await get('latest')).json.Environment.AirflowVersion).toBe('3.0.6');
  });

  const cases: [string, string, RegExp | undefined][] = [
    ['2.9.2', '2.10.3', undefined], // minor upgrade, in place
    ['2.10.3', '2.11.0', undefined],
    ['2.11.0', '3.0.6', undefined], // major upgrade from 2.11.x
    ['3.0.6', '2.11.0', undefined], // downgrade to 2.11.x
    ['2.10.3', '3.0.6', /upgrading Apache Airflow from version 2\.10\.3 to 3\.0\.6 in place: a major version upgrade to 3\.x must start from the latest 2\.11\.x version/],
    ['2.7.2', '3.0.6', /must start from the latest 2\.11\.x version/],
    ['3.0.6', '2.10.3', /downgrading Apache Airflow from version 3\.0\.6 to 2\.10\.3: a 3\.x environment can be downgraded only to Apache Airflow 2\.11\.x/],
    ['2.10.3', '2.9.2', /downgrading Apache Airflow from version 2\.10\.3 to 2\.9\.2; within a major version only upgrades/],
  ];
  it.each(cases)('UpdateEnvironment %s -> %s', async (from, to, refused) => {
    await create('abalone', { AirflowVersion: from });
    advance(3);
    const reply = await call('PATCH', '/environments/abalone', { AirflowVersion: to });
    if (!refused) {
      expect(reply.status).toBe(200);
      expect((await get('abalone')).json.Environment).toMatchObject({ Status: 'UPDATING', AirflowVersion: to });
      advance(2);
      expect((await get('abalone')).json.Environment).toMatchObject({ Status: 'AVAILABLE', AirflowVersion: to, LastUpdate: { Status: 'SUCCESS' } });
    } else {
      expect(reply).toMatchObject({ status: 400, type: 'ValidationException' });
      expect(reply.json.message).toMatch(refused);
      expect((await get('abalone')).json.Environment).toMatchObject({ Status: 'AVAILABLE', AirflowVersion: from });
    }
  });
});
