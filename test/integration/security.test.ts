import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  ListRoleTagsCommand,
} from '@aws-sdk/client-iam';
import { GetBucketEncryptionCommand, GetBucketPolicyCommand, GetPublicAccessBlockCommand } from '@aws-sdk/client-s3';
import { runCli, type CliResult } from '../support/cli.js';
import { FaultProxy, isCall } from '../support/fault-proxy.js';
import { destroyClients, inventoryClients, TAG_KEY, type InventoryClients } from '../support/inventory.js';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ACCOUNT = '123456789012';
const BUCKET = `abalone-data-us-east-1-${ACCOUNT}`;
const BUCKET_ARN = `arn:aws:s3:::${BUCKET}`;

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}
interface Document {
  Statement: Statement | Statement[];
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const statements = (doc: Document) => list(doc.Statement);
/** IAM returns documents URL-encoded; S3 plain. */
const parse = (text: string): Document => JSON.parse(text.trimStart().startsWith('{') ? text : decodeURIComponent(text)) as Document;

let endpoint: TestEndpoint;
let clients: InventoryClients;
let readme: string;

/** The table of templates/iam/README.md under `## Resource "*"`: the actions AWS cannot scope. */
function resourceStarAllowList(text: string): Array<{ sid: string; file: string; action: string }> {
  const section = text.split(/^## /m).find((s) => s.startsWith('Resource "*"'));
  if (!section) throw new Error('templates/iam/README.md has no `## Resource "*"` section');
  return section
    .split('\n')
    .filter((l) => /^\|\s*`/.test(l))
    .map((l) => l.split('|').map((c) => c.trim().replace(/`/g, '')))
    .map((cells) => ({ sid: cells[1]!, file: cells[2]!, action: cells[3]! }));
}

