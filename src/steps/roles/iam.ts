import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
  UpdateAssumeRolePolicyCommand,
  type IAMClient,
  type Role,
} from '@aws-sdk/client-iam';
import { isNotFound, readOrUndefined } from '../../aws/errors.js';
import { diffPolicies, parsePolicy, type PolicyDocument } from '../../aws/policy.js';
import { errorName } from '../../base/errors.js';
import type { Names } from '../../engine/names.js';
import { adoptDetail, isOurs, notOursError } from '../../engine/ownership.js';
import type { WantedRole } from './specs.js';

/** One way a role differs from what `up` makes, and how to restore it. */
export interface RoleDrift {
  readonly detail: string;
  fix(): Promise<void>;
}

export type ObservedRole = { readonly exists: false } | { readonly exists: true; readonly drifts: RoleDrift[]; readonly tag: string | undefined };

export async function inlinePolicyNames(iam: IAMClient, RoleName: string): Promise<string[]> {
  const names: string[] = [];
  let Marker: string | undefined;
  do {
    const page = await iam.send(new ListRolePoliciesCommand({ RoleName, Marker }));
    names.push(...(page.PolicyNames ?? []));
    Marker = page.IsTruncated ? page.Marker : undefined;
  } while (Marker);
  return names;
}

export async function attachedPolicyArns(iam: IAMClient, RoleName: string): Promise<string[]> {
  const arns: string[] = [];
  let Marker: string | undefined;
  do {
    const page = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName, Marker }));
    arns.push(...(page.AttachedPolicies ?? []).map((p) => p.PolicyArn!).filter(Boolean));
    Marker = page.IsTruncated ? page.Marker : undefined;
  } while (Marker);
  return arns;
}

async function readInline(iam: IAMClient, RoleName: string, PolicyName: string): Promise<PolicyDocument | undefined> {
  const out = await readOrUndefined(() => iam.send(new GetRolePolicyCommand({ RoleName, PolicyName })));
  return out?.PolicyDocument ? parsePolicy(out.PolicyDocument) : undefined;
}

const putInline = (iam: IAMClient, RoleName: string, PolicyName: string, doc: PolicyDocument) => async () => {
  await iam.send(new PutRolePolicyCommand({ RoleName, PolicyName, PolicyDocument: JSON.stringify(doc) }));
};
const deleteInline = (iam: IAMClient, RoleName: string, PolicyName: string) => async () => {
  await iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName }));
};
const attach = (iam: IAMClient, RoleName: string, PolicyArn: string) => async () => {
  await iam.send(new AttachRolePolicyCommand({ RoleName, PolicyArn }));
};
const detach = (iam: IAMClient, RoleName: string, PolicyArn: string) => async () => {
  await iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn }));
};

function tagsOf(names: Names) {
  return [{ Key: names.tagKey, Value: names.name }];
}

async function policyDrifts(iam: IAMClient, want: WantedRole): Promise<RoleDrift[]> {
  const drifts: RoleDrift[] = [];
  const RoleName = want.name;
  if (want.inline) {
    const present = await inlinePolicyNames(iam, RoleName);
    for (const [name, doc] of want.inline) {
      const actual = present.includes(name) ? await readInline(iam, RoleName, name) : undefined;
      const diff = actual ? diffPolicies(doc, actual) : [];
      if (!actual) drifts.push({ detail: `inline policy ${name} missing`, fix: putInline(iam, RoleName, name, doc) });
      else if (diff.length > 0) drifts.push({ detail: `inline policy ${name}: ${diff.join(', ')}`, fix: putInline(iam, RoleName, name, doc) });
    }
    for (const name of present.filter((n) => !want.inline!.has(n))) {
      drifts.push({ detail: `inline policy ${name} not expected`, fix: deleteInline(iam, RoleName, name) });
    }
  }
  if (want.managed) {
    const attached = await attachedPolicyArns(iam, RoleName);
    for (const arn of want.managed.filter((a) => !attached.includes(a))) {
      drifts.push({ detail: `managed policy ${arn} not attached`, fix: attach(iam, RoleName, arn) });
    }
    for (const arn of attached.filter((a) => !want.managed!.includes(a))) {
      drifts.push({ detail: `managed policy ${arn} not expected`, fix: detach(iam, RoleName, arn) });
    }
  }
  return drifts;
}

