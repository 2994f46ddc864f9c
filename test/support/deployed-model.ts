import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateEndpointCommand, CreateEndpointConfigCommand, CreateModelCommand, DescribeEndpointCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { XGBOOST_IMAGE, runPython, until, xgboostPython } from './compute.js';

/**
 * A tiny XGBoost 1.7 model of the ten features the ETL encodes (seven measurements, sex
 * one-hot), trained with Debian's python3-xgboost and packed as SageMaker's built-in XGBoost
 * container writes it: model.tar.gz holding `xgboost-model`.
 */
const TRAIN = `
import json, os, sys, tarfile
import numpy as np, xgboost as xgb
rng = np.random.default_rng(7)
x = rng.random((200, 10))
y = 5 + 20 * x[:, 4] + x[:, 0]
booster = xgb.train({"objective": "reg:squarederror", "max_depth": 3}, xgb.DMatrix(x, label=y), num_boost_round=10)
folder = sys.argv[1]
booster.save_model(os.path.join(folder, "xgboost-model"))
with tarfile.open(os.path.join(folder, "model.tar.gz"), "w:gz") as archive:
    archive.add(os.path.join(folder, "xgboost-model"), arcname="xgboost-model")
print(json.dumps({"ok": True}))
`;

export interface DeployedModel {
  readonly model: string;
  readonly config: string;
  readonly endpoint: string;
}

/**
 * Deploys a model to `<name>-endpoint` the way the DAG's deploy task does
 * (artifacts/airflow/dags/abalone_pipeline/deploy.py, sagemaker_specs.py): the model under a
 * run's name, its endpoint config, the endpoint tagged as the pipeline's; waits until InService.
 */
export async function deployModel(config: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } }, bucket: string, name = 'abalone'): Promise<DeployedModel> {
  const folder = await mkdtemp(join(tmpdir(), 'park-model-'));
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const sm = new SageMakerClient(config);
  const ssm = new SSMClient(config);
  try {
    await runPython(TRAIN, { python: xgboostPython(), args: [folder] });
    const key = `models/park-test/output/model.tar.gz`;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(join(folder, 'model.tar.gz')) }));
    const role = (await ssm.send(new GetParameterCommand({ Name: `/abalone-pipeline/${name}/sagemaker-role-arn` }))).Parameter!.Value!;
    const tags = [{ Key: 'abalone-pipeline:name', Value: name }];
    const deployed = { model: `${name}-model-20261201-100000`, config: `${name}-config-20261201-100000`, endpoint: `${name}-endpoint` };
    await sm.send(new CreateModelCommand({ ModelName: deployed.model, ExecutionRoleArn: role, PrimaryContainer: { Image: XGBOOST_IMAGE, ModelDataUrl: `s3://${bucket}/${key}` }, Tags: tags }));
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: deployed.config,
        ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: deployed.model, InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }],
        Tags: tags,
      }),
    );
    await sm.send(new CreateEndpointCommand({ EndpointName: deployed.endpoint, EndpointConfigName: deployed.config, Tags: tags }));
    const ready = await until(() => sm.send(new DescribeEndpointCommand({ EndpointName: deployed.endpoint })), (e) => e.EndpointStatus !== 'Creating');
    if (ready.EndpointStatus !== 'InService') throw new Error(`endpoint ${deployed.endpoint} is ${ready.EndpointStatus}: ${ready.FailureReason}`);
    return deployed;
  } finally {
    s3.destroy();
    sm.destroy();
    ssm.destroy();
    await rm(folder, { recursive: true, force: true });
  }
}
