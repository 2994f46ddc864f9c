#!/usr/bin/env node
// A whole pipeline against the local endpoint: local, up, run (followed to its decision), predict,
// add-data (a small valid CSV: it starts a run, which the demo waits for), runs, park, status,
// destroy. Exits 1 if any step's exit code is not the expected one.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../bin/abalone-pipeline.js', import.meta.url));

const port = await new Promise((resolve) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});

const local = spawn(process.execPath, [bin, 'local', '--port', String(port)], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: {
    ABALONE_MWAA_CREATE_DELAY: '1',
    ABALONE_MWAA_UPDATE_DELAY: '1',
    ABALONE_MWAA_DELETE_DELAY: '1',
    ABALONE_LOCAL_ENDPOINT_DELAY: '0.5',
    ...process.env,
  },
});
const env = { ...process.env };
await new Promise((resolve, reject) => {
  let out = '';
  local.stdout.on('data', (chunk) => {
    out += chunk;
    for (const [, key, value] of out.matchAll(/^export (\w+)=(.*)$/gm)) env[key] = value;
    if (out.includes('AWS_DISABLE_HOST_PREFIX_INJECTION')) resolve();
  });
  local.once('exit', (code) => reject(new Error(`local endpoint exited with ${code}`)));
});

function run(args) {
  process.stdout.write(`\n$ abalone-pipeline ${args.join(' ')}\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: 'inherit', env });
    child.once('exit', (code) => {
      process.stdout.write(`(exit ${code})\n`);
      resolve(code);
    });
  });
}

/** Quietly polls `runs --json` until no run is queued or running (the run add-data started). */
async function waitForRuns(timeoutMs = 180_000) {
  process.stdout.write('\n(waiting for the run add-data started to end)\n');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const out = await new Promise((resolve) => {
      const child = spawn(process.execPath, [bin, 'runs', '--json'], { stdio: ['ignore', 'pipe', 'ignore'], env });
      let text = '';
      child.stdout.on('data', (chunk) => (text += chunk));
      child.once('exit', () => resolve(text));
    });
    const runs = (() => {
      try {
        return JSON.parse(out).runs ?? [];
      } catch {
        return [];
      }
    })();
    if (runs.length > 0 && runs.every((r) => r.state !== 'running' && r.state !== 'queued')) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  failures.push('the run add-data started did not end within 3 minutes');
}

// Three new survey rows (sex, seven measurements, rings), in the format add-data validates.
const work = await mkdtemp(join(tmpdir(), 'abalone-demo-'));
const survey = join(work, 'new-survey.csv');
await writeFile(
  survey,
  [
    'sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight,rings',
    'M,0.5,0.4,0.12,0.6,0.25,0.12,0.2,11',
    'F,0.56,0.44,0.15,0.85,0.35,0.18,0.26,12',
    'I,0.3,0.22,0.07,0.15,0.06,0.03,0.05,6',
    '',
  ].join('\n'),
);

const failures = [];
const WAIT_FOR_RUNS = ['(wait)'];
try {
  for (const [args, expected] of [
    [['up', '--yes'], 0],
    [['run'], 0],
    [['predict', '--row', 'M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15', '--row', 'F,0.53,0.42,0.135,0.677,0.2565,0.1415,0.21'], 0],
    [['add-data', survey], 0],
    [WAIT_FOR_RUNS, 0],
    [['runs'], 0],
    [['park', '--yes'], 0],
    [['status'], 0],
    [['destroy', '--yes'], 0],
  ]) {
    if (args === WAIT_FOR_RUNS) {
      await waitForRuns();
      continue;
    }
    const code = await run(args);
    if (code !== expected) failures.push(`${args[0]} exited ${code}, expected ${expected}`);
  }
} finally {
  local.kill('SIGINT');
  await rm(work, { recursive: true, force: true });
}
if (failures.length > 0) process.stderr.write(`\ndemo failed: ${failures.join('; ')}\n`);
process.exitCode = failures.length > 0 ? 1 : 0;
