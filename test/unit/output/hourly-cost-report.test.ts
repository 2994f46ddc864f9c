import { describe, expect, it } from 'vitest';
import { hourlyCost } from '../../../src/engine/cost.js';
import { hourlyCostDocument, hourlyCostLines } from '../../../src/output/hourly-cost-report.js';

describe('hourly cost lines', () => {
  it('itemise what bills, under a heading that names its basis', () => {
    const cost = hourlyCost({ region: 'us-east-1', environment: { envClass: 'mw1.small', minWorkers: 1, maxWorkers: 10 }, natGateways: 2, endpoint: { instanceType: 'ml.m5.large', instanceCount: 1 } });
    const lines = hourlyCostLines('Hourly cost now', cost);
    expect(lines[0]).toMatch(/^Hourly cost now \(list price, us-east-1, as of \d{4}-\d{2}\): \$[\d.]+\/h, about \$\d+\/month$/);
    expect(lines.slice(1).map((l) => l.trim().split(/\s+/)[0])).toEqual(['environment', 'nat-gateways', 'endpoint']);
    expect(hourlyCostDocument(cost)).toEqual({ usd: cost.usd, items: cost.items.map((i) => ({ ...i })), basis: cost.basis });
  });

  it('say $0/h when nothing bills by the hour (a parked pipeline)', () => {
    expect(hourlyCostLines('Hourly cost now', hourlyCost({ region: 'us-east-1', natGateways: 0 }))).toEqual([
      expect.stringMatching(/^Hourly cost now \(list price, us-east-1, as of .*\): \$0\/h, nothing billed by the hour exists$/),
    ]);
  });
});
