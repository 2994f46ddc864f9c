import { LocalEndpointError, describeCapabilities, startLocalEndpoint, type LocalEndpoint } from '@abalone-pipeline/local-endpoint';
import { EXIT, ToolError, UsageError } from '../../base/errors.js';
import type { CommandContext } from '../context.js';
import type { LocalOptions } from '../options.js';
import { integer } from '../validate.js';

const LOCAL_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };

/** The endpoint package's start-up errors as the CLI's registered ones: a bad setting exits 2, anything else 1. */
async function start(port: number): Promise<LocalEndpoint> {
  try {
    return await startLocalEndpoint({ port });
  } catch (error) {
    if (!(error instanceof LocalEndpointError)) throw error;
    throw asCliError(error);
  }
}

function asCliError(error: LocalEndpointError): Error {
  switch (error.code) {
    case 'UsageError':
      return new UsageError(error.message);
    case 'PortInUse':
      return new ToolError('PortInUse', error.message);
    case 'MotoMissing':
      return new ToolError('MotoMissing', error.message);
    case 'MotoExited':
      return new ToolError('MotoExited', error.message);
    case 'MotoPortTaken':
      return new ToolError('MotoPortTaken', error.message);
    case 'MotoTimeout':
      return new ToolError('MotoTimeout', error.message);
  }
}

export async function local(ctx: CommandContext, options: LocalOptions): Promise<number> {
  // 0 asks the system for any free port; the printed URL names the one it gave.
  const port = integer('--port', options.port, 0, 65535);
  const endpoint = await start(port);
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
  ctx.output.info('local endpoint stopped');
  return EXIT.interrupted;
}
