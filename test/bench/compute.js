/**
 * Bench scenario `compute` (issue #12): the pipeline's work through the local endpoint. `up`
 * defines the Glue job and uploads the ETL scripts and the UCI data; each measured run then starts
 * the real ETL job, trains the built-in XGBoost on its output with the DAG's own request
 * (artifacts/airflow/dags/abalone_pipeline/sagemaker_specs.py) and batch-transforms the test split,
 * timed from StartJobRun to the transform's Completed. Target: under 20 s in total.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { GetJobRunCommand, GlueClient, StartJobRunCommand } from '@aws-sdk/client-glue';
import { CreateModelCommand, CreateTrainingJobCommand, CreateTransformJobCommand, DescribeTrainingJobCommand, DescribeTransformJobCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { cli, mustSucceed, ROOT } from './lib.js';

const STEPS = 'ensure-bucket,upload-data,upload-airflow,ensure-roles,ensure-glue';
const BUCKET = 'abalone-data-us-east-1-123456789012';

/** The DAG's training and transform requests for one run suffix, as its operators send them. */
function dagRequests(suffix) {
  const script = [
    'import json, sys',
    'from abalone_pipeline import sagemaker_specs',
    'config = {"name": "abalone", "bucket": sys.argv[1], "region": "us-east-1", "run_suffix": sys.argv[2], "sagemaker_role_arn": "arn:aws:iam::123456789012:role/abalone-sagemaker-us-east-1"}',
    'training = sagemaker_specs.training_job_config(config)',
    'done = dict(training, ModelArtifacts={"S3ModelArtifacts": "{}{}/output/model.tar.gz".format(training["OutputDataConfig"]["S3OutputPath"], training["TrainingJobName"])})',
    'print(json.dumps({"training": training, "transform": sagemaker_specs.transform_config(config, done)}))',
  ].join('\n');
  const out = execFileSync('python3', ['-c', script, BUCKET, suffix], { env: { ...process.env, PYTHONPATH: join(ROOT, 'artifacts/airflow/dags') }, encoding: 'utf8' });
  return JSON.parse(out);
}

async function until(read, done) {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs `runs` measured passes (after one warm-up); returns [{ms, etlMs, trainMs, transformMs}]. */
export async function benchCompute({ endpoint, runs, log }) {
  await endpoint.reset();
  mustSucceed(await cli(['up', '--yes', '--only', STEPS], { env: endpoint.env }), 'up (Glue job, scripts, data)');
  const config = { endpoint: endpoint.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const glue = new GlueClient(config);
  const sm = new SageMakerClient(config);
  const results = [];
  for (let i = -1; i < runs; i++) {
    log(`bench: compute run ${i < 0 ? 'warm-up' : i + 1}`);
    const { training, transform } = dagRequests(`bench${i + 1}x${Date.now().toString(36)}`);
    const t0 = performance.now();
    const { JobRunId } = await glue.send(new StartJobRunCommand({ JobName: 'abalone-etl-job' }));
    const run = await until(() => glue.send(new GetJobRunCommand({ JobName: 'abalone-etl-job', RunId: JobRunId })).then((r) => r.JobRun), (r) => !['STARTING', 'RUNNING', 'STOPPING'].includes(r.JobRunState));
    if (run.JobRunState !== 'SUCCEEDED') throw new Error(`ETL run ${run.JobRunState}: ${run.ErrorMessage}`);
    const t1 = performance.now();
    await sm.send(new CreateTrainingJobCommand(training));
    const trained = await until(() => sm.send(new DescribeTrainingJobCommand({ TrainingJobName: training.TrainingJobName })), (d) => !['InProgress', 'Stopping'].includes(d.TrainingJobStatus));
    if (trained.TrainingJobStatus !== 'Completed') throw new Error(`training ${trained.TrainingJobStatus}: ${trained.FailureReason}`);
    const t2 = performance.now();
    await sm.send(new CreateModelCommand(transform.Model));
    await sm.send(new CreateTransformJobCommand(transform.Transform));
    const done = await until(() => sm.send(new DescribeTransformJobCommand({ TransformJobName: transform.Transform.TransformJobName })), (d) => !['InProgress', 'Stopping'].includes(d.TransformJobStatus));
    if (done.TransformJobStatus !== 'Completed') throw new Error(`transform ${done.TransformJobStatus}: ${done.FailureReason}`);
    const t3 = performance.now();
    if (i >= 0) results.push({ ms: t3 - t0, etlMs: t1 - t0, trainMs: t2 - t1, transformMs: t3 - t2 });
  }
  return results;
}
