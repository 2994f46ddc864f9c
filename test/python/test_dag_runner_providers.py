"""The runner's Amazon provider operators make the boto3 calls of the provider 9.x hooks, in order.

Sources (apache/airflow, provider 9.x layout):
- providers/src/airflow/providers/amazon/aws/operators/glue_crawler.py, hooks/glue_crawler.py,
  waiters/glue.json ("crawler_ready"), utils/mixins.py (aws_template_fields);
- providers/src/airflow/providers/amazon/aws/operators/glue.py, hooks/glue.py;
- providers/src/airflow/providers/amazon/aws/operators/sagemaker.py, hooks/sagemaker.py
  (check_status fails only on failed_states = {"Failed"}; check_s3_url via hooks/s3.py).
Each call is checked with botocore's Stubber (parameters and order, across clients).
Also the pipeline's own SageMaker operators (abalone_pipeline/operators.py, issue #11 items 8, 10).
"""
import importlib
import sys
from datetime import datetime, timezone

import boto3
import pytest
from botocore.exceptions import ParamValidationError, WaiterError
from botocore.stub import Stubber

from conftest import REPO

RUNNER_DIR = REPO / "packages" / "local-endpoint" / "dag-runner"
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def shim(monkeypatch):
    """The runner's airflow package imported in this process (and the DAG's operators over it)."""
    monkeypatch.syspath_prepend(str(RUNNER_DIR))
    for name in list(sys.modules):
        if name in ("airflow", "dagrunner", "abalone_pipeline.operators") or name.startswith(("airflow.", "dagrunner.")):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setenv("ABALONE_LOCAL_POLL_CAP", "0")
    base = importlib.import_module("airflow.providers.amazon.aws._base")
    assert base.__file__.startswith(str(RUNNER_DIR))
    yield base
    for name in list(sys.modules):  # leave no runner module behind for the tests that follow
        if name in ("airflow", "dagrunner", "abalone_pipeline.operators") or name.startswith(("airflow.", "dagrunner.")):
            del sys.modules[name]


def airflow_execute(task):
    """The task run as Airflow 2.10.3 runs it: airflow/models/taskinstance.py _execute_task
    (keyword `context`, the `<Class>__sentinel` keyword), through the runner's execute_task."""
    from dagrunner.execute import execute_task

    class TaskInstance:
        pushed = None

        def xcom_push(self, key, value):
            self.pushed = (key, value)

    return execute_task(task, TaskInstance(), {})


class Clients:
    """Stubbed clients by service, recording every call as (service, operation) in order."""

    def __init__(self):
        self.calls = []
        self.clients = {}
        self.stubbers = {}

    def client(self, service):
        if service not in self.clients:
            client = boto3.client(service, region_name="us-east-1")
            client.meta.events.register("before-call.*.*", self._record(service))
            self.clients[service] = client
            self.stubbers[service] = Stubber(client)
            self.stubbers[service].activate()
        return self.clients[service]

    def unstubbed(self, service):
        """A client that sends nothing it can refuse first (botocore validates parameters before sending)."""
        self.clients[service] = boto3.client(service, region_name="us-east-1", endpoint_url="http://127.0.0.1:9")

    def _record(self, service):
        def record(model, **_kwargs):
            self.calls.append((service, model.name))

        return record

    def expect(self, service, operation, response, params=None):
        self.client(service)
        self.stubbers[service].add_response(operation, response, params)

    def error(self, service, operation, code, status=400, params=None):
        self.client(service)
        self.stubbers[service].add_client_error(operation, service_error_code=code, http_status_code=status, expected_params=params)

    def done(self):
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()


@pytest.fixture
def clients(shim, monkeypatch):
    stubbed = Clients()
    monkeypatch.setattr(shim.AwsBaseHook, "client", lambda self, service: stubbed.client(service))
    return stubbed


def operator(module, cls, **kwargs):
    from airflow import DAG

    with DAG("t", schedule=None) as dag:
        task = getattr(importlib.import_module(module), cls)(task_id="t", **kwargs)
    return dag, task


