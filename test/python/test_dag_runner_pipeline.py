"""The real DAG file run by the local DAG runner against a moto server (moto records the Glue and
SageMaker calls without performing them, and its crawlers never finish, so these runs stop before
any job: nothing new, and a missing crawler), under each Airflow version the MWAA emulator runs it
with: 2.10.3 with a logical date, and 3.0.6 as a manual run triggered through REST API v2 with no
logical date (no --logical-date). The full run against the local endpoint's executors is the
integration test's."""
import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.request

import boto3
import pytest
from moto.server import ThreadedMotoServer

from conftest import BUCKET, DAGS, REPO
from sample_config import PARAMETERS, PREFIX

RUNNER = REPO / "packages" / "local-endpoint" / "dag-runner" / "runner.py"
ROLE = "arn:aws:iam::123456789012:role/abalone-glue"
LATER = ["crawl_new_data", "preprocess", "prepare_training", "train", "prepare_evaluation", "batch_transform",
         "write_evaluation", "analyze", "check_rmse", "deploy", "reject", "record_run", "end"]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def endpoint():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = "http://127.0.0.1:{}".format(port)
    reset = lambda: urllib.request.urlopen(urllib.request.Request(url + "/moto-api/reset", method="POST"), timeout=30)  # noqa: E731
    reset()  # moto's backends live in this process: start each test empty
    try:
        yield url
    finally:
        reset()
        server.stop()


def client(service, url):
    return boto3.client(service, region_name="us-east-1", endpoint_url=url)


def provision(url, crawler=True):
    ssm = client("ssm", url)
    for name, value in PARAMETERS.items():
        ssm.put_parameter(Name=PREFIX + name, Value=value, Type="String")
    glue = client("glue", url)
    if crawler:
        glue.create_crawler(Name="abalone-crawler", Role=ROLE, DatabaseName="abalone", Targets={"S3Targets": [{"Path": "s3://b/p/"}]})
    glue.create_job(Name="abalone-etl", Role=ROLE, Command={"Name": "pythonshell", "ScriptLocation": "s3://b/s.py"})
    s3 = client("s3", url)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key="abalone_data/raw/abalone.data", Body=b"M,0.4,0.3,0.1,0.4,0.2,0.1,0.1,9\n")
    return s3


# How the MWAA emulator starts a manual run: on 2.10.3 with its logical date; on 3.0.6 as a run
# triggered through REST API v2 with "logical_date": null (run id manual__<run_after>_<random>,
# DagRun.generate_run_id), without --logical-date.
RUNS = {
    "2.10.3": ("manual__2026-12-01T10:00:00+00:00", "2026-12-01T10:00:00+00:00"),
    "3.0.6": ("manual__2026-12-01T10:00:00.123456+00:00_Qw3rTy12", None),
}


def run(tmp_path, url, conf="{}", version="2.10.3"):
    dags = tmp_path / "dags"
    # As push-dags uploads the folder (no __pycache__: other tests import these modules in place).
    shutil.copytree(DAGS, dags, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    env = dict(os.environ, AWS_ENDPOINT_URL=url, AIRFLOW__ABALONE__SSM_PREFIX=PREFIX, ABALONE_LOCAL_POLL_CAP="0",
               ABALONE_LOCAL_RETRY_DELAY_CAP="0", ABALONE_AIRFLOW_VERSION=version)
    run_id, logical_date = RUNS[version]
    args = [sys.executable, str(RUNNER), "run", "--dags-folder", str(dags), "--dag-id", "abalone_pipeline",
            "--run-id", run_id, "--run-type", "manual"]
    if logical_date is not None:
        args += ["--logical-date", logical_date]
    args += ["--conf", conf, "--state-file", str(tmp_path / "state.json"), "--logs-dir", str(tmp_path / "logs")]
    result = subprocess.run(args, capture_output=True, text=True, timeout=300, env=env)
    state = json.loads((tmp_path / "state.json").read_text())
    assert not list(dags.rglob("__pycache__"))
    return result, state, {task["task_id"]: task for task in state["tasks"]}


@pytest.mark.parametrize("version", sorted(RUNS))
def test_a_run_with_nothing_new_skips_every_task_after_check_new_data(tmp_path, endpoint, version):
    s3 = provision(endpoint)
    batch = "abalone_data/new/abalone.20261130T000000Z.aaaa.csv"
    s3.put_object(Bucket=BUCKET, Key=batch, Body=b"F,0.5,0.4,0.1,0.5,0.2,0.1,0.2,10\n")
    etag = s3.head_object(Bucket=BUCKET, Key=batch)["ETag"]
    record = {"runId": "earlier", "end": "2026-11-30T01:00:00+00:00", "dataFiles": [{"key": batch, "etag": etag, "rows": 1}]}
    s3.put_object(Bucket=BUCKET, Key="abalone_data/runs/earlier.json", Body=json.dumps(record).encode())

    result, state, tasks = run(tmp_path, endpoint, version=version)

    assert result.returncode == 0, result.stderr
    assert state["state"] == "success" and state["external_trigger"] is True
    assert (state["run_id"], state["logical_date"]) == (RUNS[version][0], RUNS[version][1])
    assert (tasks["load_config"]["state"], tasks["check_new_data"]["state"]) == ("success", "success")
    assert {task_id: tasks[task_id]["state"] for task_id in LATER} == {task_id: "skipped" for task_id in LATER}
    log = open(tasks["check_new_data"]["log_path"]).read()
    assert "nothing new under abalone_data/new/ since run earlier" in log
    if version == "3.0.6":  # 3.x SkipMixin: DownstreamTasksSkipped, the short-circuit task succeeds
        assert "Skipping downstream tasks." in log
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="abalone_data/runs/")["KeyCount"] == 1  # no record written


@pytest.mark.parametrize("version", sorted(RUNS))
def test_a_missing_crawler_fails_load_config_naming_it(tmp_path, endpoint, version):
    provision(endpoint, crawler=False)
    result, state, tasks = run(tmp_path, endpoint, version=version)
    assert result.returncode == 1
    assert state["state"] == "failed"
    assert (tasks["load_config"]["state"], tasks["load_config"]["try_number"]) == ("failed", 3)  # retries=2
    assert tasks["check_new_data"]["state"] == "upstream_failed"
    log = open(tasks["load_config"]["log_path"]).read()
    assert "Glue crawler abalone-crawler does not exist in us-east-1; run `abalone-pipeline up`" in log

