/** The Glue service of the endpoint: Python shell job runs (executor.ts) and crawls (crawls.ts); the rest is moto's. */
import type { ComputeContext } from '../compute/context.js';
import { guarded, header, type LocalService } from '../protocol.js';
import { GlueCrawls } from './crawls.js';
import { GlueExecutor } from './executor.js';

const TARGET = 'AWSGlue.';

export function glueService(ctx: ComputeContext): LocalService {
  const jobs = new GlueExecutor(ctx);
  const crawls = new GlueCrawls(ctx);
  return {
    service: 'glue',
    handle: guarded('InternalServiceException', async (req, forward) => {
      const target = header(req, 'x-amz-target') ?? '';
      if (req.service !== 'glue' || !target.startsWith(TARGET)) return undefined;
      const op = target.slice(TARGET.length);
      return (await jobs.handle(req, op)) ?? crawls.handle(req, op, forward);
    }),
    reset: () => {
      jobs.reset();
      crawls.reset();
    },
    close: () => {
      jobs.reset();
      crawls.reset();
    },
  };
}