# ---------------------------------------------------------------------------------------------
# GlueCrawlerOperator
# ---------------------------------------------------------------------------------------------

CRAWLER = "abalone-crawler"
CRAWLER_ARN = "arn:aws:glue:us-east-1:123456789012:crawler/" + CRAWLER
METRICS = {"CrawlerMetricsList": [{"CrawlerName": CRAWLER, "TimeLeftSeconds": 0.0, "StillEstimating": False,
                                   "LastRuntimeSeconds": 3.0, "MedianRuntimeSeconds": 3.0, "TablesCreated": 1,
                                   "TablesUpdated": 0, "TablesDeleted": 0}]}


def crawler(state, last=None):
    described = {"Name": CRAWLER, "State": state}
    if last:
        described["LastCrawl"] = {"Status": last}
    return {"Crawler": described}


def test_glue_crawler_operator_calls(clients):
    clients.expect("glue", "get_crawler", crawler("READY", "SUCCEEDED"), {"Name": CRAWLER})  # has_crawler
    clients.expect("glue", "get_crawler", crawler("READY", "SUCCEEDED"), {"Name": CRAWLER})  # update_crawler
    clients.expect("sts", "get_caller_identity", {"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/u", "UserId": "u"})
    clients.expect("glue", "get_tags", {"Tags": {"abalone-pipeline:name": "old", "stray": "x"}}, {"ResourceArn": CRAWLER_ARN})
    clients.expect("glue", "tag_resource", {}, {"ResourceArn": CRAWLER_ARN, "TagsToAdd": {"abalone-pipeline:name": "abalone"}})
    clients.expect("glue", "untag_resource", {}, {"ResourceArn": CRAWLER_ARN, "TagsToRemove": ["stray"]})
    clients.expect("glue", "start_crawler", {}, {"Name": CRAWLER})
    clients.expect("glue", "get_crawler", crawler("RUNNING", "SUCCEEDED"), {"Name": CRAWLER})  # crawler_ready waiter
    clients.expect("glue", "get_crawler", crawler("READY", "SUCCEEDED"), {"Name": CRAWLER})
    clients.expect("glue", "get_crawler", crawler("READY", "SUCCEEDED"), {"Name": CRAWLER})  # logged once more
    clients.expect("glue", "get_crawler_metrics", METRICS, {"CrawlerNameList": [CRAWLER]})
    _, task = operator("airflow.providers.amazon.aws.operators.glue_crawler", "GlueCrawlerOperator",
                       config={"Name": CRAWLER, "Tags": {"abalone-pipeline:name": "abalone"}})
    assert task.template_fields == ("aws_conn_id", "config", "region_name", "verify")
    assert airflow_execute(task) == CRAWLER
    assert [operation for _, operation in clients.calls] == [
        "GetCrawler", "GetCrawler", "GetCallerIdentity", "GetTags", "TagResource", "UntagResource", "StartCrawler",
        "GetCrawler", "GetCrawler", "GetCrawler", "GetCrawlerMetrics",
    ]
    clients.done()


def test_a_failed_crawl_fails_the_crawler_task(clients):
    clients.expect("glue", "get_crawler", crawler("READY"))
    clients.expect("glue", "get_crawler", crawler("READY"))
    clients.expect("glue", "start_crawler", {})
    clients.expect("glue", "get_crawler", crawler("READY", "FAILED"))
    _, task = operator("airflow.providers.amazon.aws.operators.glue_crawler", "GlueCrawlerOperator", config={"Name": CRAWLER})
    with pytest.raises(WaiterError, match="crawler_ready"):
        airflow_execute(task)
    clients.done()


# ---------------------------------------------------------------------------------------------
# GlueJobOperator
# ---------------------------------------------------------------------------------------------

JOB = "abalone-etl"
ARGS = {"--bucket": "b"}


def job_run(state):
    return {"JobRun": {"Id": "jr_1", "JobName": JOB, "JobRunState": state}}


def glue_job(wait_for_completion=True):
    return operator("airflow.providers.amazon.aws.operators.glue", "GlueJobOperator", job_name=JOB, script_args=ARGS,
                    wait_for_completion=wait_for_completion, stop_job_run_on_kill=True)[1]


