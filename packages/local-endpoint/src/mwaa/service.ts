/**
 * The MWAA service of the endpoint: the REST API (SigV4 scope `airflow`) and the Airflow CLI
 * endpoint (`POST /aws_mwaa/cli`, unsigned: a Bearer CLI token names region and environment).
 * One emulator (and one set of moto checks) per region the requests name, since the checks are
 * regional, sharing one CLI token registry. Behaviour: docs/mwaa-emulator.md.
 */
import { createMotoBackend } from '../mwaa-backend.js';
import { MwaaEmulator, delaysFromEnv } from '../mwaa-emulator.js';
import type { LocalService, Reply } from '../protocol.js';
import { createAirflowSupport } from './airflow-support.js';
import { CLI_PATH } from './cli-endpoint.js';
import type { EmulatorResponse } from './http.js';

const reply = (r: EmulatorResponse): Reply => r;

export function mwaaService(motoUrl: string): LocalService {
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
    service: 'mwaa',
    async handle(req) {
      // The Airflow web server's CLI endpoint: not SigV4-signed, so it cannot be told by scope.
      if (!req.signed && (req.path === CLI_PATH || req.path === `${CLI_PATH}/`)) {
        return reply(await airflow.cli({ method: req.method, headers: req.headers, body: req.body, selfUrl: req.selfUrl }, forRegion));
      }
      if (req.service !== 'airflow') return undefined;
      const { method, path, query, headers, body, region, selfUrl } = req;
      return reply(await forRegion(region).handle({ method, path, query, headers, body, region, selfUrl }));
    },
    reset: () => byRegion.forEach((e) => e.reset()),
    close: async () => {
      await Promise.all([...byRegion.values()].map((e) => e.close()));
      airflow.dispose();
    },
  };
}
