import { describe, expect, it } from 'vitest';
import type { StepResult } from '../../../src/engine/reconcile.js';
import { runGraph } from '../../../src/engine/scheduler.js';
import { PARK_STEPS, resumeComplete } from '../../../src/ops/park.js';

describe('park', () => {
  it('marks the settings before it deletes anything, and deletes the environment before the NAT gateways', async () => {
    const order: string[] = [];
    await runGraph(PARK_STEPS, async (step) => void order.push(step.name), { reverse: true });
    expect(order[0]).toBe('ensure-parameters');
    expect(order.indexOf('ensure-mwaa')).toBeLessThan(order.indexOf('ensure-vpc'));
    expect(new Set(order)).toEqual(new Set(['ensure-parameters', 'ensure-mwaa', 'ensure-vpc', 'model-endpoint']));
  });

  it('the resume is complete only when the network, environment and endpoint steps all ran, waited for', () => {
    const done = (step: string, status: StepResult['status'] = 'changed') => ({ step, status, changes: [] }) as StepResult;
    const all = [done('ensure-vpc'), done('ensure-mwaa'), done('model-endpoint', 'unchanged')];
    expect(resumeComplete(all, true)).toBe(true);
    expect(resumeComplete(all, false)).toBe(false);
    expect(resumeComplete([done('ensure-vpc'), done('ensure-mwaa')], true)).toBe(false);
    expect(resumeComplete([done('ensure-vpc'), done('ensure-mwaa', 'failed'), done('model-endpoint')], true)).toBe(false);
    expect(resumeComplete([done('ensure-vpc'), done('ensure-mwaa', 'skipped'), done('model-endpoint')], true)).toBe(false);
  });
});
