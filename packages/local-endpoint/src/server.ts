import { createServer, type Server } from 'node:http';
import { LocalEndpointError, errorMessage } from './shared/errors.js';
import { createCompute, type ComputeHandler } from './compute/index.js';
import { startMoto, type MotoProcess } from './moto.js';
import { detectPythonCapabilities, type PythonCapabilities } from './python-env.js';
import { regionalEmulators } from './mwaa/regional.js';
import { createRouter } from './router.js';

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

/** The `local` endpoint: one loopback port in front of moto, the MWAA emulator and the compute executors. */
export async function startLocalEndpoint(options: LocalEndpointOptions): Promise<LocalEndpoint> {
  const capabilities = detectPythonCapabilities();
  const moto = await startMoto();
  let server: Server;
  let compute: ComputeHandler | undefined;
  let mwaa: ReturnType<typeof regionalEmulators> | undefined;
  let selfUrl = '';
  try {
    compute = createCompute({ motoUrl: moto.url, endpointUrl: () => selfUrl, capabilities });
    // The MWAA emulator is made once moto is up: it checks buckets, roles and subnets against moto.
    mwaa = regionalEmulators(moto.url);
    const route = createRouter({ motoUrl: moto.url, mwaa, compute });
    server = createServer((req, res) => {
      route(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`local endpoint error: ${errorMessage(error)}`);
      });
    });
    await listen(server, options.port);
  } catch (error) {
    compute?.close();
    await moto.stop();
    await mwaa?.close();
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  selfUrl = `http://127.0.0.1:${port}`;
  const work = compute;
  const emulators = mwaa;
  return {
    url: selfUrl,
    motoUrl: moto.url,
    capabilities: await capabilities,
    close: async () => {
      work.close();
      await closeAll(server, moto);
      await emulators.close();
    },
  };
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
