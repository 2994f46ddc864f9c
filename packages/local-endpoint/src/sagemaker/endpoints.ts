/**
 * SageMaker real-time endpoints: Creating/Updating -> InService after a short delay
 * (ABALONE_LOCAL_ENDPOINT_DELAY), Deleting -> gone; the endpoint serves its current config's
 * model through SageMaker Runtime InvokeEndpoint, answering text/csv as the built-in XGBoost
 * container does (predictions comma-separated). Shapes from the CreateEndpoint, DescribeEndpoint,
 * UpdateEndpoint, DeleteEndpoint and InvokeEndpoint API references.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pythonDir } from '../python-env.js';
import { lastLine } from '../compute/children.js';
import type { ComputeContext } from '../compute/context.js';
import { AwsError, epoch, str, validation } from '../protocol.js';
import { getBytes, parseS3Uri } from '../compute/s3-files.js';
import { describeEndpointConfig, describeModel } from './models.js';
import { XGBOOST_MISSING, checkName, isXgboost17, notXgboostReason } from './xgboost-image.js';

type Status = 'Creating' | 'Updating' | 'InService' | 'Deleting' | 'Failed';

interface Deployment {
  configName: string;
  variant: string;
  image?: string;
  instanceCount: number;
  modelFile?: string;
}

interface Endpoint {
  name: string;
  arn: string;
  region: string;
  status: Status;
  failureReason?: string;
  current?: Deployment;
  pending?: Deployment;
  created: Date;
  modified: Date;
  tags: Array<{ Key: string; Value: string }>;
  timer?: NodeJS.Timeout;
}

export class Endpoints {
  private endpoints = new Map<string, Endpoint>();

  constructor(private readonly ctx: ComputeContext) {}

  reset(): void {
    for (const e of this.endpoints.values()) clearTimeout(e.timer);
    this.endpoints.clear();
  }

  byArn(arn: string): Endpoint | undefined {
    return [...this.endpoints.values()].find((e) => e.arn === arn);
  }

  private get(region: string, name: string): Endpoint {
    const e = this.endpoints.get(name);
    if (!e || e.region !== region) throw validation(`Could not find endpoint "${name}".`);
    return e;
  }

  async create(region: string, input: Record<string, unknown>): Promise<{ EndpointArn: string }> {
    const name = str(input, 'EndpointName', true);
    const bad = checkName('endpointName', name);
    if (bad) throw validation(bad);
    const configName = str(input, 'EndpointConfigName', true);
    const arn = await this.ctx.arn(region, 'sagemaker', `endpoint/${name.toLowerCase()}`);
    if (this.endpoints.has(name)) throw validation(`Cannot create already existing endpoint "${arn}".`);
    const deployment = await this.deployment(region, configName);
    const now = new Date();
    const endpoint: Endpoint = {
      name,
      arn,
      region,
      status: 'Creating',
      pending: deployment,
      created: now,
      modified: now,
      tags: Array.isArray(input.Tags) ? (input.Tags as Array<{ Key: string; Value: string }>) : [],
    };
    this.endpoints.set(name, endpoint);
    this.settle(endpoint);
    return { EndpointArn: arn };
  }

  private async deployment(region: string, configName: string): Promise<Deployment> {
    const config = await describeEndpointConfig(this.ctx, region, configName);
    const variant = config.ProductionVariants?.[0];
    if (!variant?.ModelName) throw validation(`Endpoint config ${configName} has no production variant with a model.`);
    const model = await describeModel(this.ctx, region, variant.ModelName);
    return { configName, variant: variant.VariantName ?? 'AllTraffic', image: model.image, instanceCount: variant.InitialInstanceCount ?? 1, modelFile: model.modelDataUrl };
  }

  /** After the delay: fetch the pending model and go InService (or Failed with the reason). */
  private settle(endpoint: Endpoint): void {
    endpoint.timer = setTimeout(() => {
      void (async () => {
        const pending = endpoint.pending!;
        const problem = await this.prepare(endpoint, pending).catch((error: unknown) => `local endpoint error: ${String(error)}`);
        if (this.endpoints.get(endpoint.name) !== endpoint || endpoint.status === 'Deleting') return;
        endpoint.modified = new Date();
        endpoint.pending = undefined;
        if (problem) {
          // A failed update leaves the endpoint serving its earlier config, as SageMaker's rollback does.
          endpoint.failureReason = problem;
          endpoint.status = endpoint.current ? 'InService' : 'Failed';
          return;
        }
        endpoint.failureReason = undefined;
        endpoint.current = pending;
        endpoint.status = 'InService';
      })();
    }, this.ctx.knobs.endpointDelay * 1000);
  }

  private async prepare(endpoint: Endpoint, d: Deployment): Promise<string | undefined> {
    if (!isXgboost17(d.image)) return notXgboostReason(d.image);
    if (!(await this.ctx.options.capabilities).xgboost) return XGBOOST_MISSING;
    const url = parseS3Uri(d.modelFile ?? '');
    if (!url) return `The model's ModelDataUrl ${d.modelFile ?? '(unset)'} is not an s3:// URI`;
    const dir = await this.ctx.workDir('endpoint', endpoint.name);
    const file = join(dir, 'model.tar.gz');
    try {
      await writeFile(file, await getBytes(await this.ctx.moto(endpoint.region).s3(), url));
    } catch (error) {
      return `Failed to download model data from ${d.modelFile}: ${(error as Error).message}`;
    }
    d.modelFile = file;
    return undefined;
  }

  async update(region: string, input: Record<string, unknown>): Promise<{ EndpointArn: string }> {
    const name = str(input, 'EndpointName', true);
    const configName = str(input, 'EndpointConfigName', true);
    const endpoint = this.get(region, name);
    if (endpoint.status !== 'InService' && endpoint.status !== 'Failed') throw validation(`Cannot update in-progress endpoint "${endpoint.arn}".`);
    const deployment = await this.deployment(region, configName);
    endpoint.pending = deployment;
    endpoint.status = endpoint.current ? 'Updating' : 'Creating';
    endpoint.modified = new Date();
    this.settle(endpoint);
    return { EndpointArn: endpoint.arn };
  }

  delete(region: string, input: Record<string, unknown>): Record<string, never> {
    const name = str(input, 'EndpointName', true);
    const endpoint = this.get(region, name);
    clearTimeout(endpoint.timer);
    endpoint.status = 'Deleting';
    endpoint.modified = new Date();
    endpoint.timer = setTimeout(() => {
      if (this.endpoints.get(name) === endpoint) this.endpoints.delete(name);
    }, this.ctx.knobs.endpointDelay * 1000);
    return {};
  }

  describe(region: string, input: Record<string, unknown>) {
    const name = str(input, 'EndpointName', true);
    const e = this.get(region, name);
    const shown = e.current ?? e.pending!;
    return {
      EndpointName: e.name,
      EndpointArn: e.arn,
      EndpointConfigName: shown.configName,
      ...(e.current
        ? {
            ProductionVariants: [
              {
                VariantName: e.current.variant,
                DeployedImages: [{ SpecifiedImage: e.current.image, ResolvedImage: e.current.image, ResolutionTime: epoch(e.modified) }],
                CurrentWeight: 1,
                DesiredWeight: 1,
                CurrentInstanceCount: e.current.instanceCount,
                DesiredInstanceCount: e.current.instanceCount,
              },
            ],
          }
        : {}),
      EndpointStatus: e.status,
      ...(e.failureReason ? { FailureReason: e.failureReason } : {}),
      CreationTime: epoch(e.created),
      LastModifiedTime: epoch(e.modified),
    };
  }

  list(input: Record<string, unknown>) {
    const contains = str(input, 'NameContains');
    const status = str(input, 'StatusEquals');
    return {
      Endpoints: [...this.endpoints.values()]
        .filter((e) => (!contains || e.name.includes(contains)) && (!status || e.status === status))
        .sort((a, b) => b.created.getTime() - a.created.getTime())
        .map((e) => ({ EndpointName: e.name, EndpointArn: e.arn, CreationTime: epoch(e.created), LastModifiedTime: epoch(e.modified), EndpointStatus: e.status })),
    };
  }

  /** SageMaker Runtime InvokeEndpoint: the body through the endpoint's current model. */
  async invoke(region: string, name: string, body: Buffer, contentType: string | undefined): Promise<{ body: string; variant: string }> {
    // "Body ... Length Constraints: Maximum length of 6291456" (InvokeEndpoint API reference): 6 MB.
    if (body.length > 6_291_456) throw new AwsError('ValidationError', `the request body is ${body.length} bytes; InvokeEndpoint takes at most 6291456 (6 MB)`);
    const account = await this.ctx.accountId(region);
    const e = this.endpoints.get(name);
    // SageMaker Runtime's wording for a missing endpoint (e.g. aws/amazon-sagemaker-examples#293).
    if (!e || e.region !== region) throw new AwsError('ValidationError', `Endpoint ${name} of account ${account} not found.`);
    if (!e.current?.modelFile || (e.status !== 'InService' && e.status !== 'Updating')) {
      throw new AwsError('ValidationError', `Endpoint ${name} of account ${account} is not in service (EndpointStatus ${e.status}).`);
    }
    const python = (await this.ctx.options.capabilities).xgboost;
    if (!python) throw new AwsError('ServiceUnavailable', XGBOOST_MISSING, 503);
    const result = await this.ctx.pool.run({
      command: python,
      args: [join(pythonDir(), 'xgboost_container.py'), 'serve', '--model', e.current.modelFile, '--content-type', contentType ?? 'text/csv'],
      env: this.ctx.childEnv(region),
      input: body,
      timeoutMs: 60_000,
    });
    if (result.code !== 0 || result.killed) {
      const message = result.killed ? 'Model server did not respond within 60 seconds' : lastLine(result.stderr).replace(/^ClientError: /, '');
      const logStream = await this.ctx.arn(region, 'logs', `log-group:/aws/sagemaker/Endpoints/${name}`);
      throw new AwsError('ModelError', `Received client error (400) from primary with message "${message}". See ${logStream} in account ${account} for more information.`, 424, {
        OriginalStatusCode: 400,
        OriginalMessage: message,
        LogStreamArn: logStream,
      });
    }
    return { body: result.stdout, variant: e.current.variant };
  }
}
