/**
 * The SDK clients the endpoint uses for its own calls to moto (reading a job's definition, a
 * model, an object; the MWAA emulator's checks): one region, moto's URL, fixed `test` credentials
 * (the user's own never reach moto), S3 path-style addressing and checksums only when required.
 * Each client module is imported on first use.
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { GlueClient } from '@aws-sdk/client-glue';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { STSClient } from '@aws-sdk/client-sts';

export interface MotoClients {
  readonly region: string;
  s3(): Promise<S3Client>;
  glue(): Promise<GlueClient>;
  iam(): Promise<IAMClient>;
  ec2(): Promise<EC2Client>;
  sts(): Promise<STSClient>;
  sagemaker(): Promise<SageMakerClient>;
  lambda(): Promise<LambdaClient>;
}

export const MOTO_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;

export function motoClients(motoUrl: string, region: string): MotoClients {
  const cache = new Map<string, Promise<unknown>>();
  const config: Record<string, unknown> = {
    region,
    endpoint: motoUrl,
    maxAttempts: 2,
    retryMode: 'standard',
    customUserAgent: 'abalone-pipeline-local-endpoint',
    credentials: MOTO_CREDENTIALS,
  };
  function memo<T>(name: string, make: () => Promise<T>): () => Promise<T> {
    return () => {
      let client = cache.get(name) as Promise<T> | undefined;
      if (!client) {
        client = make();
        cache.set(name, client);
      }
      return client;
    };
  }
  return {
    region,
    s3: memo('s3', async () => {
      const { S3Client } = await import('./client-classes/s3.js');
      // (SDK 3.523 predates default checksums, so the last two only matter to a newer SDK.)
      const s3Config: Record<string, unknown> = { ...config, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' };
      return new S3Client(s3Config);
    }),
    glue: memo('glue', async () => new (await import('./client-classes/glue.js')).GlueClient(config)),
    iam: memo('iam', async () => new (await import('./client-classes/iam.js')).IAMClient(config)),
    ec2: memo('ec2', async () => new (await import('./client-classes/ec2.js')).EC2Client(config)),
    sts: memo('sts', async () => new (await import('./client-classes/sts.js')).STSClient(config)),
    sagemaker: memo('sagemaker', async () => new (await import('./client-classes/sagemaker.js')).SageMakerClient(config)),
    lambda: memo('lambda', async () => new (await import('./client-classes/lambda.js')).LambdaClient(config)),
  };
}

/** The partition of a region: `aws`, `aws-cn` or `aws-us-gov`. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}
