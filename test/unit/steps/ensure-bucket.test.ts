import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  BucketAlreadyExists,
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetBucketEncryptionCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListObjectVersionsCommand,
  NotFound,
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { ensureBucket, tlsOnlyPolicy } from '../../../src/steps/ensure-bucket.js';
import { ToolError } from '../../../src/base/errors.js';
import { stepContext } from '../../support/step-context.js';

const s3 = mockClient(S3Client);

const BUCKET = 'abalone-data-us-east-1-123456789012';
const ARN = `arn:aws:s3:::${BUCKET}`;
const meta = (httpStatusCode: number) => ({ httpStatusCode, attempts: 1, totalRetryDelay: 0 });

function s3Error(name: string, httpStatusCode: number, message = name): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', $metadata: meta(httpStatusCode), message });
}
const notFound = () => new NotFound({ $metadata: meta(404), message: 'Not Found' });

/** The names of the commands sent since the last history reset. */
const sent = () => s3.calls().map((call) => (call.args[0] as { constructor: { name: string } }).constructor.name);

/** A bucket exactly as `up` leaves it; the policy as S3 hands it back (reordered, compacted). */
function stubConverged(ctx = stepContext()): void {
  const wanted = tlsOnlyPolicy(ctx.names);
  const statement = wanted.Statement[0]!;
  const asStored = {
    Statement: [
      {
        Condition: statement.Condition,
        Resource: [...(statement.Resource as string[])].reverse(),
        Action: 's3:*',
        Principal: '*',
        Effect: 'Deny',
        Sid: 'DenyInsecureTransport',
      },
    ],
    Version: '2012-10-17',
  };
  s3.on(HeadBucketCommand).resolves({});
  s3.on(GetBucketVersioningCommand).resolves({ Status: 'Enabled' });
  s3.on(GetPublicAccessBlockCommand).resolves({
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
  });
  s3.on(GetBucketEncryptionCommand).resolves({
    ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled: false }] },
  });
  s3.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(asStored) });
  s3.on(GetBucketTaggingCommand).resolves({ TagSet: [{ Key: 'abalone-pipeline:name', Value: 'abalone' }] });
}

function stubCreateFollowUps(): void {
  for (const command of [PutBucketTaggingCommand, PutBucketVersioningCommand, PutPublicAccessBlockCommand, PutBucketEncryptionCommand, PutBucketPolicyCommand]) {
    s3.on(command as typeof PutBucketTaggingCommand).resolves({});
  }
}

beforeEach(() => {
  s3.reset();
  s3.onAnyCommand().rejects(new Error('unstubbed call'));
});

afterEach(() => {
  s3.reset();
});

