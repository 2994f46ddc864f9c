/**
 * Glue work the local endpoint performs (src/glue): crawler runs and Python shell job runs.
 * moto keeps the definitions (crawlers, jobs, databases, tables); this executor owns the run
 * state (crawler State/LastCrawl, job runs) and overlays it on moto's GetCrawler/GetCrawlers.
 * Behaviour from the Glue API reference (https://docs.aws.amazon.com/glue/latest/webapi/) and
 * "Python shell jobs in AWS Glue" (https://docs.aws.amazon.com/glue/latest/dg/add-job-python.html).
 */
import { GetCrawlerCommand, GetJobCommand, CreateTableCommand, UpdateTableCommand, GetDatabaseCommand, type Crawler, type Job } from '@aws-sdk/client-glue';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, delimiter, join } from 'node:path';
import { pythonDir } from '../python-env.js';
import { lastLine } from '../compute/children.js';
import { putLog } from '../compute/cloudwatch-logs.js';
import type { ComputeContext } from '../compute/context.js';
import { AwsError, epoch, fromSdkError, jsonBody, jsonReply, str, type ServiceRequest, type Forward, type Reply } from '../protocol.js';
import { getBytes, listKeys, parseS3Uri } from '../compute/s3-files.js';
import { inferCsvSchema } from './csv-schema.js';

type JobRunState = 'STARTING' | 'RUNNING' | 'STOPPING' | 'STOPPED' | 'SUCCEEDED' | 'FAILED' | 'TIMEOUT';
const FINISHED: JobRunState[] = ['STOPPED', 'SUCCEEDED', 'FAILED', 'TIMEOUT'];

interface JobRun {
  Id: string;
  Attempt: number;
  JobName: string;
  StartedOn: Date;
  LastModifiedOn: Date;
  CompletedOn?: Date;
  JobRunState: JobRunState;
  Arguments: Record<string, string>;
  ErrorMessage?: string;
  Timeout: number;
  MaxCapacity?: number;
  GlueVersion?: string;
  ExecutionTime: number;
  region: string;
  stop: AbortController;
  /** stdout and stderr of the run (the job's output and error logs) */
  output: string;
  errors: string;
}

interface CrawlState {
  state: 'READY' | 'RUNNING' | 'STOPPING';
  lastCrawl?: { Status: 'SUCCEEDED' | 'FAILED' | 'CANCELLED'; ErrorMessage?: string; LogGroup: string; LogStream: string; MessagePrefix: string; StartTime: Date };
  startedAt?: Date;
  lastRuntime: number;
  runtimes: number[];
  tablesCreated: number;
  tablesUpdated: number;
}

const PYTHONSHELL_ONLY = 'the local endpoint runs Python shell jobs only';

export class GlueExecutor {
  private runs = new Map<string, JobRun[]>();
  private crawls = new Map<string, CrawlState>();

  constructor(private readonly ctx: ComputeContext) {}

  /** The operations this executor owns; undefined for the rest (they go to moto). */
  async handle(req: ServiceRequest, op: string, forward: Forward): Promise<Reply | undefined> {
    switch (op) {
      case 'StartJobRun':
        return jsonReply(await this.startJobRun(req.region, jsonBody(req.body)));
      case 'GetJobRun':
        return jsonReply(this.getJobRun(jsonBody(req.body)));
      case 'GetJobRuns':
        return jsonReply(this.getJobRuns(jsonBody(req.body)));
      case 'BatchStopJobRun':
        return jsonReply(this.batchStop(jsonBody(req.body)));
      case 'StartCrawler':
        return jsonReply(await this.startCrawler(req.region, jsonBody(req.body)));
      case 'StopCrawler':
        return jsonReply(this.stopCrawler(jsonBody(req.body)));
      case 'GetCrawlerMetrics':
        return jsonReply(this.crawlerMetrics(jsonBody(req.body)));
      case 'GetCrawler':
      case 'GetCrawlers':
        return this.overlayCrawlers(await forward());
      default:
        return undefined;
    }
  }

  reset(): void {
    for (const list of this.runs.values()) for (const run of list) run.stop.abort();
    this.runs.clear();
    this.crawls.clear();
  }

  // --- job runs ---------------------------------------------------------------------------------