@pytest.mark.parametrize("final", ["SUCCEEDED", "STOPPED"])
def test_glue_job_operator_starts_and_polls_the_run(clients, final):
    clients.expect("glue", "get_job", {"Job": {"Name": JOB}}, {"JobName": JOB})
    clients.expect("glue", "start_job_run", {"JobRunId": "jr_1"}, {"JobName": JOB, "Arguments": ARGS})
    for state in ("STARTING", "RUNNING", "ERROR", final):  # ERROR is not a final state for the hook
        clients.expect("glue", "get_job_run", job_run(state), {"JobName": JOB, "RunId": "jr_1", "PredecessorsIncluded": True})
    task = glue_job()
    assert airflow_execute(task) == "jr_1"
    assert [op for _, op in clients.calls] == ["GetJob", "StartJobRun"] + ["GetJobRun"] * 4
    clients.done()


@pytest.mark.parametrize("final", ["FAILED", "TIMEOUT"])
def test_a_failed_glue_run_fails_the_task(clients, final):
    clients.expect("glue", "get_job", {"Job": {"Name": JOB}})
    clients.expect("glue", "start_job_run", {"JobRunId": "jr_1"})
    clients.expect("glue", "get_job_run", job_run(final))
    with pytest.raises(Exception, match="Exiting Job jr_1 Run State: " + final):
        airflow_execute(glue_job())


def test_glue_on_kill_stops_the_run(clients):
    clients.expect("glue", "get_job", {"Job": {"Name": JOB}})
    clients.expect("glue", "start_job_run", {"JobRunId": "jr_1"})
    clients.expect("glue", "batch_stop_job_run", {"SuccessfulSubmissions": [{"JobName": JOB, "JobRunId": "jr_1"}], "Errors": []},
                   {"JobName": JOB, "JobRunIds": ["jr_1"]})
    task = glue_job(wait_for_completion=False)
    airflow_execute(task)
    task.on_kill()
    clients.done()


def test_a_missing_glue_job_makes_the_hook_ask_iam_for_a_role_named_none(clients):
    """What issue #11 item 12 saw: GlueJobHook.create_glue_job_config calls get_role(RoleName=None)."""
    clients.error("glue", "get_job", "EntityNotFoundException")
    clients.unstubbed("iam")
    with pytest.raises(ParamValidationError, match="RoleName"):
        airflow_execute(glue_job())


# ---------------------------------------------------------------------------------------------
# SageMaker
# ---------------------------------------------------------------------------------------------

BUCKET = "bucket"
TRAINING = "abalone-train-1"
TRANSFORM = "abalone-transform-1"
MODEL = "abalone-model-1"
ROLE = "arn:aws:iam::123456789012:role/sm"


def training_config():
    return {
        "TrainingJobName": TRAINING,
        "AlgorithmSpecification": {"TrainingImage": "img", "TrainingInputMode": "File"},
        "RoleArn": ROLE,
        "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": "s3://{}/data/processed/training/".format(BUCKET)}}}],
        "OutputDataConfig": {"S3OutputPath": "s3://{}/models/".format(BUCKET)},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": "1", "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }


def described_training(status, reason=None):
    described = {
        "TrainingJobName": TRAINING, "TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/" + TRAINING,
        "ModelArtifacts": {"S3ModelArtifacts": "s3://bucket/models/m.tar.gz"}, "TrainingJobStatus": status,
        "SecondaryStatus": "Completed", "StoppingCondition": {"MaxRuntimeInSeconds": 3600}, "CreationTime": NOW,
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        "TrainingStartTime": NOW, "TrainingEndTime": NOW,
    }
    if reason:
        described["FailureReason"] = reason
    return described


def expect_s3_prefix_check(clients, prefix, parent):
    clients.expect("s3", "head_bucket", {}, {"Bucket": BUCKET})
    clients.error("s3", "head_object", "404", status=404, params={"Bucket": BUCKET, "Key": prefix})
    clients.expect("s3", "list_objects_v2", {"CommonPrefixes": [{"Prefix": prefix}], "KeyCount": 1},
                   {"Bucket": BUCKET, "Prefix": parent, "Delimiter": "/"})


