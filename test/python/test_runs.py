"""check_new_data and record_run against moto S3 (docs/runs.md, "What the DAG does with new data")."""
import json
import types
from datetime import datetime, timezone

import pytest

import abalone_etl_core as core
from abalone_pipeline import callables, runs
from conftest import BUCKET, FakeTaskInstance
from sample_config import SUFFIX, TRAINING_RESULT, pipeline_config

NEW = "abalone_data/new/"
RAW = "abalone_data/raw/abalone.data"
RUN_ID = "manual__2026-12-01T10:00:00+00:00"


def dag_run(conf=None, run_id=RUN_ID):
    return types.SimpleNamespace(
        run_id=run_id, dag_id="abalone_pipeline", conf=conf or {}, start_date=datetime(2026, 12, 1, 10, 0, 1, tzinfo=timezone.utc)
    )


def etag(s3, key):
    return s3.head_object(Bucket=BUCKET, Key=key)["ETag"]


def put_record(s3, run_id, end, files):
    record = {"runId": run_id, "end": end, "dataFiles": files}
    s3.put_object(Bucket=BUCKET, Key="abalone_data/runs/{}.json".format(run_id), Body=json.dumps(record).encode())


def check(s3_client, conf=None):
    ti = FakeTaskInstance({"load_config": pipeline_config()})
    return callables.check_new_data_task(ti, dag_run(conf))


def test_first_run_trains_even_without_new_files(s3):
    s3.put_object(Bucket=BUCKET, Key=RAW, Body=b"M,0.1,0.1,0.1,0.1,0.1,0.1,0.1,5\n")
    assert check(s3) is True


def test_nothing_new_since_the_last_record_short_circuits_unless_forced(s3):
    s3.put_object(Bucket=BUCKET, Key=NEW + "a.csv", Body=b"x")
    s3.put_object(Bucket=BUCKET, Key=NEW + "notes.txt", Body=b"not read by the ETL")
    files = [{"key": RAW, "etag": '"raw"', "rows": 4177}, {"key": NEW + "a.csv", "etag": etag(s3, NEW + "a.csv"), "rows": 1}]
    put_record(s3, "scheduled__2026-11-30T00:00:00+00:00", "2026-11-30T00:05:00+00:00", files)
    assert check(s3) is False
    assert check(s3, {"force": True}) is True
    assert check(s3, {"force": "yes"}) is False  # only a JSON true forces


def test_a_new_or_changed_or_removed_file_is_new_data(s3):
    s3.put_object(Bucket=BUCKET, Key=NEW + "a.csv", Body=b"x")
    old = [{"key": NEW + "a.csv", "etag": etag(s3, NEW + "a.csv"), "rows": 1}]
    put_record(s3, "r1", "2026-11-30T00:05:00+00:00", old)
    s3.put_object(Bucket=BUCKET, Key=NEW + "b.csv", Body=b"y")
    assert check(s3) is True  # added
    s3.delete_object(Bucket=BUCKET, Key=NEW + "b.csv")
    s3.put_object(Bucket=BUCKET, Key=NEW + "a.csv", Body=b"other content")
    assert check(s3) is True  # replaced
    s3.delete_object(Bucket=BUCKET, Key=NEW + "a.csv")
    assert check(s3) is True  # removed


def test_the_newest_record_by_end_is_the_one_compared(s3):
    s3.put_object(Bucket=BUCKET, Key=NEW + "a.csv", Body=b"x")
    current = [{"key": NEW + "a.csv", "etag": etag(s3, NEW + "a.csv"), "rows": 1}]
    put_record(s3, "zz-older", "2026-11-29T00:00:00+00:00", [])
    put_record(s3, "aa-newer", "2026-11-30T00:00:00+00:00", current)
    assert runs.latest_record(s3, BUCKET, "abalone_data/runs/")["runId"] == "aa-newer"
    assert check(s3) is False


def decided_xcoms(deployed=True):
    config = pipeline_config()
    xcoms = {
        "load_config": config,
        "preprocess": "jr_42",
        "train": {"Training": dict(TRAINING_RESULT, TrainingJobStatus="Completed")},
        "batch_transform": {"Model": {"ModelName": "abalone-model-" + SUFFIX}, "Transform": {"ModelName": "abalone-model-" + SUFFIX}},
        "analyze": {"rmse": 2.25},
    }
    if deployed:
        xcoms["deploy"] = {"endpointName": "abalone-endpoint", "endpointConfigName": "abalone-config-" + SUFFIX, "action": "create"}
    else:
        xcoms["reject"] = {"rejected": True, "rmse": 2.25, "threshold": 2.0}
    return xcoms


