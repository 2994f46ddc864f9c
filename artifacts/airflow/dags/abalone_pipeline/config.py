"""The pipeline's run-time configuration, read from SSM under /abalone-pipeline/<name>/."""
import math
from datetime import datetime, timezone
from typing import Any, Dict, Optional

from abalone_pipeline import layout

PARAMETER_NAMES = (
    "data-bucket",
    "sagemaker-role-arn",
    "analyze-results-function",
    "crawler-name",
    "etl-job-name",
    "rmse-threshold",
)


def normalise_prefix(prefix: str) -> str:
    prefix = (prefix or "").strip()
    if not prefix.strip("/"):
        raise ValueError("the SSM prefix is empty; set the Airflow option abalone.ssm_prefix")
    return "/" + prefix.strip("/") + "/"


def pipeline_name(prefix: str) -> str:
    """The pipeline name is the last path segment: /abalone-pipeline/abalone/ -> abalone."""
    return layout.validate_name(normalise_prefix(prefix).rstrip("/").rsplit("/", 1)[-1])


def read_parameters(ssm, prefix: str) -> Dict[str, str]:
    prefix = normalise_prefix(prefix)
    names = [prefix + name for name in PARAMETER_NAMES]
    response = ssm.get_parameters(Names=names)
    missing = sorted(response.get("InvalidParameters", []))
    if missing:
        raise ValueError(
            "missing SSM parameters: {}; run `abalone-pipeline up` to create them".format(", ".join(missing))
        )
    values = {item["Name"][len(prefix):]: item["Value"] for item in response["Parameters"]}
    empty = [prefix + name for name in PARAMETER_NAMES if not values.get(name, "").strip()]
    if empty:
        raise ValueError("empty SSM parameters: {}".format(", ".join(empty)))
    return values


def parse_threshold(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError("rmse-threshold {!r} is not a number".format(text)) from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError("rmse-threshold {!r} must be a finite number above 0".format(text))
    return value


def run_suffix(now: Optional[datetime] = None) -> str:
    """Shared by every SageMaker name of one run; runs never overlap (max_active_runs=1)."""
    return (now or datetime.now(timezone.utc)).strftime("%Y%m%d-%H%M%S")


def build_config(prefix: str, parameters: Dict[str, str], region: str, suffix: str) -> Dict[str, Any]:
    """Everything the tasks need, as one JSON-serialisable dict (pushed to XCom by load_config)."""
    name = pipeline_name(prefix)
    bucket = parameters["data-bucket"].strip()
    raw_key = layout.raw_key(name)
    new_prefix = layout.new_prefix(name)
    output_prefix = layout.processed_prefix(name)
    return {
        "name": name,
        "region": region,
        "run_suffix": suffix,
        "bucket": bucket,
        "sagemaker_role_arn": parameters["sagemaker-role-arn"].strip(),
        "analyze_function": parameters["analyze-results-function"].strip(),
        "crawler_name": parameters["crawler-name"].strip(),
        "etl_job_name": parameters["etl-job-name"].strip(),
        "rmse_threshold": parse_threshold(parameters["rmse-threshold"]),
        "raw_key": raw_key,
        "new_prefix": new_prefix,
        "output_prefix": output_prefix,
        "evaluation_key": layout.evaluation_key(name),
        "manifest_key": layout.manifest_key(name),
        "runs_prefix": layout.runs_prefix(name),
        "endpoint_name": layout.endpoint_name(name),
        # No "Tags": given Tags, the provider's GlueCrawlerHook.update_tags removes every other tag
        # of the crawler (an organisation's, a console edit) with glue:UntagResource, which the
        # execution role does not have. The crawler's tags are ensure-glue's job.
        "crawler_config": {"Name": parameters["crawler-name"].strip()},
        "etl_arguments": {
            "--bucket": bucket,
            "--raw_key": raw_key,
            "--new_prefix": new_prefix,
            "--output_prefix": output_prefix,
        },
    }


def load_config(ssm, prefix: str, region: str, suffix: Optional[str] = None) -> Dict[str, Any]:
    if not region:
        raise ValueError("no AWS region configured for the Airflow worker")
    return build_config(prefix, read_parameters(ssm, prefix), region, suffix or run_suffix())