def expect_training(clients, final, reason=None):
    clients.error("sagemaker", "describe_training_job", "ValidationException", params={"TrainingJobName": TRAINING})
    expect_s3_prefix_check(clients, "data/processed/training/", "data/processed/")
    expected = training_config()
    expected["ResourceConfig"]["InstanceCount"] = 1  # parse_config_integers
    clients.expect("sagemaker", "create_training_job", {"TrainingJobArn": "arn:t", "ResponseMetadata": {"HTTPStatusCode": 200}}, expected)
    clients.expect("sagemaker", "describe_training_job", described_training("InProgress"))
    clients.expect("sagemaker", "describe_training_job", described_training(final, reason))


def training_operator(module="airflow.providers.amazon.aws.operators.sagemaker", cls="SageMakerTrainingOperator"):
    return operator(module, cls, config=training_config(), wait_for_completion=True, print_log=False, check_interval=30)[1]


def test_training_operator_calls_and_result(clients):
    expect_training(clients, "Completed")
    clients.expect("sagemaker", "describe_training_job", described_training("Completed"), {"TrainingJobName": TRAINING})
    result = airflow_execute(training_operator())
    assert result["Training"]["TrainingJobStatus"] == "Completed"
    assert result["Training"]["CreationTime"] == NOW.isoformat()  # serialize(): AirflowJsonEncoder
    assert [call for call in clients.calls] == [
        ("sagemaker", "DescribeTrainingJob"), ("s3", "HeadBucket"), ("s3", "HeadObject"), ("s3", "ListObjectsV2"),
        ("sagemaker", "CreateTrainingJob"), ("sagemaker", "DescribeTrainingJob"), ("sagemaker", "DescribeTrainingJob"),
        ("sagemaker", "DescribeTrainingJob"),
    ]
    clients.done()


def test_a_failed_training_job_fails_the_provider_operator(clients):
    expect_training(clients, "Failed", "AlgorithmError: boom")
    with pytest.raises(Exception, match="SageMaker resource failed because AlgorithmError: boom"):
        airflow_execute(training_operator())


def test_the_provider_counts_a_stopped_training_job_as_a_success(clients):
    """The provider behaviour behind issue #11 item 8 (check_status: failed_states = {"Failed"})."""
    expect_training(clients, "Stopped")
    clients.expect("sagemaker", "describe_training_job", described_training("Stopped"))
    assert airflow_execute(training_operator())["Training"]["TrainingJobStatus"] == "Stopped"


def test_the_pipeline_training_operator_fails_on_a_stopped_job(clients):
    """Issue #11 item 8: a job stopped at MaxRuntimeInSeconds has no usable model."""
    expect_training(clients, "Stopped", "MaxRuntimeExceeded")
    clients.expect("sagemaker", "describe_training_job", described_training("Stopped", "MaxRuntimeExceeded"))
    clients.expect("sagemaker", "describe_training_job", described_training("Stopped", "MaxRuntimeExceeded"))  # stop_job looks
    task = training_operator("abalone_pipeline.operators", "StrictSageMakerTrainingOperator")
    with pytest.raises(Exception, match="training job abalone-train-1 ended Stopped, not Completed: MaxRuntimeExceeded"):
        airflow_execute(task)
    assert ("sagemaker", "StopTrainingJob") not in clients.calls


def test_the_pipeline_training_operator_stops_its_job_when_the_task_is_killed(clients):
    """Issue #11 item 10: the provider's operators have no on_kill; a killed task left its job running."""
    task = training_operator("abalone_pipeline.operators", "StrictSageMakerTrainingOperator")
    clients.expect("sagemaker", "describe_training_job", described_training("InProgress"), {"TrainingJobName": TRAINING})
    clients.expect("sagemaker", "stop_training_job", {}, {"TrainingJobName": TRAINING})
    task.on_kill()
    clients.done()


