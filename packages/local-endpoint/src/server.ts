import { createServer, type Server } from 'node:http';
import { LocalEndpointError, errorMessage } from './shared/errors.js';
import { ComputeContext } from './compute/context.js';
import { startMoto, type MotoProcess } from './moto/process.js';
import type { LocalService } from './protocol.js';
import { detectPythonCapabilities, type PythonCapabilities } from './python-env.js';
import { createRouter } from './router.js';
import { registerServices } from './services.js';

export interface LocalEndpoint {
  readonly url: string;
  readonly motoUrl: string;
  /** The Python interpreters found for the work the endpoint performs. */
  readonly capabilities: PythonCapabilities;
  close(): Promise<void>;
}

export interface LocalEndpointOptions {
  /** The loopback port to listen on; 0 asks the system for a free one (`url` names it). */
  readonly port: number;
}

/**
 * The `local` endpoint: one loopback port in front of moto, with the services of services.ts
 * (MWAA, Glue, SageMaker, Lambda, what moto gets wrong) asked first.
 */
export async function startLocalEndpoint(options: LocalEndpointOptions): Promise<LocalEndpoint> {
  const capabilities = detectPythonCapabilities();
  const moto = await startMoto();
  let server: Server;
  let compute: ComputeContext | undefined;
  let services: LocalService[] = [];
  let selfUrl = '';
  try {
    compute = new ComputeContext({ motoUrl: moto.url, endpointUrl: () => selfUrl, capabilities });
    // Made once moto is up: the MWAA emulator checks buckets, roles and subnets against moto.
    services = registerServices({ motoUrl: moto.url, compute });
    const work = compute;
    const route = createRouter({ motoUrl: moto.url, services, afterReset: () => work.resetFiles() });
    server = createServer((req, res) => {
      route(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`local endpoint error: ${errorMessage(error)}`);
      });
    });
    await listen(server, options.port);
  } catch (error) {
    await closeServices(services, compute);
    await moto.stop();
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  selfUrl = `http://127.0.0.1:${port}`;
  const work = compute;
  return {
    url: selfUrl,
    motoUrl: moto.url,
    capabilities: await capabilities,
    close: async () => {
      await closeServices(services, work);
      await closeAll(server, moto);
    },
  };
}

/** Every service's close (children stopped, their folders removed), then the executors' temp folder. */
async function closeServices(services: readonly LocalService[], compute: ComputeContext | undefined): Promise<void> {
  for (const service of services) await service.close();
  compute?.close();
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new LocalEndpointError('PortInUse', `port ${port} on 127.0.0.1 is in use: pass another --port`) : error);
    });
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

async function closeAll(server: Server, moto: MotoProcess): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await moto.stop();
}
