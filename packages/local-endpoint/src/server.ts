import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalEndpointError, errorMessage } from './shared/errors.js';
import { ComputeContext } from './compute/context.js';
import { startMoto, type MotoProcess } from './moto/process.js';
import type { LocalService } from './protocol.js';
import { detectPythonCapabilities, type PythonCapabilities } from './python-env.js';
import { createRouter } from './router.js';
import { registerServices } from './services.js';
import { allowedOriginsFromEnv } from './trust.js';

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
  const allowedOrigins = allowedOriginsFromEnv();
  // The endpoint's own folder: every child works in a folder of it; close() removes it (and only
  // what the endpoint made).
  const root = mkdtempSync(join(tmpdir(), 'abalone-local-'));
  const own = (name: string) => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const capabilities = detectPythonCapabilities(own('probe'));
  let moto: MotoProcess;
  try {
    moto = await startMoto({ cwd: own('moto') });
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  let server: Server;
  let compute: ComputeContext | undefined;
  let services: LocalService[] = [];
  // Fixed once the server listens: the URL children and the DAG runner get, never a request's Host.
  let selfUrl = '';
  let port = 0;
  try {
    compute = new ComputeContext({ motoUrl: moto.url, endpointUrl: () => selfUrl, capabilities, tempRoot: join(root, 'compute') });
    // Made once moto is up: the MWAA emulator checks buckets, roles and subnets against moto.
    services = registerServices({ motoUrl: moto.url, compute });
    const work = compute;
    const route = createRouter({
      motoUrl: moto.url,
      services,
      afterReset: () => work.resetFiles(),
      selfUrl: () => selfUrl,
      trust: { allowedOrigins },
    });
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
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : options.port;
  selfUrl = `http://127.0.0.1:${port}`;
  const work = compute;
  return {
    url: selfUrl,
    motoUrl: moto.url,
    capabilities: await capabilities,
    close: async () => {
      await closeServices(services, work);
      await closeAll(server, moto);
      rmSync(root, { recursive: true, force: true });
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
