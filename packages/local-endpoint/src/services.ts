/**
 * The endpoint's services, in the order the router asks them (the first reply wins), moto last.
 * An emulated service is one folder with a `service.ts` returning a `LocalService`, and one line here.
 */
import type { ComputeContext } from './compute/context.js';
import { clientTokenKeeper } from './ec2/client-tokens.js';
import { glueService } from './glue/service.js';
import { lambdaService } from './lambda/service.js';
import { motoService } from './moto/service.js';
import { mwaaService } from './mwaa/service.js';
import type { LocalService } from './protocol.js';
import { bucketPolicyKeeper } from './s3/bucket-policies.js';
import { sageMakerService } from './sagemaker/service.js';

export interface ServiceSetup {
  readonly motoUrl: string;
  /** What the executors share: moto's clients, the interpreters, the child pool, the temp folder. */
  readonly compute: ComputeContext;
}

export function registerServices({ motoUrl, compute }: ServiceSetup): LocalService[] {
  return [
    mwaaService(motoUrl), // MWAA REST API and the Airflow CLI endpoint
    glueService(compute), // crawls, Python shell job runs
    sageMakerService(compute), // training, transform, endpoints, InvokeEndpoint
    lambdaService(compute), // Invoke
    bucketPolicyKeeper(motoUrl), // S3 bucket policies, which moto would enforce wrongly
    clientTokenKeeper(), // EC2 ClientToken idempotency, which moto ignores
    motoService(), // everything else
  ];
}