/** The roles table of the README: role name, trusted services, and whether it says (aws:SourceAccount). */
function documentedRoles(text: string): Array<{ file: string; role: string; services: string[]; sourceAccount: boolean }> {
  return text
    .split('\n')
    .filter((l) => /^\|\s*`[^`]+\.json`.*\|\s*`<name>-/.test(l))
    .map((l) => l.split('|').map((c) => c.trim()))
    .map((cells) => ({
      file: cells[1]!,
      role: cells[2]!.replace(/`/g, '').replace('<name>', 'abalone').replace('<region>', 'us-east-1'),
      services: cells[3]!.replace(/\(aws:SourceAccount\)/, '').split(',').map((s) => s.trim()).filter(Boolean),
      sourceAccount: cells[3]!.includes('(aws:SourceAccount)'),
    }));
}

/** The role a template's statements end up on (the MWAA role holds both of its documents). */
const ROLE_OF_TEMPLATE: Record<string, string> = {
  'sagemaker.json': 'abalone-sagemaker-us-east-1',
  'glue.json': 'abalone-glue-us-east-1',
  'lambda.json': 'abalone-lambda-us-east-1',
  'codebuild.json': 'abalone-codebuild-us-east-1',
  'mwaa-execution.json': 'abalone-mwaa-exec-us-east-1',
  'mwaa-dag.json': 'abalone-mwaa-exec-us-east-1',
};

interface RolePolicies {
  role: string;
  trust: Document;
  /** Every permission policy on the role: inline ones and attached managed ones. */
  policies: Array<{ name: string; document: Document }>;
}

async function pipelineRoles(): Promise<RolePolicies[]> {
  const roles = (await clients.iam.send(new ListRolesCommand({}))).Roles ?? [];
  const ours: RolePolicies[] = [];
  for (const role of roles) {
    const RoleName = role.RoleName!;
    const tags = (await clients.iam.send(new ListRoleTagsCommand({ RoleName }))).Tags ?? [];
    if (!tags.some((t) => t.Key === TAG_KEY && t.Value === 'abalone')) continue;
    const trust = parse((await clients.iam.send(new GetRoleCommand({ RoleName }))).Role!.AssumeRolePolicyDocument!);
    const policies: RolePolicies['policies'] = [];
    for (const PolicyName of (await clients.iam.send(new ListRolePoliciesCommand({ RoleName }))).PolicyNames ?? []) {
      const doc = (await clients.iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }))).PolicyDocument!;
      policies.push({ name: `inline ${PolicyName}`, document: parse(doc) });
    }
    for (const attached of (await clients.iam.send(new ListAttachedRolePoliciesCommand({ RoleName }))).AttachedPolicies ?? []) {
      const policy = (await clients.iam.send(new GetPolicyCommand({ PolicyArn: attached.PolicyArn! }))).Policy!;
      const version = await clients.iam.send(new GetPolicyVersionCommand({ PolicyArn: attached.PolicyArn!, VersionId: policy.DefaultVersionId! }));
      policies.push({ name: `managed ${attached.PolicyName}`, document: parse(version.PolicyVersion!.Document!) });
    }
    ours.push({ role: RoleName, trust, policies });
  }
  return ours;
}

beforeAll(async () => {
  endpoint = await startLocalEndpoint();
  clients = inventoryClients(endpoint.url);
  readme = await readFile(join(ROOT, 'templates/iam/README.md'), 'utf8');
});

afterAll(async () => {
  if (clients) destroyClients(clients);
  await endpoint?.stop();
});

describe('what up writes, read back from the emulator', () => {
  let roles: RolePolicies[];

  beforeAll(async () => {
    await endpoint.reset();
    const up = await runCli(['up', '--yes'], { env: endpoint.env, timeoutMs: 120_000 });
    expect(up.code, up.stderr).toBe(0);
    roles = await pipelineRoles();
  }, 120_000);

  it('no policy allows `*` or `service:*`, and Resource "*" only for the actions templates/iam/README.md lists as unscopable', () => {
    const allowList = resourceStarAllowList(readme);
    expect(allowList.length).toBeGreaterThanOrEqual(3);
    const problems: string[] = [];
    const used = new Set<string>();
    for (const { role, policies } of roles) {
      for (const { name, document } of policies) {
        for (const s of statements(document)) {
          const where = `${role} ${name} ${s.Sid ?? '(no Sid)'}`;
          if (s.Effect !== 'Allow') {
            // A Deny only narrows what is allowed; one on "*" is still listed in the README, and so counts as used.
            for (const action of list(s.Resource).includes('*') ? list(s.Action) : []) {
              const listed = allowList.find((a) => a.sid === s.Sid && a.action === `${action} (Deny)` && ROLE_OF_TEMPLATE[a.file] === role);
              if (listed) used.add(`${listed.sid} ${listed.file}`);
            }
            continue;
          }
          if (s.NotAction) problems.push(`${where}: Allow with NotAction allows every other action`);
          for (const action of list(s.Action)) {
            if (action === '*' || /^[A-Za-z0-9-]+:\*$/.test(action)) problems.push(`${where}: action ${action}`);
          }
          if (s.NotResource && !s.Condition) problems.push(`${where}: Allow on NotResource without a condition`);
          if (!list(s.Resource).includes('*')) continue;
          for (const action of list(s.Action)) {
            const listed = allowList.find((a) => a.sid === s.Sid && a.action === action && ROLE_OF_TEMPLATE[a.file] === role);
            if (listed) used.add(`${listed.sid} ${listed.file}`);
            else problems.push(`${where}: Resource "*" for ${action}, not in the README's list of actions AWS cannot scope`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    // The README lists nothing the policies do not use (a stale entry would hide a new one).
    expect([...used].sort()).toEqual(allowList.map((a) => `${a.sid} ${a.file}`).sort());
  });

  it('every role trusts only its documented services; aws:SourceAccount wherever the README says, and Glue and Lambda deliberately without', () => {
    const documented = documentedRoles(readme);
    expect(roles.map((r) => r.role).sort()).toEqual(documented.map((d) => d.role).sort());
    // The README explains the two roles without the condition.
    expect(documented.filter((d) => !d.sourceAccount).map((d) => d.role).sort()).toEqual(['abalone-glue-us-east-1', 'abalone-lambda-us-east-1']);
    expect(readme).toMatch(/`trust-unconditioned\.json` is used for\s+Glue and Lambda: neither documents that it sends `aws:SourceAccount`/);
    for (const { role, trust } of roles) {
      const doc = documented.find((d) => d.role === role)!;
      for (const s of statements(trust)) {
        expect(s.Effect, role).toBe('Allow');
        expect(list(s.Action), role).toEqual(['sts:AssumeRole']);
        expect(list((s.Principal as { Service?: string | string[] }).Service).sort(), role).toEqual([...doc.services].sort());
        const source = s.Condition?.StringEquals?.['aws:SourceAccount'] ?? s.Condition?.ArnLike?.['aws:SourceArn'] ?? s.Condition?.ArnEquals?.['aws:SourceArn'];
        if (doc.sourceAccount) expect(source, `${role} trust condition`).toBeDefined();
        else expect(source, `${role} has a source condition the README says it must not have`).toBeUndefined();
        if (s.Condition?.StringEquals?.['aws:SourceAccount']) expect(s.Condition.StringEquals['aws:SourceAccount']).toBe(ACCOUNT);
      }
    }
  });

  it('the bucket denies every request not over TLS, blocks public access and encrypts by default', async () => {
    const policy = parse((await clients.s3.send(new GetBucketPolicyCommand({ Bucket: BUCKET }))).Policy!);
    const deny = statements(policy).find((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false');
    expect(deny, 'a Deny on aws:SecureTransport = false').toBeDefined();
    expect(deny!.Principal).toBe('*');
    expect(list(deny!.Action)).toEqual(['s3:*']);
    expect(list(deny!.Resource).sort()).toEqual([BUCKET_ARN, `${BUCKET_ARN}/*`]);
    expect(statements(policy).filter((s) => s.Effect === 'Allow' && (s.Principal === '*' || list((s.Principal as { AWS?: string })?.AWS).includes('*')))).toEqual([]);

    const block = (await clients.s3.send(new GetPublicAccessBlockCommand({ Bucket: BUCKET }))).PublicAccessBlockConfiguration;
    expect(block).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });

    const rules = (await clients.s3.send(new GetBucketEncryptionCommand({ Bucket: BUCKET }))).ServerSideEncryptionConfiguration?.Rules ?? [];
    expect(rules.map((r) => r.ApplyServerSideEncryptionByDefault?.SSEAlgorithm)).toEqual([expect.stringMatching(/^(AES256|aws:kms)$/)]);
  });
});

