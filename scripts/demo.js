#!/usr/bin/env node
// The whole lifecycle against the local endpoint: local, up, up again, status, destroy.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
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
  env: { ABALONE_MWAA_CREATE_DELAY: '2', ABALONE_MWAA_UPDATE_DELAY: '2', ABALONE_MWAA_DELETE_DELAY: '1', ...process.env },
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

let failed = false;
try {
  for (const [args, expected] of [
    [['up', '--yes'], 0],
    [['up', '--yes'], 0],
    [['status'], 0],
    [['destroy', '--yes'], 0],
    [['status'], 3],
  ]) {
    if ((await run(args)) !== expected) failed = true;
  }
} finally {
  local.kill('SIGINT');
}
process.exitCode = failed ? 1 : 0;
