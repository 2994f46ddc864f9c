"""Shared setup of the Python artifact tests: fake AWS credentials, import paths, moto fixtures."""
import os
import sys
from pathlib import Path

# Before boto3 or moto are used: fake credentials and a region, and nothing that could send a
# call elsewhere (a profile, an endpoint override), so no test can reach AWS.
for _name in list(os.environ):
    if _name.startswith("AWS_ENDPOINT_URL") or _name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        del os.environ[_name]
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
)

import boto3  # noqa: E402
import pytest  # noqa: E402
from moto import mock_aws  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "artifacts"
SCRIPTS = ARTIFACTS / "airflow" / "scripts"
DAGS = ARTIFACTS / "airflow" / "dags"
LAMBDA_DIR = ARTIFACTS / "lambda" / "analyze_results"
RAW_DATA = ARTIFACTS / "data" / "abalone.data"

# Importing the artifacts must not leave __pycache__ folders in them (push-dags syncs the folder).
sys.dont_write_bytecode = True
for _path in (SCRIPTS, DAGS, LAMBDA_DIR):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

BUCKET = "abalone-data-us-east-1-123456789012"
NAME = "abalone"


@pytest.fixture(scope="session")
def raw_bytes() -> bytes:
    return RAW_DATA.read_bytes()


@pytest.fixture
def aws():
    with mock_aws():
        yield


@pytest.fixture
def s3(aws):
    client = boto3.client("s3", region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    return client


class FakeTaskInstance:
    """What the callables use of Airflow's TaskInstance: xcom_pull(task_ids=...)."""

    def __init__(self, xcoms):
        self.xcoms = dict(xcoms)

    def xcom_pull(self, task_ids=None, key="return_value"):
        return self.xcoms.get(task_ids)
