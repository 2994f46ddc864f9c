"""The DAG's callables and builders: SSM config, request bodies, branching, Lambda invocation."""
import io
import json
import sys
import types

import boto3
import botocore.session
import pytest
from botocore.response import StreamingBody
from botocore.stub import Stubber
from botocore.validate import ParamValidator

from abalone_pipeline import callables, config, layout, sagemaker_specs
from conftest import BUCKET, NAME, FakeTaskInstance
from sample_config import PARAMETERS, PREFIX, ROLE, SUFFIX, TRAINING_RESULT, pipeline_config


def put_parameters(values):
    ssm = boto3.client("ssm", region_name="us-east-1")
    for name, value in values.items():
        ssm.put_parameter(Name=PREFIX + name, Value=value, Type="String")
    return ssm


def assert_valid_request(service, operation, params):
    model = botocore.session.get_session().get_service_model(service)
    report = ParamValidator().validate(params, model.operation_model(operation).input_shape)
    assert not report.has_errors(), report.generate_report()


# ---------------------------------------------------------------------------------------------
# Configuration from SSM
# ---------------------------------------------------------------------------------------------


def test_load_config_reads_every_parameter(aws):
    ssm = put_parameters(PARAMETERS)
    loaded = config.load_config(ssm, "/abalone-pipeline/abalone", "us-east-1", SUFFIX)
    assert loaded == pipeline_config()
    assert loaded["name"] == NAME and loaded["bucket"] == BUCKET
    assert loaded["rmse_threshold"] == 2.5
    assert loaded["crawler_config"] == {"Name": "abalone-crawler"}  # no Tags: the hook would untag the rest
    assert loaded["etl_arguments"] == {
        "--bucket": BUCKET,
        "--raw_key": "abalone_data/raw/abalone.data",
        "--new_prefix": "abalone_data/new/",
        "--output_prefix": "abalone_data/processed/",
    }
    assert loaded["evaluation_key"] == "abalone_data/evaluation/evaluation.json"
    assert loaded["endpoint_name"] == "abalone-endpoint"
    json.dumps(loaded)


def test_missing_parameters_are_named(aws):
    ssm = put_parameters({k: v for k, v in PARAMETERS.items() if k not in ("crawler-name", "rmse-threshold")})
    with pytest.raises(ValueError, match="missing SSM parameters: /abalone-pipeline/abalone/crawler-name, /abalone-pipeline/abalone/rmse-threshold"):
        config.load_config(ssm, PREFIX, "us-east-1")


@pytest.mark.parametrize("value", ["abc", "0", "-1", "nan", "inf"])
def test_bad_threshold_is_refused(value):
    with pytest.raises(ValueError, match="rmse-threshold"):
        config.parse_threshold(value)


@pytest.mark.parametrize(
    "prefix, name",
    [("/abalone-pipeline/abalone/", "abalone"), ("/abalone-pipeline/prod-2", "prod-2"), ("abalone-pipeline/x/", "x")],
)
def test_pipeline_name_is_the_last_segment(prefix, name):
    assert config.pipeline_name(prefix) == name


@pytest.mark.parametrize("prefix", ["", "/", "/abalone-pipeline/Bad_Name/", "/abalone-pipeline/" + "a" * 60])
def test_bad_prefix_or_name_is_refused(prefix):
    with pytest.raises(ValueError):
        config.pipeline_name(prefix)


def create_glue_resources(crawler=True, job=True):
    glue = boto3.client("glue", region_name="us-east-1")
    role = "arn:aws:iam::123456789012:role/abalone-glue"
    if crawler:
        glue.create_crawler(Name="abalone-crawler", Role=role, DatabaseName="abalone", Targets={"S3Targets": [{"Path": "s3://b/p/"}]})
    if job:
        glue.create_job(Name="abalone-etl", Role=role, Command={"Name": "pythonshell", "ScriptLocation": "s3://b/s.py"})


def test_load_config_task_takes_the_prefix_from_airflow_config(aws, monkeypatch):
    put_parameters(PARAMETERS)
    create_glue_resources()
    seen = []

    class Conf:
        def get(self, section, key):
            seen.append((section, key))
            return PREFIX

    monkeypatch.setitem(sys.modules, "airflow", types.ModuleType("airflow"))
    monkeypatch.setitem(sys.modules, "airflow.configuration", types.SimpleNamespace(conf=Conf()))
    loaded = callables.load_config_task()
    assert seen == [("abalone", "ssm_prefix")]
    assert loaded["bucket"] == BUCKET and loaded["region"] == "us-east-1"
    assert len(loaded["run_suffix"]) == len(SUFFIX)


# ---------------------------------------------------------------------------------------------
# Request bodies
# ---------------------------------------------------------------------------------------------


