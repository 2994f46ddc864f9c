/**
 * The pipeline's own work through the local endpoint: `up` uploads the ETL scripts and the UCI data
 * and defines the Glue job (src/steps/ensure-glue.ts, glue/specs.ts); the job runs the real
 * abalone_etl_pythonshell.py with abalone_etl_core.py as --extra-py-files; then the DAG's own
 * request builders (artifacts/airflow/dags/abalone_pipeline/sagemaker_specs.py) train XGBoost on
 * the ETL's output and batch-transform the test split, as the DAG's operators send them (boto3);
 * the predictions' RMSE against the test labels is below 2.6.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { runCli, parseJson } from '../support/cli.js';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';
import { runPython } from '../support/compute.js';

const DAGS = fileURLToPath(new URL('../../artifacts/airflow/dags', import.meta.url));
const STEPS = 'ensure-bucket,upload-data,upload-airflow,ensure-roles,ensure-glue';

let endpoint: TestEndpoint;

beforeAll(async () => {
  endpoint = await startLocalEndpoint();
});

afterAll(async () => {
  await endpoint?.stop();
});

const PIPELINE = `
import json, sys, time, boto3
from abalone_pipeline import layout, sagemaker_specs

def wait(read, done):
    while True:
        value = read()
        if done(value):
            return value
        time.sleep(0.25)

glue, sm, s3 = boto3.client("glue"), boto3.client("sagemaker"), boto3.client("s3")
account = boto3.client("sts").get_caller_identity()["Account"]
job = sys.argv[1]
bucket = sys.argv[2]
run_id = glue.start_job_run(JobName=job)["JobRunId"]
run = wait(lambda: glue.get_job_run(JobName=job, RunId=run_id)["JobRun"], lambda r: r["JobRunState"] not in ("STARTING", "RUNNING", "STOPPING"))
if run["JobRunState"] != "SUCCEEDED":
    print(json.dumps({"etl": run["JobRunState"], "error": run.get("ErrorMessage")}))
    sys.exit(0)
config = {"name": "abalone", "bucket": bucket, "region": "us-east-1", "run_suffix": "localtest",
          "sagemaker_role_arn": "arn:aws:iam::{}:role/abalone-sagemaker-us-east-1".format(account)}
training = sagemaker_specs.training_job_config(config)
sm.create_training_job(**training)
described = wait(lambda: sm.describe_training_job(TrainingJobName=training["TrainingJobName"]), lambda d: d["TrainingJobStatus"] not in ("InProgress", "Stopping"))
if described["TrainingJobStatus"] != "Completed":
    print(json.dumps({"etl": "SUCCEEDED", "training": described["TrainingJobStatus"], "error": described.get("FailureReason")}))
    sys.exit(0)
specs = sagemaker_specs.transform_config(config, described)
sm.create_model(**specs["Model"])
sm.create_transform_job(**specs["Transform"])
transform = wait(lambda: sm.describe_transform_job(TransformJobName=specs["Transform"]["TransformJobName"]), lambda d: d["TransformJobStatus"] not in ("InProgress", "Stopping"))
out_prefix = layout.transform_output_prefix("abalone", "localtest")
predictions = s3.get_object(Bucket=bucket, Key=out_prefix + "part-00000.csv.out")["Body"].read().decode().split()
testing = s3.get_object(Bucket=bucket, Key=layout.processed_folder("abalone", "testing") + "part-00000.csv")["Body"].read().decode().split()
labels = [float(line.split(",")[0]) for line in testing]
rmse = (sum((float(p) - y) ** 2 for p, y in zip(predictions, labels)) / len(labels)) ** 0.5
print(json.dumps({"etl": "SUCCEEDED", "training": "Completed", "transform": transform["TransformJobStatus"],
                  "rmse": rmse, "predictions": len(predictions), "labels": len(labels),
                  "metrics": {m["MetricName"]: m["Value"] for m in described["FinalMetricDataList"]}}))
`;

describe('the abalone ETL, training and transform through the local endpoint', () => {
  it('runs the real Glue ETL on the UCI data, trains XGBoost on its output, and transforms the test split with RMSE < 2.6', async () => {
    const up = await runCli(['up', '--yes', '--json', '--only', STEPS], { env: endpoint.env });
    expect(up.code, up.stderr).toBe(0);
    const doc = parseJson(up);
    expect(doc.steps.map((s: { status: string }) => s.status)).not.toContain('failed');
    const bucket = 'abalone-data-us-east-1-123456789012';
    const result = await runPython(PIPELINE, { env: { ...endpoint.env, PYTHONPATH: DAGS }, args: ['abalone-etl-job', bucket] });
    expect(result, JSON.stringify(result)).toMatchObject({ etl: 'SUCCEEDED', training: 'Completed', transform: 'Completed' });
    expect(result.predictions).toBe(result.labels);
    expect(result.labels).toBeGreaterThan(100);
    expect(result.metrics['validation:rmse']).toBeGreaterThan(0);
    expect(result.rmse, `test RMSE ${result.rmse}`).toBeLessThan(2.6);
  });
});
