import { EXIT } from '../../errors.js';
import { createMotoBackend } from '../../local/mwaa-backend.js';
import { MwaaEmulator, delaysFromEnv } from '../../local/mwaa-emulator.js';
import type { MwaaHandler } from '../../local/router.js';
import { createAirflowSupport } from '../../local/mwaa/airflow-support.js';
import { describeCapabilities } from '../../local/python-env.js';
import { startLocalEndpoint } from '../../local/server.js';
import type { CommandContext } from '../context.js';
import { integer } from '../validate.js';

const LOCAL_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };

/** One emulator (and one set of moto checks) per region the requests name: the checks are regional. */
function regionalEmulators(motoUrl: string): MwaaHandler & { close(): Promise<void> } {
  const delays = delaysFromEnv();
  const airflow = createAirflowSupport(motoUrl);
  const byRegion = new Map<string, MwaaEmulator>();
  const forRegion = (region: string) => {
    let emulator = byRegion.get(region);
    if (!emulator) {
      const backend = createMotoBackend({ motoUrl, region });
      emulator = new MwaaEmulator({ backend, delays, cliTokens: airflow.cliTokens, airflow: airflow.setupFor(region) });
      byRegion.set(region, emulator);
    }
    return emulator;
  };
  return {
    handle: (request) => forRegion(request.region).handle(request),
    reset: () => byRegion.forEach((e) => e.reset()),
    cli: (request) => airflow.cli(request, forRegion),
    close: async () => {
      await Promise.all([...byRegion.values()].map((e) => e.close()));
      airflow.dispose();
    },
  };
}

export async function local(ctx: CommandContext, raw: Record<string, unknown>): Promise<number> {
  // 0 asks the system for any free port; the printed URL names the one it gave.
  const port = integer('--port', String(raw.port), 0, 65535);
  let mwaa: ReturnType<typeof regionalEmulators> | undefined;
  const endpoint = await startLocalEndpoint({ port, mwaa: (motoUrl) => (mwaa = regionalEmulators(motoUrl)) });
  const region = ctx.global.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const exports = {
    AWS_ENDPOINT_URL: endpoint.url,
    ...LOCAL_CREDENTIALS,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_DISABLE_HOST_PREFIX_INJECTION: 'true',
  };
  if (ctx.output.json) ctx.output.result({ url: endpoint.url, motoUrl: endpoint.motoUrl, env: exports });
  else for (const [key, value] of Object.entries(exports)) ctx.output.line(`export ${key}=${value}`);
  ctx.output.info(`local AWS endpoint on ${endpoint.url} (moto at ${endpoint.motoUrl}, MWAA emulated); Ctrl-C to stop`);
  for (const line of describeCapabilities(endpoint.capabilities)) ctx.output.info(`  ${line}`);

  await new Promise<void>((resolve) => {
    if (ctx.signal.aborted) resolve();
    ctx.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await endpoint.close();
  await mwaa?.close();
  ctx.output.info('local endpoint stopped');
  return EXIT.interrupted;
}
