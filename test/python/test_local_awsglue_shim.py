"""The local endpoint's awsglue.utils.getResolvedOptions shim (packages/local-endpoint/python/awsglue/utils.py)
behaves as Glue's (awslabs/aws-glue-libs awsglue/utils.py and awsglue/job.py)."""
import importlib.util
from pathlib import Path

import pytest

SHIM = Path(__file__).resolve().parents[2] / "packages" / "local-endpoint" / "python" / "awsglue" / "utils.py"
spec = importlib.util.spec_from_file_location("local_awsglue_utils", SHIM)
utils = importlib.util.module_from_spec(spec)
spec.loader.exec_module(utils)

ARGV = ["script.py", "--JOB_ID", "j_1", "--JOB_RUN_ID", "jr_1", "--JOB_NAME", "etl", "--bucket", "b", "--extra-py-files", "s3://x/y.py", "--TempDir", "s3://t/"]


def test_resolves_requested_names_without_the_prefix_and_keeps_glue_arguments():
    args = utils.getResolvedOptions(ARGV, ["JOB_NAME", "bucket"])
    assert args["JOB_NAME"] == "etl"
    assert args["bucket"] == "b"
    assert args["JOB_ID"] == "j_1" and args["JOB_RUN_ID"] == "jr_1"
    assert args["TempDir"] == "s3://t/" and args["RedshiftTempDir"] == "s3://t/"
    assert args["job_bookmark_option"] == "job-bookmark-disable"
    assert "extra-py-files" not in args and "extra_py_files" not in args


def test_a_missing_required_name_raises_glue_argument_error():
    with pytest.raises(utils.GlueArgumentError, match="the following arguments are required: --raw_key"):
        utils.getResolvedOptions(ARGV, ["bucket", "raw_key"])


def test_reserved_names_cannot_be_requested():
    with pytest.raises(RuntimeError, match="Using reserved arguments --JOB_ID"):
        utils.getResolvedOptions(ARGV, ["JOB_ID"])
    with pytest.raises(RuntimeError, match="Using reserved arguments job-bookmark-option"):
        utils.getResolvedOptions(ARGV, ["job-bookmark-option"])


def test_continuation_option_maps_to_the_bookmark_option():
    args = utils.getResolvedOptions(ARGV + ["--continuation-option", "continuation-enabled"], [])
    assert args["job_bookmark_option"] == "job-bookmark-enable"
    assert "continuation_option" not in args


def test_the_etl_core_reads_its_arguments_through_the_shim():
    import sys

    sys.path.insert(0, str(SHIM.parent.parent))
    try:
        import abalone_etl_core as core  # on the path from conftest

        job = core.resolve_job_args(
            ["script.py", "--bucket", "b", "--raw_key", "r/abalone.data", "--new_prefix", "n", "--output_prefix", "o/", "--JOB_NAME", "etl"]
        )
        assert (job.bucket, job.raw_key, job.new_prefix, job.output_prefix) == ("b", "r/abalone.data", "n/", "o/")
        assert sys.modules["awsglue.utils"].__file__ == str(SHIM)
    finally:
        sys.path.remove(str(SHIM.parent.parent))
        sys.modules.pop("awsglue.utils", None)
        sys.modules.pop("awsglue", None)