describe('ensure-bucket plan: a missing bucket', () => {
  it('creates it in us-east-1 without a LocationConstraint, then sets every setting', async () => {
    const ctx = stepContext();
    s3.on(HeadBucketCommand).rejects(notFound());
    s3.on(CreateBucketCommand).resolves({});
    stubCreateFollowUps();

    const changes = await ensureBucket.plan(ctx);
    expect(changes.map(({ action, resource, detail }) => ({ action, resource, detail }))).toEqual([
      { action: 'create', resource: ARN, detail: 'versioning, public access block, SSE-S3, TLS-only policy' },
    ]);
    expect(sent()).toEqual(['HeadBucketCommand']);

    s3.resetHistory();
    await changes[0]!.apply();
    const create = s3.commandCalls(CreateBucketCommand);
    expect(create).toHaveLength(1);
    expect(create[0]!.args[0].input).toEqual({ Bucket: BUCKET });
    expect(sent()).toEqual([
      'CreateBucketCommand',
      'PutBucketTaggingCommand',
      'PutBucketVersioningCommand',
      'PutPublicAccessBlockCommand',
      'PutBucketEncryptionCommand',
      'PutBucketPolicyCommand',
    ]);
    expect(s3.commandCalls(PutBucketTaggingCommand)[0]!.args[0].input.Tagging).toEqual({ TagSet: [{ Key: 'abalone-pipeline:name', Value: 'abalone' }] });
    expect(s3.commandCalls(PutBucketVersioningCommand)[0]!.args[0].input.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(s3.commandCalls(PutPublicAccessBlockCommand)[0]!.args[0].input.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    expect(s3.commandCalls(PutBucketEncryptionCommand)[0]!.args[0].input.ServerSideEncryptionConfiguration).toEqual({
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    const policy = JSON.parse(s3.commandCalls(PutBucketPolicyCommand)[0]!.args[0].input.Policy!);
    expect(policy).toEqual(tlsOnlyPolicy(ctx.names));
    expect(policy.Statement[0]).toMatchObject({ Effect: 'Deny', Principal: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
  });

  it('creates it in eu-west-1 with LocationConstraint eu-west-1', async () => {
    const ctx = stepContext({ region: 'eu-west-1' });
    s3.on(HeadBucketCommand).rejects(notFound());
    s3.on(CreateBucketCommand).resolves({});
    stubCreateFollowUps();

    const [create] = await ensureBucket.plan(ctx);
    expect(create!.resource).toBe('arn:aws:s3:::abalone-data-eu-west-1-123456789012');
    await create!.apply();
    expect(s3.commandCalls(CreateBucketCommand)[0]!.args[0].input).toEqual({
      Bucket: 'abalone-data-eu-west-1-123456789012',
      CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' },
    });
  });

  it('takes BucketAlreadyOwnedByYou on create as success and still applies the settings', async () => {
    s3.on(HeadBucketCommand).rejects(notFound());
    s3.on(CreateBucketCommand).rejects(new BucketAlreadyOwnedByYou({ $metadata: meta(409), message: 'yours already' }));
    stubCreateFollowUps();

    const [create] = await ensureBucket.plan(stepContext());
    await expect(create!.apply()).resolves.toBeUndefined();
    expect(s3.commandCalls(PutBucketPolicyCommand)).toHaveLength(1);
    expect(s3.commandCalls(PutBucketVersioningCommand)).toHaveLength(1);
  });

  it('turns BucketAlreadyExists on create into a ToolError suggesting --name', async () => {
    s3.on(HeadBucketCommand).rejects(notFound());
    s3.on(CreateBucketCommand).rejects(new BucketAlreadyExists({ $metadata: meta(409), message: 'taken' }));

    const [create] = await ensureBucket.plan(stepContext());
    const error = await create!.apply().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ToolError);
    expect(error).toMatchObject({ code: 'BucketAlreadyExists', exitCode: 1 });
    expect((error as ToolError).message).toContain(BUCKET);
    expect((error as ToolError).message).toContain('--name');
    expect(s3.commandCalls(PutBucketTaggingCommand)).toHaveLength(0);
  });

  it('propagates any other create error unchanged', async () => {
    s3.on(HeadBucketCommand).rejects(notFound());
    s3.on(CreateBucketCommand).rejects(s3Error('AccessDenied', 403, 'Access Denied'));
    const [create] = await ensureBucket.plan(stepContext());
    await expect(create!.apply()).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});

describe('ensure-bucket plan: HeadBucket 403', () => {
  it('means the name is taken by another account: ToolError BucketAlreadyExists suggesting --name', async () => {
    s3.on(HeadBucketCommand).rejects(s3Error('Forbidden', 403));
    const error = await ensureBucket.plan(stepContext()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ToolError);
    expect(error).toMatchObject({ code: 'BucketAlreadyExists' });
    expect((error as ToolError).message).toMatch(/--name/);
    expect(sent()).toEqual(['HeadBucketCommand']);
  });

  it('fails status the same way', async () => {
    s3.on(HeadBucketCommand).rejects(s3Error('Forbidden', 403));
    await expect(ensureBucket.status(stepContext())).rejects.toMatchObject({ code: 'BucketAlreadyExists' });
  });
});

describe('ensure-bucket on a converged bucket', () => {
  it('plans nothing and makes no mutating call', async () => {
    stubConverged();
    expect(await ensureBucket.plan(stepContext())).toEqual([]);
    expect(sent().filter((name) => !/^(Head|Get)/.test(name))).toEqual([]);
  });

  it('reports ok in status', async () => {
    stubConverged();
    expect(await ensureBucket.status(stepContext())).toEqual([{ type: 's3-bucket', id: BUCKET, state: 'ok', detail: '' }]);
  });

  it('accepts SSE-KMS default encryption as encrypted', async () => {
    stubConverged();
    s3.on(GetBucketEncryptionCommand).resolves({
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'k' } }] },
    });
    expect(await ensureBucket.plan(stepContext())).toEqual([]);
  });
});

interface DriftCase {
  readonly title: string;
  readonly drift: () => void;
  readonly detail: string;
  readonly fix: string;
  /** `up --adopt`: the drift is a tag another owner set (or none), taken over only with --adopt. */
  readonly adopt?: boolean;
}

const DRIFTS: DriftCase[] = [
  {
    title: 'versioning Suspended',
    drift: () => s3.on(GetBucketVersioningCommand).resolves({ Status: 'Suspended' }),
    detail: 'versioning Suspended (want Enabled)',
    fix: 'PutBucketVersioningCommand',
  },
  {
    title: 'versioning never enabled',
    drift: () => s3.on(GetBucketVersioningCommand).resolves({}),
    detail: 'versioning never enabled (want Enabled)',
    fix: 'PutBucketVersioningCommand',
  },
  {
    title: 'one public access flag false',
    drift: () =>
      s3.on(GetPublicAccessBlockCommand).resolves({
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: true },
      }),
    detail: 'public access block off: BlockPublicPolicy',
    fix: 'PutPublicAccessBlockCommand',
  },
  {
    title: 'no public access block at all',
    drift: () => s3.on(GetPublicAccessBlockCommand).rejects(s3Error('NoSuchPublicAccessBlockConfiguration', 404)),
    detail: 'public access block off: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets',
    fix: 'PutPublicAccessBlockCommand',
  },
  {
    title: 'no default encryption',
    drift: () => s3.on(GetBucketEncryptionCommand).rejects(s3Error('ServerSideEncryptionConfigurationNotFoundError', 404)),
    detail: 'default encryption off (want SSE-S3)',
    fix: 'PutBucketEncryptionCommand',
  },
  {
    title: 'bucket policy missing',
    drift: () => s3.on(GetBucketPolicyCommand).rejects(s3Error('NoSuchBucketPolicy', 404)),
    detail: 'bucket policy: no bucket policy',
    fix: 'PutBucketPolicyCommand',
  },
  {
    title: 'the TLS statement changed',
    drift: () => {
      const policy = tlsOnlyPolicy(stepContext().names);
      policy.Statement[0]!.Condition = { Bool: { 'aws:SecureTransport': 'true' } };
      s3.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(policy) });
    },
    detail: 'bucket policy: statement DenyInsecureTransport differs',
    fix: 'PutBucketPolicyCommand',
  },
  {
    title: 'the TLS statement replaced by another one',
    drift: () => {
      const policy = tlsOnlyPolicy(stepContext().names);
      policy.Statement[0]!.Sid = 'SomethingElse';
      s3.on(GetBucketPolicyCommand).resolves({ Policy: JSON.stringify(policy) });
    },
    detail: 'bucket policy: statement DenyInsecureTransport missing, statement SomethingElse not expected',
    fix: 'PutBucketPolicyCommand',
  },
  {
    title: 'tag missing (no tag set), --adopt',
    drift: () => s3.on(GetBucketTaggingCommand).rejects(s3Error('NoSuchTagSet', 404)),
    detail: 'adopt (--adopt): no tag abalone-pipeline:name; tag it abalone-pipeline:name = abalone',
    adopt: true,
    fix: 'PutBucketTaggingCommand',
  },
  {
    title: 'tag with another value, --adopt',
    drift: () => s3.on(GetBucketTaggingCommand).resolves({ TagSet: [{ Key: 'abalone-pipeline:name', Value: 'other' }] }),
    detail: 'adopt (--adopt): tag abalone-pipeline:name = other; tag it abalone-pipeline:name = abalone',
    adopt: true,
    fix: 'PutBucketTaggingCommand',
  },
];