  private async startJobRun(region: string, input: Record<string, unknown>): Promise<{ JobRunId: string }> {
    const jobName = str(input, 'JobName', true);
    const args = input.Arguments ?? {};
    if (typeof args !== 'object' || Array.isArray(args) || Object.values(args as object).some((v) => typeof v !== 'string')) {
      throw new AwsError('InvalidInputException', 'Arguments must be a map of strings to strings.');
    }
    let job: Job;
    try {
      job = (await (await this.ctx.moto(region).glue()).send(new GetJobCommand({ JobName: jobName }))).Job!;
    } catch (error) {
      throw fromSdkError(error);
    }
    const list = this.runs.get(jobName) ?? [];
    const active = list.filter((r) => !FINISHED.includes(r.JobRunState)).length;
    const max = job.ExecutionProperty?.MaxConcurrentRuns ?? 1;
    if (active >= max) throw new AwsError('ConcurrentRunsExceededException', `Concurrent runs exceeded for ${jobName}`);
    const timeout = typeof input.Timeout === 'number' ? input.Timeout : (job.Timeout ?? 2880);
    const now = new Date();
    const run: JobRun = {
      Id: `jr_${randomBytes(32).toString('hex')}`,
      Attempt: 0,
      JobName: jobName,
      StartedOn: now,
      LastModifiedOn: now,
      JobRunState: 'STARTING',
      Arguments: args as Record<string, string>,
      Timeout: timeout,
      MaxCapacity: job.MaxCapacity,
      GlueVersion: job.GlueVersion,
      ExecutionTime: 0,
      region,
      stop: new AbortController(),
      output: '',
      errors: '',
    };
    list.unshift(run);
    this.runs.set(jobName, list);
    void this.execute(run, job).catch((error: unknown) => this.finish(run, 'FAILED', `local endpoint error: ${String(error)}`));
    return { JobRunId: run.Id };
  }

  private finish(run: JobRun, state: JobRunState, message?: string): void {
    if (FINISHED.includes(run.JobRunState)) return;
    const now = new Date();
    run.JobRunState = state;
    if (message) run.ErrorMessage = message;
    run.CompletedOn = now;
    run.LastModifiedOn = now;
    run.ExecutionTime = Math.round((now.getTime() - run.StartedOn.getTime()) / 1000);
  }

  private async execute(run: JobRun, job: Job): Promise<void> {
    const command = job.Command?.Name;
    if (command !== 'pythonshell') {
      return this.finish(run, 'FAILED', `${PYTHONSHELL_ONLY} (this job's Command.Name is ${command ?? 'unset'})`);
    }
    const python = (await this.ctx.options.capabilities).boto3;
    if (!python) return this.finish(run, 'FAILED', 'the local endpoint found no Python with boto3 to run Python shell jobs (pip install boto3, or set ABALONE_PYTHON)');
    const s3 = await this.ctx.moto(run.region).s3();
    const dir = await this.ctx.workDir('glue', run.Id);
    const extraDir = join(dir, 'extra');
    await mkdir(extraDir, { recursive: true });
    const merged: Record<string, string> = { ...(job.DefaultArguments ?? {}), ...run.Arguments };
    const script = parseS3Uri(job.Command?.ScriptLocation ?? '');
    if (!script || !script.key) return this.finish(run, 'FAILED', `ScriptLocation ${job.Command?.ScriptLocation ?? '(unset)'} is not an s3:// URI`);
    const pythonPath = [pythonDir(), extraDir];
    let scriptPath: string;
    try {
      scriptPath = join(dir, basename(script.key));
      await writeFile(scriptPath, await getBytes(s3, script));
      for (const uri of (merged['--extra-py-files'] ?? '').split(',').map((u) => u.trim()).filter(Boolean)) {
        const loc = parseS3Uri(uri);
        if (!loc) throw new Error(`--extra-py-files entry ${uri} is not an s3:// URI`);
        const file = join(extraDir, basename(loc.key));
        await writeFile(file, await getBytes(s3, loc));
        if (!file.endsWith('.py')) pythonPath.push(file);
      }
    } catch (error) {
      const e = error as { name?: string; message?: string };
      return this.finish(run, 'FAILED', `${e.name ?? 'Error'}: ${e.message ?? String(error)}`);
    }
    const argv = [scriptPath];
    for (const [key, value] of Object.entries(merged)) argv.push(key, value);
    argv.push('--JOB_ID', `j_${randomBytes(32).toString('hex')}`, '--JOB_RUN_ID', run.Id, '--JOB_NAME', run.JobName);
    const result = await this.ctx.pool.run({
      command: python,
      args: argv,
      cwd: dir,
      env: this.ctx.childEnv(run.region, { PYTHONPATH: pythonPath.join(delimiter), GLUE_INSTALLATION: dir }),
      timeoutMs: run.Timeout * this.ctx.knobs.glueMinute * 1000,
      signal: run.stop.signal,
      onStart: () => {
        if (run.JobRunState === 'STARTING') {
          run.JobRunState = 'RUNNING';
          run.LastModifiedOn = new Date();
        }
      },
    });
    run.output = result.stdout;
    run.errors = result.stderr;
    await writeFile(join(dir, 'output.log'), result.stdout);
    await writeFile(join(dir, 'error.log'), result.stderr);
    const now = new Date();
    await Promise.all([
      putLog(this.ctx.options.motoUrl, run.region, '/aws-glue/python-jobs/output', run.Id, result.stdout, now),
      putLog(this.ctx.options.motoUrl, run.region, '/aws-glue/python-jobs/error', run.Id, result.stderr, now),
    ]).catch(() => undefined);
    if (result.killed === 'stopped') return this.finish(run, 'STOPPED');
    if (result.killed === 'timeout') return this.finish(run, 'TIMEOUT', `Job run timed out after ${run.Timeout} minute${run.Timeout === 1 ? '' : 's'} (the job's Timeout)`);
    if (result.code === 0) return this.finish(run, 'SUCCEEDED');
    this.finish(run, 'FAILED', lastLine(result.stderr) || `the script exited with code ${result.code}`);
  }

