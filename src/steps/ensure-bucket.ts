import {
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
  PutBucketEncryptionCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type BucketLocationConstraint,
  type Tag,
  type S3Client,
} from '@aws-sdk/client-s3';
import { isNotFound, readOrUndefined } from '../aws/errors.js';
import { retryOn } from '../aws/retry.js';
import { diffPolicies, parsePolicy, type PolicyDocument } from '../aws/policy.js';
import { ToolError, errorName } from '../base/errors.js';
import type { Names } from '../engine/names.js';
import { change, type Change, type ResourceState, type Step, type StepContext } from '../engine/types.js';
import { adoptDetail, claim, isOurs, leaveAlone, notOursDetail } from '../engine/ownership.js';

const PUBLIC_ACCESS_BLOCK = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
} as const;

export function tlsOnlyPolicy(names: Names): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyInsecureTransport',
        Effect: 'Deny',
        Principal: '*',
        // A Deny: the wildcard narrows access (every S3 action over plain HTTP), it grants nothing.
        Action: 's3:*',
        Resource: [names.bucketArn, `${names.bucketArn}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ],
  };
}

/** One setting of the bucket that is not what `up` makes, and how to restore it. */
interface Drift {
  readonly detail: string;
  fix(): Promise<void>;
}

/** `owned`: tagged as this pipeline's, or this tool's own half-made bucket (`halfMade`). */
type Observed = { exists: false } | { exists: true; drifts: Drift[]; tag: string | undefined; owned: boolean };

/**
 * The bucket is the one resource tagged by a second call (CreateBucket takes no tags), so a run
 * killed between the two leaves it untagged. It is told from someone else's bucket by being
 * exactly what CreateBucket alone leaves: no tag set at all, versioning never enabled, no bucket
 * policy and no object version or delete marker (createBucket tags it first, before anything
 * else). Such a bucket holds nothing and was never configured, so taking it over loses nobody
 * anything; a bucket with any tag, versioning, policy or object is someone's and is not adopted.
 */
async function halfMade(s3: S3Client, Bucket: string, tagging: { TagSet?: Tag[] } | undefined, versioning: string | undefined, policy: string | undefined): Promise<boolean> {
  if ((tagging?.TagSet ?? []).length > 0 || versioning !== undefined || policy !== undefined) return false;
  const page = await s3.send(new ListObjectVersionsCommand({ Bucket, MaxKeys: 1 }));
  return (page.Versions ?? []).length === 0 && (page.DeleteMarkers ?? []).length === 0;
}

async function observe(s3: S3Client, names: Names): Promise<Observed> {
  const Bucket = names.bucket;
  try {
    await s3.send(new HeadBucketCommand({ Bucket }));
  } catch (error) {
    if (isNotFound(error)) return { exists: false };
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 403) throw bucketTaken(names);
    throw error;
  }
  const [versioning, publicAccess, encryption, policy, tagging] = await Promise.all([
    s3.send(new GetBucketVersioningCommand({ Bucket })),
    readOrUndefined(() => s3.send(new GetPublicAccessBlockCommand({ Bucket }))),
    readOrUndefined(() => s3.send(new GetBucketEncryptionCommand({ Bucket }))),
    readOrUndefined(() => s3.send(new GetBucketPolicyCommand({ Bucket }))),
    readOrUndefined(() => s3.send(new GetBucketTaggingCommand({ Bucket }))),
  ]);

  const drifts: Drift[] = [];
  if (versioning.Status !== 'Enabled') {
    drifts.push({ detail: `versioning ${versioning.Status ?? 'never enabled'} (want Enabled)`, fix: () => enableVersioning(s3, Bucket) });
  }
  const block = publicAccess?.PublicAccessBlockConfiguration;
  const openSettings = Object.keys(PUBLIC_ACCESS_BLOCK).filter((k) => block?.[k as keyof typeof PUBLIC_ACCESS_BLOCK] !== true);
  if (openSettings.length > 0) {
    drifts.push({ detail: `public access block off: ${openSettings.join(', ')}`, fix: () => blockPublicAccess(s3, Bucket) });
  }
  const algorithms = (encryption?.ServerSideEncryptionConfiguration?.Rules ?? []).map(
    (r) => r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
  );
  if (algorithms.length === 0) {
    drifts.push({ detail: 'default encryption off (want SSE-S3)', fix: () => encryptByDefault(s3, Bucket) });
  }
  const wantedPolicy = tlsOnlyPolicy(names);
  const policyDiff = policy?.Policy ? diffPolicies(wantedPolicy, parsePolicy(policy.Policy)) : ['no bucket policy'];
  if (policyDiff.length > 0) {
    drifts.push({ detail: `bucket policy: ${policyDiff.join(', ')}`, fix: () => putPolicy(s3, names) });
  }
  const tag = tagging?.TagSet?.find((t) => t.Key === names.tagKey)?.Value;
  const owned = isOurs(names, tag) || (await halfMade(s3, Bucket, tagging, versioning.Status, policy?.Policy));
  if (tag !== names.name) {
    const others = (tagging?.TagSet ?? []).filter((t) => t.Key !== names.tagKey);
    const detail = owned ? `tag ${names.tagKey} missing (this tool's bucket, interrupted before its tag)` : adoptDetail(names, tag);
    drifts.push({ detail, fix: () => tagBucket(s3, names, others) });
  }
  return { exists: true, drifts, tag, owned };
}

function bucketTaken(names: Names): ToolError {
  return new ToolError(
    'BucketAlreadyExists',
    `the bucket name ${names.bucket} is taken by another AWS account: S3 bucket names are global. ` +
      `Choose another pipeline name with --name (it prefixes the bucket name).`,
  );
}