def test_the_pipeline_training_operator_stops_its_job_when_the_wait_times_out(clients):
    """A timeout stops the job before the retry starts a second one: AirflowTaskTimeout is a
    BaseException that the mixin does not catch; _execute_task (airflow/models/taskinstance.py,
    2.10.3) calls the task's on_kill when execution_timeout raises it."""
    from datetime import timedelta
    from airflow.exceptions import AirflowTaskTimeout

    clients.error("sagemaker", "describe_training_job", "ValidationException")
    expect_s3_prefix_check(clients, "data/processed/training/", "data/processed/")
    clients.expect("sagemaker", "create_training_job", {"TrainingJobArn": "arn:t", "ResponseMetadata": {"HTTPStatusCode": 200}})
    clients.expect("sagemaker", "describe_training_job", described_training("InProgress"))
    clients.expect("sagemaker", "stop_training_job", {}, {"TrainingJobName": TRAINING})
    task = training_operator("abalone_pipeline.operators", "StrictSageMakerTrainingOperator")
    task.execution_timeout = timedelta(hours=3)
    hook = task.hook
    original = hook.check_status

    def timed_out(*args, **kwargs):
        raise AirflowTaskTimeout("Timeout, PID: 1")

    hook.check_status = timed_out
    with pytest.raises(AirflowTaskTimeout):
        airflow_execute(task)
    hook.check_status = original
    clients.done()


def transform_config():
    return {
        "Model": {"ModelName": MODEL, "PrimaryContainer": {"Image": "img", "ModelDataUrl": "s3://bucket/m.tar.gz"}, "ExecutionRoleArn": ROLE},
        "Transform": {
            "TransformJobName": TRANSFORM, "ModelName": MODEL, "MaxPayloadInMB": "6",
            "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://bucket/data/processed/testing-features/"}},
                               "ContentType": "text/csv", "SplitType": "Line"},
            "TransformOutput": {"S3OutputPath": "s3://bucket/out/"},
            "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1},
        },
    }


def described_transform(status):
    config = transform_config()["Transform"]
    return {
        "TransformJobName": TRANSFORM, "TransformJobArn": "arn:aws:sagemaker:us-east-1:123456789012:transform-job/" + TRANSFORM,
        "TransformJobStatus": status, "ModelName": MODEL, "TransformInput": config["TransformInput"],
        "TransformResources": config["TransformResources"], "CreationTime": NOW, "TransformOutput": config["TransformOutput"],
    }


def expect_transform(clients, final):
    clients.error("sagemaker", "describe_transform_job", "ValidationException", params={"TransformJobName": TRANSFORM})
    clients.error("sagemaker", "describe_model", "ValidationException", params={"ModelName": MODEL})
    clients.expect("sagemaker", "create_model", {"ModelArn": "arn:aws:sagemaker:us-east-1:123456789012:model/abalone-model-1"}, transform_config()["Model"])
    # S3Hook.check_for_prefix splits off the last level with (\w+[/])$: "-" is not \w, so the
    # level listed for "testing-features/" is "data/processed/testing-" (hooks/s3.py).
    expect_s3_prefix_check(clients, "data/processed/testing-features/", "data/processed/testing-")
    expected = transform_config()["Transform"]
    expected["MaxPayloadInMB"] = 6
    clients.expect("sagemaker", "create_transform_job", {"TransformJobArn": "arn:x", "ResponseMetadata": {"HTTPStatusCode": 200}}, expected)
    clients.expect("sagemaker", "describe_transform_job", described_transform(final))
    clients.expect("sagemaker", "describe_transform_job", described_transform(final), {"TransformJobName": TRANSFORM})
    clients.expect("sagemaker", "describe_model", {"ModelName": MODEL, "CreationTime": NOW, "ModelArn": "arn:aws:sagemaker:us-east-1:123456789012:model/abalone-model-1"}, {"ModelName": MODEL})


def transform_operator(module="airflow.providers.amazon.aws.operators.sagemaker", cls="SageMakerTransformOperator"):
    return operator(module, cls, config=transform_config(), wait_for_completion=True, check_interval=30)[1]


