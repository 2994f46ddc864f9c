/**
 * SageMaker training jobs for the built-in XGBoost 1.7-1 image, as the container's contract says
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/xgboost.html, aws/sagemaker-xgboost-container):
 * `train` and `validation` channels of text/csv under S3 prefixes copied to local folders, the
 * trainer in a Python child, `model.tar.gz` holding `xgboost-model` written to
 * `<S3OutputPath>/<job>/output/`. Statuses and shapes from the DescribeTrainingJob API reference.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pythonDir } from '../python-env.js';
import { lastLine } from '../compute/children.js';
import { putLog } from '../compute/cloudwatch-logs.js';
import type { ComputeContext } from '../compute/context.js';
import { AwsError, epoch, obj, str, validation } from '../protocol.js';
import { downloadPrefix, parseS3Uri, putBytes } from '../compute/s3-files.js';
import { XGBOOST_MISSING, checkName, isXgboost17, notXgboostReason } from './xgboost-image.js';

type Status = 'InProgress' | 'Completed' | 'Failed' | 'Stopping' | 'Stopped';

interface Transition {
  Status: string;
  StartTime: Date;
  EndTime?: Date;
  StatusMessage: string;
}

interface TrainingJob {
  name: string;
  arn: string;
  region: string;
  request: Record<string, unknown>;
  status: Status;
  secondary: string;
  transitions: Transition[];
  failureReason?: string;
  created: Date;
  modified: Date;
  started?: Date;
  ended?: Date;
  modelArtifacts?: string;
  metrics: Array<{ MetricName: string; Value: number; Timestamp: Date }>;
  stop: AbortController;
  maxRuntimeExceeded: boolean;
  log: string;
  tags: Array<{ Key: string; Value: string }>;
}

const MESSAGES: Record<string, string> = {
  Starting: 'Preparing the instances for training',
  Downloading: 'Downloading input data',
  Training: 'Training image download completed. Training in progress.',
  Uploading: 'Uploading generated training model',
  Completed: 'Training job completed',
  Failed: 'Training job failed',
  Stopping: 'Stopping the training job',
  Stopped: 'Training job stopped',
  MaxRuntimeExceeded: 'Training job stopped because it exceeded its MaxRuntimeInSeconds',
};

export class TrainingJobs {
  private jobs = new Map<string, TrainingJob>();

  constructor(private readonly ctx: ComputeContext) {}

  reset(): void {
    for (const job of this.jobs.values()) job.stop.abort();
    this.jobs.clear();
  }

  byArn(arn: string): TrainingJob | undefined {
    return [...this.jobs.values()].find((j) => j.arn === arn);
  }

  async create(region: string, input: Record<string, unknown>): Promise<{ TrainingJobArn: string }> {
    const name = str(input, 'TrainingJobName', true);
    const bad = checkName('trainingJobName', name);
    if (bad) throw validation(bad);
    const algorithm = obj(input, 'AlgorithmSpecification', true)!;
    str(input, 'RoleArn', true);
    const output = obj(input, 'OutputDataConfig', true)!;
    obj(input, 'ResourceConfig', true);
    const stopping = obj(input, 'StoppingCondition', true)!;
    const s3Output = str(output, 'S3OutputPath', true);
    if (!parseS3Uri(s3Output)) throw validation(`1 validation error detected: Value '${s3Output}' at 'outputDataConfig.s3OutputPath' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(https|s3)://([^/]+)/?(.*)$`);
    const maxRuntime = typeof stopping.MaxRuntimeInSeconds === 'number' ? stopping.MaxRuntimeInSeconds : 86400;
    if (maxRuntime < 1) throw validation(`1 validation error detected: Value '${maxRuntime}' at 'stoppingCondition.maxRuntimeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 1`);
    const hyper = input.HyperParameters ?? {};
    if (typeof hyper !== 'object' || Array.isArray(hyper) || Object.values(hyper as object).some((v) => typeof v !== 'string')) {
      throw validation('HyperParameters must be a map of strings to strings.');
    }
    const arn = await this.ctx.arn(region, 'sagemaker', `training-job/${name.toLowerCase()}`);
    if (this.jobs.has(name)) throw new AwsError('ResourceInUse', `Training job names must be unique within an AWS account and region, and a training job with this name already exists (${arn})`);
    const now = new Date();
    const job: TrainingJob = {
      name,
      arn,
      region,
      request: input,
      status: 'InProgress',
      secondary: 'Starting',
      transitions: [{ Status: 'Starting', StartTime: now, StatusMessage: MESSAGES.Starting! }],
      created: now,
      modified: now,
      metrics: [],
      stop: new AbortController(),
      maxRuntimeExceeded: false,
      log: '',
      tags: Array.isArray(input.Tags) ? (input.Tags as Array<{ Key: string; Value: string }>) : [],
    };
    this.jobs.set(name, job);
    const timer = setTimeout(() => {
      job.maxRuntimeExceeded = true;
      job.stop.abort();
    }, maxRuntime * 1000);
    void this.run(job, String(algorithm.TrainingImage ?? ''))
      .catch((error: unknown) => this.end(job, 'Failed', 'Failed', `InternalServerError: local endpoint error: ${String(error)}`))
      .finally(() => clearTimeout(timer));
    return { TrainingJobArn: arn };
  }

  private secondary(job: TrainingJob, status: string): void {
    const now = new Date();
    const last = job.transitions[job.transitions.length - 1];
    if (last && !last.EndTime) last.EndTime = now;
    job.transitions.push({ Status: status, StartTime: now, StatusMessage: MESSAGES[status] ?? status });
    job.secondary = status;
    job.modified = now;
  }

  private end(job: TrainingJob, status: Status, secondary: string, reason?: string): void {
    if (job.status !== 'InProgress' && job.status !== 'Stopping') return;
    if (job.stop.signal.aborted && status !== 'Stopped') {
      status = 'Stopped';
      secondary = job.maxRuntimeExceeded ? 'MaxRuntimeExceeded' : 'Stopped';
      reason = undefined;
    }
    this.secondary(job, secondary);
    job.transitions[job.transitions.length - 1]!.EndTime = job.modified;
    job.status = status;
    job.ended = job.modified;
    if (reason) job.failureReason = reason;
  }

  private async run(job: TrainingJob, image: string): Promise<void> {
    if (!isXgboost17(image)) return this.end(job, 'Failed', 'Failed', `ClientError: ${notXgboostReason(image)}`);
    const python = (await this.ctx.options.capabilities).xgboost;
    if (!python) return this.end(job, 'Failed', 'Failed', `ClientError: ${XGBOOST_MISSING}`);
    const channels = Array.isArray(job.request.InputDataConfig) ? (job.request.InputDataConfig as Array<Record<string, unknown>>) : [];
    const byName = new Map(channels.map((c) => [String(c.ChannelName), c]));
    if (!byName.has('train')) return this.end(job, 'Failed', 'Failed', 'ClientError: No training data channel named "train" (the XGBoost algorithm needs a train channel)');
    const extra = [...byName.keys()].filter((n) => n !== 'train' && n !== 'validation');
    if (extra.length) return this.end(job, 'Failed', 'Failed', `ClientError: the local endpoint reads the train and validation channels only (got ${extra.join(', ')})`);
    const dir = await this.ctx.workDir('training', job.name);
    this.secondary(job, 'Downloading');
    const s3 = await this.ctx.moto(job.region).s3();
    const args = ['train', '--hyperparameters', join(dir, 'hyperparameters.json'), '--model-dir', join(dir, 'model'), '--metrics', join(dir, 'metrics.json')];
    for (const [name, channel] of byName) {
      const problem = channelProblem(channel);
      if (problem) return this.end(job, 'Failed', 'Failed', `ClientError: ${problem}`);
      const source = (channel.DataSource as { S3DataSource: { S3Uri: string } }).S3DataSource;
      try {
        await downloadPrefix(s3, parseS3Uri(source.S3Uri)!, join(dir, 'input', name));
      } catch (error) {
        return this.end(job, 'Failed', 'Failed', `ClientError: could not download channel ${name} from ${source.S3Uri}: ${(error as Error).message}`);
      }
      args.push(`--${name}`, join(dir, 'input', name));
    }
    if (job.stop.signal.aborted) return this.end(job, 'Stopped', 'Stopped');
    await writeFile(join(dir, 'hyperparameters.json'), JSON.stringify(job.request.HyperParameters ?? {}));
    const result = await this.ctx.pool.run({
      command: python,
      args: [join(pythonDir(), 'xgboost_container.py'), ...args],
      cwd: dir,
      env: this.ctx.childEnv(job.region),
      timeoutMs: 24 * 3600 * 1000,
      signal: job.stop.signal,
      onStart: () => {
        job.started = new Date();
        this.secondary(job, 'Training');
      },
    });
    job.log = result.stdout + result.stderr;
    // Where SageMaker puts a training job's output: /aws/sagemaker/TrainingJobs, stream <job>/algo-1-<epoch seconds>.
    await putLog(this.ctx.options.motoUrl, job.region, '/aws/sagemaker/TrainingJobs', `${job.name}/algo-1-${Math.floor(job.created.getTime() / 1000)}`, job.log, new Date()).catch(() => undefined);
    if (result.killed) return this.end(job, 'Stopped', job.maxRuntimeExceeded ? 'MaxRuntimeExceeded' : 'Stopped');
    if (result.code !== 0) {
      const line = lastLine(result.stderr);
      return this.end(job, 'Failed', 'Failed', /^(ClientError|AlgorithmError):/.test(line) ? line : `AlgorithmError: ${line || `the trainer exited with code ${result.code}`}`);
    }
    this.secondary(job, 'Uploading');
    const outputPath = String((job.request.OutputDataConfig as { S3OutputPath: string }).S3OutputPath).replace(/\/+$/, '');
    const artifact = `${outputPath}/${job.name}/output/model.tar.gz`;
    await putBytes(s3, parseS3Uri(artifact)!, await readFile(join(dir, 'model', 'model.tar.gz')), 'application/x-tar');
    const metrics = JSON.parse(await readFile(join(dir, 'metrics.json'), 'utf8')) as Record<string, number>;
    const now = new Date();
    job.metrics = Object.entries(metrics).map(([MetricName, Value]) => ({ MetricName, Value, Timestamp: now }));
    job.modelArtifacts = artifact;
    this.end(job, 'Completed', 'Completed');
  }

  stop(input: Record<string, unknown>): Record<string, never> {
    const name = str(input, 'TrainingJobName', true);
    const job = this.jobs.get(name);
    if (!job) throw validation('Requested resource not found.');
    if (job.status !== 'InProgress') throw validation(`The request was rejected because the training job is in status ${job.status}.`);
    this.secondary(job, 'Stopping');
    job.status = 'Stopping';
    job.stop.abort();
    return {};
  }

  describe(input: Record<string, unknown>) {
    const name = str(input, 'TrainingJobName', true);
    const job = this.jobs.get(name);
    if (!job) throw validation('Requested resource not found.');
    const r = job.request;
    const seconds = job.started && job.ended ? Math.max(1, Math.round((job.ended.getTime() - job.started.getTime()) / 1000)) : undefined;
    return {
      TrainingJobName: job.name,
      TrainingJobArn: job.arn,
      ModelArtifacts: { S3ModelArtifacts: job.modelArtifacts ?? '' },
      TrainingJobStatus: job.status,
      SecondaryStatus: job.secondary,
      ...(job.failureReason ? { FailureReason: job.failureReason } : {}),
      HyperParameters: r.HyperParameters ?? {},
      AlgorithmSpecification: r.AlgorithmSpecification,
      RoleArn: r.RoleArn,
      InputDataConfig: r.InputDataConfig ?? [],
      OutputDataConfig: r.OutputDataConfig,
      ResourceConfig: r.ResourceConfig,
      StoppingCondition: r.StoppingCondition,
      CreationTime: epoch(job.created),
      ...(job.started ? { TrainingStartTime: epoch(job.started) } : {}),
      ...(job.ended ? { TrainingEndTime: epoch(job.ended) } : {}),
      LastModifiedTime: epoch(job.modified),
      SecondaryStatusTransitions: job.transitions.map((t) => ({ Status: t.Status, StartTime: epoch(t.StartTime), ...(t.EndTime ? { EndTime: epoch(t.EndTime) } : {}), StatusMessage: t.StatusMessage })),
      FinalMetricDataList: job.metrics.map((m) => ({ MetricName: m.MetricName, Value: m.Value, Timestamp: epoch(m.Timestamp) })),
      EnableNetworkIsolation: Boolean(r.EnableNetworkIsolation),
      EnableInterContainerTrafficEncryption: Boolean(r.EnableInterContainerTrafficEncryption),
      EnableManagedSpotTraining: Boolean(r.EnableManagedSpotTraining),
      ...(seconds !== undefined ? { TrainingTimeInSeconds: seconds, BillableTimeInSeconds: seconds } : {}),
    };
  }

  list(input: Record<string, unknown>) {
    const contains = str(input, 'NameContains');
    const status = str(input, 'StatusEquals');
    const jobs = [...this.jobs.values()]
      .filter((j) => (!contains || j.name.includes(contains)) && (!status || j.status === status))
      .sort((a, b) => b.created.getTime() - a.created.getTime());
    return {
      TrainingJobSummaries: jobs.map((j) => ({
        TrainingJobName: j.name,
        TrainingJobArn: j.arn,
        CreationTime: epoch(j.created),
        ...(j.ended ? { TrainingEndTime: epoch(j.ended) } : {}),
        LastModifiedTime: epoch(j.modified),
        TrainingJobStatus: j.status,
      })),
    };
  }

  logOf(name: string): string | undefined {
    return this.jobs.get(name)?.log;
  }
}

/** What the local container cannot read in a channel, as the reason a job fails. */
export function channelProblem(channel: Record<string, unknown>): string | undefined {
  const name = String(channel.ChannelName);
  const source = (channel.DataSource as { S3DataSource?: Record<string, unknown> } | undefined)?.S3DataSource;
  if (!source) return `channel ${name} has no S3DataSource (the local endpoint reads S3 channels only)`;
  if (source.S3DataType !== 'S3Prefix') return `channel ${name}: the local endpoint reads S3DataType S3Prefix only (got ${String(source.S3DataType)})`;
  if (!parseS3Uri(String(source.S3Uri ?? ''))) return `channel ${name}: S3Uri ${String(source.S3Uri)} is not an s3:// URI`;
  const type = String(channel.ContentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'text/csv') return `channel ${name}: the local endpoint reads ContentType text/csv only (got ${type || 'none, which the container reads as libsvm'})`;
  if (channel.CompressionType && channel.CompressionType !== 'None') return `channel ${name}: the local endpoint reads uncompressed channels only`;
  return undefined;
}
