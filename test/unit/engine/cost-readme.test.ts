import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hourlyCost, PRICE_KEYS, PRICES_AS_OF, pricesFor, type PriceKey } from '../../../src/engine/cost.js';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const section = README.slice(README.indexOf('\n## Cost\n'), README.indexOf('\n### Park and resume\n'));

/** The price key a row of the README's table is about. */
function keyOf(what: string): PriceKey {
  const cls = /`(mw1\.[a-z0-9]+)`/.exec(what)?.[1];
  if (what.startsWith('MWAA environment') && cls) return `mwaa:${cls}` as PriceKey;
  if (what.startsWith('each worker above the first') && cls) return `mwaa-worker:${cls}` as PriceKey;
  if (what.startsWith('NAT gateway')) return 'nat-gateway';
  if (what.includes('public IPv4')) return 'public-ipv4';
  if (what.startsWith('SageMaker endpoint `ml.m5.large`')) return 'sagemaker-hosting:ml.m5.large';
  throw new Error(`README Cost row names no price: ${what}`);
}

describe("the README's Cost section", () => {
  const rows = section
    .split('\n')
    .filter((l) => l.startsWith('| ') && !l.startsWith('| what') && !l.startsWith('|---'))
    .map((l) => l.split('|').map((c) => c.trim()).slice(1, -1));

  it('gives the figures of the price table (src/engine/cost.ts), its date and which are not verified', () => {
    const prices = pricesFor('us-east-1');
    const keys = rows.map(([what, , usd, source]) => {
      const key = keyOf(what!);
      expect(Number(usd), what).toBe(prices[key].usd);
      expect(source === 'not verified', what).toBe(prices[key].source.startsWith('not verified'));
      return key;
    });
    // Every hourly price, none left out (the per-run prices are in "What a run costs on AWS").
    const hourly = PRICE_KEYS.filter((k) => !k.startsWith('sagemaker-training') && !k.startsWith('sagemaker-transform') && k !== 'glue-dpu' && k !== 'mwaa-worker:mw1.micro');
    expect(new Set(keys)).toEqual(new Set(hourly));
    expect(section).toContain(`as of ${PRICES_AS_OF}`);
  });

  it("states the default shape's hourly and monthly cost as hourlyCost() computes it", () => {
    const idle = hourlyCost({ region: 'us-east-1', environment: { envClass: 'mw1.small', minWorkers: 1, maxWorkers: 10 }, natGateways: 2 });
    const withEndpoint = hourlyCost({ region: 'us-east-1', environment: { envClass: 'mw1.small', minWorkers: 1, maxWorkers: 10 }, natGateways: 2, endpoint: { instanceType: 'ml.m5.large', instanceCount: 1 } });
    expect(section).toContain(`about $${idle.usd} an hour ($${Math.round(idle.usd * 730)} a month)`);
    expect(section).toContain(`$${withEndpoint.usd} an hour with a deployed endpoint`);
  });
});
