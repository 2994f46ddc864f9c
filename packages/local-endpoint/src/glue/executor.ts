/**
 * Glue job runs the local endpoint performs: Python shell jobs (crawls are crawls.ts).
 * moto keeps the definitions (jobs); this executor owns the job runs.
 * Behaviour from the Glue API reference (https://docs.aws.amazon.com/glue/latest/webapi/) and
 * "Python shell jobs in AWS Glue" (https://docs.aws.amazon.com/glue/latest/dg/add-job-python.html).
 */
import { GetJobCommand, type Job } from '@aws-sdk/client-glue';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, delimiter, join } from 'node:path';
import { pythonDir } from '../python-env.js';
import { lastLine } from '../compute/children.js';
import { putLog } from '../compute/cloudwatch-logs.js';
import type { ComputeContext } from '../compute/context.js';
import { AwsError, epoch, fromSdkError, jsonBody, jsonReply, str, type ServiceRequest, type Reply } from '../protocol.js';
import { getBytes, parseS3Uri } from '../compute/s3-files.js';

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

const PYTHONSHELL_ONLY = 'the local endpoint runs Python shell jobs only';

export class GlueExecutor {
  private runs = new Map<string, JobRun[]>();

  constructor(private readonly ctx: ComputeContext) {}

  /** The operations this executor owns; undefined for the rest (they go to moto). */
  async handle(req: ServiceRequest, op: string): Promise<Reply | undefined> {
    switch (op) {
      case 'StartJobRun':
        return jsonReply(await this.startJobRun(req.region, jsonBody(req.body)));
      case 'GetJobRun':
        return jsonReply(this.getJobRun(jsonBody(req.body)));
      case 'GetJobRuns':
        return jsonReply(this.getJobRuns(jsonBody(req.body)));
      case 'BatchStopJobRun':
        return jsonReply(this.batchStop(jsonBody(req.body)));
      default:
        return undefined;
    }
  }

  reset(): void {
    for (const list of this.runs.values()) for (const run of list) run.stop.abort();
    this.runs.clear();
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
