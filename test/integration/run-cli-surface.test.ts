import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson, runCli } from '../support/cli.js';

/**
 * The surface of run, runs, predict and add-data --no-run through the built CLI, where no
 * endpoint is needed: every AWS call would go to a tripwire that counts connections.
 */
let tripwire: Server;
let tripwireUrl: string;
let connections = 0;
let work: string;

const env = () => ({ AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', AWS_ENDPOINT_URL: tripwireUrl, NO_COLOR: '1' });
const cli = (args: string[]) => runCli(args, { env: env(), timeoutMs: 30_000 });

beforeAll(async () => {
  tripwire = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => tripwire.listen(0, '127.0.0.1', () => resolve()));
  tripwireUrl = `http://127.0.0.1:${(tripwire.address() as AddressInfo).port}`;
  work = await mkdtemp(join(tmpdir(), 'run-cli-surface-'));
});
afterAll(async () => {
  await new Promise<void>((resolve) => tripwire.close(() => resolve()));
  expect(connections).toBe(0);
});

describe('run, runs, predict: the command surface', () => {
  it('--help lists the commands and their flags', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['run', 'runs', 'predict']) expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect((await cli(['run', '--help'])).stdout).toMatch(/--force[\s\S]*--no-follow/);
    expect((await cli(['runs', '--help'])).stdout).toMatch(/--limit <n>/);
    expect((await cli(['predict', '--help'])).stdout).toMatch(/\[csv-file\][\s\S]*--row <sex,length,...>/);
    expect((await cli(['add-data', '--help'])).stdout).toMatch(/--no-run/);
  });

  it('usage errors exit 2, with the JSON error shape under --json', async () => {
    const unknown = await cli(['run', '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown option '--bogus'/);
    const limit = await cli(['runs', '--limit', '0', '--json']);
    expect(limit.code).toBe(2);
    expect(parseJson(limit)).toEqual({ error: { code: 'InvalidOption', message: '--limit "0" must be a whole number from 1 to 10000' } });
    const nothing = await cli(['predict', '--json']);
    expect(nothing.code).toBe(2);
    expect(parseJson(nothing).error.code).toBe('NoRows');
    const missingFile = await cli(['predict', join(work, 'no-such.csv')]);
    expect(missingFile.code).toBe(2);
    expect(missingFile.stderr).toMatch(/cannot read .*no-such\.csv/);
  });

  it('predict rejects invalid rows like add-data, exit 1, and sends nothing', async () => {
    const file = join(work, 'rows.csv');
    await writeFile(file, 'M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15\nM,0.455,,0.095,0.514,0.2245,0.101,0.15\n');
    const human = await cli(['predict', file, '--row', 'F,0.53,0.42,0.135,0.677,0.2565,0.1415,0.21', '--row', 'Q,0.53,0.42,0.135,0.677,0.2565,0.1415,0.21']);
    expect(human.code).toBe(1);
    expect(human.stdout).toBe(
      [`rejected  ${file}: 1 invalid row, nothing sent`, '  line 2: diameter is empty', 'rejected  --row: 1 invalid row, nothing sent', '  --row #2: sex "Q" is not M, F or I', ''].join('\n'),
    );
    const json = await cli(['predict', '--json', '--row', 'M,1,1,1,1,1,1,1,9']);
    expect(json.code).toBe(1);
    expect(parseJson(json)).toEqual({
      predictions: [],
      rejected: [{ file: '--row', errors: [{ row: 1, reason: 'has 9 fields, expected 8 (sex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight): leave out rings, the value the model predicts' }] }],
    });
  });
});
