import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutBucketTaggingCommand, PutBucketVersioningCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BIN, parseJson, runCli, type CliResult } from '../support/cli.js';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';

const BUCKET = 'abalone-data-us-east-1-123456789012';
const KEY_PATTERN = /^abalone_data\/new\/abalone\.\d{8}T\d{6}Z\.[0-9a-f]{8}\.csv$/;
const STACK_LINE = '    at ';
const ANSI = '\u001b[';

const HEADER = 'sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight,rings';
const ROW_M = 'M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15';
const ROW_F = 'F,0.53,0.42,0.135,0.677,0.2565,0.1415,0.21,9';
const ROW_I = 'I,0.33,0.255,0.08,0.205,0.0895,0.0395,0.055,7';

let endpoint: TestEndpoint;
let s3: S3Client;
let work: string;
let emptyHome: string;
/** Accepts TCP connections and counts them: any AWS call sent there is a test failure. */
let tripwire: NetServer;
let tripwireUrl: string;
let tripwireConnections = 0; // never reset: no test may ever connect there
/** Answers every request with an HTML page, as a misconfigured proxy would. */
let garbage: HttpServer;
let garbageUrl: string;
/** A port nothing listens on. */
let closedUrl: string;

const cli = (args: string[], env: Record<string, string | undefined> = {}) => runCli(args, { env: { ...endpoint.env, ...env }, timeoutMs: 30_000 });

/** Dummy credentials and a region, with every AWS call sent to the tripwire. */
const offline = (env: Record<string, string | undefined> = {}): Record<string, string | undefined> => ({
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  HOME: emptyHome,
  AWS_ENDPOINT_URL: tripwireUrl,
  ...env,
});

const run = (args: string[], env: Record<string, string | undefined>) => runCli(args, { env, timeoutMs: 30_000 });

/** Runs the CLI on a pseudo-terminal (python3's pty module); returns what the terminal showed. */
function runOnTerminal(args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', 'import pty, sys; pty.spawn(sys.argv[1:])', process.execPath, BIN, ...args], {
      env: { PATH: process.env.PATH, HOME: emptyHome, TERM: 'xterm', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end();
  });
}

function expectNoStack(result: CliResult): void {
  expect(result.stdout).not.toContain(STACK_LINE);
  expect(result.stderr).not.toContain(STACK_LINE);
}

