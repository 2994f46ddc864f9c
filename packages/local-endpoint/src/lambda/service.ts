/** The Lambda service of the endpoint: Invoke of Python functions, their code kept as moto accepts it (executor.ts). */
import type { ComputeContext } from '../compute/context.js';
import { guarded, type LocalService } from '../protocol.js';
import { LambdaExecutor } from './executor.js';

export function lambdaService(ctx: ComputeContext): LocalService {
  const lambda = new LambdaExecutor(ctx);
  return {
    service: 'lambda',
    handle: guarded('InternalFailure', async (req, forward) => (req.service === 'lambda' ? lambda.handle(req, forward) : undefined)),
    reset: () => lambda.reset(),
    close: () => lambda.reset(),
  };
}
