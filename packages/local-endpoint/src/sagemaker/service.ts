/**
 * The SageMaker service of the endpoint, and SageMaker Runtime's InvokeEndpoint (same signing
 * name): training and transform jobs, endpoints (executor.ts); models and endpoint configs are moto's.
 */
import type { ComputeContext } from '../compute/context.js';
import { guarded, header, type LocalService } from '../protocol.js';
import { SageMakerExecutor } from './executor.js';

const TARGET = 'SageMaker.';
const INVOKE = /^\/endpoints\/([^/]+)\/invocations\/?$/;

export function sageMakerService(ctx: ComputeContext): LocalService {
  const sagemaker = new SageMakerExecutor(ctx);
  return {
    service: 'sagemaker',
    handle: guarded('InternalFailure', async (req) => {
      if (req.service !== 'sagemaker') return undefined;
      const invoke = INVOKE.exec(req.path);
      if (invoke && req.method === 'POST') return sagemaker.invoke(req, decodeURIComponent(invoke[1]!));
      const target = header(req, 'x-amz-target') ?? '';
      if (target.startsWith(TARGET)) return sagemaker.handle(req, target.slice(TARGET.length));
      return undefined;
    }),
    reset: () => sagemaker.reset(),
    close: () => sagemaker.reset(),
  };
}