  private find(jobName: string, runId: string): JobRun | undefined {
    return this.runs.get(jobName)?.find((r) => r.Id === runId);
  }

  private getJobRun(input: Record<string, unknown>) {
    const jobName = str(input, 'JobName', true);
    const runId = str(input, 'RunId', true);
    const run = this.find(jobName, runId);
    if (!run) throw new AwsError('EntityNotFoundException', `Job Run ${runId} not found`);
    return { JobRun: shape(run) };
  }

  private getJobRuns(input: Record<string, unknown>) {
    const jobName = str(input, 'JobName', true);
    const max = typeof input.MaxResults === 'number' ? input.MaxResults : 100;
    if (max < 1 || max > 200) throw new AwsError('InvalidInputException', 'MaxResults must be between 1 and 200');
    const start = Number(str(input, 'NextToken') ?? '0');
    const all = this.runs.get(jobName) ?? [];
    const page = all.slice(start, start + max);
    return { JobRuns: page.map(shape), ...(start + max < all.length ? { NextToken: String(start + max) } : {}) };
  }

  private batchStop(input: Record<string, unknown>) {
    const jobName = str(input, 'JobName', true);
    const ids = input.JobRunIds;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > 25 || ids.some((i) => typeof i !== 'string')) {
      throw new AwsError('InvalidInputException', 'JobRunIds must list 1 to 25 job run ids');
    }
    const ok: Array<{ JobName: string; JobRunId: string }> = [];
    const errors: Array<{ JobName: string; JobRunId: string; ErrorDetail: { ErrorCode: string; ErrorMessage: string } }> = [];
    for (const id of ids as string[]) {
      const run = this.find(jobName, id);
      if (!run) errors.push({ JobName: jobName, JobRunId: id, ErrorDetail: { ErrorCode: 'EntityNotFoundException', ErrorMessage: `Job Run ${id} not found` } });
      else if (FINISHED.includes(run.JobRunState)) {
        errors.push({ JobName: jobName, JobRunId: id, ErrorDetail: { ErrorCode: 'InvalidInputException', ErrorMessage: `Job Run ${id} is in ${run.JobRunState} state and cannot be stopped` } });
      } else {
        run.JobRunState = 'STOPPING';
        run.LastModifiedOn = new Date();
        run.stop.abort();
        ok.push({ JobName: jobName, JobRunId: id });
      }
    }
    return { SuccessfulSubmissions: ok, Errors: errors };
  }

  /** The run's output and error logs (kept in memory for the run's life; tests and `logs`). */
  logsOf(jobName: string, runId: string): { output: string; errors: string } | undefined {
    const run = this.find(jobName, runId);
    return run && { output: run.output, errors: run.errors };
  }

  // --- crawlers ---------------------------------------------------------------------------------

  private crawl(name: string): CrawlState {
    let c = this.crawls.get(name);
    if (!c) {
      c = { state: 'READY', lastRuntime: 0, runtimes: [], tablesCreated: 0, tablesUpdated: 0 };
      this.crawls.set(name, c);
    }
    return c;
  }

  private async startCrawler(region: string, input: Record<string, unknown>): Promise<Record<string, never>> {
    const name = str(input, 'Name', true);
    let crawler: Crawler;
    try {
      crawler = (await (await this.ctx.moto(region).glue()).send(new GetCrawlerCommand({ Name: name }))).Crawler!;
    } catch (error) {
      throw fromSdkError(error);
    }
    const state = this.crawl(name);
    if (state.state !== 'READY') throw new AwsError('CrawlerRunningException', `Crawler with name ${name} has already started`);
    state.state = 'RUNNING';
    state.startedAt = new Date();
    void this.runCrawl(region, crawler, state);
    return {};
  }

  private async runCrawl(region: string, crawler: Crawler, state: CrawlState): Promise<void> {
    const started = state.startedAt!;
    let status: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED';
    let message: string | undefined;
    try {
      const counts = await this.catalogTargets(region, crawler);
      state.tablesCreated = counts.created;
      state.tablesUpdated = counts.updated;
    } catch (error) {
      status = 'FAILED';
      message = (error as Error).message;
    }
    if (state.state !== 'RUNNING' && state.state !== 'STOPPING') return;
    state.state = 'STOPPING';
    const runtime = (Date.now() - started.getTime()) / 1000;
    setTimeout(() => {
      if (this.crawls.get(crawler.Name!) !== state) return;
      state.state = 'READY';
      state.lastRuntime = runtime;
      state.runtimes.push(runtime);
      state.lastCrawl = {
        Status: state.lastCrawl?.Status === 'CANCELLED' ? 'CANCELLED' : status,
        ...(message ? { ErrorMessage: message } : {}),
        LogGroup: '/aws-glue/crawlers',
        LogStream: crawler.Name!,
        MessagePrefix: randomUUID(),
        StartTime: started,
      };
    }, 100);
  }

  /** One table per S3 target, named after the target's last path segment, in the crawler's database. */
  private async catalogTargets(region: string, crawler: Crawler): Promise<{ created: number; updated: number }> {
    const glue = await this.ctx.moto(region).glue();
    const s3 = await this.ctx.moto(region).s3();
    const database = crawler.DatabaseName;
    if (!database) throw new Error('the crawler has no DatabaseName');
    try {
      await glue.send(new GetDatabaseCommand({ Name: database }));
    } catch {
      throw new Error(`Database ${database} not found`);
    }
    let created = 0;
    let updated = 0;
    const unsupported = Object.entries(crawler.Targets ?? {}).filter(([k, v]) => k !== 'S3Targets' && Array.isArray(v) && v.length > 0);
    if (unsupported.length) throw new Error(`the local endpoint crawls S3 targets only (this crawler has ${unsupported.map(([k]) => k).join(', ')})`);
    for (const target of crawler.Targets?.S3Targets ?? []) {
      const loc = parseS3Uri(target.Path ?? '');
      if (!loc) throw new Error(`S3 target ${target.Path} is not an s3:// path`);
      const keys = (await listKeys(s3, loc)).filter((k) => !basename(k).startsWith('.') && !basename(k).startsWith('_'));
      if (keys.length === 0) continue;
      const sample = (await getBytes(s3, { bucket: loc.bucket, key: keys[0]! })).subarray(0, 1 << 20).toString('utf8');
      const schema = inferCsvSchema(sample);
      if (!schema) continue;
      const folder = loc.key.replace(/\/+$/, '').split('/').pop() || loc.bucket;
      const tableName = `${crawler.TablePrefix ?? ''}${folder}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
      const table = {
        Name: tableName,
        TableType: 'EXTERNAL_TABLE',
        Parameters: {
          classification: 'csv',
          delimiter: ',',
          typeOfData: 'file',
          columnsOrdered: 'true',
          areColumnsQuoted: 'false',
          ...(schema.hasHeader ? { 'skip.header.line.count': '1' } : {}),
          UPDATED_BY_CRAWLER: crawler.Name!,
          CrawlerSchemaSerializerVersion: '1.0',
          CrawlerSchemaDeserializerVersion: '1.0',
        },
        StorageDescriptor: {
          Columns: schema.columns,
          Location: `s3://${loc.bucket}/${loc.key.endsWith('/') || loc.key === '' ? loc.key : `${loc.key}/`}`,
          InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
          OutputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
          Compressed: false,
          NumberOfBuckets: -1,
          SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe', Parameters: { 'field.delim': ',' } },
          Parameters: { classification: 'csv', delimiter: ',', typeOfData: 'file' },
          StoredAsSubDirectories: false,
        },
      };
      try {
        await glue.send(new CreateTableCommand({ DatabaseName: database, TableInput: table }));
        created++;
      } catch (error) {
        if ((error as { name?: string }).name !== 'AlreadyExistsException') throw error;
        if (crawler.SchemaChangePolicy?.UpdateBehavior === 'LOG') continue;
        await glue.send(new UpdateTableCommand({ DatabaseName: database, TableInput: table }));
        updated++;
      }
    }
    return { created, updated };
  }

  private stopCrawler(input: Record<string, unknown>): Record<string, never> {
    const name = str(input, 'Name', true);
    const state = this.crawls.get(name);
    if (!state || state.state === 'READY') throw new AwsError('CrawlerNotRunningException', `Crawler with name ${name} is not running`);
    if (state.state === 'STOPPING') throw new AwsError('CrawlerStoppingException', `Crawler with name ${name} is stopping`);
    state.lastCrawl = { Status: 'CANCELLED', LogGroup: '/aws-glue/crawlers', LogStream: name, MessagePrefix: randomUUID(), StartTime: state.startedAt! };
    state.state = 'STOPPING';
    return {};
  }

  private crawlerMetrics(input: Record<string, unknown>) {
    const names = Array.isArray(input.CrawlerNameList) ? (input.CrawlerNameList as unknown[]).filter((n): n is string => typeof n === 'string') : [...this.crawls.keys()];
    return {
      CrawlerMetricsList: names.map((name) => {
        const c = this.crawl(name);
        const sorted = [...c.runtimes].sort((a, b) => a - b);
        return {
          CrawlerName: name,
          TimeLeftSeconds: 0,
          StillEstimating: c.state === 'RUNNING',
          LastRuntimeSeconds: c.lastRuntime,
          MedianRuntimeSeconds: sorted.length ? sorted[Math.floor(sorted.length / 2)]! : 0,
          TablesCreated: c.tablesCreated,
          TablesUpdated: c.tablesUpdated,
          TablesDeleted: 0,
        };
      }),
    };
  }

  private overlayCrawlers(reply: { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }): Reply {
    const headers = Object.fromEntries(Object.entries(reply.headers).filter(([k, v]) => typeof v === 'string' && !['content-length', 'transfer-encoding'].includes(k))) as Record<string, string>;
    if (reply.status !== 200) return { status: reply.status, headers, body: reply.body };
    const body = JSON.parse(reply.body.toString('utf8')) as { Crawler?: Record<string, unknown>; Crawlers?: Array<Record<string, unknown>> };
    const overlay = (c: Record<string, unknown>) => {
      const state = this.crawls.get(String(c.Name));
      if (!state) return c;
      return {
        ...c,
        State: state.state,
        ...(state.lastCrawl ? { LastCrawl: { ...state.lastCrawl, StartTime: epoch(state.lastCrawl.StartTime) } } : {}),
        ...(state.state === 'RUNNING' && state.startedAt ? { CrawlElapsedTime: Date.now() - state.startedAt.getTime() } : {}),
      };
    };
    if (body.Crawler) body.Crawler = overlay(body.Crawler);
    if (body.Crawlers) body.Crawlers = body.Crawlers.map(overlay);
    return { status: 200, headers, body: JSON.stringify(body) };
  }
}

function shape(run: JobRun) {
  return {
    Id: run.Id,
    Attempt: run.Attempt,
    JobName: run.JobName,
    StartedOn: epoch(run.StartedOn),
    LastModifiedOn: epoch(run.LastModifiedOn),
    ...(run.CompletedOn ? { CompletedOn: epoch(run.CompletedOn) } : {}),
    JobRunState: run.JobRunState,
    Arguments: run.Arguments,
    ...(run.ErrorMessage ? { ErrorMessage: run.ErrorMessage } : {}),
    PredecessorRuns: [],
    ExecutionTime: run.ExecutionTime,
    Timeout: run.Timeout,
    ...(run.MaxCapacity !== undefined ? { MaxCapacity: run.MaxCapacity } : {}),
    ...(run.GlueVersion ? { GlueVersion: run.GlueVersion } : {}),
    LogGroupName: '/aws-glue/python-jobs',
  };
}