describe('no output ever shows a secret', () => {
  // Recognisable fake credentials: moto accepts any, and any trace of them in the output is a leak.
  const SECRET = 'abaloneSECRETkey/do+not+print0123456789AB';
  const TOKEN = 'abaloneSESSIONtoken/do+not+print+IQoJb3JpZ2luX2VjEJr0123456789';
  const KEY_ID = 'AKIAABALONETESTKEY01';
  /** The secrets themselves (plain and URL-encoded), and what a signed request's Authorization header holds. */
  const FORBIDDEN: Array<[string, RegExp]> = [
    ['secret access key', new RegExp(escape(SECRET))],
    ['secret access key (URL-encoded)', new RegExp(escape(encodeURIComponent(SECRET)))],
    ['session token', new RegExp(escape(TOKEN))],
    ['session token (URL-encoded)', new RegExp(escape(encodeURIComponent(TOKEN)))],
    ['Authorization header', /AWS4-HMAC-SHA256\s+Credential=/i],
    ['a SigV4 credential scope', new RegExp(`${KEY_ID}/\\d{8}/`)],
    ['a SigV4 signature', /Signature=[0-9a-f]{16}/i],
    // The MWAA CLI token (issue 21, item 6): any Bearer value that is not the redaction mark.
    ['a Bearer token', /Bearer\s+(?!\[redacted\])\S/i],
  ];

  let proxy: FaultProxy;
  let work: string;
  let garbage: Server;
  let garbageUrl: string;
  const outputs: Array<{ what: string; result: CliResult }> = [];

  const env = (extra: Record<string, string> = {}) => ({
    ...endpoint.env,
    AWS_ACCESS_KEY_ID: KEY_ID,
    AWS_SECRET_ACCESS_KEY: SECRET,
    AWS_SESSION_TOKEN: TOKEN,
    ABALONE_DEBUG: '1',
    ...extra,
  });

  async function run(what: string, args: string[], extra: Record<string, string> = {}): Promise<CliResult> {
    const result = await runCli(args, { env: env(extra), timeoutMs: 120_000 });
    outputs.push({ what, result });
    return result;
  }

  beforeAll(async () => {
    await endpoint.reset();
    proxy = new FaultProxy(endpoint.url);
    await proxy.start();
    work = await mkdtemp(join(tmpdir(), 'security-'));
    // Answers like a misconfigured proxy: an HTML page quoting the request's headers back.
    garbage = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<html><pre>${JSON.stringify(req.headers)}</pre></html>`);
    });
    await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', () => resolve()));
    garbageUrl = `http://127.0.0.1:${(garbage.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await proxy?.stop();
    garbage?.closeAllConnections();
    await new Promise<void>((resolve) => (garbage ? garbage.close(() => resolve()) : resolve()));
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('every command, human and JSON, its failures and ABALONE_DEBUG stacks: no secret key, session token or Authorization header', async () => {
    const good = join(work, 'good.csv');
    const bad = join(work, 'bad.csv');
    await writeFile(good, 'M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15\n');
    await writeFile(bad, 'X,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15\n');
    const viaProxy = { AWS_ENDPOINT_URL: proxy.url };
    // Echoes the signed request's headers back inside an AWS error, as a broken endpoint might.
    const echo = (code: string, status = 400) => ({ kind: 'error' as const, phase: 'before' as const, error: { status, code, message: '' } });

    await run('up --dry-run', ['up', '--dry-run']);
    await run('up', ['up', '--yes']);
    await run('up --json (converged)', ['up', '--yes', '--json']);
    await run('status', ['status']);
    await run('status --json', ['status', '--json']);
    await run('push-dags --dry-run', ['push-dags', '--dry-run']);
    await run('push-dags --json', ['push-dags', '--json']);
    await run('add-data', ['add-data', good]);
    await run('add-data --json (rejected)', ['add-data', '--json', bad]);
    // Takes CLI tokens (CreateCliToken) and calls the Airflow CLI endpoint with them.
    await run('runs (Airflow CLI, ABALONE_DEBUG)', ['runs']);
    await run('usage error', ['up', '--yes', '--bogus']);

    // Failures: a step that fails, an unexpected error with its ABALONE_DEBUG stack, endpoints that misbehave.
    proxy.configure({ rules: [{ match: isCall('iam', 'GetRole'), fault: echo('AccessDenied', 403), times: 1000 }] });
    await run('a failed step', ['up', '--yes'], viaProxy);
    proxy.configure({ rules: [{ match: isCall('ssm', 'GetParameter'), fault: echo('AccessDeniedException', 403), times: 1000 }] });
    await run('an unexpected error (ABALONE_DEBUG stack)', ['status'], viaProxy);
    await run('an unexpected error --json', ['status', '--json'], viaProxy);
    proxy.configure({
      rules: [
        {
          match: isCall('ssm', 'GetParameter'),
          fault: (call) => ({ kind: 'error', phase: 'before', error: { status: 400, code: 'ValidationException', message: `bad request: ${JSON.stringify(call.headers)}` } }),
          times: 1000,
        },
      ],
    });
    await run('an error message quoting the request headers', ['status'], viaProxy);
    await run('an error message quoting the request headers --json', ['up', '--yes', '--json'], viaProxy);
    await run('an endpoint answering HTML with the headers', ['status'], { AWS_ENDPOINT_URL: garbageUrl });
    await run('destroy', ['destroy', '--yes', '--json']);

    expect(outputs).toHaveLength(18);
    // The runs did what they say: successes succeeded and failures failed (the search is meaningful).
    expect(outputs.find((o) => o.what === 'up')!.result.code).toBe(0);
    expect(outputs.find((o) => o.what === 'a failed step')!.result.code).toBe(1);
    expect(outputs.find((o) => o.what === 'an unexpected error (ABALONE_DEBUG stack)')!.result.stderr).toContain('    at ');
    const leaks = outputs.flatMap(({ what, result }) =>
      FORBIDDEN.filter(([, pattern]) => pattern.test(`${result.stdout}\n${result.stderr}`)).map(([name]) => `${what}: ${name}`),
    );
    expect(leaks).toEqual([]);
    // The quoting endpoint did quote them: the redaction, not luck, kept them out.
    expect(outputs.find((o) => o.what === 'an error message quoting the request headers')!.result.stderr).toMatch(/x-amz-security-token.*\[redacted\]/);
  }, 240_000);
});