describe('ensure-bucket drift', () => {
  for (const d of DRIFTS) {
    it(`${d.title}: one update with a precise detail, fixed by ${d.fix} alone`, async () => {
      stubConverged();
      d.drift();
      s3.on(PutBucketVersioningCommand).resolves({});
      s3.on(PutPublicAccessBlockCommand).resolves({});
      s3.on(PutBucketEncryptionCommand).resolves({});
      s3.on(PutBucketPolicyCommand).resolves({});
      s3.on(PutBucketTaggingCommand).resolves({});
      const ctx = stepContext({ config: { adopt: d.adopt ?? false } });

      const changes = await ensureBucket.plan(ctx);
      expect(changes.map(({ action, resource, detail }) => ({ action, resource, detail }))).toEqual([{ action: 'update', resource: ARN, detail: d.detail }]);
      expect(sent().filter((name) => !/^(Head|Get)/.test(name))).toEqual([]);

      s3.resetHistory();
      await changes[0]!.apply();
      expect(sent()).toEqual([d.fix]);

      const status = await ensureBucket.status(ctx);
      const notOurs = "not this pipeline's (" + (d.title.startsWith('tag missing') ? 'no tag abalone-pipeline:name' : 'tag abalone-pipeline:name = other') + '): up leaves it alone; up --adopt takes it over';
      expect(status).toEqual([{ type: 's3-bucket', id: BUCKET, state: 'drift', detail: d.adopt ? notOurs : d.detail }]);
    });
  }

  it('the fixes restore exactly what up makes', async () => {
    stubConverged();
    s3.on(GetBucketVersioningCommand).resolves({ Status: 'Suspended' });
    s3.on(GetPublicAccessBlockCommand).rejects(s3Error('NoSuchPublicAccessBlockConfiguration', 404));
    s3.on(GetBucketPolicyCommand).rejects(s3Error('NoSuchBucketPolicy', 404));
    s3.on(PutBucketVersioningCommand).resolves({});
    s3.on(PutPublicAccessBlockCommand).resolves({});
    s3.on(PutBucketPolicyCommand).resolves({});
    const ctx = stepContext();
    for (const c of await ensureBucket.plan(ctx)) await c.apply();
    expect(s3.commandCalls(PutBucketVersioningCommand)[0]!.args[0].input).toEqual({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } });
    expect(s3.commandCalls(PutPublicAccessBlockCommand)[0]!.args[0].input.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    expect(JSON.parse(s3.commandCalls(PutBucketPolicyCommand)[0]!.args[0].input.Policy!)).toEqual(tlsOnlyPolicy(ctx.names));
  });

  it('several drifts: one update each, and status joins their details', async () => {
    stubConverged();
    s3.on(GetBucketVersioningCommand).resolves({ Status: 'Suspended' });
    s3.on(GetPublicAccessBlockCommand).resolves({});
    const ctx = stepContext();
    expect((await ensureBucket.plan(ctx)).map((c) => c.detail)).toEqual(['versioning Suspended (want Enabled)', 'public access block off: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets']);
    expect(await ensureBucket.status(ctx)).toEqual([
      { type: 's3-bucket', id: BUCKET, state: 'drift', detail: 'versioning Suspended (want Enabled); public access block off: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets' },
    ]);
  });

  it("a bucket with the pipeline's name but not its tag is not adopted: plan stops the step (NotOurs), status says whose it is not, destroy leaves it", async () => {
    stubConverged();
    s3.on(GetBucketTaggingCommand).resolves({ TagSet: [{ Key: 'team', Value: 'research' }] });
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'theirs.csv', VersionId: 'v1' }] });
    const ctx = stepContext();
    await expect(ensureBucket.plan(ctx)).rejects.toMatchObject({ code: 'NotOurs', message: expect.stringContaining('up --adopt') });
    expect(await ensureBucket.status(ctx)).toEqual([
      { type: 's3-bucket', id: BUCKET, state: 'drift', detail: "not this pipeline's (no tag abalone-pipeline:name): up leaves it alone; up --adopt takes it over" },
    ]);
    expect(await ensureBucket.planDestroy(ctx)).toEqual([]);
    expect(ctx.events).toEqual([{ kind: 'notice', step: 'ensure-bucket', message: `left alone: ${ARN} is not this pipeline's (no tag abalone-pipeline:name)` }]);
    expect(sent().filter((name) => !/^(Head|Get|List)/.test(name))).toEqual([]);
  });

  it('a bucket exactly as CreateBucket alone leaves it (a run killed before its tag) is this tool\'s own: tagged and configured, and destroy deletes it', async () => {
    s3.on(HeadBucketCommand).resolves({});
    s3.on(GetBucketVersioningCommand).resolves({});
    s3.on(GetBucketTaggingCommand).rejects(s3Error('NoSuchTagSet', 404));
    s3.on(GetBucketPolicyCommand).rejects(s3Error('NoSuchBucketPolicy', 404));
    s3.on(ListObjectVersionsCommand).resolves({ IsTruncated: false });
    s3.on(GetPublicAccessBlockCommand).resolves({});
    s3.on(GetBucketEncryptionCommand).resolves({});
    const ctx = stepContext();
    const details = (await ensureBucket.plan(ctx)).map((c) => c.detail);
    expect(details).toContain("tag abalone-pipeline:name missing (this tool's bucket, interrupted before its tag)");
    expect((await ensureBucket.planDestroy(ctx)).map((c) => c.action)).toEqual(['delete']);
  });

  it('restoring the pipeline tag keeps the other tags of the bucket', async () => {
    // PutBucketTagging replaces the whole tag set: the fix must send the tags it found too.
    stubConverged();
    s3.on(GetBucketTaggingCommand).resolves({ TagSet: [{ Key: 'cost-center', Value: 'research' }] });
    s3.on(PutBucketTaggingCommand).resolves({});
    const [fix] = await ensureBucket.plan(stepContext({ config: { adopt: true } }));
    expect(fix!.detail).toBe('adopt (--adopt): no tag abalone-pipeline:name; tag it abalone-pipeline:name = abalone');
    await fix!.apply();
    const tags = s3.commandCalls(PutBucketTaggingCommand)[0]!.args[0].input.Tagging!.TagSet!;
    expect(tags).toEqual(
      expect.arrayContaining([
        { Key: 'cost-center', Value: 'research' },
        { Key: 'abalone-pipeline:name', Value: 'abalone' },
      ]),
    );
  });
});

