import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouter } from '../../src/router.js';
import { childBaseEnv } from '../../src/shared/child-env.js';
import { PathEscape, within } from '../../src/shared/paths.js';
import { runIdProblem, runLogDir } from '../../src/mwaa/run-ids.js';
import { allowedOriginsFromEnv, isAwsRegion, isOwnHost, refusal } from '../../src/trust.js';
import type { LocalService } from '../../src/protocol.js';

describe('isAwsRegion', () => {
  it('accepts the regions of every partition', () => {
    for (const r of ['us-east-1', 'eu-west-3', 'ap-southeast-5', 'cn-north-1', 'us-gov-west-1', 'us-iso-east-1', 'us-isob-east-1', 'eu-isoe-west-1', 'us-isof-south-1', 'eusc-de-east-1', 'il-central-1', 'mx-central-1']) {
      expect(isAwsRegion(r), r).toBe(true);
    }
  });
  it('refuses anything else, a path first', () => {
    for (const r of ['', '..', '../airflow', 'a', 'us-east-1/..', 'US-EAST-1', 'us-east', 'us_east_1', 'us-east-1 ', 'aws-global', `${'a'.repeat(40)}-b-1`]) {
      expect(isAwsRegion(r), r).toBe(false);
    }
  });
});

describe('within', () => {
  const root = '/tmp/abalone-local-x';
  it('resolves a path strictly inside the root', () => {
    expect(within(root, 'us-east-1')).toBe('/tmp/abalone-local-x/us-east-1');
    expect(within(root, 'logs', 'run_id=..')).toBe('/tmp/abalone-local-x/logs/run_id=..');
  });
  it('refuses a path that leaves it, or is the root itself', () => {
    for (const parts of [['..'], ['a/../..'], ['/etc'], [''], ['.'], ['a', '../../b'], ['x\0']]) {
      expect(() => within(root, ...parts), parts.join('|')).toThrow(PathEscape);
    }
  });
});

describe('run ids', () => {
  it("refuses what Airflow's validate_run_id refuses, with its message", () => {
    expect(runIdProblem('x/../../../../tmp/pwned')).toBe(
      "ValueError: The run_id provided 'x/../../../../tmp/pwned' does not match the pattern '^[A-Za-z0-9_.~:+-]+$' or '^(?:manual|scheduled|dataset_triggered)__(?:\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\+00:00)$'",
    );
    expect(runIdProblem('a b')).toBeDefined();
    expect(runIdProblem('manual__2026-01-01T00:00:00+00:00')).toBeUndefined();
    expect(runIdProblem('my-run_1.2~:+')).toBeUndefined();
    expect(runIdProblem('a/b', { 'scheduler.allowed_run_id_pattern': '^[a-z/]+$' })).toBeUndefined();
  });
  it('a run id becomes a path only inside the logs folder', () => {
    expect(runLogDir('/w/logs', 'd', '..')).toBe('/w/logs/dag_id=d/run_id=..');
    expect(() => runLogDir('/w/logs', 'd', 'x/../../../../tmp')).toThrow(PathEscape);
  });
});