def test_training_job_config():
    request = sagemaker_specs.training_job_config(pipeline_config())
    assert_valid_request("sagemaker", "CreateTrainingJob", request)
    assert request["TrainingJobName"] == "abalone-train-" + SUFFIX
    assert request["AlgorithmSpecification"]["TrainingImage"] == (
        "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
    )
    assert request["HyperParameters"]["objective"] == "reg:squarederror"
    assert request["HyperParameters"]["eval_metric"] == "rmse"
    assert all(isinstance(value, str) for value in request["HyperParameters"].values())
    channels = {channel["ChannelName"]: channel for channel in request["InputDataConfig"]}
    assert channels["train"]["DataSource"]["S3DataSource"]["S3Uri"] == "s3://{}/abalone_data/processed/training/".format(BUCKET)
    assert channels["validation"]["DataSource"]["S3DataSource"]["S3Uri"] == "s3://{}/abalone_data/processed/validation/".format(BUCKET)
    assert {channel["ContentType"] for channel in channels.values()} == {"text/csv"}
    assert request["OutputDataConfig"]["S3OutputPath"] == "s3://{}/abalone_data/models/".format(BUCKET)
    assert request["RoleArn"] == ROLE
    assert request["Tags"] == [{"Key": "abalone-pipeline:name", "Value": NAME}]


def test_transform_config_from_the_training_result():
    ti = FakeTaskInstance({"load_config": pipeline_config(), "train": {"Training": TRAINING_RESULT}})
    spec = callables.prepare_evaluation_task(ti)
    assert_valid_request("sagemaker", "CreateModel", spec["Model"])
    assert_valid_request("sagemaker", "CreateTransformJob", spec["Transform"])
    assert spec["Model"]["PrimaryContainer"]["ModelDataUrl"] == TRAINING_RESULT["ModelArtifacts"]["S3ModelArtifacts"]
    assert spec["Transform"]["ModelName"] == spec["Model"]["ModelName"] == "abalone-model-" + SUFFIX
    transform_input = spec["Transform"]["TransformInput"]
    assert transform_input["DataSource"]["S3DataSource"]["S3Uri"] == "s3://{}/abalone_data/processed/testing-features/".format(BUCKET)
    assert (transform_input["ContentType"], transform_input["SplitType"]) == ("text/csv", "Line")
    output = spec["Transform"]["TransformOutput"]
    assert output == {
        "S3OutputPath": "s3://{}/abalone_data/evaluation/transform/{}/".format(BUCKET, SUFFIX),
        "Accept": "text/csv",
        "AssembleWith": "Line",
    }


def test_endpoint_config_request():
    request = sagemaker_specs.endpoint_config_request(pipeline_config(), "abalone-model-" + SUFFIX)
    assert_valid_request("sagemaker", "CreateEndpointConfig", request)
    assert request["EndpointConfigName"] == "abalone-config-" + SUFFIX
    assert request["ProductionVariants"][0]["ModelName"] == "abalone-model-" + SUFFIX


def put_manifest(s3, job_run_id):
    manifest = {"jobRunId": job_run_id, "inputs": [{"key": "abalone_data/raw/abalone.data", "etag": '"e"', "rows": 4177}]}
    s3.put_object(Bucket=BUCKET, Key="abalone_data/processed/manifest.json", Body=json.dumps(manifest).encode())


def test_prepare_training_task_uses_the_loaded_config(s3):
    put_manifest(s3, "jr_1")
    ti = FakeTaskInstance({"load_config": pipeline_config(), "preprocess": "jr_1"})
    assert callables.prepare_training_task(ti) == sagemaker_specs.training_job_config(pipeline_config())


def test_prepare_training_refuses_output_of_another_etl_run(s3):
    """GlueJobHook._handle_state (providers/src/airflow/providers/amazon/aws/hooks/glue.py) returns
    on STOPPED as on SUCCEEDED: a stopped ETL run leaves the previous run's output behind."""
    put_manifest(s3, "jr_0")
    ti = FakeTaskInstance({"load_config": pipeline_config(), "preprocess": "jr_1"})
    with pytest.raises(RuntimeError, match="from job run jr_0, not this run's jr_1"):
        callables.prepare_training_task(ti)
    s3.delete_object(Bucket=BUCKET, Key="abalone_data/processed/manifest.json")
    with pytest.raises(RuntimeError, match="no ETL manifest"):
        callables.prepare_training_task(ti)


@pytest.mark.parametrize("missing, named", [("crawler", "Glue crawler abalone-crawler"), ("job", "Glue job abalone-etl")])
def test_a_missing_crawler_or_job_is_named_with_the_command_that_creates_it(aws, monkeypatch, missing, named):
    """Issue #11 item 12: without the check, GlueCrawlerOperator would call create_crawler with the
    DAG's {Name, Tags} (botocore: Missing required parameter Role) and GlueJobOperator would call
    iam get_role(RoleName=None) (GlueCrawlerOperator.execute / GlueJobHook.get_or_create_glue_job in
    providers/src/airflow/providers/amazon/aws/operators/glue_crawler.py and hooks/glue.py)."""
    put_parameters(PARAMETERS)
    create_glue_resources(crawler=missing != "crawler", job=missing != "job")
    monkeypatch.setitem(sys.modules, "airflow", types.ModuleType("airflow"))
    monkeypatch.setitem(sys.modules, "airflow.configuration", types.SimpleNamespace(conf=types.SimpleNamespace(get=lambda s, k: PREFIX)))
    with pytest.raises(RuntimeError, match=named + r" does not exist in us-east-1; run `abalone-pipeline up`"):
        callables.load_config_task()


