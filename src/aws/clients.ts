import type { S3Client } from '@aws-sdk/client-s3';
import type { GlueClient } from '@aws-sdk/client-glue';
import type { MWAAClient } from '@aws-sdk/client-mwaa';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { CodeBuildClient } from '@aws-sdk/client-codebuild';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { STSClient } from '@aws-sdk/client-sts';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { VERSION } from '../base/version.js';

/** What the user told us about where and how to reach AWS. */
export interface AwsOptions {
  region?: string;
  profile?: string;
  endpointUrl?: string;
  maxAttempts?: number;
  env?: NodeJS.ProcessEnv;
  /** Fixed credentials (the local endpoint's own calls to moto); otherwise the SDK's default chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** The SDK service ids, as used in `AWS_ENDPOINT_URL_<SERVICE>`. */
const SERVICE_ENV_SUFFIX = {
  s3: 'S3',
  glue: 'GLUE',
  mwaa: 'MWAA',
  iam: 'IAM',
  ssm: 'SSM',
  lambda: 'LAMBDA',
  codebuild: 'CODEBUILD',
  ec2: 'EC2',
  sts: 'STS',
  sagemaker: 'SAGEMAKER',
  sagemakerRuntime: 'SAGEMAKER_RUNTIME',
} as const;

export type ServiceName = keyof typeof SERVICE_ENV_SUFFIX;

export interface Clients {
  readonly region: string;
  /** True when calls go to an emulator (an endpoint override is active for some service). */
  readonly emulated: boolean;
  s3(): Promise<S3Client>;
  glue(): Promise<GlueClient>;
  mwaa(): Promise<MWAAClient>;
  iam(): Promise<IAMClient>;
  ssm(): Promise<SSMClient>;
  lambda(): Promise<LambdaClient>;
  codebuild(): Promise<CodeBuildClient>;
  ec2(): Promise<EC2Client>;
  sts(): Promise<STSClient>;
  sagemaker(): Promise<SageMakerClient>;
  sagemakerRuntime(): Promise<SageMakerRuntimeClient>;
  /** The endpoint override in force for a service, or undefined when its calls go to AWS. */
  endpoint(service: ServiceName): string | undefined;
}

/** The engine's SessionClients are these clients (engine/clients.ts): the engine imports no aws module. */
declare module '../engine/clients.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface SessionClients extends Clients {}
}

/** The endpoint a service's calls go to, the way the SDK resolves it, with --endpoint-url first. */
export function endpointOverride(service: ServiceName, options: AwsOptions): string | undefined {
  const env = options.env ?? process.env;
  return options.endpointUrl ?? env[`AWS_ENDPOINT_URL_${SERVICE_ENV_SUFFIX[service]}`] ?? env.AWS_ENDPOINT_URL ?? undefined;
}

/**
 * The one place SDK clients are made. Each client module is imported on first use, so a
 * command pays only for the services it calls (`--help` loads none).
 */
export function createClients(options: AwsOptions & { region: string }): Clients {
  const cache = new Map<ServiceName, Promise<unknown>>();
  const emulated = (Object.keys(SERVICE_ENV_SUFFIX) as ServiceName[]).some((s) => endpointOverride(s, options));

  function baseConfig(service: ServiceName): Record<string, unknown> {
    const endpoint = endpointOverride(service, options);
    return {
      region: options.region,
      maxAttempts: options.maxAttempts ?? 6,
      retryMode: 'standard',
      customUserAgent: `abalone-pipeline/${VERSION}`,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
      ...(endpoint ? emulatorConfig(service) : {}),
    };
  }

  function memo<T>(service: ServiceName, make: (config: Record<string, unknown>) => Promise<T>): () => Promise<T> {
    return () => {
      let client = cache.get(service) as Promise<T> | undefined;
      if (!client) {
        client = make(baseConfig(service));
        cache.set(service, client);
      }
      return client;
    };
  }

  return {
    region: options.region,
    emulated,
    s3: memo('s3', async (c) => new (await import('./client-classes/s3.js')).S3Client(c)),
    glue: memo('glue', async (c) => new (await import('./client-classes/glue.js')).GlueClient(c)),
    mwaa: memo('mwaa', async (c) => new (await import('./client-classes/mwaa.js')).MWAAClient(c)),
    iam: memo('iam', async (c) => new (await import('./client-classes/iam.js')).IAMClient(c)),
    ssm: memo('ssm', async (c) => new (await import('./client-classes/ssm.js')).SSMClient(c)),
    lambda: memo('lambda', async (c) => new (await import('./client-classes/lambda.js')).LambdaClient(c)),
    codebuild: memo('codebuild', async (c) => new (await import('./client-classes/codebuild.js')).CodeBuildClient(c)),
    ec2: memo('ec2', async (c) => new (await import('./client-classes/ec2.js')).EC2Client(c)),
    sts: memo('sts', async (c) => new (await import('./client-classes/sts.js')).STSClient(c)),
    sagemaker: memo('sagemaker', async (c) => new (await import('./client-classes/sagemaker.js')).SageMakerClient(c)),
    sagemakerRuntime: memo('sagemakerRuntime', async (c) => new (await import('./client-classes/sagemaker-runtime.js')).SageMakerRuntimeClient(c)),
    endpoint: (service) => endpointOverride(service, options),
  };
}

/**
 * What emulators need: S3 path-style addressing (no bucket subdomains on 127.0.0.1), checksums
 * only when an operation requires them (SDK 3.523 predates default CRC32 checksums, so this is
 * what it does anyway; set for newer SDKs), and no `api.`/`env.` host prefix on MWAA calls.
 */
function emulatorConfig(service: ServiceName): Record<string, unknown> {
  switch (service) {
    case 's3':
      return { forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' };
    case 'mwaa':
      return { disableHostPrefix: true };
    default:
      return {};
  }
}

/**
 * The region the SDK itself would use (AWS_REGION, AWS_DEFAULT_REGION is not read by the SDK,
 * then the profile's `region`), or undefined when none is configured.
 */
export async function defaultRegion(): Promise<string | undefined> {
  const { STSClient } = await import('./client-classes/sts.js');
  try {
    const region = await new STSClient({}).config.region();
    return region || undefined;
  } catch {
    return undefined;
  }
}