def test_transform_operator_calls_and_result(clients):
    expect_transform(clients, "Completed")
    result = airflow_execute(transform_operator())
    assert result["Model"]["ModelName"] == MODEL and result["Transform"]["TransformJobStatus"] == "Completed"
    assert [op for _, op in clients.calls] == [
        "DescribeTransformJob", "DescribeModel", "CreateModel", "HeadBucket", "HeadObject", "ListObjectsV2",
        "CreateTransformJob", "DescribeTransformJob", "DescribeTransformJob", "DescribeModel",
    ]
    clients.done()


def test_the_pipeline_transform_operator_fails_on_a_stopped_job(clients):
    expect_transform(clients, "Stopped")
    clients.expect("sagemaker", "describe_transform_job", described_transform("Stopped"))
    with pytest.raises(Exception, match="transform job abalone-transform-1 ended Stopped, not Completed"):
        airflow_execute(transform_operator("abalone_pipeline.operators", "StrictSageMakerTransformOperator"))


def test_the_pipeline_transform_operator_stops_its_job_when_killed(clients):
    task = transform_operator("abalone_pipeline.operators", "StrictSageMakerTransformOperator")
    clients.expect("sagemaker", "describe_transform_job", described_transform("InProgress"))
    clients.expect("sagemaker", "stop_transform_job", {}, {"TransformJobName": TRANSFORM})
    task.on_kill()
    clients.done()


def test_the_real_dag_renders_its_operator_configs_as_native_objects(shim):
    """The DAG's operators, imported through the runner, render their template_fields from the
    upstream XComs to the dicts the provider calls need (render_template_as_native_obj=True)."""
    from dagrunner import dagbag
    from dagrunner.execute import DagRun, Run
    from dagrunner.state import RunStateFile
    from abalone_pipeline import sagemaker_specs
    from conftest import DAGS
    from sample_config import TRAINING_RESULT, pipeline_config

    dags, errors = dagbag.collect(str(DAGS))
    assert errors == {}
    dag = dags["abalone_pipeline"]
    run = Run(dag, DagRun(dag, "r", "manual", NOW, {}), RunStateFile("/dev/null/never-written"), "/nonexistent")
    config = pipeline_config()
    training = sagemaker_specs.training_job_config(config)
    transform = sagemaker_specs.transform_config(config, TRAINING_RESULT)
    for task_id, value in (("load_config", config), ("prepare_training", training), ("prepare_evaluation", transform)):
        run.push_xcom(task_id, "return_value", value)
    rendered = {}
    for task_id in ("crawl_new_data", "preprocess", "train", "batch_transform"):
        task = dag.get_task(task_id)
        from dagrunner.execute import TaskInstance

        task.render_template_fields(run.context(task, TaskInstance(run, task, 1)))
        rendered[task_id] = task
    assert rendered["crawl_new_data"].config == config["crawler_config"]
    assert rendered["preprocess"].job_name == "abalone-etl"
    assert rendered["preprocess"].script_args == config["etl_arguments"]
    assert rendered["train"].config == training
    assert rendered["batch_transform"].config == transform
    assert type(rendered["train"]).__name__ == "StrictSageMakerTrainingOperator"


# ---------------------------------------------------------------------------------------------
# botocore waiters in the runner (the DAG's deploy.py waits on endpoints with Delay 30 s)
# ---------------------------------------------------------------------------------------------


def test_the_runner_caps_botocore_waiter_sleeps(shim, monkeypatch):
    """botocore's Waiter.wait calls time.sleep(Delay) between its calls (botocore/waiter.py); in the
    runner that sleep is capped by ABALONE_LOCAL_POLL_CAP, and the calls themselves are unchanged."""
    import botocore.waiter

    slept = []
    monkeypatch.setattr(botocore.waiter, "time", botocore.waiter.time)  # restored after the test
    monkeypatch.setattr(shim.time, "sleep", lambda seconds: slept.append(seconds))
    monkeypatch.setenv("ABALONE_LOCAL_POLL_CAP", "0.5")
    shim.cap_botocore_waiters()
    client = boto3.client("sagemaker", region_name="us-east-1")
    with Stubber(client) as stub:
        for status in ("Updating", "Updating", "InService"):
            stub.add_response("describe_endpoint", {
                "EndpointName": "e", "EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/e",
                "EndpointStatus": status, "CreationTime": NOW, "LastModifiedTime": NOW,
            }, {"EndpointName": "e"})
        client.get_waiter("endpoint_in_service").wait(EndpointName="e", WaiterConfig={"Delay": 30, "MaxAttempts": 5})
        stub.assert_no_pending_responses()
    assert slept == [0.5, 0.5]
    assert botocore.waiter.time.time() > 0  # the rest of the time module is the real one