describe('ensure-bucket status', () => {
  it('reports a missing bucket', async () => {
    s3.on(HeadBucketCommand).rejects(notFound());
    expect(await ensureBucket.status(stepContext())).toEqual([{ type: 's3-bucket', id: BUCKET, state: 'missing', detail: '' }]);
  });
});

describe('ensure-bucket planDestroy', () => {
  it('with --keep-data plans nothing and calls nothing', async () => {
    expect(await ensureBucket.planDestroy(stepContext({ config: { keepData: true } }))).toEqual([]);
    expect(sent()).toEqual([]);
  });

  it('plans nothing for a missing bucket', async () => {
    s3.on(HeadBucketCommand).rejects(notFound());
    expect(await ensureBucket.planDestroy(stepContext())).toEqual([]);
  });

  it('deletes every version and delete marker, page by page, then the bucket', async () => {
    s3.on(HeadBucketCommand).resolves({});
    s3.on(GetBucketTaggingCommand).resolves({ TagSet: [{ Key: 'abalone-pipeline:name', Value: 'abalone' }] });
    s3.on(ListObjectVersionsCommand)
      .resolvesOnce({
        Versions: [
          { Key: 'a.csv', VersionId: 'a1' },
          { Key: 'a.csv', VersionId: 'a2' },
        ],
        DeleteMarkers: [{ Key: 'b.csv', VersionId: 'bm1' }],
        IsTruncated: true,
        NextKeyMarker: 'b.csv',
        NextVersionIdMarker: 'bm1',
      })
      .resolvesOnce({
        Versions: [{ Key: 'c.csv', VersionId: 'c1' }],
        DeleteMarkers: [{ Key: 'd.csv', VersionId: 'dm1' }],
        IsTruncated: false,
      });
    s3.on(DeleteObjectsCommand).resolves({});
    s3.on(DeleteBucketCommand).resolves({});

    const changes = await ensureBucket.planDestroy(stepContext());
    expect(changes.map(({ action, resource, detail }) => ({ action, resource, detail }))).toEqual([
      { action: 'delete', resource: ARN, detail: 'every object version and delete marker, then the bucket' },
    ]);
    expect(sent()).toEqual(['HeadBucketCommand', 'GetBucketTaggingCommand']);

    s3.resetHistory();
    await changes[0]!.apply();
    expect(sent()).toEqual(['ListObjectVersionsCommand', 'DeleteObjectsCommand', 'ListObjectVersionsCommand', 'DeleteObjectsCommand', 'DeleteBucketCommand']);
    const lists = s3.commandCalls(ListObjectVersionsCommand).map((c) => c.args[0].input);
    expect(lists[0]).toMatchObject({ Bucket: BUCKET });
    expect(lists[0]!.KeyMarker).toBeUndefined();
    expect(lists[1]).toMatchObject({ Bucket: BUCKET, KeyMarker: 'b.csv', VersionIdMarker: 'bm1' });
    const deletes = s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input);
    expect(deletes.map((d) => d.Bucket)).toEqual([BUCKET, BUCKET]);
    expect(deletes[0]!.Delete!.Objects).toEqual([
      { Key: 'a.csv', VersionId: 'a1' },
      { Key: 'a.csv', VersionId: 'a2' },
      { Key: 'b.csv', VersionId: 'bm1' },
    ]);
    expect(deletes[1]!.Delete!.Objects).toEqual([
      { Key: 'c.csv', VersionId: 'c1' },
      { Key: 'd.csv', VersionId: 'dm1' },
    ]);
    expect(s3.commandCalls(DeleteBucketCommand)[0]!.args[0].input).toEqual({ Bucket: BUCKET });
  });

  it('an empty bucket is deleted without a DeleteObjects call', async () => {
    s3.on(HeadBucketCommand).resolves({});
    s3.on(GetBucketTaggingCommand).resolves({ TagSet: [{ Key: 'abalone-pipeline:name', Value: 'abalone' }] });
    s3.on(ListObjectVersionsCommand).resolves({ IsTruncated: false });
    s3.on(DeleteBucketCommand).resolves({});
    const [del] = await ensureBucket.planDestroy(stepContext());
    s3.resetHistory();
    await del!.apply();
    expect(sent()).toEqual(['ListObjectVersionsCommand', 'DeleteBucketCommand']);
  });

  it('stops with DeleteObjectsFailed when versions could not be deleted, before DeleteBucket', async () => {
    s3.on(HeadBucketCommand).resolves({});
    s3.on(GetBucketTaggingCommand).resolves({ TagSet: [{ Key: 'abalone-pipeline:name', Value: 'abalone' }] });
    s3.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: 'a.csv', VersionId: 'a1' }], IsTruncated: false });
    s3.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: 'a.csv', VersionId: 'a1', Code: 'AccessDenied', Message: 'Access Denied' }] });
    const [del] = await ensureBucket.planDestroy(stepContext());
    await expect(del!.apply()).rejects.toMatchObject({ code: 'DeleteObjectsFailed', message: expect.stringContaining('a.csv') });
    expect(s3.commandCalls(DeleteBucketCommand)).toHaveLength(0);
  });
});
