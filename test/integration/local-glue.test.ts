/**
 * Glue work the local endpoint performs, through the SDK and boto3, written from AWS's documentation:
 * StartJobRun / GetJobRun / GetJobRuns / BatchStopJobRun (https://docs.aws.amazon.com/glue/latest/webapi/),
 * job run states and Timeout (https://docs.aws.amazon.com/glue/latest/dg/job-run-statuses.html),
 * Python shell arguments and getResolvedOptions
 * (https://docs.aws.amazon.com/glue/latest/dg/aws-glue-programming-python-calling.html, awslabs/aws-glue-libs
 * awsglue/utils.py), crawlers and the built-in CSV classifier (https://docs.aws.amazon.com/glue/latest/dg/add-classifier.html).
 * ABALONE_LOCAL_GLUE_MINUTE=1 makes one minute of a job's Timeout last one second here.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  BatchStopJobRunCommand,
  CreateCrawlerCommand,
  CreateDatabaseCommand,
  CreateJobCommand,
  GetCrawlerCommand,
  GetCrawlerMetricsCommand,
  GetCrawlersCommand,
  GetJobRunCommand,
  GetJobRunsCommand,
  GetTableCommand,
  GlueClient,
  StartCrawlerCommand,
  StartJobRunCommand,
  type JobRun,
} from '@aws-sdk/client-glue';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';
import { ROLE, createBucket, putText, runPython, s3Client, sdkConfig, until } from '../support/compute.js';

const BUCKET = 'glue-local-test';
let endpoint: TestEndpoint;
let glue: GlueClient;

beforeAll(async () => {
  endpoint = await startLocalEndpoint({ ABALONE_LOCAL_GLUE_MINUTE: '1' });
  glue = new GlueClient(sdkConfig(endpoint));
});

afterAll(async () => {
  await endpoint?.stop();
});

beforeEach(async () => {
  await endpoint.reset();
  await createBucket(s3Client(endpoint), BUCKET);
});

async function pythonShellJob(name: string, script: string, options: { defaults?: Record<string, string>; timeout?: number; command?: string } = {}): Promise<void> {
  await putText(s3Client(endpoint), BUCKET, `scripts/${name}.py`, script);
  await glue.send(
    new CreateJobCommand({
      Name: name,
      Role: ROLE,
      Command: { Name: options.command ?? 'pythonshell', ScriptLocation: `s3://${BUCKET}/scripts/${name}.py`, PythonVersion: '3.9' },
      DefaultArguments: options.defaults,
      MaxCapacity: options.command === 'glueetl' ? undefined : 0.0625,
      Timeout: options.timeout ?? 10,
      ExecutionProperty: { MaxConcurrentRuns: 2 },
    }),
  );
}

const FINAL = ['SUCCEEDED', 'FAILED', 'TIMEOUT', 'STOPPED', 'ERROR'];
const waitRun = (job: string, id: string): Promise<JobRun> =>
  until(() => glue.send(new GetJobRunCommand({ JobName: job, RunId: id })).then((r) => r.JobRun!), (r) => FINAL.includes(r.JobRunState!));

describe('Python shell job runs', () => {
  it('runs the script from S3 with default and run arguments merged, --JOB_NAME/--JOB_RUN_ID, getResolvedOptions and boto3 at this endpoint', async () => {
    const script = [
      'import json, sys, boto3',
      'from awsglue.utils import getResolvedOptions',
      'args = getResolvedOptions(sys.argv, ["JOB_NAME", "bucket", "mode"])',
      'boto3.client("s3").put_object(Bucket=args["bucket"], Key="out/args.json", Body=json.dumps(args).encode())',
      'print("done")',
    ].join('\n');
    await pythonShellJob('args-job', script, { defaults: { '--bucket': BUCKET, '--mode': 'default' } });
    const { JobRunId } = await glue.send(new StartJobRunCommand({ JobName: 'args-job', Arguments: { '--mode': 'run' } }));
    const run = await waitRun('args-job', JobRunId!);
    expect(run.JobRunState, run.ErrorMessage).toBe('SUCCEEDED');
    expect(run.Id).toBe(JobRunId);
    expect(run.Arguments).toEqual({ '--mode': 'run' });
    expect(run.CompletedOn).toBeInstanceOf(Date);
    const written = await runPython('import boto3, json; print(boto3.client("s3").get_object(Bucket="glue-local-test", Key="out/args.json")["Body"].read().decode())', { env: endpoint.env });
    expect(written).toMatchObject({ JOB_NAME: 'args-job', JOB_RUN_ID: JobRunId, bucket: BUCKET, mode: 'run', job_bookmark_option: 'job-bookmark-disable' });
    expect(written.JOB_ID).toMatch(/^j_/);
  });

  it('reports a failing script as FAILED with its last error line as ErrorMessage', async () => {
    await pythonShellJob('fail-job', 'import sys\nprint("starting")\nraise ValueError("column 3 is not numeric")\n');
    const { JobRunId } = await glue.send(new StartJobRunCommand({ JobName: 'fail-job' }));
    const run = await waitRun('fail-job', JobRunId!);
    expect(run.JobRunState).toBe('FAILED');
    expect(run.ErrorMessage).toBe('ValueError: column 3 is not numeric');
    // The run's output and errors, where Glue puts a Python shell job's logs: one stream per run id.
    const logs = await runPython(
      [
        'import json, sys, boto3',
        'logs = boto3.client("logs")',
        'read = lambda group: [e["message"] for e in logs.get_log_events(logGroupName=group, logStreamName=sys.argv[1])["events"]]',
        'print(json.dumps({"output": read("/aws-glue/python-jobs/output"), "error": read("/aws-glue/python-jobs/error")}))',
      ].join('\n'),
      { env: endpoint.env, args: [JobRunId!] },
    );
    expect(logs.output).toEqual(['starting']);
    expect(logs.error.at(-1)).toBe('ValueError: column 3 is not numeric');
  });

  it('answers malformed requests with Glue\'s errors', async () => {
    const post = (target: string, body: string) =>
      fetch(endpoint.url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSGlue.${target}`, authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/glue/aws4_request, SignedHeaders=host, Signature=x' },
        body,
      });
    const bad = await post('StartJobRun', '{not json');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { __type: string }).__type).toBe('SerializationException');
    const missing = await post('GetJobRun', '{"JobName": "x"}');
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { __type: string }).__type).toBe('ValidationException');
    await expect(glue.send(new BatchStopJobRunCommand({ JobName: 'x', JobRunIds: [] }))).rejects.toMatchObject({ name: 'InvalidInputException' });
  });

  it('fails a run whose script misses a required argument with getResolvedOptions\' GlueArgumentError', async () => {
    await pythonShellJob('missing-arg', 'import sys\nfrom awsglue.utils import getResolvedOptions\ngetResolvedOptions(sys.argv, ["needed"])\n');
    const { JobRunId } = await glue.send(new StartJobRunCommand({ JobName: 'missing-arg' }));
    const run = await waitRun('missing-arg', JobRunId!);
    expect(run.JobRunState).toBe('FAILED');
    expect(run.ErrorMessage).toMatch(/GlueArgumentError: the following arguments are required: --needed/);
  });

  it('ends a run that outlives the job\'s Timeout as TIMEOUT', async () => {
    await pythonShellJob('slow-job', 'import time\ntime.sleep(120)\n', { timeout: 1 });
    const { JobRunId } = await glue.send(new StartJobRunCommand({ JobName: 'slow-job' }));
    const run = await waitRun('slow-job', JobRunId!);
    expect(run.JobRunState).toBe('TIMEOUT');
  });

  it('BatchStopJobRun stops a running run (STOPPED) and reports unknown ids in Errors', async () => {
    await pythonShellJob('stop-job', 'import time\ntime.sleep(120)\n');
    const { JobRunId } = await glue.send(new StartJobRunCommand({ JobName: 'stop-job' }));
    await until(() => glue.send(new GetJobRunCommand({ JobName: 'stop-job', RunId: JobRunId })).then((r) => r.JobRun!), (r) => r.JobRunState === 'RUNNING');
    const out = await glue.send(new BatchStopJobRunCommand({ JobName: 'stop-job', JobRunIds: [JobRunId!, 'jr_unknown'] }));
    expect(out.SuccessfulSubmissions).toEqual([{ JobName: 'stop-job', JobRunId }]);
    expect(out.Errors).toEqual([{ JobName: 'stop-job', JobRunId: 'jr_unknown', ErrorDetail: { ErrorCode: 'EntityNotFoundException', ErrorMessage: expect.any(String) } }]);
    const run = await waitRun('stop-job', JobRunId!);
    expect(run.JobRunState).toBe('STOPPED');
  });

  it('fails Spark (glueetl) runs with the reason, and answers unknown jobs and runs with EntityNotFoundException', async () => {
    await pythonShellJob('spark-job', 'print(1)\n', { command: 'glueetl' });
    const { JobRunId } = await glue.send(new StartJobRunCommand({ JobName: 'spark-job' }));
    const run = await waitRun('spark-job', JobRunId!);
    expect(run.JobRunState).toBe('FAILED');
    expect(run.ErrorMessage).toMatch(/the local endpoint runs Python shell jobs only/);
    await expect(glue.send(new StartJobRunCommand({ JobName: 'no-such-job' }))).rejects.toMatchObject({ name: 'EntityNotFoundException' });
    await expect(glue.send(new GetJobRunCommand({ JobName: 'spark-job', RunId: 'jr_nope' }))).rejects.toMatchObject({ name: 'EntityNotFoundException' });
    expect((await glue.send(new GetJobRunsCommand({ JobName: 'spark-job' }))).JobRuns?.map((r) => r.Id)).toEqual([JobRunId]);
  });
});

describe('crawlers', () => {
  it('catalogs the CSVs under the target, RUNNING -> READY with LastCrawl SUCCEEDED, overlaid on GetCrawler and GetCrawlers', async () => {
    const s3 = s3Client(endpoint);
    await putText(s3, BUCKET, 'new/batch-1.csv', 'sex,length,rings\nM,0.455,15\nF,0.53,9\n');
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'survey' } }));
    await glue.send(new CreateCrawlerCommand({ Name: 'survey-crawler', Role: ROLE, DatabaseName: 'survey', Targets: { S3Targets: [{ Path: `s3://${BUCKET}/new/` }] } }));
    await glue.send(new StartCrawlerCommand({ Name: 'survey-crawler' }));
    await expect(glue.send(new StartCrawlerCommand({ Name: 'survey-crawler' }))).rejects.toMatchObject({ name: 'CrawlerRunningException' });
    const crawler = await until(() => glue.send(new GetCrawlerCommand({ Name: 'survey-crawler' })).then((r) => r.Crawler!), (c) => c.State === 'READY' && !!c.LastCrawl);
    expect(crawler.LastCrawl?.Status).toBe('SUCCEEDED');
    expect((await glue.send(new GetCrawlersCommand({}))).Crawlers?.[0]?.LastCrawl?.Status).toBe('SUCCEEDED');
    const table = (await glue.send(new GetTableCommand({ DatabaseName: 'survey', Name: 'new' }))).Table!;
    expect(table.StorageDescriptor?.Columns).toEqual([
      { Name: 'sex', Type: 'string' },
      { Name: 'length', Type: 'double' },
      { Name: 'rings', Type: 'bigint' },
    ]);
    expect(table.Parameters).toMatchObject({ classification: 'csv', 'skip.header.line.count': '1' });
    const metrics = (await glue.send(new GetCrawlerMetricsCommand({ CrawlerNameList: ['survey-crawler'] }))).CrawlerMetricsList!;
    expect(metrics[0]).toMatchObject({ CrawlerName: 'survey-crawler', TablesCreated: 1 });
    await expect(glue.send(new StartCrawlerCommand({ Name: 'no-crawler' }))).rejects.toMatchObject({ name: 'EntityNotFoundException' });
  });

  it('parses with boto3: start_job_run, get_job_run, batch_stop_job_run, get_crawler', async () => {
    await pythonShellJob('boto-job', 'raise RuntimeError("boom")\n');
    await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: 'db2' } }));
    await glue.send(new CreateCrawlerCommand({ Name: 'c2', Role: ROLE, DatabaseName: 'db2', Targets: { S3Targets: [{ Path: `s3://${BUCKET}/none/` }] } }));
    const result = await runPython(
      [
        'import json, time, boto3',
        'glue = boto3.client("glue")',
        'run_id = glue.start_job_run(JobName="boto-job")["JobRunId"]',
        'while True:',
        '    run = glue.get_job_run(JobName="boto-job", RunId=run_id)["JobRun"]',
        '    if run["JobRunState"] in ("SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED"): break',
        '    time.sleep(0.2)',
        'stop = glue.batch_stop_job_run(JobName="boto-job", JobRunIds=[run_id])',
        'glue.start_crawler(Name="c2")',
        'while glue.get_crawler(Name="c2")["Crawler"]["State"] != "READY": time.sleep(0.2)',
        'crawler = glue.get_crawler(Name="c2")["Crawler"]',
        'print(json.dumps({"state": run["JobRunState"], "error": run["ErrorMessage"], "started": run["StartedOn"].isoformat(),',
        '  "stopErrors": [e["ErrorDetail"]["ErrorCode"] for e in stop["Errors"]], "crawl": crawler["LastCrawl"]["Status"]}))',
      ].join('\n'),
      { env: endpoint.env },
    );
    expect(result).toMatchObject({ state: 'FAILED', error: 'RuntimeError: boom', stopErrors: ['InvalidInputException'], crawl: 'SUCCEEDED' });
  });
});
