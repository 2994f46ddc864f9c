import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { wantedRoles, type WantedRole } from '../../../src/steps/roles/specs.js';
import type { PolicyDocument, PolicyStatement } from '../../../src/aws/policy.js';
import { renderJsonText, renderText } from '../../../src/steps/templates.js';
import { deriveNames } from '../../../src/engine/names.js';
import { defaultConfig } from '../../support/step-context.js';
import { wantedMwaaPolicies } from '../../../src/steps/attach-policies.js';
import { INLINE_POLICY_NAME } from '../../../src/steps/roles/specs.js';

/** The statements that may use Resource "*": actions AWS cannot scope to a resource. */
const RESOURCE_STAR_ALLOWED = new Set(['EcrAuthTokenCannotBeScoped', 'PutMetricDataCannotBeScoped']);
const README = readFileSync(fileURLToPath(new URL('../../../templates/iam/README.md', import.meta.url)), 'utf8');

const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

async function allRoles(name = 'abalone', region = 'us-east-1'): Promise<WantedRole[]> {
  const names = deriveNames(name, region, '123456789012');
  return [...(await wantedRoles(names, defaultConfig())), ...(await wantedRoles(names, defaultConfig({ managedPolicies: true })))];
}

function statements(roles: WantedRole[]): Array<{ role: string; s: PolicyStatement }> {
  return roles.flatMap((r) => [...(r.inline ?? new Map<string, PolicyDocument>()).values()].flatMap((doc) => doc.Statement.map((s) => ({ role: r.name, s }))));
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
    const text = JSON.stringify(await allRoles('other').then((roles) => roles.map((r) => [r.name, r.trust, [...(r.inline ?? new Map<string, PolicyDocument>()).values()]])));
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

/**
 * Whether an Allow statement of these grants `action` on `arn` with no Condition (IAM's `*` and
 * `?` wildcards in Action and Resource), and whether a Deny does. Enough for these templates:
 * none uses NotAction, and the only NotResource is the SQS key statement.
 */
function grants(doc: PolicyStatement[], action: string, arn: string, effect: 'Allow' | 'Deny' = 'Allow', unconditioned = false): boolean {
  const match = (pattern: string, value: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.')}$`).test(value);
  return doc.some(
    (s) =>
      s.Effect === effect &&
      (!unconditioned || s.Condition === undefined) &&
      list(s.Action).some((a) => match(a, action)) &&
      list(s.Resource).some((r) => match(r, arn)),
  );
}

describe('the MWAA execution role (attach-policies)', () => {
  const names = deriveNames('abalone', 'us-east-1', '123456789012');
  const bucket = 'arn:aws:s3:::abalone-data-us-east-1-123456789012';
  const object = (key: string) => `${bucket}/${key}`;
  const mwaa = async () => (await wantedMwaaPolicies(names, defaultConfig())).inline.get(INLINE_POLICY_NAME)!.Statement;

  it('follows the current MWAA user guide: s3:GetAccountPublicAccessBlock on "*", and names the guide version it follows', async () => {
    // https://docs.aws.amazon.com/mwaa/latest/userguide/mwaa-create-role.html (execution role JSON policy)
    const doc = await mwaa();
    expect(grants(doc, 's3:GetAccountPublicAccessBlock', '*', 'Allow', true)).toBe(true);
    expect(doc.find((s) => list(s.Action).includes('s3:GetAccountPublicAccessBlock'))!.Resource).toBe('*');
    expect(README).toMatch(/MWAA user guide[\s\S]{0,200}mwaa-create-role\.html[\s\S]{0,200}as of \d{4}-\d{2}-\d{2}/);
  });

  it('denies s3:ListAllMyBuckets in a way IAM applies (the action has no resource type, so only "*" matches it)', async () => {
    // Service Authorization Reference for Amazon S3: ListAllMyBuckets has no resource type.
    const doc = await mwaa();
    expect(grants(doc, 's3:ListAllMyBuckets', '*', 'Deny')).toBe(true);
    for (const config of [defaultConfig(), defaultConfig({ managedPolicies: true })]) {
      const inline = (await wantedMwaaPolicies(names, config)).inline.get(INLINE_POLICY_NAME)!.Statement;
      expect(grants(inline, 's3:ListAllMyBuckets', '*', 'Deny')).toBe(true);
    }
    expect(README).not.toMatch(/deny `s3:ListAllMyBuckets`(?! on "\*")/);
  });

  it('writes only where the DAG writes: evaluation.json, the run records and the ETL manifest', async () => {
    const doc = await mwaa();
    const writable = ['abalone_data/evaluation/evaluation.json', 'abalone_data/runs/manual__2026-12-01T10:00:00+00:00.json', 'abalone_data/processed/manifest.json'];
    for (const key of writable) expect(grants(doc, 's3:PutObject', object(key)), key).toBe(true);
    const notWritable = ['abalone_data/raw/abalone.data', 'abalone_data/new/batch.csv', 'abalone_data/processed/training/part-00000.csv', 'abalone_data/models/x/model.tar.gz', 'abalone_data/evaluation/transform/1/part-00000.csv.out', 'airflow/dags/abalone_pipeline_dag.py', 'elsewhere.txt'];
    for (const key of notWritable) expect(grants(doc, 's3:PutObject', object(key)), key).toBe(false);
    expect(doc.some((s) => s.Effect === 'Allow' && list(s.Action).some((a) => a === 's3:DeleteObject'))).toBe(false);
  });

  it('reads only what the environment and the DAG read', async () => {
    const doc = await mwaa();
    // MWAA syncs the DAG folder, requirements and plugins from the source bucket's airflow/ prefix;
    // the DAG reads the testing split and the ETL manifest (processed/), the batch transform output,
    // and the run records; the provider's SageMakerHook.check_s3_url HEADs processed/<channel>/.
    const readable = ['airflow/dags/abalone_pipeline_dag.py', 'airflow/requirements.txt', 'abalone_data/processed/testing/part-00000.csv', 'abalone_data/processed/manifest.json', 'abalone_data/processed/training/', 'abalone_data/evaluation/transform/20261201-100000/part-00000.csv.out', 'abalone_data/runs/r.json'];
    for (const key of readable) expect(grants(doc, 's3:GetObject', object(key)), key).toBe(true);
    const unread = ['abalone_data/raw/abalone.data', 'abalone_data/new/batch.csv', 'abalone_data/models/x/output/model.tar.gz', 'airflow-source/bundle.zip', 'other/file'];
    for (const key of unread) expect(grants(doc, 's3:GetObject', object(key)), key).toBe(false);
  });

  it('may list the bucket without a prefix condition: HeadBucket and the 404 decision need it', async () => {
    // The provider's SageMakerHook.check_s3_url calls S3Hook.check_for_bucket (HeadBucket, which
    // needs s3:ListBucket and carries no prefix) and check_for_key (HeadObject: a missing key is 404
    // only with s3:ListBucket on the bucket, else 403, which fails the task). The new-data check lists
    // <name>_data/new/ and the run records.
    expect(grants(await mwaa(), 's3:ListBucket', bucket, 'Allow', true)).toBe(true);
  });

  it('has no action that neither MWAA nor the DAG nor the provider 9.x hooks call', async () => {
    // Checked against apache/airflow providers/amazon hooks/sagemaker.py, glue.py, glue_crawler.py
    // and the DAG's own calls (config.py uses ssm.get_parameters only). No Glue tag action: the DAG's
    // crawler config has no Tags (issue 19), so GlueCrawlerHook.update_crawler never syncs tags.
    const actions = new Set((await mwaa()).flatMap((s) => list(s.Action)));
    for (const unused of ['sagemaker:CreateProcessingJob', 'sagemaker:DescribeProcessingJob', 'sagemaker:StopProcessingJob', 'sagemaker:DeleteModel', 'sagemaker:ListTags', 'glue:GetJobRuns', 'ssm:GetParameter', 'ssm:GetParametersByPath', 'glue:GetTags', 'glue:TagResource', 'glue:UntagResource']) {
      expect(actions.has(unused), unused).toBe(false);
    }
    for (const used of ['sagemaker:StopTrainingJob', 'sagemaker:StopTransformJob', 'sagemaker:DescribeModel', 'glue:GetJobRun', 'glue:BatchStopJobRun', 'ssm:GetParameters']) expect(actions.has(used), used).toBe(true);
    expect(JSON.stringify(await mwaa())).not.toContain('processing-job');
  });
});

describe('the other roles’ S3 and ECR grants', () => {
  const roles = async (region = 'us-east-1') => wantedRoles(deriveNames('abalone', region, '123456789012'), defaultConfig());
  const inline = async (key: string, region?: string) => [...(await roles(region)).find((r) => r.key === key)!.inline!.values()].flatMap((d) => d.Statement);
  const bucket = 'arn:aws:s3:::abalone-data-us-east-1-123456789012';

  it('CodeBuild passes no role: its update-environment call names no execution role', async () => {
    // templates/codebuild/buildspec.yml calls update-environment with the requirements path and
    // version only; iam:PassRole is needed only when a request carries a role ARN.
    expect((await inline('codebuild')).some((s) => list(s.Action).includes('iam:PassRole'))).toBe(false);
  });

  it('SageMaker pulls the XGBoost image only from the region’s image account, from the table the DAG uses', async () => {
    const table = JSON.parse(readFileSync(fileURLToPath(new URL('../../../artifacts/airflow/dags/abalone_pipeline/xgboost_accounts.json', import.meta.url)), 'utf8')) as { accounts: Record<string, string> };
    for (const [region, account] of [['us-east-1', '683313688378'], ['eu-west-1', '141502667606']] as const) {
      expect(table.accounts[region]).toBe(account);
      const pull = (await inline('sagemaker', region)).find((s) => s.Sid === 'PullBuiltInXGBoostImage')!;
      expect(pull.Resource).toBe(`arn:aws:ecr:${region}:${account}:repository/sagemaker-xgboost`);
    }
  });

  it('Lambda may list the bucket as S3 requires for a missing evaluation.json to be NoSuchKey, and reads only evaluation/', async () => {
    // GetObject: "If you have the s3:ListBucket permission on the bucket, Amazon S3 returns an HTTP
    // status code 404 Not Found error; if not, 403" (S3 API Reference, GetObject, Permissions).
    const doc = await inline('lambda');
    expect(grants(doc, 's3:ListBucket', bucket, 'Allow', true)).toBe(true);
    expect(grants(doc, 's3:GetObject', `${bucket}/abalone_data/evaluation/evaluation.json`)).toBe(true);
    expect(grants(doc, 's3:GetObject', `${bucket}/abalone_data/raw/abalone.data`)).toBe(false);
  });

  it('Glue (Spark) may probe the output path’s parent keys, which Hadoop’s committer HEADs and lists', async () => {
    const doc = await inline('glue');
    for (const key of ['abalone_data/processed', 'abalone_data/', 'abalone_data']) expect(grants(doc, 's3:GetObject', `${bucket}/${key}`), key).toBe(true);
    expect(grants(doc, 's3:ListBucket', bucket, 'Allow', true)).toBe(true);
    expect(grants(doc, 's3:PutObject', `${bucket}/abalone_data/raw/abalone.data`)).toBe(false);
    expect(grants(doc, 's3:GetObject', `${bucket}/abalone_data/models/m.tar.gz`)).toBe(false);
    expect(README).toContain('abalone_data/processed');
  });
});
