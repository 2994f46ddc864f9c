import { createServer, type Server } from 'node:http';
import { ToolError, errorMessage } from '../errors.js';
import { createCompute, type ComputeHandler } from './compute/index.js';
import { startMoto, type MotoProcess } from './moto.js';
import { detectPythonCapabilities, type PythonCapabilities } from './python-env.js';
import { createRouter, type MwaaHandler } from './router.js';

export interface LocalEndpoint {
  readonly url: string;
  readonly motoUrl: string;
  /** The Python interpreters found for the work the endpoint performs. */
  readonly capabilities: PythonCapabilities;
  close(): Promise<void>;
}

export interface LocalEndpointOptions {
  readonly port: number;
  /** Makes the MWAA emulator once moto is up (it checks buckets, roles and subnets against moto). */
  readonly mwaa: (motoUrl: string) => MwaaHandler;
}

/** The `local` endpoint: one loopback port in front of moto and the MWAA emulator. */
export async function startLocalEndpoint(options: LocalEndpointOptions): Promise<LocalEndpoint> {
  const capabilities = detectPythonCapabilities();
  const moto = await startMoto();
  let server: Server;
  let compute: ComputeHandler | undefined;
  let selfUrl = '';
  try {
    compute = createCompute({ motoUrl: moto.url, endpointUrl: () => selfUrl, capabilities });
    const route = createRouter({ motoUrl: moto.url, mwaa: options.mwaa(moto.url), compute });
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
      work.close();
      await closeAll(server, moto);
    },
  };
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new ToolError('PortInUse', `port ${port} on 127.0.0.1 is in use: pass another --port`) : error);
    });
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

async function closeAll(server: Server, moto: MotoProcess): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await moto.stop();
}