async function listen(server: NetServer | HttpServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closedPortUrl(): Promise<string> {
  const server = createNetServer();
  const url = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return url;
}

async function keysUnder(prefix: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

async function objectText(key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return out.Body!.transformToString();
}

async function writeWork(name: string, content: string): Promise<string> {
  const path = join(work, name);
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(path, content);
  return path;
}

/** The pipeline's bucket the way a user gets it: `up --yes --only ensure-bucket`. */
async function upBucket(): Promise<void> {
  const up = await cli(['up', '--yes', '--only', 'ensure-bucket']);
  expect(up.code, up.stderr).toBe(0);
}

/** Just the bucket, made directly (faster), tagged as the pipeline's as up tags it (a later up adopts only its own). */
async function createBucket(): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await s3.send(new PutBucketTaggingCommand({ Bucket: BUCKET, Tagging: { TagSet: [{ Key: 'abalone-pipeline:name', Value: 'abalone' }] } }));
  // Versioned, as up makes it: push-dags then sees the new requirements.txt version and asks MWAA.
  await s3.send(new PutBucketVersioningCommand({ Bucket: BUCKET, VersioningConfiguration: { Status: 'Enabled' } }));
}

beforeAll(async () => {
  [endpoint, work, emptyHome] = await Promise.all([
    startLocalEndpoint(),
    mkdtemp(join(tmpdir(), 'cli-surface-')),
    mkdtemp(join(tmpdir(), 'cli-surface-home-')),
  ]);
  s3 = new S3Client({ endpoint: endpoint.url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  tripwire = createNetServer((socket) => {
    tripwireConnections += 1;
    socket.destroy();
  });
  tripwireUrl = await listen(tripwire);
  garbage = createHttpServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html>nope</html>');
  });
  garbageUrl = await listen(garbage);
  closedUrl = await closedPortUrl();
});

afterAll(async () => {
  s3?.destroy();
  garbage?.closeAllConnections();
  await Promise.all([
    endpoint?.stop(),
    new Promise<void>((resolve) => (tripwire ? tripwire.close(() => resolve()) : resolve())),
    new Promise<void>((resolve) => (garbage ? garbage.close(() => resolve()) : resolve())),
  ]);
  await Promise.all([work && rm(work, { recursive: true, force: true }), emptyHome && rm(emptyHome, { recursive: true, force: true })]);
});

beforeEach(async () => {
  await endpoint.reset();
});

describe('no credentials', () => {
  it('without credentials: one line naming credentials, no stack trace, within seconds', async () => {
    const result = await run(['status'], { HOME: emptyHome, AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/credentials/i);
    expectNoStack(result);
  });
});

// These tests never touch the local endpoint: they run concurrently (each is a CLI child process).
describe.concurrent('without the local endpoint', () => {
  describe('help', () => {
    it('--help exits 0 and lists every command and global option', async () => {
      const help = await run(['--help'], {});
      expect(help.code).toBe(0);
      for (const command of ['up', 'status', 'push-dags', 'add-data', 'destroy', 'park', 'local']) expect(help.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
      for (const option of ['--name', '--region', '--profile', '--endpoint-url', '--yes', '--json', '--no-color']) expect(help.stdout).toContain(option);
    });

    it('push-dags --help and add-data --help list their flags and arguments', async () => {
      const push = await run(['push-dags', '--help'], {});
      expect(push.code).toBe(0);
      for (const flag of ['--dir', '--delete', '--dry-run']) expect(push.stdout).toContain(flag);
      const add = await run(['add-data', '--help'], {});
      expect(add.code).toBe(0);
      expect(add.stdout).toContain('add-data');
      expect(add.stdout).toContain('<file...>');
    });
  });

  describe('usage errors: exit 2, before any AWS call', () => {
    it('an unknown flag exits 2; with --json, stdout is one error document', async () => {
      const plain = await run(['status', '--bogus'], offline());
      expect(plain.code).toBe(2);
      expect(plain.stdout).toBe('');
      expect(plain.stderr).toContain('--bogus');

      const json = await run(['status', '--bogus', '--json'], offline());
      expect(json.code).toBe(2);
      const doc = parseJson(json);
      expect(Object.keys(doc)).toEqual(['error']);
      expect(doc.error).toEqual({ code: expect.any(String), message: expect.stringContaining('--bogus') });
      expect(tripwireConnections).toBe(0);
    });

    it.each([
      ['upper case', '--name=Abalone'],
      ['underscore', '--name=aba_lone'],
      ['leading dash', '--name=-abalone'],
      ['trailing dash', '--name=abalone-'],
      ['empty', '--name='],
      ['too long', `--name=${'a'.repeat(40)}`],
    ])('an invalid --name (%s) exits 2 with the name error, not a connection error', async (_what, flag) => {
      // AWS calls would go to a closed port: a connection error here would mean one was attempted.
      const result = await run(['status', '--json', flag], offline({ AWS_ENDPOINT_URL: closedUrl }));
      expect(result.code, result.stderr).toBe(2);
      expect(parseJson(result).error).toEqual({ code: 'InvalidName', message: expect.stringMatching(/--name/) });
      expect(result.stderr).toMatch(/--name/);
      expect(result.stderr).not.toMatch(/cannot reach|ECONNREFUSED/);
      expectNoStack(result);
    });

    it('an invalid --name stops every command that talks to AWS before its first call', async () => {
      const file = await writeWork('name/x.csv', `${ROW_M}\n`);
      const results = await Promise.all([
        run(['status', '--name', 'Abalone'], offline()),
        run(['up', '--dry-run', '--name', 'Abalone'], offline()),
        run(['add-data', '--name', 'Abalone', file], offline()),
        run(['push-dags', '--name', 'Abalone', '--dir', work], offline()),
      ]);
      for (const result of results) {
        expect(result.code, result.stderr).toBe(2);
        expect(result.stderr).toMatch(/^error: --name "Abalone" is not valid/m);
        expectNoStack(result);
      }
      expect(tripwireConnections).toBe(0);
    });

    it.each([
      ['region', ['--region', 'moon-1'], /--region "moon-1"/],
      ['env class', ['--env-class', 'mw1.huge'], /--env-class/],
      ['max workers', ['--max-workers', '0'], /--max-workers/],
      ['min workers above max', ['--min-workers', '5', '--max-workers', '2'], /--min-workers/],
      ['airflow version', ['--airflow-version', '1.10.12'], /--airflow-version/],
      ['airflow version MWAA runs but the DAG is not tested on', ['--airflow-version', '2.9.2'], /--airflow-version "2\.9\.2": the DAG is tested on Airflow 3\.0\.6, 2\.10\.3 only \(MWAA runs 2\.9\.2, but the DAG and its requirements are not tested on it\); accepted: 3\.0\.6, 2\.10\.3/],
      ['airflow version MWAA does not run', ['--airflow-version', '3.1.0'], /--airflow-version "3\.1\.0": .*not a version MWAA runs: 2\.7\.2, 2\.8\.1, 2\.9\.2, 2\.10\.1, 2\.10\.3, 2\.11\.0, 3\.0\.6\); accepted: 3\.0\.6, 2\.10\.3/],
      ['subnet ids', ['--subnet-ids', 'subnet-0123abcd', '--security-group-ids', 'sg-0123abcd'], /--subnet-ids/],
      ['security group ids', ['--subnet-ids', 'subnet-0123abcd,subnet-4567ef01', '--security-group-ids', 'group1'], /--security-group-ids/],
      ['--only', ['--only', 'ensure-moon'], /--only/],
    ])('an invalid %s exits 2', async (_what, flags, message) => {
      const result = await run(['up', '--dry-run', ...flags], offline());
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(message);
      expectNoStack(result);
      expect(tripwireConnections).toBe(0);
    });

    it('no region exits 2 naming --region', async () => {
      const { AWS_REGION: _none, ...env } = offline();
      const result = await run(['status'], env);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain('--region');
      expectNoStack(result);
    });

    it('destroy without --yes and without a terminal exits 2 naming --yes', async () => {
      const result = await run(['destroy'], offline());
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--yes');
      expect(tripwireConnections).toBe(0);
    });

    it('park without --yes and without a terminal exits 2 naming --yes', async () => {
      const result = await run(['park'], offline());
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--yes');
      expect(tripwireConnections).toBe(0);
    });

    it('push-dags --dir /nonexistent exits 2', async () => {
      const result = await run(['push-dags', '--dir', '/nonexistent'], offline());
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('/nonexistent');
      expect(tripwireConnections).toBe(0);
    });

    it('add-data with a missing file exits 2', async () => {
      const result = await run(['add-data', join(work, 'missing.csv')], offline());
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('missing.csv');
      expect(tripwireConnections).toBe(0);
    });
  });

  describe('reaching AWS: exit 1 with one clear line', () => {
    it('an endpoint refusing connections: names the endpoint', async () => {
      const result = await run(['status'], offline({ AWS_ENDPOINT_URL: closedUrl }));
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(closedUrl);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expectNoStack(result);
    });

    it('an endpoint answering garbage: a clear message naming it, no stack trace', async () => {
      const result = await run(['status', '--endpoint-url', garbageUrl], offline());
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(garbageUrl);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expectNoStack(result);

      const json = await run(['status', '--json'], offline({ AWS_ENDPOINT_URL: garbageUrl }));
      expect(json.code).toBe(1);
      expect(parseJson(json).error).toEqual({ code: 'EndpointGarbage', message: expect.stringContaining(garbageUrl) });
    });
  });
});

describe('add-data against the local endpoint', () => {
  beforeEach(upBucket);

  it('uploads a valid batch, normalised, under <name>_data/new/ with a time-sorted, hash-named key', async () => {
    const a = await writeWork('batch/a.csv', `\uFEFF${HEADER}\r\n${ROW_M}\r\n\r\nf,0.53,0.42,0.135,0.677,0.2565,0.1415,0.21,9\r\n`);
    const b = await writeWork('batch/b.csv', `${ROW_I}\n`);
    const result = await cli(['add-data', '--json', a, b]);
    expect(result.code, result.stderr).toBe(0);
    const doc = parseJson(result);
    expect(doc.rejected).toEqual([]);
    expect(doc.accepted).toHaveLength(2);
    expect(doc.accepted[0]).toMatchObject({ file: a, rows: 2 });
    expect(doc.accepted[1]).toMatchObject({ file: b, rows: 1 });
    for (const accepted of doc.accepted) expect(accepted.key).toMatch(KEY_PATTERN);

    const normalisedA = `${ROW_M}\n${ROW_F}\n`;
    expect(doc.accepted[0].key).toContain(`.${createHash('sha256').update(normalisedA).digest('hex').slice(0, 8)}.csv`);
    expect(await objectText(doc.accepted[0].key)).toBe(normalisedA);
    expect(await objectText(doc.accepted[1].key)).toBe(`${ROW_I}\n`);
    expect(await keysUnder('abalone_data/new/')).toEqual([...doc.accepted.map((x: { key: string }) => x.key)].sort());

    // The same content again (even spelled differently) is recognised and not uploaded twice.
    const again = await cli(['add-data', '--json', a]);
    expect(again.code, again.stderr).toBe(0);
    expect(parseJson(again).accepted).toEqual([{ file: a, key: doc.accepted[0].key, rows: 2, duplicate: true }]);
    const respelled = await writeWork('batch/a-again.csv', `${ROW_M}\n${ROW_F}\n`);
    const third = await cli(['add-data', '--json', respelled]);
    expect(parseJson(third).accepted[0]).toMatchObject({ key: doc.accepted[0].key, duplicate: true });
    expect(await keysUnder('abalone_data/new/')).toHaveLength(2);
  });

  it('rejects an invalid file whole, with its rows and reasons, and uploads nothing', async () => {
    const bad = await writeWork('bad.csv', `${HEADER}\n${ROW_M}\nX,0.5,0.4,0.1,0.5,0.2,0.1,0.15,9\n${ROW_F}\nM,91,0.4,0.1,0.5,0.2,0.1,0.15,9\n`);
    const result = await cli(['add-data', '--json', bad]);
    expect(result.code).toBe(1);
    const doc = parseJson(result);
    expect(doc.accepted).toEqual([]);
    expect(doc.rejected).toHaveLength(1);
    expect(doc.rejected[0].file).toBe(bad);
    expect(doc.rejected[0].errors).toEqual([
      { row: 3, reason: 'sex "X" is not M, F or I' },
      { row: 5, reason: expect.stringMatching(/length 91 is above 10.*millimetres or grams/) },
    ]);
    expect(await keysUnder('abalone_data/')).toEqual([]);

    const human = await cli(['add-data', bad]);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/rejected\s+bad\.csv: 2 invalid rows, nothing uploaded/);
    expect(human.stdout).toMatch(/line 3: sex "X" is not M, F or I/);
  });

  it('a mixed call uploads the valid file, rejects the other, and exits 1', async () => {
    const good = await writeWork('mixed/good.csv', `${ROW_F}\n`);
    const bad = await writeWork('mixed/bad.csv', `${ROW_F}\n${ROW_M},1\n`);
    const result = await cli(['add-data', '--json', good, bad]);
    expect(result.code).toBe(1);
    const doc = parseJson(result);
    expect(doc.accepted).toEqual([{ file: good, key: expect.stringMatching(KEY_PATTERN), rows: 1, duplicate: false }]);
    expect(doc.rejected).toEqual([{ file: bad, errors: [{ row: 2, reason: expect.stringContaining('has 10 fields') }] }]);
    expect(await keysUnder('abalone_data/new/')).toEqual([doc.accepted[0].key]);
  });
});

describe('push-dags against the local endpoint', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(work, 'airflow-'));
    await mkdir(join(dir, 'dags', '__pycache__'), { recursive: true });
    await mkdir(join(dir, 'scripts'));
    await writeFile(join(dir, 'dags', 'pipeline.py'), 'PIPELINE = 1\n');
    await writeFile(join(dir, 'dags', 'helpers.py'), 'def helper():\n    return 2\n');
    await writeFile(join(dir, 'dags', '__pycache__', 'pipeline.cpython-311.pyc'), 'bytecode');
    await writeFile(join(dir, 'scripts', 'etl.py'), 'print("etl")\n');
    await writeFile(join(dir, 'requirements.txt'), 'scikit-learn==1.3.2\n');
    await createBucket();
  });

  it('uploads everything, then nothing, then exactly the changed file', async () => {
    const all = ['airflow/dags/helpers.py', 'airflow/dags/pipeline.py', 'airflow/requirements.txt', 'airflow/scripts/etl.py'];
    const first = await cli(['push-dags', '--json', '--dir', dir]);
    expect(first.code, first.stderr).toBe(0);
    expect(parseJson(first)).toEqual({ uploaded: all, deleted: [], unchanged: 0, environmentUpdated: false });
    expect(await keysUnder('airflow/')).toEqual(all);
    expect(await objectText('airflow/dags/pipeline.py')).toBe('PIPELINE = 1\n');

    const second = await cli(['push-dags', '--json', '--dir', dir]);
    expect(second.code, second.stderr).toBe(0);
    expect(parseJson(second)).toEqual({ uploaded: [], deleted: [], unchanged: 4, environmentUpdated: false });

    await writeFile(join(dir, 'dags', 'helpers.py'), 'def helper():\n    return 3\n');
    const third = await cli(['push-dags', '--json', '--dir', dir]);
    expect(third.code, third.stderr).toBe(0);
    expect(parseJson(third)).toMatchObject({ uploaded: ['airflow/dags/helpers.py'], deleted: [], unchanged: 3 });
    expect(await objectText('airflow/dags/helpers.py')).toBe('def helper():\n    return 3\n');
  });

  it('--delete removes an object no longer present locally; without it the object stays', async () => {
    await cli(['push-dags', '--dir', dir]);
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'airflow/dags/retired.py', Body: 'OLD = 1\n' }));

    const kept = await cli(['push-dags', '--json', '--dir', dir]);
    expect(parseJson(kept)).toMatchObject({ uploaded: [], deleted: [] });
    expect(await keysUnder('airflow/dags/')).toContain('airflow/dags/retired.py');

    const pruned = await cli(['push-dags', '--json', '--delete', '--dir', dir]);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(parseJson(pruned)).toMatchObject({ uploaded: [], deleted: ['airflow/dags/retired.py'], unchanged: 4 });
    expect(await keysUnder('airflow/dags/')).toEqual(['airflow/dags/helpers.py', 'airflow/dags/pipeline.py']);
  });

  it('--via-codebuild uploads the folder as one bundle and follows the deploy build to its end', async () => {
    const setup = await cli(['up', '--yes', '--only', 'ensure-bucket,ensure-roles,ensure-codebuild']);
    expect(setup.code, setup.stderr).toBe(0);
    const result = await cli(['push-dags', '--json', '--via-codebuild', '--dir', dir]);
    expect(result.code, result.stderr).toBe(0);
    const doc = parseJson(result);
    expect(doc.build).toEqual({ id: expect.stringMatching(/^abalone-deploy-airflow:/), status: 'SUCCEEDED' });
    expect(doc.uploaded).toContain('airflow/dags/pipeline.py');
    expect(result.stderr).toMatch(/BUILD\s+SUCCEEDED/);
    expect(result.stderr).not.toMatch(/Expected number/);
    const bundle = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'airflow-source/bundle.zip' }));
    const bytes = Buffer.from(await bundle.Body!.transformToByteArray());
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
    expect(bytes.includes(Buffer.from('dags/pipeline.py'))).toBe(true);
    expect(bytes.includes(Buffer.from('.pyc'))).toBe(false);
  });

  it('a Python syntax error exits 1 naming file and line, and uploads nothing', async () => {
    await writeFile(join(dir, 'dags', 'broken.py'), 'import os\n\ndef broken(:\n    pass\n');
    const result = await cli(['push-dags', '--dir', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/broken\.py line 3/);
    expectNoStack(result);
    expect(await keysUnder('airflow/')).toEqual([]);

    const json = await cli(['push-dags', '--json', '--dir', dir]);
    expect(json.code).toBe(1);
    expect(parseJson(json).error).toEqual({ code: 'PythonSyntaxError', message: expect.stringMatching(/broken\.py line 3/) });
  });
});

describe('colour', () => {
  const badName = ['--name', 'Bad', '--region', 'us-east-1', 'status'];

  it('is on for a terminal by default (the check below is meaningful)', async () => {
    const result = await runOnTerminal(badName, {});
    expect(result.stdout).toContain('--name "Bad"');
    expect(result.stdout).toContain(ANSI);
  });

  it('--no-color and NO_COLOR turn it off, on a terminal and off one', async () => {
    for (const result of await Promise.all([runOnTerminal(['--no-color', ...badName], {}), runOnTerminal(badName, { NO_COLOR: '1' })])) {
      expect(result.stdout).toContain('--name "Bad"');
      expect(result.stdout).not.toContain(ANSI);
    }
    const dir = await mkdtemp(join(work, 'color-'));
    await writeFile(join(dir, 'requirements.txt'), 'boto3\n');
    await createBucket();
    for (const [args, env] of [
      [['--no-color', 'push-dags', '--dir', dir], { NO_COLOR: undefined }],
      [['push-dags', '--dir', dir, '--dry-run'], { NO_COLOR: '1' }],
    ] as const) {
      const result = await cli([...args], env);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout + result.stderr).not.toContain(ANSI);
    }
  });
});