def test_names_fit_sagemaker_limits_for_long_pipeline_names():
    name = "a" * 54
    for kind in ("train", "model", "transform", "config"):
        resource = layout.resource_name(name, kind, SUFFIX)
        assert len(resource) <= 63 and resource.endswith("-{}-{}".format(kind, SUFFIX))
        assert not resource.startswith("-")


@pytest.mark.parametrize(
    "region, uri",
    [
        ("eu-west-1", "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-xgboost:1.7-1"),
        ("cn-north-1", "450853457545.dkr.ecr.cn-north-1.amazonaws.com.cn/sagemaker-xgboost:1.7-1"),
    ],
)
def test_xgboost_image_from_the_region_table(region, uri, monkeypatch):
    monkeypatch.setitem(sys.modules, "sagemaker", None)
    assert sagemaker_specs.xgboost_image_uri(region) == uri


def test_unknown_region_is_an_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "sagemaker", None)
    with pytest.raises(ValueError, match="mars-north-1"):
        sagemaker_specs.xgboost_image_uri("mars-north-1")


def test_xgboost_image_from_the_sagemaker_sdk_when_installed(monkeypatch):
    calls = []
    image_uris = types.SimpleNamespace(retrieve=lambda framework, region, version: calls.append((framework, region, version)) or "sdk-uri")
    sdk = types.ModuleType("sagemaker")
    sdk.image_uris = image_uris
    monkeypatch.setitem(sys.modules, "sagemaker", sdk)
    assert sagemaker_specs.xgboost_image_uri("us-west-2") == "sdk-uri"
    assert calls == [("xgboost", "us-west-2", "1.7-1")]


# ---------------------------------------------------------------------------------------------
# Branching
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rmse, branch", [(2.0, "deploy"), (2.5, "deploy"), (2.5000001, "reject"), (3.1, "reject")])
def test_branch_at_below_and_above_threshold(rmse, branch):
    assert callables.decide(rmse, 2.5) == branch
    ti = FakeTaskInstance({"load_config": pipeline_config(), "analyze": {"rmse": rmse, "mae": 1, "r2": 0.5, "count": 10}})
    assert callables.choose_branch_task(ti, params={"rmse_threshold": None}) == branch


def test_run_param_overrides_the_ssm_threshold():
    ti = FakeTaskInstance({"load_config": pipeline_config(), "analyze": {"rmse": 3.0}})
    assert callables.choose_branch_task(ti, params={"rmse_threshold": 3.5}) == "deploy"
    assert callables.choose_branch_task(ti, params={}) == "reject"
    with pytest.raises(ValueError):
        callables.choose_branch_task(ti, params={"rmse_threshold": "-1"})


def test_reject_task_reports_why():
    ti = FakeTaskInstance({"load_config": pipeline_config(), "analyze": {"rmse": 3.0}})
    assert callables.reject_task(ti, params={}) == {"rejected": True, "rmse": 3.0, "threshold": 2.5}


def test_missing_config_in_xcom_is_a_clear_error():
    with pytest.raises(RuntimeError, match="load_config"):
        callables.prepare_training_task(FakeTaskInstance({}))


# ---------------------------------------------------------------------------------------------
# Invoking analyze_results
# ---------------------------------------------------------------------------------------------


def lambda_response(payload, function_error=None):
    data = json.dumps(payload).encode()
    response = {"StatusCode": 200, "Payload": StreamingBody(io.BytesIO(data), len(data))}
    if function_error:
        response["FunctionError"] = function_error
    return response


def stubbed_lambda(response):
    client = boto3.client("lambda", region_name="us-east-1")
    stubber = Stubber(client)
    event = {"bucket": BUCKET, "key": "abalone_data/evaluation/evaluation.json"}
    stubber.add_response(
        "invoke",
        response,
        {"FunctionName": "abalone-analyze-results", "InvocationType": "RequestResponse", "Payload": json.dumps(event).encode()},
    )
    stubber.activate()
    return client, event


def test_invoke_analyze_returns_the_metrics():
    metrics = {"rmse": 2.1, "mae": 1.5, "r2": 0.55, "count": 209}
    client, event = stubbed_lambda(lambda_response(metrics))
    assert callables.invoke_analyze(client, "abalone-analyze-results", event) == metrics


def test_invoke_analyze_fails_on_a_function_error():
    client, event = stubbed_lambda(lambda_response({"errorMessage": "GroundTruth is empty", "errorType": "ValueError"}, "Unhandled"))
    with pytest.raises(RuntimeError, match="GroundTruth is empty"):
        callables.invoke_analyze(client, "abalone-analyze-results", event)


def test_invoke_analyze_needs_a_finite_rmse():
    client, event = stubbed_lambda(lambda_response({"rmse": None}))
    with pytest.raises(RuntimeError, match="no finite rmse"):
        callables.invoke_analyze(client, "abalone-analyze-results", event)