/** Reads the role and lists every difference: trust, tag, inline and attached policies. */
export async function observeRole(iam: IAMClient, names: Names, want: WantedRole): Promise<ObservedRole> {
  const role: Role | undefined = (await readOrUndefined(() => iam.send(new GetRoleCommand({ RoleName: want.name }))))?.Role;
  if (!role) return { exists: false };
  const drifts: RoleDrift[] = [];
  const trustDiff = role.AssumeRolePolicyDocument ? diffPolicies(want.trust, parsePolicy(role.AssumeRolePolicyDocument)) : ['no trust policy'];
  if (trustDiff.length > 0) {
    drifts.push({
      detail: `trust policy: ${trustDiff.join(', ')}`,
      fix: async () => {
        await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: want.name, PolicyDocument: JSON.stringify(want.trust) }));
      },
    });
  }
  const tag = role.Tags?.find((t) => t.Key === names.tagKey)?.Value;
  if (tag !== names.name) {
    drifts.push({
      // Roles are created with their tag in the same call: an untagged one is adopted only with --adopt.
      detail: adoptDetail(names, tag),
      fix: async () => {
        await iam.send(new TagRoleCommand({ RoleName: want.name, Tags: tagsOf(names) }));
      },
    });
  }
  drifts.push(...(await policyDrifts(iam, want)));
  return { exists: true, drifts, tag };
}

/** Creates the role with its trust policy and tag, then its policies. */
export async function createRole(iam: IAMClient, names: Names, want: WantedRole): Promise<void> {
  const trust = JSON.stringify(want.trust);
  try {
    await iam.send(
      new CreateRoleCommand({ RoleName: want.name, AssumeRolePolicyDocument: trust, Description: want.description, Tags: tagsOf(names) }),
    );
  } catch (error) {
    // A retry after a lost response finds the role it made: make sure it is the one wanted.
    if (errorName(error) !== 'EntityAlreadyExistsException') throw error;
    // Ours carries the tag CreateRole set; a role someone else made meanwhile is left alone.
    const found = (await iam.send(new GetRoleCommand({ RoleName: want.name }))).Role;
    const tag = found?.Tags?.find((t) => t.Key === names.tagKey)?.Value;
    if (!isOurs(names, tag)) throw notOursError(names, [{ resource: want.arn, tag }]);
    await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: want.name, PolicyDocument: trust }));
    await iam.send(new TagRoleCommand({ RoleName: want.name, Tags: tagsOf(names) }));
  }
  for (const [name, doc] of want.inline ?? []) await putInline(iam, want.name, name, doc)();
  for (const arn of want.managed ?? []) await attach(iam, want.name, arn)();
}

/** The role's pipeline tag (undefined when untagged or when the role does not exist). */
export async function roleTag(iam: IAMClient, names: Names, RoleName: string): Promise<string | undefined> {
  const role = (await readOrUndefined(() => iam.send(new GetRoleCommand({ RoleName }))))?.Role;
  return role?.Tags?.find((t) => t.Key === names.tagKey)?.Value;
}

/** What the role holds that must go before it can be deleted. */
export async function roleContents(iam: IAMClient, RoleName: string): Promise<{ inline: string[]; attached: string[] } | undefined> {
  try {
    return { inline: await inlinePolicyNames(iam, RoleName), attached: await attachedPolicyArns(iam, RoleName) };
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Deletes every inline policy, detaches every managed one, then deletes the role. */
export async function deleteRole(iam: IAMClient, RoleName: string): Promise<void> {
  const contents = await roleContents(iam, RoleName);
  if (!contents) return;
  for (const name of contents.inline) await deleteInline(iam, RoleName, name)();
  for (const arn of contents.attached) await detach(iam, RoleName, arn)();
  try {
    await iam.send(new DeleteRoleCommand({ RoleName }));
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
