/**
 * The checks AWS makes against other services when MWAA creates or updates an environment,
 * answered by the moto server that stands in for those services.
 */
import { errorName, isNotFound } from './shared/errors.js';
import { motoClients } from './shared/moto-clients.js';

export interface MwaaBackend {
  accountId(): Promise<string>;
  /** undefined when fine, else the reason AWS would give */
  checkSourceBucket(bucketArn: string): Promise<string | undefined>;
  checkExecutionRole(roleArn: string): Promise<string | undefined>;
  checkNetwork(subnetIds: string[], securityGroupIds: string[]): Promise<string | undefined>;
  checkObjectVersion(bucketArn: string, key: string, versionId: string | undefined): Promise<string | undefined>;
}

export const MWAA_PRINCIPAL = 'airflow-env.amazonaws.com';

/** The bucket name of `arn:<partition>:s3:::<name>`. */
export function bucketName(bucketArn: string): string {
  return bucketArn.slice(bucketArn.indexOf(':::') + 3);
}

/** A role ARN's name: the last segment after `role/` and any path. */
export function roleName(roleArn: string): string {
  return roleArn.slice(roleArn.lastIndexOf('/') + 1);
}

export function createMotoBackend(options: { motoUrl: string; region: string }): MwaaBackend {
  // moto accepts any credentials; these keep the user's own out of the emulator's calls.
  const clients = motoClients(options.motoUrl, options.region);
  let account: Promise<string> | undefined;

  return {
    accountId() {
      account ??= (async () => {
        const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
        const identity = await (await clients.sts()).send(new GetCallerIdentityCommand({}));
        return identity.Account ?? '123456789012';
      })();
      account.catch(() => (account = undefined));
      return account;
    },

    async checkSourceBucket(bucketArn) {
      const bucket = bucketName(bucketArn);
      const s3 = await import('@aws-sdk/client-s3');
      const client = await clients.s3();
      const prefix = `Invalid request provided: `;
      try {
        await client.send(new s3.HeadBucketCommand({ Bucket: bucket }));
      } catch (error) {
        if (isNotFound(error)) return `${prefix}Provided bucket ${bucket} does not exist.`;
        throw error;
      }
      const versioning = await client.send(new s3.GetBucketVersioningCommand({ Bucket: bucket }));
      if (versioning.Status !== 'Enabled') return `${prefix}Provided bucket does not have versioning enabled for s3 bucket ${bucket}.`;
      let block: Record<string, boolean | undefined> | undefined;
      try {
        const out = await client.send(new s3.GetPublicAccessBlockCommand({ Bucket: bucket }));
        block = out.PublicAccessBlockConfiguration as Record<string, boolean | undefined> | undefined;
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      const flags = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'];
      if (!block || !flags.every((f) => block[f] === true)) {
        return `${prefix}Provided bucket does not have BlockPublicAccess set for s3 bucket ${bucket}.`;
      }
      return undefined;
    },

    async checkExecutionRole(roleArn) {
      const { GetRoleCommand } = await import('@aws-sdk/client-iam');
      const refusal =
        `Failed to assume role ${roleArn}. This could be due to the role's trust policy. ` +
        `Please ensure your role is assumable by '${MWAA_PRINCIPAL}' Service Principal and try again.`;
      try {
        const { Role } = await (await clients.iam()).send(new GetRoleCommand({ RoleName: roleName(roleArn) }));
        if (!Role || (Role.Arn && Role.Arn !== roleArn)) return refusal;
        return trustsMwaa(Role.AssumeRolePolicyDocument) ? undefined : refusal;
      } catch (error) {
        if (isNotFound(error) || errorName(error) === 'NoSuchEntityException') return refusal;
        throw error;
      }
    },

    async checkNetwork(subnetIds, securityGroupIds) {
      const ec2 = await import('@aws-sdk/client-ec2');
      const client = await clients.ec2();
      const prefix = 'Invalid request provided: ';
      if (subnetIds.length !== 2) return `${prefix}Exactly 2 subnets are required; got ${subnetIds.length}.`;
      const byId = (name: string, values: string[]) => ({ Filters: [{ Name: name, Values: values }] });
      const subnets = (await client.send(new ec2.DescribeSubnetsCommand(byId('subnet-id', subnetIds)))).Subnets ?? [];
      const missing = subnetIds.filter((id) => !subnets.some((s) => s.SubnetId === id));
      if (missing.length) return `${prefix}The subnet ID '${missing.join(', ')}' does not exist.`;
      const vpcs = new Set(subnets.map((s) => s.VpcId));
      if (vpcs.size !== 1) return `${prefix}The subnets ${subnetIds.join(', ')} must be in the same VPC.`;
      const zones = new Set(subnets.map((s) => s.AvailabilityZone));
      if (zones.size !== 2) return `${prefix}The subnets ${subnetIds.join(', ')} must be in two different Availability Zones.`;
      const vpc = [...vpcs][0];
      const groups =
        (await client.send(new ec2.DescribeSecurityGroupsCommand(byId('group-id', securityGroupIds)))).SecurityGroups ?? [];
      const absent = securityGroupIds.filter((id) => !groups.some((g) => g.GroupId === id));
      if (absent.length) return `${prefix}The security group '${absent.join(', ')}' does not exist.`;
      const outside = groups.filter((g) => g.VpcId !== vpc).map((g) => g.GroupId);
      if (outside.length) return `${prefix}The security groups ${outside.join(', ')} are not in the subnets' VPC ${vpc}.`;
      return undefined;
    },

    async checkObjectVersion(bucketArn, key, versionId) {
      const { HeadObjectCommand } = await import('@aws-sdk/client-s3');
      const bucket = bucketName(bucketArn);
      try {
        await (await clients.s3()).send(new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
        return undefined;
      } catch (error) {
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (isNotFound(error) || status === 400 || status === 404) {
          const version = versionId ? ` (version ${versionId})` : '';
          return `Unable to read s3://${bucket}/${key}${version}: the object does not exist.`;
        }
        throw error;
      }
    },
  };
}

/** True when a trust policy lets airflow-env.amazonaws.com call sts:AssumeRole. */
export function trustsMwaa(document: string | undefined): boolean {
  if (!document) return false;
  let policy: { Statement?: unknown };
  try {
    policy = JSON.parse(decodeURIComponent(document)) as { Statement?: unknown };
  } catch {
    return false;
  }
  const statements = ([] as unknown[]).concat(policy.Statement ?? []) as Record<string, unknown>[];
  return statements.some((s) => {
    if (s.Effect !== 'Allow') return false;
    const actions = ([] as unknown[]).concat(s.Action ?? []);
    if (!actions.some((a) => a === 'sts:AssumeRole' || a === 'sts:*' || a === '*')) return false;
    const principal = s.Principal;
    if (principal === '*') return true;
    const services = ([] as unknown[]).concat((principal as { Service?: unknown } | undefined)?.Service ?? []);
    return services.includes(MWAA_PRINCIPAL);
  });
}
