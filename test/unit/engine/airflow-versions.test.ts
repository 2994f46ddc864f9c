import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetEnvironmentCommand, MWAAClient } from '@aws-sdk/client-mwaa';
import { createClients } from '../../../src/aws/clients.js';
import { withExistingVersion, withStoredSettings } from '../../../src/cli/pipeline-config.js';
import { filesForVersion } from '../../../src/engine/airflow-folder.js';
import { AIRFLOW_VERSIONS, DAG_AIRFLOW_VERSIONS, DEFAULT_AIRFLOW_VERSION, isAirflow3, keptAirflowVersion } from '../../../src/engine/mwaa-catalog.js';
import { deriveNames } from '../../../src/engine/names.js';
import { listLocalFiles } from '../../../src/base/files/local-files.js';
import { ToolError } from '../../../src/base/errors.js';
import { DEFAULT_AIRFLOW_DIR } from '../../../src/base/paths.js';

const mwaa = mockClient(MWAAClient);
const names = deriveNames('abalone', 'us-east-1', '123456789012');
const session = () => ({ clients: createClients({ region: 'us-east-1', maxAttempts: 1, env: {} }), names }) as never;

/** The raw options of `up` with commander's defaults (src/cli/main.ts). */
const raw = (explicit: Record<string, string> = {}) => ({
  envClass: 'mw1.small',
  maxWorkers: '10',
  minWorkers: '1',
  airflowVersion: DEFAULT_AIRFLOW_VERSION,
  webserverAccess: 'PUBLIC_ONLY',
  natGateways: '2',
  etlEngine: 'pythonshell',
  managedPolicies: false,
  rmseThreshold: '3.1',
  ...explicit,
  explicitOptions: Object.keys(explicit),
});

beforeEach(() => {
  mwaa.reset();
  mwaa.onAnyCommand().rejects(new Error('unstubbed call'));
});

describe('Airflow versions (issue 22)', () => {
  it('MWAA\'s list, the tested versions and the default for new pipelines', () => {
    expect(AIRFLOW_VERSIONS).toEqual(['2.7.2', '2.8.1', '2.9.2', '2.10.1', '2.10.3', '2.11.0', '3.0.6']);
    expect(DAG_AIRFLOW_VERSIONS).toEqual(['3.0.6', '2.10.3']);
    expect(DEFAULT_AIRFLOW_VERSION).toBe('3.0.6');
    for (const v of DAG_AIRFLOW_VERSIONS) expect(AIRFLOW_VERSIONS).toContain(v);
    expect(isAirflow3('3.0.6')).toBe(true);
    expect(isAirflow3('2.10.3')).toBe(false);
    expect(isAirflow3(undefined)).toBe(false);
  });

  it('an existing environment keeps its version; an untested one moves within its major line only', () => {
    expect(keptAirflowVersion('2.10.3')).toBe('2.10.3');
    expect(keptAirflowVersion('3.0.6')).toBe('3.0.6');
    expect(keptAirflowVersion('2.9.2')).toBe('2.10.3');
    expect(keptAirflowVersion('3.2.1')).toBe('3.0.6');
  });

  it('a new pipeline (no environment, nothing stored, no flag) gets 3.0.6', async () => {
    mwaa.on(GetEnvironmentCommand).rejects(Object.assign(new Error('no such environment'), { name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } }));
    const options = await withExistingVersion(raw(), {}, session());
    expect(withStoredSettings(options, {}, () => undefined).airflowVersion).toBe('3.0.6');
  });

  it('a plain up on a 2.10.3 environment with nothing stored keeps 2.10.3', async () => {
    mwaa.on(GetEnvironmentCommand).resolves({ Environment: { Name: names.environment, AirflowVersion: '2.10.3', Status: 'AVAILABLE' } });
    const options = await withExistingVersion(raw(), {}, session());
    expect(withStoredSettings(options, {}, () => undefined).airflowVersion).toBe('2.10.3');
  });

  it('a typed --airflow-version wins, and reads no environment', async () => {
    const options = await withExistingVersion(raw({ airflowVersion: '3.0.6' }), { airflowVersion: '2.10.3' }, session());
    expect(withStoredSettings(options, { airflowVersion: '2.10.3' }, () => undefined).airflowVersion).toBe('3.0.6');
    expect(mwaa.commandCalls(GetEnvironmentCommand)).toHaveLength(0);
  });

  it('a stored version is kept (what was chosen), and reads no environment', async () => {
    const options = await withExistingVersion(raw(), { airflowVersion: '2.10.3' }, session());
    expect(withStoredSettings(options, { airflowVersion: '2.10.3' }, () => undefined).airflowVersion).toBe('2.10.3');
    expect(mwaa.commandCalls(GetEnvironmentCommand)).toHaveLength(0);
  });

  it('a stored version this tool rejects falls back to the environment\'s line, and says so', async () => {
    mwaa.on(GetEnvironmentCommand).resolves({ Environment: { Name: names.environment, AirflowVersion: '2.9.2', Status: 'AVAILABLE' } });
    const notes: string[] = [];
    const options = await withExistingVersion(raw(), { airflowVersion: '2.9.2' }, session());
    expect(withStoredSettings(options, { airflowVersion: '2.9.2' }, (m) => notes.push(m)).airflowVersion).toBe('2.10.3');
    expect(notes[0]).toContain('using 2.10.3 instead');
  });
});

