import { describe, expect, it } from 'vitest';
import { withStoredSettings } from '../../../src/cli/pipeline-config.js';

/** The raw options of `up` with commander's defaults, as src/cli/main.ts declares them. */
const defaults = {
  envClass: 'mw1.small',
  maxWorkers: '10',
  minWorkers: '1',
  airflowVersion: '3.0.6',
  webserverAccess: 'PUBLIC_ONLY',
  natGateways: '2',
  etlEngine: 'pythonshell',
  managedPolicies: false,
  rmseThreshold: '3.1',
  explicitOptions: [],
};

describe('stored settings that fail validation (issue #11 item 5)', () => {
  it('says which setting, its stored value and what is used instead; keeps the valid ones', () => {
    const notes: string[] = [];
    const config = withStoredSettings(defaults, { envClass: 'mw9.huge', rmseThreshold: 2.5 }, (m) => notes.push(m));
    expect(config.envClass).toBe('mw1.small');
    expect(config.rmseThreshold).toBe(2.5);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('envClass');
    expect(notes[0]).toContain('"mw9.huge"');
    expect(notes[0]).toContain('using mw1.small instead');
  });

  it('a stored Airflow version the DAG is not tested on is named, and the default used instead (issues 19, 22)', () => {
    const notes: string[] = [];
    const config = withStoredSettings(defaults, { airflowVersion: '2.9.2' }, (m) => notes.push(m));
    expect(config.airflowVersion).toBe('3.0.6');
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('airflowVersion');
    expect(notes[0]).toContain('"2.9.2"');
    expect(notes[0]).toContain('using 3.0.6 instead');
  });

  it('checks settings that go together as a pair: both stored network ids are kept', () => {
    const notes: string[] = [];
    const config = withStoredSettings(defaults, { subnetIds: ['subnet-0a1b2c3d', 'subnet-0e1f2a3b'], securityGroupIds: ['sg-0a1b2c3d'] }, (m) => notes.push(m));
    expect(notes).toEqual([]);
    expect(config.subnetIds).toEqual(['subnet-0a1b2c3d', 'subnet-0e1f2a3b']);
  });

  it('a worker range that is invalid as stored is named with both values', () => {
    const notes: string[] = [];
    const config = withStoredSettings(defaults, { minWorkers: 8, maxWorkers: 3 }, (m) => notes.push(m));
    expect([config.minWorkers, config.maxWorkers]).toEqual([1, 10]);
    expect(notes.join('\n')).toMatch(/minWorkers = 8, maxWorkers = 3/);
  });

  it('says nothing when every stored setting is valid', () => {
    const notes: string[] = [];
    withStoredSettings(defaults, { envClass: 'mw1.medium', natGateways: 1 }, (m) => notes.push(m));
    expect(notes).toEqual([]);
  });
});
