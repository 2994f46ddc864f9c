/** The Glue service of the endpoint: crawler and Python shell job runs (executor.ts); the rest is moto's. */
import type { ComputeContext } from '../compute/context.js';
import { guarded, header, type LocalService } from '../protocol.js';
import { GlueExecutor } from './executor.js';

const TARGET = 'AWSGlue.';

export function glueService(ctx: ComputeContext): LocalService {
  const glue = new GlueExecutor(ctx);
  return {
    service: 'glue',
    handle: guarded('InternalServiceException', async (req, forward) => {
      const target = header(req, 'x-amz-target') ?? '';
      if (req.service !== 'glue' || !target.startsWith(TARGET)) return undefined;
      return glue.handle(req, target.slice(TARGET.length), forward);
    }),
    reset: () => glue.reset(),
    close: () => glue.reset(),
  };
}
