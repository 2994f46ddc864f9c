import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ensurePython,
  fixCommand,
  readRequirements,
  REQUIREMENTS_FILE,
  requirementName,
  unsatisfied,
  xgboostFix,
} from '../../../scripts/ensure-python.js';
import { describeCapabilities } from '@abalone-pipeline/local-endpoint';

const SCRIPT = new URL('../../../scripts/ensure-python.js', import.meta.url).pathname;
/** pip that looks in no index at all: a missing package fails at once, with no network wait. */
const offlinePip = { ...process.env, PIP_NO_INDEX: '1', PIP_FIND_LINKS: '' };

describe('the Python setup that npm run demo and npm test run first (scripts/ensure-python.js)', () => {
  const lines: string[] = readRequirements(readFileSync(REQUIREMENTS_FILE, "utf8"));

  it('lists every package the local endpoint, its DAG runner and the Python tests import, with versions', () => {
    expect(lines.map(requirementName).sort()).toEqual(['awscli', 'boto3', 'jinja2', 'moto', 'numpy', 'pytest', 'xgboost']);
    expect(lines).toContain('moto[server]>=5.0,<6');
    expect(lines).toContain('xgboost>=1.7,<1.8');
    for (const line of lines) expect(line, line).toMatch(/[<>=]/);
  });

  it('checks versions and extras against what an interpreter has installed', async () => {
    expect(await unsatisfied('python3', ['boto3>=1.0', 'moto[server]>=5'])).toEqual([]);
    expect(await unsatisfied('python3', ['boto3<1.0', 'abalone-no-such-package>=1'])).toEqual(['boto3<1.0', 'abalone-no-such-package>=1']);
    expect(await unsatisfied('no-such-python-abalone', ['boto3'])).toBeUndefined();
  });

  it('installs nothing when everything is present', async () => {
    expect(await ensurePython(offlinePip)).toEqual({ missing: [] });
  });

  it('reports what pip could not install, and stops with one line naming it and the command to run, exit 1', async () => {
    const result = await ensurePython(offlinePip, 'boto3>=1.0\nabalone-no-such-package>=1\n');
    expect(result.missing).toEqual(['abalone-no-such-package>=1']);

    const dir = mkdtempSync(join(tmpdir(), 'ensure-python-'));
    writeFileSync(join(dir, 'requirements.txt'), 'abalone-no-such-package>=1\n');
    const run = spawnSync(process.execPath, [SCRIPT, '--requirements', join(dir, 'requirements.txt')], { encoding: 'utf8', env: offlinePip });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n').at(-1)).toBe(
      'python setup: missing abalone-no-such-package>=1; run: python3 -m pip install "abalone-no-such-package>=1"',
    );
  });

  it('names xgboost 1.7 with the distribution package and pip', () => {
    expect(fixCommand(['xgboost>=1.7,<1.8'])).toBe(xgboostFix());
    expect(xgboostFix()).toContain('apt-get install -y python3-xgboost');
    expect(xgboostFix()).toContain('python3 -m pip install "xgboost>=1.7,<1.8"');
  });

  it('gives `local` the same one-line fix for each capability that is off', () => {
    const off: string[] = describeCapabilities({});
    const byName = (name: string) => lines.filter((l: string) => requirementName(l) === name);
    expect(off.find((l: string) => l.includes('XGBoost'))).toContain(`run: ${fixCommand(byName('xgboost'))}`);
    expect(off.find((l: string) => l.includes('Lambda'))).toContain(`run: ${fixCommand(byName('boto3'))}`);
    expect(off.find((l: string) => l.includes('DAG runner'))).toContain(`run: ${fixCommand(byName('jinja2'))}`);
  });
});
