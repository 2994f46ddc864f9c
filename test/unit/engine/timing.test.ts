import { describe, expect, it } from 'vitest';
import { timingProfile, waitTimeoutMs } from '../../../src/engine/timing.js';

describe('timingProfile', () => {
  it("against AWS: AWS's pace (15 s first poll of an Airflow environment, 90 minute bound)", () => {
    const t = timingProfile({ emulated: false, env: {} });
    expect(t.mwaaEnvironment).toEqual({ initialDelayMs: 15_000, maxDelayMs: 30_000, timeoutMs: 90 * 60_000 });
    expect(t.natGateway).toEqual({ maxWaitTime: 600 });
    expect(t.endpointDeleted).toEqual({ maxWaitTime: 1800, minDelay: 15, maxDelay: 60 });
    expect(t.endpointInService).toEqual({ maxWaitTime: 3600, minDelay: 30, maxDelay: 60 });
    // MWAA's CLI endpoint: one request at a time, spaced; a run is followed up to the DAG's 6 h dagrun_timeout (+10 min).
    expect(t.run).toEqual({ cli: { minGapMs: 5_000, requestTimeoutMs: 60_000 }, pollMs: 5_000, scheduledRunWaitMs: 30_000, followTimeoutMs: 6 * 3600_000 + 10 * 60_000 });
  });

  it('against the local endpoint: short delays, the same bounds', () => {
    const t = timingProfile({ emulated: true, env: {} });
    expect(t.mwaaEnvironment).toEqual({ initialDelayMs: 200, maxDelayMs: 1_000, timeoutMs: 90 * 60_000 });
    expect(t.fresh.ec2).toEqual({ baseDelayMs: 50, maxDelayMs: 200 });
    expect(t.natGateway).toEqual({ maxWaitTime: 600, minDelay: 1, maxDelay: 2 });
    expect(t.run).toEqual({ cli: { minGapMs: 0, requestTimeoutMs: 60_000 }, pollMs: 300, scheduledRunWaitMs: 1_500, followTimeoutMs: 30 * 60_000 });
  });

  it('ABALONE_WAIT_TIMEOUT replaces every wait bound; an SDK waiter keeps room for its first delay', () => {
    const t = timingProfile({ emulated: false, env: { ABALONE_WAIT_TIMEOUT: '3' } });
    expect(t.mwaaEnvironment.timeoutMs).toBe(3_000);
    expect(t.lambdaReady.timeoutMs).toBe(3_000);
    expect(t.natGateway.maxWaitTime).toBe(16);
    expect(t.endpointDeleted.maxWaitTime).toBe(16);
    expect(timingProfile({ emulated: true, env: { ABALONE_WAIT_TIMEOUT: '5' } }).endpointDeleted.maxWaitTime).toBe(5);
    expect(timingProfile({ emulated: true, env: { ABALONE_WAIT_TIMEOUT: '1' } }).natGateway.maxWaitTime).toBe(2);
  });

  it('ignores an ABALONE_WAIT_TIMEOUT that is not a positive number', () => {
    expect(waitTimeoutMs(5_000, { ABALONE_WAIT_TIMEOUT: 'soon' })).toBe(5_000);
    expect(waitTimeoutMs(5_000, { ABALONE_WAIT_TIMEOUT: '-2' })).toBe(5_000);
    expect(waitTimeoutMs(5_000, { ABALONE_WAIT_TIMEOUT: ' 7 ' })).toBe(7_000);
  });
});
