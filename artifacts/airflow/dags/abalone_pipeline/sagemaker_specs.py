"""Request bodies for the SageMaker training job, model, batch transform and endpoint config."""
import json
import os
from typing import Any, Dict, List

from abalone_pipeline import layout

XGBOOST_VERSION = "1.7-1"
# Accounts of the sagemaker-xgboost 1.7-1 image by region, as in the SageMaker Python SDK's
# image_uri_config/xgboost.json; used when that SDK is not installed on the worker. The one table:
# the CLI reads the same file to pin the SageMaker role's ECR permission to the region's account.
_ACCOUNTS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "xgboost_accounts.json")
with open(_ACCOUNTS_FILE, encoding="utf-8") as _table:
    XGBOOST_ACCOUNTS = json.load(_table)["accounts"]

HYPERPARAMETERS = {
    "objective": "reg:squarederror",
    "eval_metric": "rmse",
    "num_round": "200",
    "early_stopping_rounds": "10",
    "max_depth": "5",
    "eta": "0.1",
    "min_child_weight": "6",
    "subsample": "0.8",
}
TRAINING_INSTANCE_TYPE = "ml.m5.large"
TRANSFORM_INSTANCE_TYPE = "ml.m5.large"
ENDPOINT_INSTANCE_TYPE = "ml.m5.large"
MAX_TRAINING_SECONDS = 3600
VARIANT_NAME = "AllTraffic"


def xgboost_image_uri(region: str) -> str:
    try:
        from sagemaker import image_uris
    except ImportError:
        pass
    else:
        return image_uris.retrieve("xgboost", region=region, version=XGBOOST_VERSION)
    account = XGBOOST_ACCOUNTS.get(region)
    if account is None:
        raise ValueError("no SageMaker XGBoost {} image is known for region {}".format(XGBOOST_VERSION, region))
    domain = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return "{}.dkr.ecr.{}.{}/sagemaker-xgboost:{}".format(account, region, domain, XGBOOST_VERSION)


def tags(config: Dict[str, Any]) -> List[Dict[str, str]]:
    return [{"Key": layout.TAG_KEY, "Value": config["name"]}]


def _csv_channel(channel: str, uri: str) -> Dict[str, Any]:
    return {
        "ChannelName": channel,
        "DataSource": {
            "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri, "S3DataDistributionType": "FullyReplicated"}
        },
        "ContentType": "text/csv",
        "CompressionType": "None",
    }


def training_job_config(config: Dict[str, Any]) -> Dict[str, Any]:
    """CreateTrainingJob request: built-in XGBoost on processed/training and processed/validation."""
    name, bucket = config["name"], config["bucket"]
    return {
        "TrainingJobName": layout.resource_name(name, "train", config["run_suffix"]),
        "AlgorithmSpecification": {"TrainingImage": xgboost_image_uri(config["region"]), "TrainingInputMode": "File"},
        "RoleArn": config["sagemaker_role_arn"],
        "HyperParameters": dict(HYPERPARAMETERS),
        "InputDataConfig": [
            _csv_channel("train", layout.s3_uri(bucket, layout.processed_folder(name, "training"))),
            _csv_channel("validation", layout.s3_uri(bucket, layout.processed_folder(name, "validation"))),
        ],
        "OutputDataConfig": {"S3OutputPath": layout.s3_uri(bucket, layout.models_prefix(name))},
        "ResourceConfig": {"InstanceType": TRAINING_INSTANCE_TYPE, "InstanceCount": 1, "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": MAX_TRAINING_SECONDS},
        "Tags": tags(config),
    }


def transform_config(config: Dict[str, Any], training: Dict[str, Any]) -> Dict[str, Any]:
    """SageMakerTransformOperator config: a model from the training job, then a batch transform
    of processed/testing-features/ writing one prediction per line under evaluation/transform/."""
    name, bucket, suffix = config["name"], config["bucket"], config["run_suffix"]
    model_name = layout.resource_name(name, "model", suffix)
    return {
        "Model": {
            "ModelName": model_name,
            "PrimaryContainer": {
                "Image": training["AlgorithmSpecification"]["TrainingImage"],
                "ModelDataUrl": training["ModelArtifacts"]["S3ModelArtifacts"],
            },
            "ExecutionRoleArn": config["sagemaker_role_arn"],
            "Tags": tags(config),
        },
        "Transform": {
            "TransformJobName": layout.resource_name(name, "transform", suffix),
            "ModelName": model_name,
            "BatchStrategy": "MultiRecord",
            "MaxPayloadInMB": 6,
            "TransformInput": {
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "S3Prefix",
                        "S3Uri": layout.s3_uri(bucket, layout.processed_folder(name, layout.TESTING_FEATURES)),
                    }
                },
                "ContentType": "text/csv",
                "SplitType": "Line",
                "CompressionType": "None",
            },
            "TransformOutput": {
                "S3OutputPath": layout.s3_uri(bucket, layout.transform_output_prefix(name, suffix)),
                "Accept": "text/csv",
                "AssembleWith": "Line",
            },
            "TransformResources": {"InstanceType": TRANSFORM_INSTANCE_TYPE, "InstanceCount": 1},
            "Tags": tags(config),
        },
    }


def endpoint_config_request(config: Dict[str, Any], model_name: str) -> Dict[str, Any]:
    """CreateEndpointConfig request: a new config per deployment, so the endpoint can switch to it."""
    return {
        "EndpointConfigName": layout.resource_name(config["name"], "config", config["run_suffix"]),
        "ProductionVariants": [
            {
                "VariantName": VARIANT_NAME,
                "ModelName": model_name,
                "InitialInstanceCount": 1,
                "InstanceType": ENDPOINT_INSTANCE_TYPE,
                "InitialVariantWeight": 1.0,
            }
        ],
        "Tags": tags(config),
    }
