/**
 * The MWAA service of one endpoint: one emulator (and one set of moto checks) per region the
 * requests name, since the checks are regional, sharing one Airflow CLI token registry.
 */
import { createMotoBackend } from '../mwaa-backend.js';
import { MwaaEmulator, delaysFromEnv } from '../mwaa-emulator.js';
import type { MwaaHandler } from '../router.js';
import { createAirflowSupport } from './airflow-support.js';

export function regionalEmulators(motoUrl: string): MwaaHandler & { close(): Promise<void> } {
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
