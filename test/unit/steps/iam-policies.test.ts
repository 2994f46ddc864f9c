import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { wantedRoles, type WantedRole } from '../../../src/steps/roles/specs.js';
import type { PolicyStatement } from '../../../src/aws/policy.js';
import { renderJsonText, renderText } from '../../../src/steps/templates.js';
import { deriveNames } from '../../../src/engine/names.js';
import { defaultConfig } from '../../support/step-context.js';

/** The statements that may use Resource "*": actions AWS cannot scope to a resource. */
const RESOURCE_STAR_ALLOWED = new Set(['EcrAuthTokenCannotBeScoped', 'PutMetricDataCannotBeScoped']);
const README = readFileSync(fileURLToPath(new URL('../../../templates/iam/README.md', import.meta.url)), 'utf8');

const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

async function allRoles(name = 'abalone', region = 'us-east-1'): Promise<WantedRole[]> {
  const names = deriveNames(name, region, '123456789012');
  return [...(await wantedRoles(names, defaultConfig())), ...(await wantedRoles(names, defaultConfig({ managedPolicies: true })))];
}

function statements(roles: WantedRole[]): Array<{ role: string; s: PolicyStatement }> {
  return roles.flatMap((r) => [...(r.inline ?? new Map()).values()].flatMap((doc) => doc.Statement.map((s) => ({ role: r.name, s }))));
}

describe('the IAM policies the tool writes', () => {
  it('have no wildcard action and no NotAction', async () => {
    for (const { role, s } of statements(await allRoles())) {
      expect(s.NotAction, `${role} ${s.Sid}`).toBeUndefined();
      for (const action of list(s.Action)) expect(action, `${role} ${s.Sid}`).not.toContain('*');
    }
  });

  it('use Resource "*" only in the allow-listed statements, each documented in templates/iam/README.md', async () => {
    const star = statements(await allRoles()).filter(({ s }) => list(s.Resource).includes('*'));
    expect(star.length).toBeGreaterThan(0);
    for (const { role, s } of star) expect(RESOURCE_STAR_ALLOWED.has(s.Sid ?? ''), `${role} ${s.Sid}`).toBe(true);
    for (const sid of RESOURCE_STAR_ALLOWED) expect(README).toContain(sid);
  });

  it('give every statement a Sid, so that drift names the statement', async () => {
    for (const { role, s } of statements(await allRoles())) expect(s.Sid, role).toMatch(/^[A-Za-z0-9]+$/);
    for (const r of await allRoles()) for (const s of r.trust.Statement) expect(s.Sid).toBeTruthy();
  });

  it('scope S3 to the pipeline bucket only, and derive every ARN from the partition', async () => {
    for (const { role, s } of statements(await allRoles('abalone', 'cn-north-1'))) {
      for (const resource of list(s.Resource).filter((r) => r !== '*')) {
        expect(resource, `${role} ${s.Sid}`).toMatch(/^arn:aws-cn:/);
        if (resource.includes(':s3:::')) expect(resource).toMatch(/^arn:aws-cn:s3:::abalone-data-cn-north-1-123456789012(\/|$)/);
      }
    }
    for (const r of await allRoles('abalone', 'cn-north-1')) for (const arn of r.managed ?? []) expect(arn).toMatch(/^arn:aws-cn:iam::aws:policy\//);
  });

  it('of one pipeline never name another pipeline’s resources', async () => {
    const text = JSON.stringify(await allRoles('other').then((roles) => roles.map((r) => [r.name, r.trust, [...(r.inline ?? new Map()).values()]])));
    expect(text).not.toMatch(/abalone[-_]/);
    expect(text).toContain('other-data-us-east-1-123456789012');
  });

  it('trust each service with aws:SourceAccount where the service supports it', async () => {
    const roles = await allRoles();
    const condition = (key: string) => roles.find((r) => r.key === key)!.trust.Statement[0]!.Condition;
    for (const key of ['sagemaker', 'codebuild', 'mwaa']) expect(condition(key)).toEqual({ StringEquals: { 'aws:SourceAccount': '123456789012' } });
    for (const key of ['glue', 'lambda']) expect(condition(key)).toBeUndefined();
  });
});

describe('template rendering', () => {
  it('fills placeholders inside strings and whole JSON values with lists', () => {
    const doc = renderJsonText('{"a": "x-{{one}}", "b": "{{many}}", "c": "{{one}}"}', { one: 'v"1', many: ['p', 'q'] });
    expect(doc).toEqual({ a: 'x-v"1', b: ['p', 'q'], c: 'v"1' });
  });

  it('refuses an unknown placeholder instead of leaving it empty', () => {
    expect(() => renderText('bucket {{nope}}', {}, 'buildspec.yml')).toThrow(/buildspec.yml uses \{\{nope\}\}/);
    expect(() => renderJsonText('{"a": "{{nope}}"}', {})).toThrow(/\{\{nope\}\}/);
  });
});
