"""New data and run records: what check_new_data compares and what record_run writes.

A run record is <name>_data/runs/<run id>.json (docs/runs.md), written once by a run that
reached a decision. check_new_data compares the (key, ETag) set of the .csv batches under
<name>_data/new/ (the files the ETL reads) with the batches of the newest record (by `end`).
"""
import json
import logging
from typing import Any, Dict, List, Optional

DEPLOYED = "deployed"
REJECTED = "rejected"

log = logging.getLogger(__name__)


def _objects(s3, bucket: str, prefix: str) -> List[Dict[str, Any]]:
    items = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        items.extend(page.get("Contents", []))
    return items


def new_data_files(s3, bucket: str, new_prefix: str) -> List[Dict[str, str]]:
    """The batches the ETL would read now (the .csv objects under new/), with their ETags."""
    return sorted(
        ({"key": item["Key"], "etag": item["ETag"]} for item in _objects(s3, bucket, new_prefix) if item["Key"].lower().endswith(".csv")),
        key=lambda item: item["key"],
    )


def latest_record(s3, bucket: str, runs_prefix: str) -> Optional[Dict[str, Any]]:
    newest = None
    for item in _objects(s3, bucket, runs_prefix):
        if not item["Key"].endswith(".json"):
            continue
        record = json.loads(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read().decode("utf-8"))
        if not isinstance(record, dict) or not isinstance(record.get("end"), str):
            raise ValueError("run record s3://{}/{} has no end time".format(bucket, item["Key"]))
        if newest is None or record["end"] > newest["end"]:
            newest = record
    return newest


def batches_of(record: Dict[str, Any], new_prefix: str) -> set:
    return {(item["key"], item["etag"]) for item in record.get("dataFiles", []) if item["key"].startswith(new_prefix)}


def has_new_data(current: List[Dict[str, str]], record: Optional[Dict[str, Any]], new_prefix: str) -> bool:
    """True when no run has been recorded yet, or the batches differ from the last run's
    (a file added, replaced by other content, or removed)."""
    if record is None:
        return True
    return {(item["key"], item["etag"]) for item in current} != batches_of(record, new_prefix)


def read_manifest(s3, bucket: str, key: str, job_run_id: Optional[str]) -> Dict[str, Any]:
    """The ETL's manifest of this run's Glue job run; another run's manifest (the job was stopped
    before it wrote its own, or it wrote none) is refused, naming both."""
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        raise RuntimeError(
            "no ETL manifest s3://{}/{}: the ETL job run {} did not finish writing its output".format(bucket, key, job_run_id)
        ) from None
    manifest = json.loads(body.decode("utf-8"))
    if manifest.get("jobRunId") is None:
        # The job got no --JOB_RUN_ID argument: the run cannot be told apart, trust the manifest.
        log.warning("ETL manifest s3://%s/%s names no job run; cannot check it is job run %s's", bucket, key, job_run_id)
    elif job_run_id is not None and manifest["jobRunId"] != job_run_id:
        raise RuntimeError(
            "ETL manifest s3://{}/{} is from job run {}, not this run's {}: the ETL job did not finish".format(
                bucket, key, manifest.get("jobRunId"), job_run_id
            )
        )
    return manifest


def build_record(
    run_id: str,
    dag_id: str,
    start: str,
    end: str,
    decision: str,
    rmse: float,
    threshold: float,
    manifest: Dict[str, Any],
    training_job: str,
    model: str,
    endpoint_config: Optional[str],
    endpoint: Optional[str],
    force: bool,
) -> Dict[str, Any]:
    if decision not in (DEPLOYED, REJECTED):
        raise ValueError("decision {!r} is not {} or {}".format(decision, DEPLOYED, REJECTED))
    files = [{"key": item["key"], "etag": item["etag"], "rows": int(item["rows"])} for item in manifest["inputs"]]
    return {
        "runId": run_id,
        "dagId": dag_id,
        "start": start,
        "end": end,
        "decision": decision,
        "rmse": float(rmse),
        "threshold": float(threshold),
        "dataFiles": files,
        "rows": sum(item["rows"] for item in files),
        "trainingJob": training_job,
        "model": model,
        "endpointConfig": endpoint_config,
        "endpoint": endpoint,
        "force": bool(force),
    }


def write_record(s3, bucket: str, key: str, record: Dict[str, Any]) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=json.dumps(record, indent=2).encode("utf-8"), ContentType="application/json")
