import { describe, expect, it } from 'vitest';
import { parkedMarkOf, settingsValue, withParkedMark } from '../../../src/engine/settings.js';
import { defaultConfig } from '../../support/step-context.js';

const mark = { since: '2026-12-01T10:00:00.000Z', endpoint: { config: 'abalone-config-20261201-100000', instanceType: 'ml.m5.large', instanceCount: 1 } };

describe('the parked mark in the stored settings', () => {
  it('is read back as written, and unreadable marks count as none', () => {
    expect(parkedMarkOf({ parked: mark })).toEqual(mark);
    expect(parkedMarkOf({ parked: { since: mark.since } })).toEqual({ since: mark.since });
    expect(parkedMarkOf({ parked: { since: mark.since, endpoint: { config: 'c' } } })).toEqual({ since: mark.since });
    expect(parkedMarkOf({})).toBeUndefined();
    expect(parkedMarkOf({ parked: true })).toBeUndefined();
    expect(parkedMarkOf({ parked: { endpoint: mark.endpoint } })).toBeUndefined();
  });

  it('is written last, beside every other stored key, and removed without touching them', () => {
    const stored = JSON.parse(settingsValue(defaultConfig())) as Record<string, unknown>;
    const marked = withParkedMark(stored, mark);
    expect(JSON.parse(marked)).toEqual({ ...stored, parked: mark });
    expect(withParkedMark(JSON.parse(marked), undefined)).toBe(JSON.stringify(stored));
  });

  it("is kept by up's settings text while the pipeline is parked, so that status and ensure-parameters see no drift", () => {
    const stored = JSON.parse(settingsValue(defaultConfig())) as Record<string, unknown>;
    const marked = withParkedMark(stored, mark);
    expect(settingsValue(defaultConfig({ parked: parkedMarkOf(JSON.parse(marked)) }))).toBe(marked);
  });
});
