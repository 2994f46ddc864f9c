import { describe, expect, it } from 'vitest';
import { environmentHourly, hourlyCostLines, MWAA_HOURLY, PRICES_AS_OF } from '../../../src/engine/cost.js';
import { ENVIRONMENT_CLASSES } from '../../../src/aws/mwaa-catalog.js';
import type { ChangeRecord } from '../../../src/engine/types.js';
import { defaultConfig } from '../../support/step-context.js';

const ENV = { action: 'create', resource: 'arn:aws:airflow:us-east-1:123456789012:environment/abalone-airflow-environment', detail: '' } as const;
const VPC = { action: 'create', resource: 'vpc/abalone-vpc', detail: '' } as const;

describe('hourlyCostLines', () => {
  it('prices the environment and the NAT gateways a first up creates, with the date of the figures', () => {
    const lines = hourlyCostLines([VPC, ENV], defaultConfig(), 'us-east-1');
    expect(lines[0]).toBe(`Hourly cost of what this run creates (list prices us-east-1, as of ${PRICES_AS_OF}):`);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^ {2}MWAA environment mw1\.small, 1-10 workers\s+\$0\.49\/h {2}\(up to \$0\.985\/h with every worker busy\)$/),
      expect.stringMatching(/^ {2}NAT gateways × 2, with their public IPv4 addresses\s+\$0\.10\/h/),
      expect.stringMatching(/^ {2}total\s+\$0\.59\/h {2}\(about \$431\/month while it exists\)$/),
    ]);
  });

  it('counts a NAT gateway added later, warns that other regions differ, and is empty when nothing billable is created', () => {
    const lines = hourlyCostLines([{ action: 'create', resource: 'natgateway/abalone-nat-2', detail: '' }], defaultConfig({ natGateways: 2 }), 'eu-west-1');
    expect(lines[0]).toContain('us-east-1; eu-west-1 may cost more');
    expect(lines[1]).toMatch(/NAT gateway × 1, with its public IPv4 address\s+\$0\.05\/h/);
    const none: ChangeRecord[] = [{ action: 'update', resource: ENV.resource, detail: 'EnvironmentClass' }, { action: 'create', resource: 'subnet/abalone-private-1', detail: '' }];
    expect(hourlyCostLines(none, defaultConfig(), 'us-east-1')).toEqual([]);
  });

  it('has a price for every environment class, and counts workers above the included one', () => {
    for (const c of ENVIRONMENT_CLASSES) expect(MWAA_HOURLY[c].environment).toBeGreaterThan(0);
    expect(environmentHourly({ envClass: 'mw1.medium', minWorkers: 3 })).toBeCloseTo(0.74 + 2 * 0.11);
  });
});