describe('requirements per Airflow version (issue 22)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'abalone-reqs-'));
    await mkdir(join(dir, 'dags'));
    await writeFile(join(dir, 'dags', 'dag.py'), 'x = 1\n');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('the shipped folder has one file per tested version, each with its constraints', async () => {
    const files = await listLocalFiles(DEFAULT_AIRFLOW_DIR);
    const reqs = files.filter((f) => f.relative.startsWith('requirements')).map((f) => f.relative);
    expect(reqs).toEqual(DAG_AIRFLOW_VERSIONS.map((v) => `requirements/${v}.txt`).sort());
  });

  it('uploads requirements/<version>.txt as requirements.txt, never the requirements/ folder', async () => {
    await mkdir(join(dir, 'requirements'));
    await writeFile(join(dir, 'requirements', '3.0.6.txt'), 'three\n');
    await writeFile(join(dir, 'requirements', '2.10.3.txt'), 'two\n');
    const files = await listLocalFiles(dir);
    for (const [version, file] of [['3.0.6', '3.0.6.txt'], ['2.10.3', '2.10.3.txt']] as const) {
      const chosen = filesForVersion(files, version);
      expect(chosen.map((f) => f.relative)).toEqual(['dags/dag.py', 'requirements.txt']);
      expect(chosen.find((f) => f.relative === 'requirements.txt')!.path).toBe(join(dir, 'requirements', file));
    }
  });

  it("a user's --dir with a plain requirements.txt still works, whatever the version", async () => {
    await writeFile(join(dir, 'requirements.txt'), 'boto3\n');
    const files = await listLocalFiles(dir);
    expect(filesForVersion(files, '3.0.6').map((f) => f.relative)).toEqual(['dags/dag.py', 'requirements.txt']);
    expect(filesForVersion(files, '2.10.3')[1]!.path).toBe(join(dir, 'requirements.txt'));
  });

  it('a requirements/ folder without the version\'s file stops the sync, naming it', async () => {
    await mkdir(join(dir, 'requirements'));
    await writeFile(join(dir, 'requirements', '2.10.3.txt'), 'two\n');
    const files = await listLocalFiles(dir);
    let error: unknown;
    try {
      filesForVersion(files, '3.0.6');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).code).toBe('NoRequirementsForVersion');
    expect((error as ToolError).message).toContain('requirements/3.0.6.txt');
  });
});
