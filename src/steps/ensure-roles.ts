import type { IAMClient } from '@aws-sdk/client-iam';
import { change, type Change, type ResourceState, type Step, type StepContext } from '../engine/types.js';
import { claim, isOurs, leaveAlone, notOursDetail } from '../engine/ownership.js';
import { createRole, deleteRole, observeRole, roleContents, roleTag } from './roles/iam.js';
import { wantedRoles, type WantedRole } from './roles/specs.js';

const RESOURCE_TYPE = 'iam-role';

function createDetail(want: WantedRole): string {
  const trust = `trusts ${want.services.join(' and ')}`;
  const condition = want.trust.Statement.some((s) => s.Condition) ? ' (aws:SourceAccount)' : '';
  if (!want.inline && !want.managed) return `${trust}${condition}; policies attached by attach-policies`;
  const inline = [...(want.inline ?? new Map()).entries()].map(([name, doc]) => `inline ${name} (${doc.Statement.length} statements)`);
  const managed = (want.managed ?? []).map((arn) => `managed ${arn.split(':policy/')[1]}`);
  return `${trust}${condition}; ${[...inline, ...managed].join(', ')}`;
}

async function observeAll(ctx: StepContext): Promise<{ iam: IAMClient; roles: Array<{ want: WantedRole; observed: Awaited<ReturnType<typeof observeRole>> }> }> {
  const [iam, wanted] = await Promise.all([ctx.clients.iam(), wantedRoles(ctx.names, ctx.config)]);
  const roles = await Promise.all(wanted.map(async (want) => ({ want, observed: await observeRole(iam, ctx.names, want) })));
  return { iam, roles };
}

export const ensureRoles: Step = {
  name: 'ensure-roles',
  dependsOn: ['ensure-bucket'],

  async plan(ctx: StepContext): Promise<Change[]> {
    const { iam, roles } = await observeAll(ctx);
    claim(ctx, roles.flatMap(({ want, observed }) => (observed.exists ? [{ resource: want.arn, tag: observed.tag }] : [])));
    return roles.flatMap(({ want, observed }) =>
      observed.exists
        ? observed.drifts.map((d) => change('update', want.arn, d.detail, d.fix))
        : [change('create', want.arn, createDetail(want), () => createRole(iam, ctx.names, want))],
    );
  },

  async status(ctx: StepContext): Promise<ResourceState[]> {
    const { roles } = await observeAll(ctx);
    return roles.map(({ want, observed }): ResourceState => {
      const base = { type: RESOURCE_TYPE, id: want.name };
      if (!observed.exists) return { ...base, state: 'missing', detail: '' };
      if (!isOurs(ctx.names, observed.tag)) return { ...base, state: 'drift', detail: notOursDetail(ctx.names, observed.tag) };
      if (observed.drifts.length > 0) return { ...base, state: 'drift', detail: observed.drifts.map((d) => d.detail).join('; ') };
      return { ...base, state: 'ok', detail: '' };
    });
  },

  async planDestroy(ctx: StepContext): Promise<Change[]> {
    const [iam, wanted] = await Promise.all([ctx.clients.iam(), wantedRoles(ctx.names, ctx.config)]);
    const found = await Promise.all(
      wanted.map(async (want) => ({ want, contents: await roleContents(iam, want.name), tag: await roleTag(iam, ctx.names, want.name) })),
    );
    return found
      .filter((f) => f.contents !== undefined)
      .filter((f) => {
        if (isOurs(ctx.names, f.tag)) return true;
        leaveAlone(ctx, 'ensure-roles', f.want.arn, f.tag);
        return false;
      })
      .map(({ want, contents }) => {
        const parts = [
          ...contents!.inline.map((n) => `inline policy ${n}`),
          ...contents!.attached.map((a) => `managed policy ${a.split(':policy/')[1] ?? a}`),
        ];
        const detail = parts.length > 0 ? `${parts.join(', ')}, then the role` : 'the role';
        return change('delete', want.arn, detail, () => deleteRole(iam, want.name));
      });
  },
};
