/**
 * SageMaker work the local endpoint performs, through the SDK and boto3, written from AWS's
 * documentation: DescribeTrainingJob / StopTrainingJob / CreateTransformJob / CreateEndpoint /
 * DescribeEndpoint API references (https://docs.aws.amazon.com/sagemaker/latest/APIReference/),
 * the built-in XGBoost algorithm page (https://docs.aws.amazon.com/sagemaker/latest/dg/xgboost.html:
 * CSV with the label first and no header, `xgboost-model` in model.tar.gz, validation:rmse) and
 * InvokeEndpoint (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateTrainingJobCommand,
  CreateTransformJobCommand,
  DeleteEndpointCommand,
  DescribeEndpointCommand,
  DescribeTrainingJobCommand,
  DescribeTransformJobCommand,
  ListModelsCommand,
  ListTagsCommand,
  SageMakerClient,
  StopTrainingJobCommand,
  UpdateEndpointCommand,
  type CreateTrainingJobCommandInput,
  type DescribeTrainingJobCommandOutput,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalEndpoint, type TestEndpoint } from '../support/local-endpoint.js';
import { ROLE, XGBOOST_IMAGE, createBucket, linearRows, putText, runPython, s3Client, sdkConfig, until, xgboostPython } from '../support/compute.js';

const BUCKET = 'sagemaker-local-test';
let endpoint: TestEndpoint;
let sm: SageMakerClient;
let runtime: SageMakerRuntimeClient;
let work: string;

beforeAll(async () => {
  endpoint = await startLocalEndpoint({ ABALONE_LOCAL_ENDPOINT_DELAY: '0.3' });
  sm = new SageMakerClient(sdkConfig(endpoint));
  runtime = new SageMakerRuntimeClient(sdkConfig(endpoint));
  work = mkdtempSync(join(tmpdir(), 'local-sagemaker-test-'));
});

afterAll(async () => {
  await endpoint?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

beforeEach(async () => {
  await endpoint.reset();
  const s3 = s3Client(endpoint);
  await createBucket(s3, BUCKET);
  await putText(s3, BUCKET, 'data/train/part-00000.csv', linearRows(400, 1));
  await putText(s3, BUCKET, 'data/validation/part-00000.csv', linearRows(100, 2));
  await putText(s3, BUCKET, 'data/test/part-00000.csv', linearRows(20, 3, false));
});

const channel = (name: string, prefix: string) => ({
  ChannelName: name,
  DataSource: { S3DataSource: { S3DataType: 'S3Prefix' as const, S3Uri: `s3://${BUCKET}/${prefix}`, S3DataDistributionType: 'FullyReplicated' as const } },
  ContentType: 'text/csv',
  CompressionType: 'None' as const,
});

function trainingJob(name: string, overrides: Partial<CreateTrainingJobCommandInput> = {}): CreateTrainingJobCommandInput {
  return {
    TrainingJobName: name,
    AlgorithmSpecification: { TrainingImage: XGBOOST_IMAGE, TrainingInputMode: 'File' },
    RoleArn: ROLE,
    HyperParameters: { objective: 'reg:squarederror', num_round: '40', early_stopping_rounds: '5', max_depth: '3', eta: '0.3' },
    InputDataConfig: [channel('train', 'data/train/'), channel('validation', 'data/validation/')],
    OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/models` },
    ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 5 },
    StoppingCondition: { MaxRuntimeInSeconds: 600 },
    ...overrides,
  };
}

const finished = (d: DescribeTrainingJobCommandOutput) => !['InProgress', 'Stopping'].includes(d.TrainingJobStatus!);
const describeTraining = (name: string) => until(() => sm.send(new DescribeTrainingJobCommand({ TrainingJobName: name })), finished);

async function trainAndDeployModel(job: string, model: string): Promise<string> {
  await sm.send(new CreateTrainingJobCommand(trainingJob(job)));
  const done = await describeTraining(job);
  expect(done.TrainingJobStatus, done.FailureReason).toBe('Completed');
  await sm.send(new CreateModelCommand({ ModelName: model, ExecutionRoleArn: ROLE, PrimaryContainer: { Image: XGBOOST_IMAGE, ModelDataUrl: done.ModelArtifacts!.S3ModelArtifacts } }));
  return done.ModelArtifacts!.S3ModelArtifacts!;
}

describe('CreateTrainingJob with the built-in XGBoost 1.7-1 image', () => {
  it('reaches Completed with model.tar.gz under <S3OutputPath>/<job>/output/, validation:rmse and the secondary statuses', async () => {
    await sm.send(new CreateTrainingJobCommand(trainingJob('train-ok')));
    const done = await describeTraining('train-ok');
    expect(done.TrainingJobStatus, done.FailureReason).toBe('Completed');
    expect(done.SecondaryStatus).toBe('Completed');
    expect(done.ModelArtifacts?.S3ModelArtifacts).toBe(`s3://${BUCKET}/models/train-ok/output/model.tar.gz`);
    expect(done.SecondaryStatusTransitions?.map((t) => t.Status)).toEqual(['Starting', 'Downloading', 'Training', 'Uploading', 'Completed']);
    const rmse = done.FinalMetricDataList?.find((m) => m.MetricName === 'validation:rmse');
    expect(rmse?.Value).toBeGreaterThan(0);
    expect(rmse!.Value!).toBeLessThan(0.5);
    expect(done.TrainingStartTime).toBeInstanceOf(Date);
    expect(done.TrainingEndTime).toBeInstanceOf(Date);
  });

  it('writes an artifact a separate XGBoost load reads, predicting what batch transform and InvokeEndpoint answer', async () => {
    const artifact = await trainAndDeployModel('train-art', 'model-art');
    const s3 = s3Client(endpoint);
    const tar = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: artifact.replace(`s3://${BUCKET}/`, '') }));
    const tarFile = join(work, 'model.tar.gz');
    writeFileSync(tarFile, Buffer.from(await tar.Body!.transformToByteArray()));
    const features = linearRows(20, 3, false);
    writeFileSync(join(work, 'features.csv'), features);
    const own = (await runPython(
      [
        'import json, sys, tarfile, numpy, xgboost',
        'archive = tarfile.open(sys.argv[1])',
        'assert archive.getnames() == ["xgboost-model"], archive.getnames()',
        'archive.extract("xgboost-model", sys.argv[3])',
        'booster = xgboost.Booster(); booster.load_model(sys.argv[3] + "/xgboost-model")',
        'data = numpy.loadtxt(sys.argv[2], delimiter=",", ndmin=2)',
        'print(json.dumps(booster.predict(xgboost.DMatrix(data)).tolist()))',
      ].join('\n'),
      { python: xgboostPython(), args: [tarFile, join(work, 'features.csv'), work] },
    )) as number[];
    expect(own).toHaveLength(20);

    await sm.send(
      new CreateTransformJobCommand({
        TransformJobName: 'transform-art',
        ModelName: 'model-art',
        TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/data/test/` } }, ContentType: 'text/csv', SplitType: 'Line' },
        TransformOutput: { S3OutputPath: `s3://${BUCKET}/transform/`, AssembleWith: 'Line' },
        TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
      }),
    );
    const transformed = await until(
      () => sm.send(new DescribeTransformJobCommand({ TransformJobName: 'transform-art' })),
      (d) => d.TransformJobStatus !== 'InProgress',
    );
    expect(transformed.TransformJobStatus, transformed.FailureReason).toBe('Completed');
    const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'transform/part-00000.csv.out' }));
    const lines = (await out.Body!.transformToString()).trim().split('\n').map(Number);
    expect(lines).toHaveLength(20);
    lines.forEach((p, i) => expect(p).toBeCloseTo(own[i]!, 5));

    await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: 'config-art', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'model-art', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] }));
    await sm.send(new CreateEndpointCommand({ EndpointName: 'endpoint-art', EndpointConfigName: 'config-art' }));
    await until(() => sm.send(new DescribeEndpointCommand({ EndpointName: 'endpoint-art' })), (d) => d.EndpointStatus === 'InService');
    const answer = await runtime.send(new InvokeEndpointCommand({ EndpointName: 'endpoint-art', ContentType: 'text/csv', Body: Buffer.from(features.split('\n').slice(0, 2).join('\n')) }));
    const served = Buffer.from(answer.Body!).toString('utf8').split(',').map(Number);
    expect(served).toHaveLength(2);
    served.forEach((p, i) => expect(p).toBeCloseTo(own[i]!, 5));
    expect(answer.ContentType).toMatch(/^text\/csv/);
  });

  it('fails a job with any other image, saying the local endpoint runs the built-in XGBoost 1.7 image only', async () => {
    await sm.send(new CreateTrainingJobCommand(trainingJob('train-other', { AlgorithmSpecification: { TrainingImage: '382416733822.dkr.ecr.us-east-1.amazonaws.com/linear-learner:1', TrainingInputMode: 'File' } })));
    const done = await describeTraining('train-other');
    expect(done.TrainingJobStatus).toBe('Failed');
    expect(done.SecondaryStatus).toBe('Failed');
    expect(done.FailureReason).toMatch(/the local endpoint runs the built-in XGBoost 1\.7 image only/);
  });

  it('fails a job whose data has a header row with the container\'s ClientError', async () => {
    const s3 = s3Client(endpoint);
    await putText(s3, BUCKET, 'header/train/part.csv', `rings,a,b,c\n${linearRows(50, 4)}`);
    await sm.send(new CreateTrainingJobCommand(trainingJob('train-header', { InputDataConfig: [channel('train', 'header/train/')] })));
    const done = await describeTraining('train-header');
    expect(done.TrainingJobStatus).toBe('Failed');
    expect(done.FailureReason).toMatch(/^ClientError: .*rings,a,b,c/);
  });

  it('StopTrainingJob stops a running job: Stopping, then Stopped with no artifact', async () => {
    const s3 = s3Client(endpoint);
    await putText(s3, BUCKET, 'big/train/part.csv', linearRows(20000, 5));
    await sm.send(new CreateTrainingJobCommand(trainingJob('train-stop', { InputDataConfig: [channel('train', 'big/train/')], HyperParameters: { num_round: '100000', max_depth: '8', eta: '0.01' } })));
    await until(() => sm.send(new DescribeTrainingJobCommand({ TrainingJobName: 'train-stop' })), (d) => d.SecondaryStatus === 'Training');
    await sm.send(new StopTrainingJobCommand({ TrainingJobName: 'train-stop' }));
    const done = await describeTraining('train-stop');
    expect(done.TrainingJobStatus).toBe('Stopped');
    expect(done.SecondaryStatus).toBe('Stopped');
    expect(done.SecondaryStatusTransitions?.map((t) => t.Status)).toContain('Stopping');
    await expect(sm.send(new StopTrainingJobCommand({ TrainingJobName: 'train-stop' }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('stops a job at its MaxRuntimeInSeconds: Stopped, secondary status MaxRuntimeExceeded', async () => {
    const s3 = s3Client(endpoint);
    await putText(s3, BUCKET, 'big/train/part.csv', linearRows(20000, 6));
    await sm.send(
      new CreateTrainingJobCommand(
        trainingJob('train-max', { InputDataConfig: [channel('train', 'big/train/')], HyperParameters: { num_round: '100000', max_depth: '8', eta: '0.01' }, StoppingCondition: { MaxRuntimeInSeconds: 2 } }),
      ),
    );
    const done = await describeTraining('train-max');
    expect(done.TrainingJobStatus).toBe('Stopped');
    expect(done.SecondaryStatus).toBe('MaxRuntimeExceeded');
  });

  it('answers malformed and unknown requests with AWS errors', async () => {
    await expect(sm.send(new CreateTrainingJobCommand(trainingJob('bad_name!')))).rejects.toMatchObject({ name: 'ValidationException' });
    await expect(sm.send(new DescribeTrainingJobCommand({ TrainingJobName: 'nope' }))).rejects.toMatchObject({ name: 'ValidationException', message: 'Requested resource not found.' });
    await sm.send(new CreateTrainingJobCommand(trainingJob('train-dup')));
    await expect(sm.send(new CreateTrainingJobCommand(trainingJob('train-dup')))).rejects.toMatchObject({ name: 'ResourceInUse' });
    await endpoint.reset();
    await expect(sm.send(new DescribeTrainingJobCommand({ TrainingJobName: 'train-dup' }))).rejects.toMatchObject({ name: 'ValidationException' });
    const raw = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'SageMaker.CreateTrainingJob', authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sagemaker/aws4_request, SignedHeaders=host, Signature=x' },
      body: '{not json',
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { __type: string }).__type).toBe('SerializationException');
  });
});

describe('endpoints and InvokeEndpoint', () => {
  it('goes Creating -> InService, serves, updates to a new config, deletes; tags and moto\'s models stay readable', async () => {
    await trainAndDeployModel('train-ep', 'model-ep');
    await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: 'config-ep', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'model-ep', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] }));
    const { EndpointArn } = await sm.send(new CreateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'config-ep', Tags: [{ Key: 'abalone-pipeline:name', Value: 'test' }] }));
    expect((await sm.send(new DescribeEndpointCommand({ EndpointName: 'ep' }))).EndpointStatus).toBe('Creating');
    // InvokeEndpoint on an endpoint not InService: SageMaker Runtime's ValidationError.
    await expect(runtime.send(new InvokeEndpointCommand({ EndpointName: 'ep', ContentType: 'text/csv', Body: Buffer.from('0.1,0.2,0.3') }))).rejects.toMatchObject({
      name: 'ValidationError',
      $metadata: { httpStatusCode: 400 },
    });
    await until(() => sm.send(new DescribeEndpointCommand({ EndpointName: 'ep' })), (d) => d.EndpointStatus === 'InService');
    expect((await sm.send(new ListTagsCommand({ ResourceArn: EndpointArn }))).Tags).toEqual([{ Key: 'abalone-pipeline:name', Value: 'test' }]);
    expect((await sm.send(new ListModelsCommand({ NameContains: 'model-' }))).Models?.map((m) => m.ModelName)).toEqual(['model-ep']);

    await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: 'config-ep2', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'model-ep', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] }));
    await sm.send(new UpdateEndpointCommand({ EndpointName: 'ep', EndpointConfigName: 'config-ep2' }));
    const updating = await sm.send(new DescribeEndpointCommand({ EndpointName: 'ep' }));
    expect(updating.EndpointStatus).toBe('Updating');
    const served = await runtime.send(new InvokeEndpointCommand({ EndpointName: 'ep', ContentType: 'text/csv', Body: Buffer.from('0.1,0.2,0.3') }));
    expect(Number(Buffer.from(served.Body!).toString())).toBeGreaterThan(-10);
    const updated = await until(() => sm.send(new DescribeEndpointCommand({ EndpointName: 'ep' })), (d) => d.EndpointStatus === 'InService');
    expect(updated.EndpointConfigName).toBe('config-ep2');

    await expect(runtime.send(new InvokeEndpointCommand({ EndpointName: 'ep', ContentType: 'text/csv', Body: Buffer.from('a,b,c') }))).rejects.toMatchObject({ name: 'ModelError' });
    await sm.send(new DeleteEndpointCommand({ EndpointName: 'ep' }));
    await until(
      () => sm.send(new DescribeEndpointCommand({ EndpointName: 'ep' })).then(() => 'there', (e: { name: string }) => e.name),
      (v) => v === 'ValidationException',
    );
    await expect(runtime.send(new InvokeEndpointCommand({ EndpointName: 'ep', ContentType: 'text/csv', Body: Buffer.from('1,2,3') }))).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('parses with boto3: describe_training_job, waiters on endpoints, invoke_endpoint and its errors', async () => {
    await trainAndDeployModel('train-boto', 'model-boto');
    const result = await runPython(
      [
        'import json, boto3',
        'sm = boto3.client("sagemaker"); rt = boto3.client("sagemaker-runtime")',
        'job = sm.describe_training_job(TrainingJobName="train-boto")',
        'sm.create_endpoint_config(EndpointConfigName="cfg-boto", ProductionVariants=[{"VariantName": "AllTraffic", "ModelName": "model-boto", "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}])',
        'sm.create_endpoint(EndpointName="ep-boto", EndpointConfigName="cfg-boto")',
        'try:',
        '    rt.invoke_endpoint(EndpointName="ep-boto", ContentType="text/csv", Body=b"1,2,3")',
        '    early = None',
        'except rt.exceptions.ValidationError as error:',
        '    early = error.response["Error"]["Code"]',
        'sm.get_waiter("endpoint_in_service").wait(EndpointName="ep-boto", WaiterConfig={"Delay": 1, "MaxAttempts": 60})',
        'answer = rt.invoke_endpoint(EndpointName="ep-boto", ContentType="text/csv", Body=b"0.1,0.2,0.3\\n0.3,0.2,0.1")',
        'sm.delete_endpoint(EndpointName="ep-boto")',
        'sm.get_waiter("endpoint_deleted").wait(EndpointName="ep-boto", WaiterConfig={"Delay": 1, "MaxAttempts": 60})',
        'logs = boto3.client("logs")',
        'streams = logs.describe_log_streams(logGroupName="/aws/sagemaker/TrainingJobs", logStreamNamePrefix="train-boto/")["logStreams"]',
        'events = [e["message"] for e in logs.get_log_events(logGroupName="/aws/sagemaker/TrainingJobs", logStreamName=streams[0]["logStreamName"])["events"]]',
        'print(json.dumps({"status": job["TrainingJobStatus"], "metrics": [m["MetricName"] for m in job["FinalMetricDataList"]], "log": events,',
        '  "transitions": [t["Status"] for t in job["SecondaryStatusTransitions"]], "early": early,',
        '  "body": answer["Body"].read().decode(), "variant": answer["InvokedProductionVariant"]}))',
      ].join('\n'),
      { env: endpoint.env },
    );
    expect(result.status).toBe('Completed');
    expect(result.metrics).toContain('validation:rmse');
    expect(result.transitions.at(-1)).toBe('Completed');
    expect(result.early).toBe('ValidationError');
    expect(result.body.split(',')).toHaveLength(2);
    expect(result.variant).toBe('AllTraffic');
    // The training output, in the group and stream SageMaker uses (/aws/sagemaker/TrainingJobs, <job>/algo-1-<epoch>).
    expect(result.log.some((line: string) => /validation-rmse:/.test(line))).toBe(true);
  });
});
