import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseJson, runCli } from '../support/cli.js';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';

let endpoint: TestEndpoint;
const cli = (args: string[]) => runCli(args, { env: endpoint.env });
const STEPS = ['--only', 'ensure-bucket,ensure-roles,ensure-glue,ensure-lambda,ensure-parameters'];

beforeAll(async () => {
  endpoint = await startLocalEndpoint();
});
afterAll(async () => endpoint?.stop());
beforeEach(async () => endpoint.reset());

describe('the settings up was run with are kept', () => {
  it('a later up or status without the flags keeps them; a typed flag changes them', async () => {
    const first = await cli(['up', '--yes', '--rmse-threshold', '2.5', '--etl-engine', 'spark', ...STEPS]);
    expect(first.code, first.stderr).toBe(0);

    const status = await cli(['status', '--json']);
    const drifted = parseJson(status).resources.filter((r: any) => r.state !== 'ok' && ['ensure-glue', 'ensure-parameters'].includes(r.step));
    expect(drifted).toEqual([]);

    const again = await cli(['up', '--yes', '--json', ...STEPS]);
    expect(again.code, again.stderr).toBe(0);
    expect(parseJson(again).steps.every((s: any) => s.changes.length === 0)).toBe(true);

    const changed = await cli(['up', '--yes', '--json', '--rmse-threshold', '3.0', ...STEPS]);
    const parameters = parseJson(changed).steps.find((s: any) => s.step === 'ensure-parameters');
    expect(parameters.changes.map((c: any) => c.resource.split('/').pop())).toEqual(['rmse-threshold', 'settings']);
    expect(parameters.changes[1].detail).toBe('settings: rmseThreshold 2.5 → 3');
  });
});
