import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  environmentHourly,
  hourlyCost,
  hourlyCostLines,
  MWAA_HOURLY,
  NAT_GATEWAY_HOURLY,
  PRICE_KEYS,
  priceBasis,
  PRICES_AS_OF,
  pricesFor,
  PUBLIC_IPV4_HOURLY,
} from '../../../src/engine/cost.js';
import { ENVIRONMENT_CLASSES } from '../../../src/engine/mwaa-catalog.js';
import type { ChangeRecord } from '../../../src/engine/types.js';
import { defaultConfig } from '../../support/step-context.js';

const ENV = { action: 'create', resource: 'arn:aws:airflow:us-east-1:123456789012:environment/abalone-airflow-environment', detail: '' } as const;
const VPC = { action: 'create', resource: 'vpc/abalone-vpc', detail: '' } as const;

describe('hourlyCostLines', () => {
  it('prices the environment and the NAT gateways a first up creates, with the date of the figures', () => {
    const lines = hourlyCostLines([VPC, ENV], defaultConfig(), 'us-east-1');
    expect(lines[0]).toBe(`Hourly cost of what this run creates (list price, us-east-1, as of ${PRICES_AS_OF}):`);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^ {2}MWAA environment mw1\.small, 1-10 workers\s+\$0\.49\/h {2}\(up to \$0\.985\/h with every worker busy\)$/),
      expect.stringMatching(/^ {2}NAT gateways × 2, with their public IPv4 addresses\s+\$0\.10\/h/),
      expect.stringMatching(/^ {2}total\s+\$0\.59\/h {2}\(about \$431\/month while it exists\)$/),
    ]);
  });

  it('counts a NAT gateway added later, warns that other regions differ, and is empty when nothing billable is created', () => {
    const lines = hourlyCostLines([{ action: 'create', resource: 'natgateway/abalone-nat-2', detail: '' }], defaultConfig({ natGateways: 2 }), 'eu-west-1');
    expect(lines[0]).toContain('(list price, us-east-1 (not verified for eu-west-1), as of');
    expect(lines[1]).toMatch(/NAT gateway × 1, with its public IPv4 address\s+\$0\.05\/h/);
    const none: ChangeRecord[] = [{ action: 'update', resource: ENV.resource, detail: 'EnvironmentClass' }, { action: 'create', resource: 'subnet/abalone-private-1', detail: '' }];
    expect(hourlyCostLines(none, defaultConfig(), 'us-east-1')).toEqual([]);
  });

  it('has a price for every environment class, and counts workers above the included one', () => {
    for (const c of ENVIRONMENT_CLASSES) expect(MWAA_HOURLY[c].environment).toBeGreaterThan(0);
    expect(environmentHourly({ envClass: 'mw1.medium', minWorkers: 3 })).toBeCloseTo(0.74 + 2 * 0.11);
  });
});

describe('the price table', () => {
  const regions = Object.keys(
    (JSON.parse(readFileSync(fileURLToPath(new URL('../../../artifacts/airflow/dags/abalone_pipeline/xgboost_accounts.json', import.meta.url)), 'utf8')) as { accounts: Record<string, string> }).accounts,
  );

  it('has, for every region the pipeline can train in, every price with its source and the date it was checked', () => {
    expect(regions.length).toBeGreaterThan(20);
    for (const region of regions) {
      const table = pricesFor(region);
      for (const key of PRICE_KEYS) {
        const price = table[key];
        // mw1.micro runs exactly one worker, so it has no additional-worker price.
        if (key === 'mwaa-worker:mw1.micro') expect(price.usd).toBe(0);
        else expect(price.usd, `${region} ${key}`).toBeGreaterThan(0);
        expect(price.checked, `${region} ${key}`).toMatch(/^\d{4}-\d{2}(-\d{2})?$/);
        // Either a source page, or the table says the figure is not verified for the region.
        expect(price.source, `${region} ${key}`).toMatch(/^https:\/\/(docs\.)?aws\.amazon\.com\/|^not verified/);
      }
    }
  });

  it('says where a figure is not verified instead of guessing silently', () => {
    for (const key of ['mwaa:mw1.micro', 'mwaa:mw1.xlarge', 'mwaa:mw1.2xlarge', 'sagemaker-hosting:ml.m5.large'] as const) {
      expect(pricesFor('us-east-1')[key].source).toMatch(/^not verified/);
    }
    expect(pricesFor('eu-west-1')['nat-gateway'].source).toMatch(/^not verified for eu-west-1: the us-east-1 list price/);
    expect(priceBasis('us-east-1')).toBe(`list price, us-east-1, as of ${PRICES_AS_OF}`);
    expect(priceBasis('eu-west-1')).toBe(`list price, us-east-1 (not verified for eu-west-1), as of ${PRICES_AS_OF}`);
  });

  it('keeps the figures the existing callers use in the one table', () => {
    const table = pricesFor('us-east-1');
    for (const c of ENVIRONMENT_CLASSES) {
      expect(MWAA_HOURLY[c].environment).toBe(table[`mwaa:${c}`].usd);
      expect(MWAA_HOURLY[c].extraWorker).toBe(table[`mwaa-worker:${c}`].usd);
    }
    expect(NAT_GATEWAY_HOURLY).toBe(table['nat-gateway'].usd);
    expect(PUBLIC_IPV4_HOURLY).toBe(table['public-ipv4'].usd);
  });
});

describe('hourlyCost', () => {
  it('itemises the environment, the NAT gateways and the endpoint, with the basis of the figures', () => {
    const cost = hourlyCost({
      region: 'us-east-1',
      environment: { envClass: 'mw1.small', minWorkers: 1, maxWorkers: 10 },
      natGateways: 2,
      endpoint: { instanceType: 'ml.m5.large', instanceCount: 1 },
    });
    expect(cost.basis).toBe(`list price, us-east-1, as of ${PRICES_AS_OF}`);
    expect(cost.items).toEqual([
      { item: 'environment', usd: 0.49, detail: 'MWAA mw1.small, 1-10 workers (up to $0.985/h with every worker busy)' },
      { item: 'nat-gateways', usd: 0.1, detail: '2 NAT gateways with their public IPv4 addresses ($0.045/GB processed on top)' },
      { item: 'endpoint', usd: 0.115, detail: 'SageMaker endpoint ml.m5.large × 1 (price not verified)' },
    ]);
    expect(cost.usd).toBeCloseTo(0.705, 10);
  });

  it('is empty and zero for a parked pipeline, and counts extra minimum workers', () => {
    expect(hourlyCost({ region: 'us-east-1', natGateways: 0 })).toEqual({ usd: 0, items: [], basis: `list price, us-east-1, as of ${PRICES_AS_OF}` });
    const cost = hourlyCost({ region: 'eu-west-1', environment: { envClass: 'mw1.medium', minWorkers: 3, maxWorkers: 3 }, natGateways: 1 });
    expect(cost.items.map((i) => [i.item, i.usd])).toEqual([['environment', 0.96], ['nat-gateways', 0.05]]);
    expect(cost.items[0]!.detail).toBe('MWAA mw1.medium, 3 workers');
    expect(cost.basis).toContain('not verified for eu-west-1');
  });

  it('refuses an endpoint instance type it has no price for, naming it', () => {
    expect(() => hourlyCost({ region: 'us-east-1', natGateways: 0, endpoint: { instanceType: 'ml.p4d.24xlarge', instanceCount: 1 } })).toThrow(/ml\.p4d\.24xlarge/);
  });
});
