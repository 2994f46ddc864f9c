import { resolve } from 'node:path';
import { EXIT } from '../../base/errors.js';
import { pushDags as push } from '../../ops/push-dags.js';
import { renderPushResult } from '../../output/push-dags-report.js';
import { DEFAULT_AIRFLOW_DIR } from '../../base/paths.js';
import type { CommandContext } from '../context.js';
import type { PushDagsOptions } from '../options.js';
import { opContext } from '../op-context.js';

export async function pushDags(ctx: CommandContext, options: PushDagsOptions): Promise<number> {
  const { dryRun } = options;
  const { bucket, result } = await push(opContext(ctx), {
    dir: options.dir === undefined ? DEFAULT_AIRFLOW_DIR : resolve(options.dir),
    dryRun,
    delete: options.delete,
    viaCodebuild: options.viaCodebuild,
    wait: options.wait,
    forceUnlock: options.forceUnlock,
  });
  renderPushResult(ctx.output, bucket, result, dryRun);
  return ctx.signal.aborted ? EXIT.interrupted : EXIT.ok;
}
