import { resolve } from 'node:path';
import { EXIT } from '../../errors.js';
import { pushDags as push } from '../../ops/push-dags.js';
import { renderPushResult } from '../../output/push-dags-report.js';
import { DEFAULT_AIRFLOW_DIR } from '../../paths.js';
import type { CommandContext } from '../context.js';
import { opContext } from '../op-context.js';

export async function pushDags(ctx: CommandContext, raw: Record<string, unknown>): Promise<number> {
  const dryRun = Boolean(raw.dryRun);
  const { bucket, result } = await push(opContext(ctx), {
    dir: raw.dir === undefined ? DEFAULT_AIRFLOW_DIR : resolve(String(raw.dir)),
    dryRun,
    delete: Boolean(raw.delete),
    viaCodebuild: Boolean(raw.viaCodebuild),
    wait: raw.wait !== false,
    forceUnlock: Boolean(raw.forceUnlock),
  });
  renderPushResult(ctx.output, bucket, result, dryRun);
  return ctx.signal.aborted ? EXIT.interrupted : EXIT.ok;
}
