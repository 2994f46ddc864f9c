/**
 * The work the local endpoint performs (README.md of this package, "Work the endpoint
 * performs"): Glue crawls and Python shell job runs, SageMaker XGBoost training, transform and
 * endpoints, SageMaker Runtime InvokeEndpoint, Lambda Invoke. The router asks `handle` first;
 * undefined means "not ours": the request goes to moto as before.
 */
import { errorMessage } from '../shared/errors.js';
import { GlueExecutor } from '../glue/executor.js';
import { LambdaExecutor } from '../lambda/executor.js';
import { SageMakerExecutor } from '../sagemaker/executor.js';
import { ComputeContext, type ComputeOptions } from './context.js';
import { AwsError, header, jsonError, type ComputeRequest, type Forward, type Reply } from './protocol.js';

export type { ComputeRequest, Forward, Reply } from './protocol.js';

export interface ComputeHandler {
  handle(req: ComputeRequest, forward: Forward): Promise<Reply | undefined>;
  /** POST /moto-api/reset: stop every child, forget every run, job and endpoint. */
  reset(): void;
  /** Server close: stop every child and remove the temp folder. */
  close(): void;
}

export function createCompute(options: ComputeOptions): ComputeHandler {
  const ctx = new ComputeContext(options);
  const glue = new GlueExecutor(ctx);
  const sagemaker = new SageMakerExecutor(ctx);
  const lambda = new LambdaExecutor(ctx);

  const resetAll = () => {
    glue.reset();
    sagemaker.reset();
    lambda.reset();
  };

  return {
    async handle(req, forward) {
      const target = header(req, 'x-amz-target') ?? '';
      try {
        if (req.service === 'glue' && target.startsWith('AWSGlue.')) return await glue.handle(req, target.slice('AWSGlue.'.length), forward);
        if (req.service === 'sagemaker') {
          const invoke = /^\/endpoints\/([^/]+)\/invocations\/?$/.exec(req.path);
          if (invoke && req.method === 'POST') return await sagemaker.invoke(req, decodeURIComponent(invoke[1]!));
          if (target.startsWith('SageMaker.')) return await sagemaker.handle(req, target.slice('SageMaker.'.length));
        }
        if (req.service === 'lambda') return await lambda.handle(req, forward);
        return undefined;
      } catch (error) {
        if (error instanceof AwsError) return jsonError(error);
        const code = req.service === 'glue' ? 'InternalServiceException' : 'InternalFailure';
        return jsonError(new AwsError(code, `local endpoint error: ${errorMessage(error)}`, 500));
      }
    },
    reset() {
      resetAll();
      ctx.resetFiles();
    },
    close() {
      resetAll();
      ctx.close();
    },
  };
}