# ---------------------------------------------------------------------------------------------
# Issue 19: the DAG's crawler config and the SageMaker operators under deferral
# ---------------------------------------------------------------------------------------------


def test_the_dag_crawler_config_never_touches_the_crawler_tags(clients):
    """GlueCrawlerHook.update_crawler (provider 9.x hooks/glue_crawler.py) syncs tags only when the
    config has "Tags"; the DAG's config has none, so an organisation's tag on the crawler survives
    and no glue:TagResource/UntagResource (which the execution role lacks) is called."""
    import abalone_pipeline.config as pipeline_config_module
    from sample_config import pipeline_config

    config = pipeline_config()["crawler_config"]
    assert "Tags" not in config
    assert "Tags" not in pipeline_config_module.build_config(
        "/abalone-pipeline/abalone/", {k: "1" if k == "rmse-threshold" else "x" for k in pipeline_config_module.PARAMETER_NAMES},
        "us-east-1", "s")["crawler_config"]
    clients.expect("glue", "get_crawler", crawler("READY", "SUCCEEDED"), {"Name": CRAWLER})  # has_crawler
    clients.expect("glue", "get_crawler", crawler("READY", "SUCCEEDED"), {"Name": CRAWLER})  # update_crawler
    clients.expect("glue", "start_crawler", {}, {"Name": CRAWLER})
    clients.expect("glue", "get_crawler", crawler("READY", "SUCCEEDED"), {"Name": CRAWLER})  # crawler_ready waiter
    clients.expect("glue", "get_crawler", crawler("READY", "SUCCEEDED"), {"Name": CRAWLER})
    clients.expect("glue", "get_crawler_metrics", {"CrawlerMetricsList": [{"CrawlerName": CRAWLER, "LastRuntimeSeconds": 1.0,
                   "MedianRuntimeSeconds": 1.0, "TablesCreated": 0, "TablesUpdated": 0, "TablesDeleted": 0}]})
    _, task = operator("airflow.providers.amazon.aws.operators.glue_crawler", "GlueCrawlerOperator", config=dict(config))
    assert airflow_execute(task) == CRAWLER
    assert not {("glue", "TagResource"), ("glue", "UntagResource"), ("glue", "GetTags")} & set(clients.calls)
    clients.done()


def test_a_deferral_leaves_the_training_job_running_and_a_resumed_task_still_checks_completed(clients):
    """TaskDeferred is a BaseException (airflow/exceptions.py, 2.10.3); the old mixin caught
    BaseException and stopped the job it had just started. execute_complete (the resumed task)
    keeps the "status must be Completed" check."""
    from airflow.exceptions import TaskDeferred

    task = training_operator("abalone_pipeline.operators", "StrictSageMakerTrainingOperator")
    hook = task.hook

    def defers(*args, **kwargs):
        raise TaskDeferred(trigger="SageMakerTrigger", method_name="execute_complete")

    hook.create_training_job = defers
    clients.error("sagemaker", "describe_training_job", "ValidationException")  # _get_unique_name
    with pytest.raises(TaskDeferred):
        airflow_execute(task)
    assert ("sagemaker", "StopTrainingJob") not in clients.calls and ("sagemaker", "DescribeTrainingJob") in clients.calls
    clients.done()
    clients.expect("sagemaker", "describe_training_job", described_training("Stopped", "MaxRuntimeExceeded"))
    with pytest.raises(Exception, match="ended Stopped, not Completed"):
        task.execute_complete({}, {"status": "success", "message": "done", "job_name": TRAINING})