describe('childBaseEnv', () => {
  it("passes no AWS variable of the parent's, only what a Python child needs", () => {
    const env = childBaseEnv('/e/none', {
      PATH: '/bin',
      HOME: '/home/u',
      PYTHONPATH: '/p',
      ABALONE_LOCAL_CHILDREN: '1',
      ABALONE_TOKEN: 'secret',
      AWS_ACCESS_KEY_ID: 'AKIAREAL',
      AWS_SECRET_ACCESS_KEY: 'real-secret',
      AWS_SESSION_TOKEN: 'tok',
      AWS_PROFILE: 'prod',
      OTHER: 'x',
    });
    expect(env).toEqual({
      PATH: '/bin',
      HOME: '/home/u',
      PYTHONPATH: '/p',
      ABALONE_LOCAL_CHILDREN: '1',
      LANG: 'C.UTF-8',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_CONFIG_FILE: '/e/none',
      AWS_SHARED_CREDENTIALS_FILE: '/e/none',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
  });
});

describe('the Host and Origin checks', () => {
  const policy = { allowedOrigins: ['http://localhost:3000'] };
  it('accepts the loopback names (any port: a loopback proxy forwards the Host the SDK signed), nothing else', () => {
    for (const host of ['127.0.0.1:4566', 'localhost:4566', '[::1]:4566', 'LOCALHOST:4566', 'env.localhost:4566', 'bucket.localhost:4566', '127.0.0.1:4567', '127.0.0.1']) {
      expect(isOwnHost(host), host).toBe(true);
    }
    for (const host of [undefined, '', 'evil.example:4566', 'localhost.evil.example:4566', '127.0.0.2:4566', '10.0.0.1:4566', 'a@127.0.0.1:4566', 'rebound.attacker.example']) {
      expect(isOwnHost(host), String(host)).toBe(false);
    }
  });
  it('refuses an Origin or Referer not listed, and a cross-site browser request', () => {
    const base = { host: '127.0.0.1:4566' };
    expect(refusal(base, policy)).toBeUndefined();
    expect(refusal({ ...base, origin: 'http://localhost:3000' }, policy)).toBeUndefined();
    expect(refusal({ ...base, origin: 'https://evil.example' }, policy)).toMatch(/Origin/);
    expect(refusal({ ...base, origin: 'null' }, policy)).toMatch(/Origin/);
    expect(refusal({ ...base, referer: 'https://evil.example/page' }, policy)).toMatch(/Referer/);
    expect(refusal({ ...base, 'sec-fetch-site': 'cross-site' }, policy)).toMatch(/cross-site/);
    expect(refusal({ ...base, 'sec-fetch-site': 'none' }, policy)).toBeUndefined();
    expect(refusal({ host: 'rebound.evil.example:4566' }, policy)).toMatch(/Host/);
  });
  it('reads ABALONE_LOCAL_ALLOWED_ORIGINS, empty by default, origins only', () => {
    expect(allowedOriginsFromEnv({})).toEqual([]);
    expect(allowedOriginsFromEnv({ ABALONE_LOCAL_ALLOWED_ORIGINS: 'http://localhost:3000, https://App.example/' })).toEqual(['http://localhost:3000', 'https://app.example']);
    expect(() => allowedOriginsFromEnv({ ABALONE_LOCAL_ALLOWED_ORIGINS: '*' })).toThrow(/origins/);
    expect(() => allowedOriginsFromEnv({ ABALONE_LOCAL_ALLOWED_ORIGINS: 'http://a.example/path' })).toThrow(/origins/);
  });
});

describe('the router', () => {
  let server: Server;
  let port = 0;
  const seen: Array<{ region: string; selfUrl: string }> = [];
  const logs: string[] = [];
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trust-test-'));
    const echo: LocalService = {
      service: 'echo',
      handle: async (req) => {
        seen.push({ region: req.region, selfUrl: req.selfUrl });
        return { status: 200, headers: {}, body: 'ok' };
      },
      reset: () => undefined,
      close: () => undefined,
    };
    const route = createRouter({
      motoUrl: 'http://127.0.0.1:1',
      services: [echo],
      selfUrl: () => `http://127.0.0.1:${port}`,
      trust: { allowedOrigins: [] },
      log: (line) => logs.push(line),
    });
    server = createServer((req, res) => void route(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  function send(path: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const r = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      r.once('error', reject);
      r.end();
    });
  }

  it("refuses a crafted credential scope with AWS's error and never hands it on", async () => {
    const before = seen.length;
    const q = new URLSearchParams({ 'X-Amz-Credential': 'a/20260101/../airflow/aws4_request' });
    const r = await send(`/environments?${q}`, {});
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body)).toEqual({ __type: 'InvalidSignatureException', message: 'Credential should be scoped to a valid region.' });
    const h = await send('/', { authorization: 'AWS4-HMAC-SHA256 Credential=a/20260101/..%2F/s3/aws4_request, SignedHeaders=host, Signature=x' });
    expect(h.status).toBe(400);
    expect(h.body).toContain('AuthorizationHeaderMalformed');
    expect(seen.length).toBe(before);
    expect(logs.some((l) => l.includes('names no AWS region'))).toBe(true);
  });

  it("gives services the endpoint's own URL, never the request's Host", async () => {
    const r = await send('/', { host: `localhost:${port}`, authorization: 'AWS4-HMAC-SHA256 Credential=a/20260101/eu-west-1/s3/aws4_request, SignedHeaders=host, Signature=x' });
    expect(r.status).toBe(200);
    expect(seen.at(-1)).toEqual({ region: 'eu-west-1', selfUrl: `http://127.0.0.1:${port}` });
  });

  it('answers a foreign Host, Origin or cross-site request 403, with a log line naming why', async () => {
    const before = seen.length;
    expect((await send('/moto-api/reset', { host: `attacker.example:${port}` }, 'POST')).status).toBe(403);
    expect((await send('/moto-api/reset', { origin: 'https://attacker.example' }, 'POST')).status).toBe(403);
    expect((await send('/', { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect(seen.length).toBe(before);
    expect(logs.filter((l) => l.startsWith('local endpoint: refused'))).toEqual(
      expect.arrayContaining([expect.stringContaining('Host "attacker.example'), expect.stringContaining('Origin "https://attacker.example"'), expect.stringContaining('cross-site')]),
    );
  });
});
