/**
 * SageMaker batch transform with the built-in XGBoost 1.7-1 model: every object under the input
 * S3 prefix (text/csv, SplitType Line, features only) is predicted, and `<object name>.out` is
 * written under S3OutputPath with one prediction per line (AssembleWith Line). API shapes from
 * CreateTransformJob / DescribeTransformJob; output naming from "Batch transform"
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/batch-transform.html).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pythonDir } from '../python-env.js';
import { lastLine } from '../compute/children.js';
import type { ComputeContext } from '../compute/context.js';
import { AwsError, epoch, obj, str, validation } from '../protocol.js';
import { downloadPrefix, getBytes, localFiles, parseS3Uri, putBytes } from '../compute/s3-files.js';
import { describeModel } from './models.js';
import { XGBOOST_MISSING, checkName, isXgboost17, notXgboostReason } from './xgboost-image.js';

type Status = 'InProgress' | 'Completed' | 'Failed' | 'Stopping' | 'Stopped';

interface TransformJob {
  name: string;
  arn: string;
  region: string;
  request: Record<string, unknown>;
  status: Status;
  failureReason?: string;
  created: Date;
  started?: Date;
  ended?: Date;
  stop: AbortController;
  tags: Array<{ Key: string; Value: string }>;
}

export class TransformJobs {
  private jobs = new Map<string, TransformJob>();

  constructor(private readonly ctx: ComputeContext) {}

  reset(): void {
    for (const job of this.jobs.values()) job.stop.abort();
    this.jobs.clear();
  }

  byArn(arn: string): TransformJob | undefined {
    return [...this.jobs.values()].find((j) => j.arn === arn);
  }

  async create(region: string, input: Record<string, unknown>): Promise<{ TransformJobArn: string }> {
    const name = str(input, 'TransformJobName', true);
    const bad = checkName('transformJobName', name);
    if (bad) throw validation(bad);
    const modelName = str(input, 'ModelName', true);
    const tin = obj(input, 'TransformInput', true)!;
    const tout = obj(input, 'TransformOutput', true)!;
    obj(input, 'TransformResources', true);
    const source = obj(obj(tin, 'DataSource', true)!, 'S3DataSource', true)!;
    const inputUri = str(source, 'S3Uri', true);
    const outputUri = str(tout, 'S3OutputPath', true);
    if (!parseS3Uri(inputUri) || !parseS3Uri(outputUri)) throw validation('S3Uri and S3OutputPath must be s3:// URIs.');
    const arn = await this.ctx.arn(region, 'sagemaker', `transform-job/${name.toLowerCase()}`);
    if (this.jobs.has(name)) throw new AwsError('ResourceInUse', `Job name must be unique within an AWS account and region, and a job with this name already exists (${arn})`);
    const model = await describeModel(this.ctx, region, modelName);
    const job: TransformJob = {
      name,
      arn,
      region,
      request: input,
      status: 'InProgress',
      created: new Date(),
      stop: new AbortController(),
      tags: Array.isArray(input.Tags) ? (input.Tags as Array<{ Key: string; Value: string }>) : [],
    };
    this.jobs.set(name, job);
    void this.run(job, model.image, model.modelDataUrl).catch((error: unknown) => this.end(job, 'Failed', `InternalServerError: local endpoint error: ${String(error)}`));
    return { TransformJobArn: arn };
  }

  private end(job: TransformJob, status: Status, reason?: string): void {
    if (job.status !== 'InProgress' && job.status !== 'Stopping') return;
    if (job.stop.signal.aborted) {
      status = 'Stopped';
      reason = undefined;
    }
    job.status = status;
    job.ended = new Date();
    if (reason) job.failureReason = reason;
  }

  private async run(job: TransformJob, image: string | undefined, modelDataUrl: string | undefined): Promise<void> {
    if (!isXgboost17(image)) return this.end(job, 'Failed', `ClientError: ${notXgboostReason(image)}`);
    const python = (await this.ctx.options.capabilities).xgboost;
    if (!python) return this.end(job, 'Failed', `ClientError: ${XGBOOST_MISSING}`);
    const tin = job.request.TransformInput as Record<string, unknown>;
    const tout = job.request.TransformOutput as Record<string, unknown>;
    const source = (tin.DataSource as { S3DataSource: Record<string, unknown> }).S3DataSource;
    const problem =
      source.S3DataType !== 'S3Prefix'
        ? `the local endpoint reads S3DataType S3Prefix only (got ${String(source.S3DataType)})`
        : String(tin.ContentType ?? 'text/csv').split(';')[0]!.trim().toLowerCase() !== 'text/csv'
          ? `the local endpoint transforms ContentType text/csv only (got ${String(tin.ContentType)})`
          : (tin.SplitType ?? 'None') !== 'Line'
            ? `the local endpoint splits input by Line only (SplitType ${String(tin.SplitType ?? 'None')})`
            : (tout.AssembleWith ?? 'None') !== 'Line'
              ? `the local endpoint assembles output with Line only (AssembleWith ${String(tout.AssembleWith ?? 'None')})`
              : tin.CompressionType && tin.CompressionType !== 'None'
                ? 'the local endpoint reads uncompressed input only'
                : !parseS3Uri(modelDataUrl ?? '')
                  ? `the model's ModelDataUrl ${modelDataUrl ?? '(unset)'} is not an s3:// URI`
                  : undefined;
    if (problem) return this.end(job, 'Failed', `ClientError: ${problem}`);
    const dir = await this.ctx.workDir('transform', job.name);
    const s3 = await this.ctx.moto(job.region).s3();
    try {
      await writeFile(join(dir, 'model.tar.gz'), await getBytes(s3, parseS3Uri(modelDataUrl!)!));
    } catch (error) {
      return this.end(job, 'Failed', `ClientError: Could not download model data from ${modelDataUrl}: ${(error as Error).message}`);
    }
    const inputDir = join(dir, 'input');
    await mkdir(inputDir, { recursive: true });
    const files = await downloadPrefix(s3, parseS3Uri(String(source.S3Uri))!, inputDir);
    if (files.length === 0) return this.end(job, 'Failed', `ClientError: No data found under ${String(source.S3Uri)}`);
    const outputDir = join(dir, 'output');
    const result = await this.ctx.pool.run({
      command: python,
      args: [join(pythonDir(), 'xgboost_container.py'), 'transform', '--model', join(dir, 'model.tar.gz'), '--input', inputDir, '--output', outputDir],
      cwd: dir,
      env: this.ctx.childEnv(job.region),
      timeoutMs: 24 * 3600 * 1000,
      signal: job.stop.signal,
      onStart: () => (job.started = new Date()),
    });
    if (result.killed) return this.end(job, 'Stopped');
    if (result.code !== 0) {
      const line = lastLine(result.stderr);
      return this.end(job, 'Failed', /^(ClientError|AlgorithmError):/.test(line) ? line : `AlgorithmError: ${line}`);
    }
    const target = parseS3Uri(String(tout.S3OutputPath))!;
    const prefix = target.key === '' || target.key.endsWith('/') ? target.key : `${target.key}/`;
    for (const rel of await localFiles(outputDir)) {
      await putBytes(s3, { bucket: target.bucket, key: prefix + rel }, await readFile(join(outputDir, rel)), String(tout.Accept ?? 'text/csv'));
    }
    this.end(job, 'Completed');
  }

  stop(input: Record<string, unknown>): Record<string, never> {
    const name = str(input, 'TransformJobName', true);
    const job = this.jobs.get(name);
    if (!job) throw validation(`Could not find job "${name}".`);
    if (job.status === 'InProgress') {
      job.status = 'Stopping';
      job.stop.abort();
    }
    return {};
  }

  describe(input: Record<string, unknown>) {
    const name = str(input, 'TransformJobName', true);
    const job = this.jobs.get(name);
    if (!job) throw validation(`Could not find requested job with name ${name}`);
    const r = job.request;
    return {
      TransformJobName: job.name,
      TransformJobArn: job.arn,
      TransformJobStatus: job.status,
      ...(job.failureReason ? { FailureReason: job.failureReason } : {}),
      ModelName: r.ModelName,
      ...(r.MaxConcurrentTransforms !== undefined ? { MaxConcurrentTransforms: r.MaxConcurrentTransforms } : {}),
      ...(r.MaxPayloadInMB !== undefined ? { MaxPayloadInMB: r.MaxPayloadInMB } : {}),
      ...(r.BatchStrategy !== undefined ? { BatchStrategy: r.BatchStrategy } : {}),
      ...(r.Environment !== undefined ? { Environment: r.Environment } : {}),
      TransformInput: r.TransformInput,
      TransformOutput: r.TransformOutput,
      TransformResources: r.TransformResources,
      CreationTime: epoch(job.created),
      ...(job.started ? { TransformStartTime: epoch(job.started) } : {}),
      ...(job.ended ? { TransformEndTime: epoch(job.ended) } : {}),
    };
  }

  list(input: Record<string, unknown>) {
    const contains = str(input, 'NameContains');
    const jobs = [...this.jobs.values()].filter((j) => !contains || j.name.includes(contains)).sort((a, b) => b.created.getTime() - a.created.getTime());
    return {
      TransformJobSummaries: jobs.map((j) => ({
        TransformJobName: j.name,
        TransformJobArn: j.arn,
        CreationTime: epoch(j.created),
        ...(j.ended ? { TransformEndTime: epoch(j.ended) } : {}),
        TransformJobStatus: j.status,
        ...(j.failureReason ? { FailureReason: j.failureReason } : {}),
      })),
    };
  }
}
