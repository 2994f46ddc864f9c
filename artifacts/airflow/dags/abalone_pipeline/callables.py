"""Python callables of the abalone pipeline DAG.

Airflow passes each callable the context values it names (ti, params); upstream results come
from XCom. Nothing here imports Airflow at module level, and no AWS call happens at import.
"""
import json
import logging
import math
from datetime import datetime, timezone
from typing import Any, Dict, Optional

import boto3

from abalone_pipeline import config as pipeline_config
from abalone_pipeline import deploy, evaluation, layout, runs, sagemaker_specs

LOAD_CONFIG = "load_config"
PREPROCESS = "preprocess"
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


def require_glue_resources(glue, config: Dict[str, Any]) -> None:
    """The crawler and the ETL job must exist: the provider's operators would otherwise try to
    create them from the DAG's partial config and fail with botocore's "Missing required parameter
    Role" (GlueCrawlerHook.create_crawler) or iam get_role(RoleName=None) (GlueJobHook)."""
    checks = (
        ("Glue crawler", config["crawler_name"], lambda: glue.get_crawler(Name=config["crawler_name"])),
        ("Glue job", config["etl_job_name"], lambda: glue.get_job(JobName=config["etl_job_name"])),
    )
    for kind, name, read in checks:
        try:
            read()
        except glue.exceptions.EntityNotFoundException:
            raise RuntimeError(
                "{} {} does not exist in {}; run `abalone-pipeline up` to create it".format(kind, name, config["region"])
            ) from None


def load_config_task(ssm_prefix: Optional[str] = None) -> Dict[str, Any]:
    prefix = ssm_prefix or airflow_ssm_prefix()
    region = boto3.session.Session().region_name
    config = pipeline_config.load_config(boto3.client("ssm", region_name=region), prefix, region)
    require_glue_resources(boto3.client("glue", region_name=region), config)
    log.info("pipeline %s, bucket %s, run suffix %s", config["name"], config["bucket"], config["run_suffix"])
    return config


def forced(dag_run) -> bool:
    conf = getattr(dag_run, "conf", None) or {}
    return conf.get("force") is True


def check_new_data_task(ti, dag_run=None) -> bool:
    """ShortCircuitOperator condition: go on when batches under new/ differ from the last run's
    record, or the run's conf says {"force": true}; else every later task is skipped."""
    config = _config(ti)
    s3 = _client("s3", config)
    current = runs.new_data_files(s3, config["bucket"], config["new_prefix"])
    last = runs.latest_record(s3, config["bucket"], config["runs_prefix"])
    if forced(dag_run):
        log.info("force is set in the run's conf: retraining with %d new file(s)", len(current))
        return True
    if last is None:
        log.info("no run record yet: training on the raw data and %d new file(s)", len(current))
        return True
    if runs.has_new_data(current, last, config["new_prefix"]):
        log.info("new data since run %s: %d file(s) under %s", last.get("runId"), len(current), config["new_prefix"])
        return True
    log.info("nothing new under %s since run %s; skipping the rest of the run", config["new_prefix"], last.get("runId"))
    return False


def prepare_training_task(ti) -> Dict[str, Any]:
    config = _config(ti)
    # GlueJobHook counts a STOPPED job run as finished: train only on this run's complete output.
    runs.read_manifest(_client("s3", config), config["bucket"], config["manifest_key"], ti.xcom_pull(task_ids=PREPROCESS))
    return sagemaker_specs.training_job_config(config)


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


def _iso(value) -> str:
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat() if value.tzinfo else value.replace(tzinfo=timezone.utc).isoformat()
    return str(value)


def record_run_task(ti, dag_run=None, run_id: Optional[str] = None, params: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Write <name>_data/runs/<run id>.json for a run that decided (deploy or reject)."""
    config = _config(ti)
    deployed = ti.xcom_pull(task_ids=DEPLOY)
    rejected = ti.xcom_pull(task_ids=REJECT)
    if not deployed and not rejected:
        raise RuntimeError("neither {} nor {} returned a result; nothing to record".format(DEPLOY, REJECT))
    s3 = _client("s3", config)
    manifest = runs.read_manifest(s3, config["bucket"], config["manifest_key"], ti.xcom_pull(task_ids=PREPROCESS))
    transform = ti.xcom_pull(task_ids=BATCH_TRANSFORM)
    run_id = run_id or dag_run.run_id
    record = runs.build_record(
        run_id=run_id,
        dag_id=getattr(dag_run, "dag_id", "abalone_pipeline"),
        start=_iso(dag_run.start_date),
        end=datetime.now(timezone.utc).isoformat(),
        decision=runs.DEPLOYED if deployed else runs.REJECTED,
        rmse=float(ti.xcom_pull(task_ids=ANALYZE)["rmse"]),
        threshold=effective_threshold(config, params),
        manifest=manifest,
        training_job=ti.xcom_pull(task_ids=TRAIN)["Training"]["TrainingJobName"],
        model=transform["Model"]["ModelName"],
        endpoint_config=deployed["endpointConfigName"] if deployed else None,
        endpoint=deployed["endpointName"] if deployed else None,
        force=forced(dag_run),
    )
    key = layout.run_record_key(config["name"], run_id)
    runs.write_record(s3, config["bucket"], key, record)
    log.info("run record s3://%s/%s: %s, rmse %.4f, %d rows", config["bucket"], key, record["decision"], record["rmse"], record["rows"])
    return record