def write_manifest(s3, job_run_id="jr_42"):
    s3.put_object(Bucket=BUCKET, Key=RAW, Body=b"raw")
    s3.put_object(Bucket=BUCKET, Key=NEW + "a.csv", Body=b"new")
    inputs = [{"key": RAW, "etag": etag(s3, RAW), "rows": 4177}, {"key": NEW + "a.csv", "etag": etag(s3, NEW + "a.csv"), "rows": 100}]
    manifest = core.build_manifest(job_run_id, BUCKET, "abalone_data/processed/", inputs, 4270)
    s3.put_object(Bucket=BUCKET, Key=core.manifest_key("abalone_data/processed/"), Body=json.dumps(manifest).encode())
    return inputs


def test_record_run_writes_the_record_of_a_deployed_run(s3):
    inputs = write_manifest(s3)
    record = callables.record_run_task(FakeTaskInstance(decided_xcoms()), dag_run({"force": True}), RUN_ID, params={})
    stored = json.loads(s3.get_object(Bucket=BUCKET, Key="abalone_data/runs/{}.json".format(RUN_ID))["Body"].read())
    assert stored == record
    end = stored.pop("end")
    assert datetime.fromisoformat(end).tzinfo is not None
    assert stored == {
        "runId": RUN_ID,
        "dagId": "abalone_pipeline",
        "start": "2026-12-01T10:00:01+00:00",
        "decision": "deployed",
        "rmse": 2.25,
        "threshold": 2.5,
        "dataFiles": inputs,
        "rows": 4277,
        "trainingJob": "abalone-train-" + SUFFIX,
        "model": "abalone-model-" + SUFFIX,
        "endpointConfig": "abalone-config-" + SUFFIX,
        "endpoint": "abalone-endpoint",
        "force": True,
    }
    # The next run with nothing new short-circuits against this record.
    assert check(s3) is False


def test_record_run_of_a_rejected_run_has_no_endpoint_and_the_run_threshold(s3):
    write_manifest(s3)
    record = callables.record_run_task(FakeTaskInstance(decided_xcoms(deployed=False)), dag_run(), RUN_ID, params={"rmse_threshold": 2.0})
    assert (record["decision"], record["threshold"], record["endpoint"], record["endpointConfig"], record["force"]) == (
        "rejected", 2.0, None, None, False,
    )


def test_record_run_refuses_a_manifest_of_another_etl_run(s3):
    write_manifest(s3, job_run_id="jr_41")
    with pytest.raises(RuntimeError, match="jr_41, not this run's jr_42"):
        callables.record_run_task(FakeTaskInstance(decided_xcoms()), dag_run(), RUN_ID, params={})
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="abalone_data/runs/")["KeyCount"] == 0


def test_encode_features_is_what_the_etl_writes():
    """Contract D: one function turns the 8 survey fields into the feature fields; features_csv uses it."""
    measurements = [0.455, 0.365, 0.095, 0.514, 0.2245, 0.101, 0.15]
    assert core.encode_features("M", measurements) == ["0.455", "0.365", "0.095", "0.514", "0.2245", "0.101", "0.15", "1", "0", "0"]
    assert core.encode_features("F", measurements)[-3:] == ["0", "1", "0"]
    assert core.encode_features("I", [0, 1, 2, 3, 4, 5, -0.0])[-4:] == ["0.0", "0", "0", "1"]
    row = core.Row("I", *measurements, 7)
    assert core.features_csv(row) == ",".join(core.encode_features("I", measurements))
    assert len(core.FEATURE_NAMES) == 10
    with pytest.raises(ValueError, match="sex 'm' is not M, F or I"):
        core.encode_features("m", measurements)


def test_a_manifest_without_a_job_run_id_is_trusted(s3):
    """Written by an ETL that got no --JOB_RUN_ID argument (run outside Glue)."""
    write_manifest(s3, job_run_id=None)
    assert callables.record_run_task(FakeTaskInstance(decided_xcoms()), dag_run(), RUN_ID, params={})["rows"] == 4277
