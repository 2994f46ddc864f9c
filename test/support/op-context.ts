import { PassThrough } from 'node:stream';
import type { Clients } from '../../src/aws/clients.js';
import type { Names } from '../../src/engine/names.js';
import { timingProfile, type RunTiming } from '../../src/engine/timing.js';
import { opContextOf, type OpContext } from '../../src/ops/context.js';
import { createOutput } from '../../src/output/output.js';

/**
 * An OpContext over given clients and names (a session opened already), for calling an op in a
 * unit test: `run`'s pace from `timing` when given, the local endpoint's pace otherwise; output
 * goes nowhere unless `stderr` is given.
 */
export function opContextFor(deps: { clients: Clients; names: Names; timing?: RunTiming; signal?: AbortSignal; stderr?: PassThrough }): OpContext {
  const profile = timingProfile({ emulated: true, env: {} });
  const session = { clients: deps.clients, names: deps.names, timing: deps.timing ? { ...profile, run: deps.timing } : profile };
  const output = createOutput({ json: false, color: false, stdout: new PassThrough(), stderr: deps.stderr ?? new PassThrough(), env: {} });
  return opContextOf(output, deps.signal ?? new AbortController().signal, async () => session);
}
