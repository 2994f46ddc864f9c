import { describe, expect, it } from 'vitest';
import { describeCapabilities, detectPythonCapabilities, pythonCandidates } from '../../src/python-env.js';

describe('python-env', () => {
  it('tries $ABALONE_PYTHON, python3, /usr/bin/python3 in that order, once each', () => {
    expect(pythonCandidates({ ABALONE_PYTHON: '/opt/py/bin/python3' })).toEqual(['/opt/py/bin/python3', 'python3', '/usr/bin/python3']);
    expect(pythonCandidates({})).toEqual(['python3', '/usr/bin/python3']);
    expect(pythonCandidates({ ABALONE_PYTHON: 'python3' })).toEqual(['python3', '/usr/bin/python3']);
  });

  it('finds on this machine an interpreter per module, and caches the answer for the process', async () => {
    const first = detectPythonCapabilities();
    expect(detectPythonCapabilities()).toBe(first);
    const caps = await first;
    // npm test's Python setup puts boto3 and jinja2 in python3, xgboost 1.7 in python3 (pip) or
    // /usr/bin/python3 (Debian's python3-xgboost).
    expect(caps.boto3).toBe('python3');
    expect(caps.jinja2).toBe('python3');
    expect(['python3', '/usr/bin/python3']).toContain(caps.xgboost);
  });

  it('says which capability is off and how to install it', () => {
    const lines = describeCapabilities({ boto3: 'python3' });
    expect(lines.find((l) => l.startsWith('Glue'))).toMatch(/on \(boto3 in python3\)/);
    const xgb = lines.find((l) => l.includes('XGBoost'))!;
    expect(xgb).toMatch(/off/);
    expect(xgb).toMatch(/apt-get install -y python3-xgboost/);
    expect(xgb).toMatch(/pip install "xgboost>=1\.7,<1\.8"/);
  });
});