/** S3 is eventually consistent about a new bucket: its first configuration calls may say NoSuchBucket. */
function whileBucketAppears(ctx: StepContext): <T>(call: () => Promise<T>) => Promise<T> {
  return (call) => retryOn((error) => errorName(error) === 'NoSuchBucket', call, { attempts: 6, ...ctx.timing.fresh.bucket, signal: ctx.signal });
}

async function createBucket(ctx: StepContext, s3: S3Client, names: Names): Promise<void> {
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: names.bucket,
        // us-east-1 is the one region that rejects its own name as a location constraint.
        ...(names.region === 'us-east-1'
          ? {}
          : { CreateBucketConfiguration: { LocationConstraint: names.region as BucketLocationConstraint } }),
      }),
    );
  } catch (error) {
    const name = errorName(error);
    if (name === 'BucketAlreadyExists') throw bucketTaken(names);
    // A retry after a lost response finds the bucket it made: that is success.
    if (name !== 'BucketAlreadyOwnedByYou') throw error;
  }
  const fresh = whileBucketAppears(ctx);
  await fresh(() => tagBucket(s3, names));
  await fresh(() => enableVersioning(s3, names.bucket));
  await fresh(() => blockPublicAccess(s3, names.bucket));
  await fresh(() => encryptByDefault(s3, names.bucket));
  await fresh(() => putPolicy(s3, names));
}

const enableVersioning = async (s3: S3Client, Bucket: string) => {
  await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
};
const blockPublicAccess = async (s3: S3Client, Bucket: string) => {
  await s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: { ...PUBLIC_ACCESS_BLOCK } }));
};
const encryptByDefault = async (s3: S3Client, Bucket: string) => {
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket,
      ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    }),
  );
};
const putPolicy = async (s3: S3Client, names: Names) => {
  await s3.send(new PutBucketPolicyCommand({ Bucket: names.bucket, Policy: JSON.stringify(tlsOnlyPolicy(names)) }));
};
/** PutBucketTagging replaces the whole set, so the user's own tags go back in with ours. */
const tagBucket = async (s3: S3Client, names: Names, otherTags: Tag[] = []) => {
  await s3.send(
    new PutBucketTaggingCommand({ Bucket: names.bucket, Tagging: { TagSet: [...otherTags, { Key: names.tagKey, Value: names.name }] } }),
  );
};

/** Deletes every object version and delete marker, then the bucket. */
async function emptyAndDelete(s3: S3Client, Bucket: string): Promise<void> {
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  do {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket, KeyMarker, VersionIdMarker }));
    const Objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((v) => ({ Key: v.Key!, VersionId: v.VersionId }));
    if (Objects.length > 0) {
      const out = await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects, Quiet: true } }));
      const failed = out.Errors ?? [];
      if (failed.length > 0) {
        throw new ToolError('DeleteObjectsFailed', `could not delete ${failed.length} object versions, e.g. ${failed[0]?.Key}: ${failed[0]?.Message}`);
      }
    }
    KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    VersionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (KeyMarker);
  try {
    await s3.send(new DeleteBucketCommand({ Bucket }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

const RESOURCE_TYPE = 's3-bucket';

export const ensureBucket: Step = {
  name: 'ensure-bucket',
  dependsOn: [],

  async plan(ctx: StepContext): Promise<Change[]> {
    const s3 = await ctx.clients.s3();
    const observed = await observe(s3, ctx.names);
    if (!observed.exists) {
      return [
        change('create', ctx.names.bucketArn, 'versioning, public access block, SSE-S3, TLS-only policy', () => createBucket(ctx, s3, ctx.names)),
      ];
    }
    if (!observed.owned) claim(ctx, [{ resource: ctx.names.bucketArn, tag: observed.tag }]);
    return observed.drifts.map((d) => change('update', ctx.names.bucketArn, d.detail, d.fix));
  },

  async status(ctx: StepContext): Promise<ResourceState[]> {
    const observed = await observe(await ctx.clients.s3(), ctx.names);
    const base = { type: RESOURCE_TYPE, id: ctx.names.bucket };
    if (!observed.exists) return [{ ...base, state: 'missing', detail: '' }];
    if (!observed.owned) return [{ ...base, state: 'drift', detail: notOursDetail(ctx.names, observed.tag) }];
    if (observed.drifts.length > 0) return [{ ...base, state: 'drift', detail: observed.drifts.map((d) => d.detail).join('; ') }];
    return [{ ...base, state: 'ok', detail: '' }];
  },

  async planDestroy(ctx: StepContext): Promise<Change[]> {
    if (ctx.config.keepData) return [];
    const s3 = await ctx.clients.s3();
    const exists = await readOrUndefined(() => s3.send(new HeadBucketCommand({ Bucket: ctx.names.bucket })));
    if (!exists) return [];
    const tagging = await readOrUndefined(() => s3.send(new GetBucketTaggingCommand({ Bucket: ctx.names.bucket })));
    const tag = tagging?.TagSet?.find((t) => t.Key === ctx.names.tagKey)?.Value;
    if (!isOurs(ctx.names, tag)) {
      const [versioning, policy] = await Promise.all([
        readOrUndefined(() => s3.send(new GetBucketVersioningCommand({ Bucket: ctx.names.bucket }))),
        readOrUndefined(() => s3.send(new GetBucketPolicyCommand({ Bucket: ctx.names.bucket }))),
      ]);
      if (!(await halfMade(s3, ctx.names.bucket, tagging, versioning?.Status, policy?.Policy))) {
        leaveAlone(ctx, 'ensure-bucket', ctx.names.bucketArn, tag);
        return [];
      }
    }
    return [change('delete', ctx.names.bucketArn, 'every object version and delete marker, then the bucket', () => emptyAndDelete(s3, ctx.names.bucket))];
  },
};
