"""Python callables of the abalone pipeline DAG.

Airflow passes each callable the context values it names (ti, params); upstream results come
from XCom. Nothing here imports Airflow at module level, and no AWS call happens at import.
"""
import json
import logging
import math
from typing import Any, Dict, Optional

import boto3

from abalone_pipeline import config as pipeline_config
from abalone_pipeline import deploy, evaluation, sagemaker_specs

LOAD_CONFIG = "load_config"
TRAIN = "train"
BATCH_TRANSFORM = "batch_transform"
ANALYZE = "analyze"
DEPLOY = "deploy"
REJECT = "reject"

log = logging.getLogger(__name__)


def airflow_ssm_prefix() -> str:
    """MWAA sets this from the environment's AirflowConfigurationOptions key abalone.ssm_prefix."""
    from airflow.configuration import conf

    return conf.get("abalone", "ssm_prefix")


def _config(ti) -> Dict[str, Any]:
    config = ti.xcom_pull(task_ids=LOAD_CONFIG)
    if not config:
        raise RuntimeError("no configuration in XCom from task {}".format(LOAD_CONFIG))
    return config


def _client(service: str, config: Dict[str, Any]):
    return boto3.client(service, region_name=config["region"])


def load_config_task(ssm_prefix: Optional[str] = None) -> Dict[str, Any]:
    prefix = ssm_prefix or airflow_ssm_prefix()
    region = boto3.session.Session().region_name
    config = pipeline_config.load_config(boto3.client("ssm", region_name=region), prefix, region)
    log.info("pipeline %s, bucket %s, run suffix %s", config["name"], config["bucket"], config["run_suffix"])
    return config


def prepare_training_task(ti) -> Dict[str, Any]:
    return sagemaker_specs.training_job_config(_config(ti))


def prepare_evaluation_task(ti) -> Dict[str, Any]:
    training = ti.xcom_pull(task_ids=TRAIN)["Training"]
    return sagemaker_specs.transform_config(_config(ti), training)


def write_evaluation_task(ti) -> Dict[str, Any]:
    config = _config(ti)
    transform = ti.xcom_pull(task_ids=BATCH_TRANSFORM)["Transform"]
    return evaluation.evaluate(_client("s3", config), config, transform["TransformOutput"]["S3OutputPath"])


def invoke_analyze(lambda_client, function_name: str, event: Dict[str, Any]) -> Dict[str, Any]:
    """Invoke analyze_results synchronously; a function error fails the task with its message."""
    response = lambda_client.invoke(
        FunctionName=function_name,
        InvocationType="RequestResponse",
        Payload=json.dumps(event).encode("utf-8"),
    )
    payload = response["Payload"].read().decode("utf-8")
    if response.get("FunctionError"):
        raise RuntimeError("Lambda {} failed: {}".format(function_name, payload))
    metrics = json.loads(payload)
    rmse = metrics.get("rmse") if isinstance(metrics, dict) else None
    if isinstance(rmse, bool) or not isinstance(rmse, (int, float)) or not math.isfinite(rmse):
        raise RuntimeError("Lambda {} returned no finite rmse: {}".format(function_name, payload))
    return metrics


def analyze_task(ti) -> Dict[str, Any]:
    config = _config(ti)
    event = {"bucket": config["bucket"], "key": config["evaluation_key"]}
    metrics = invoke_analyze(_client("lambda", config), config["analyze_function"], event)
    log.info("evaluation metrics: %s", metrics)
    return metrics


def decide(rmse: float, threshold: float) -> str:
    """Deploy a model whose test RMSE is at or below the threshold; reject it otherwise."""
    return DEPLOY if rmse <= threshold else REJECT


def effective_threshold(config: Dict[str, Any], params: Optional[Dict[str, Any]]) -> float:
    """The run's `rmse_threshold` param (set when triggering by hand) wins over the SSM value."""
    override = (params or {}).get("rmse_threshold")
    if override is None:
        return float(config["rmse_threshold"])
    return pipeline_config.parse_threshold(str(override))


def choose_branch_task(ti, params: Optional[Dict[str, Any]] = None) -> str:
    rmse = float(ti.xcom_pull(task_ids=ANALYZE)["rmse"])
    threshold = effective_threshold(_config(ti), params)
    branch = decide(rmse, threshold)
    log.info("rmse %.4f, threshold %.4f: %s", rmse, threshold, branch)
    return branch


def deploy_task(ti) -> Dict[str, Any]:
    config = _config(ti)
    model_name = ti.xcom_pull(task_ids=BATCH_TRANSFORM)["Transform"]["ModelName"]
    result = deploy.deploy_model(
        _client("sagemaker", config),
        config["endpoint_name"],
        sagemaker_specs.endpoint_config_request(config, model_name),
        sagemaker_specs.tags(config),
    )
    log.info("endpoint %s: %s to %s", result["endpointName"], result["action"], result["endpointConfigName"])
    return result


def reject_task(ti, params: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    rmse = float(ti.xcom_pull(task_ids=ANALYZE)["rmse"])
    threshold = effective_threshold(_config(ti), params)
    log.warning("model rejected: rmse %.4f is above the threshold %.4f; the endpoint keeps its model", rmse, threshold)
    return {"rejected": True, "rmse": rmse, "threshold": threshold}
