"""SageMakerTrainingOperator and SageMakerTransformOperator as in Amazon provider 9.x (apache/airflow
providers/src/airflow/providers/amazon/aws/operators/sagemaker.py and hooks/sagemaker.py),
non-deferrable. Call order:

training: [iam get_role when RoleArn is a bare name] -> describe_training_job (unique name;
  ValidationException = free, else a -<epoch seconds> suffix) -> per S3 channel check_s3_url
  (head_bucket, head_object, list_objects_v2 with Delimiter "/") -> create_training_job ->
  print_log=False: describe_training_job every check_interval (sleep first) until not InProgress
  or Stopping; "Failed" raises (only Failed: a Stopped job ends the wait like Completed) ->
  describe_training_job for the result {"Training": ...}.
transform: [iam get_role] -> describe_transform_job (unique name) -> describe_model (unique model
  name) -> create_model -> check_s3_url of the input -> create_transform_job -> describe_transform_job
  every check_interval as above -> describe_transform_job, describe_model for {"Model", "Transform"}.
Neither operator has on_kill in 9.x.

Provider 9.12.0 (MWAA's Airflow 3.0.6 image) differs only in the operators' base: since 9.8.0
("Update Sagemaker Operators and Sensors to inherit Base AWS classes (#50321)",
providers/amazon/src/airflow/providers/amazon/aws/operators/sagemaker.py SageMakerBaseOperator(
AwsBaseOperator[SageMakerHook])) they accept region_name, verify and botocore_config and template
aws_template_fields("config"); the non-deferrable execute and the hook's calls are the same.
"""
import time
from typing import Any, Callable, Dict, List, Optional

from botocore.exceptions import ClientError

from airflow._core import BaseOperator
from airflow.exceptions import AirflowException
from airflow.providers.amazon.aws._base import (
    AwsBaseHook,
    AwsBaseOperator,
    aws_template_fields,
    default_deferrable,
    provider_at_least,
    refuse_deferral,
    serialize,
    sleep,
)

ON_AWS_BASE_OPERATOR = provider_at_least("9.8.0")

CHECK_INTERVAL_SECOND = 30


class SageMakerHook(AwsBaseHook):
    non_terminal_states = {"InProgress", "Stopping"}
    failed_states = {"Failed"}

    def __init__(self, aws_conn_id: Any = "aws_default", region_name: Any = None):
        super().__init__("sagemaker", aws_conn_id, region_name)

    # -- S3Hook calls of check_s3_url (hooks/s3.py) -------------------------------------------------

    def _check_for_bucket(self, bucket: str) -> bool:
        try:
            self.client("s3").head_bucket(Bucket=bucket)
            return True
        except ClientError as error:
            self.log.error('Bucket "%s" does not exist', bucket)
            if error.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket", "403"):
                return False
            raise

    def _check_for_key(self, key: str, bucket: str) -> bool:
        try:
            self.client("s3").head_object(Bucket=bucket, Key=key)
            return True
        except ClientError as error:
            if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                return False
            raise

    def _check_for_prefix(self, prefix: str, bucket: str, delimiter: str) -> bool:
        prefix = prefix + delimiter if prefix[-1] != delimiter else prefix
        # S3Hook.check_for_prefix: list the prefixes of the level above and look for this one.
        import re

        previous_level = re.split(r"(\w+[{d}])$".format(d=re.escape(delimiter)), prefix, 1)[0]
        prefixes: List[str] = []
        paginator = self.client("s3").get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=previous_level, Delimiter=delimiter):
            prefixes.extend(item["Prefix"] for item in page.get("CommonPrefixes", []))
        return prefix in prefixes

    def check_s3_url(self, s3url: str) -> bool:
        bucket, _, key = s3url[len("s3://"):].partition("/") if s3url.startswith("s3://") else ("", "", "")
        if not bucket:
            raise AirflowException("Please provide a bucket name using a valid format: {}".format(s3url))
        if not self._check_for_bucket(bucket):
            raise AirflowException("The input S3 Bucket {} does not exist ".format(bucket))
        if key and not self._check_for_key(key, bucket) and not self._check_for_prefix(key, bucket, "/"):
            raise AirflowException("The input S3 Key or Prefix {} does not exist in the Bucket {}".format(s3url, bucket))
        return True

    # -- SageMaker -----------------------------------------------------------------------------------

    def configure_s3_resources(self, config: Dict[str, Any]) -> None:
        if config.pop("S3Operations", None) is not None:
            raise AirflowException("S3Operations in a SageMaker config are not supported by the local DAG runner")

    def check_training_config(self, training_config: Dict[str, Any]) -> None:
        for channel in training_config.get("InputDataConfig", []):
            if "S3DataSource" in channel["DataSource"]:
                self.check_s3_url(channel["DataSource"]["S3DataSource"]["S3Uri"])

    def describe_training_job(self, name: str) -> Dict[str, Any]:
        return self.conn.describe_training_job(TrainingJobName=name)

    def describe_transform_job(self, name: str) -> Dict[str, Any]:
        return self.conn.describe_transform_job(TransformJobName=name)

    def describe_model(self, name: str) -> Dict[str, Any]:
        return self.conn.describe_model(ModelName=name)

    def create_model(self, config: Dict[str, Any]):
        return self.conn.create_model(**config)

    def check_status(
        self, job_name: str, key: str, describe_function: Callable, check_interval: int, max_ingestion_time: Optional[int] = None
    ) -> Dict[str, Any]:
        sec = 0
        while True:
            sleep(check_interval)
            sec += check_interval
            try:
                response = describe_function(job_name)
                status = response[key]
                self.log.info("Resource still running for %s seconds... current status is %s", sec, status)
            except KeyError:
                raise AirflowException("Could not get status of the SageMaker resource") from None
            except ClientError:
                raise AirflowException("AWS request failed, check logs for more info") from None
            if status in self.failed_states:
                raise AirflowException("SageMaker resource failed because {}".format(response["FailureReason"]))
            if status not in self.non_terminal_states:
                break
            if max_ingestion_time and sec > max_ingestion_time:
                raise AirflowException("SageMaker resource took more than {} seconds".format(max_ingestion_time))
        self.log.info("SageMaker resource completed")
        return response

    def create_training_job(self, config, wait_for_completion=True, print_log=True, check_interval=30, max_ingestion_time=None):
        if print_log:
            raise AirflowException(
                "print_log=True (CloudWatch log tailing) is not supported by the local DAG runner; set print_log=False"
            )
        self.check_training_config(config)
        response = self.conn.create_training_job(**config)
        if wait_for_completion:
            described = self.check_status(
                config["TrainingJobName"], "TrainingJobStatus", self.describe_training_job, check_interval, max_ingestion_time
            )
            billable = (described["TrainingEndTime"] - described["TrainingStartTime"]).seconds * described["ResourceConfig"][
                "InstanceCount"
            ]
            self.log.info("Billable seconds: %d", billable)
        return response

    def create_transform_job(self, config, wait_for_completion=True, check_interval=30, max_ingestion_time=None):
        if "S3DataSource" in config["TransformInput"]["DataSource"]:
            self.check_s3_url(config["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"])
        response = self.conn.create_transform_job(**config)
        if wait_for_completion:
            self.check_status(
                config["TransformJobName"], "TransformJobStatus", self.describe_transform_job, check_interval, max_ingestion_time
            )
        return response


def _parse_integer(config: Any, field: List[str]) -> None:
    if isinstance(config, list):
        for sub_config in config:
            _parse_integer(sub_config, field)
        return
    head = field[0]
    if len(field) == 1:
        if head in config:
            config[head] = int(config[head])
    elif head in config:
        _parse_integer(config[head], field[1:])


class SageMakerBaseOperator(AwsBaseOperator if ON_AWS_BASE_OPERATOR else BaseOperator):
    template_fields = aws_template_fields("config") if ON_AWS_BASE_OPERATOR else ("config",)
    integer_fields: List[List[str]] = []

    if ON_AWS_BASE_OPERATOR:

        def __init__(self, *, config: dict, **kwargs):
            super().__init__(**kwargs)
            self.config = config
            self._hook: Optional[SageMakerHook] = None

    else:

        def __init__(self, *, config: dict, aws_conn_id: Any = "aws_default", **kwargs):
            super().__init__(**kwargs)
            self.config = config
            self.aws_conn_id = aws_conn_id
            self.region_name = None
            self._hook: Optional[SageMakerHook] = None

    @property
    def hook(self) -> SageMakerHook:
        if self._hook is None:
            self._hook = SageMakerHook(aws_conn_id=self.aws_conn_id, region_name=self.region_name)
        return self._hook

    def _create_integer_fields(self) -> None:
        self.integer_fields = []

    def expand_role(self) -> None:
        pass

    def preprocess_config(self) -> None:
        self._create_integer_fields()
        self.hook.configure_s3_resources(self.config)
        for field in self.integer_fields:
            _parse_integer(self.config, field)
        self.expand_role()

    def _get_unique_name(self, proposed_name: str, fail_if_exists: bool, describe_func: Callable, resource_type: str) -> str:
        name = proposed_name
        while self._resource_exists(name, describe_func):
            if fail_if_exists:
                raise AirflowException("A SageMaker {} with name {} already exists.".format(resource_type, name))
            timestamp = str(time.time_ns() // 1000000000)
            name = "{}-{}".format(proposed_name[: 63 - len(timestamp) - 1], timestamp)
            self.log.info("Changed %s name to '%s' to avoid collision.", resource_type, name)
        return name

    def _resource_exists(self, name: str, describe_func: Callable) -> bool:
        try:
            describe_func(name)
            return True
        except ClientError as error:
            if error.response["Error"]["Code"] == "ValidationException":
                return False
            raise


class SageMakerTrainingOperator(SageMakerBaseOperator):
    def __init__(
        self,
        *,
        config: dict,
        aws_conn_id: Any = "aws_default",
        wait_for_completion: bool = True,
        print_log: bool = True,
        check_interval: int = CHECK_INTERVAL_SECOND,
        max_attempts: Optional[int] = None,
        max_ingestion_time: Optional[int] = None,
        check_if_job_exists: bool = True,
        action_if_job_exists: str = "timestamp",
        deferrable: bool = default_deferrable(),
        **kwargs,
    ):
        super().__init__(config=config, aws_conn_id=aws_conn_id, **kwargs)
        self.deferrable = deferrable
        if action_if_job_exists not in ("timestamp", "fail"):
            raise AirflowException(
                "Argument action_if_job_exists accepts only 'timestamp' and 'fail'. Provided value: '{}'.".format(
                    action_if_job_exists
                )
            )
        self.wait_for_completion = wait_for_completion
        self.print_log = print_log
        self.check_interval = check_interval
        self.max_attempts = max_attempts or 60
        self.max_ingestion_time = max_ingestion_time
        self.check_if_job_exists = check_if_job_exists
        self.action_if_job_exists = action_if_job_exists

    def _create_integer_fields(self) -> None:
        self.integer_fields = [
            ["ResourceConfig", "InstanceCount"],
            ["ResourceConfig", "VolumeSizeInGB"],
            ["StoppingCondition", "MaxRuntimeInSeconds"],
        ]

    def expand_role(self) -> None:
        if "RoleArn" in self.config:
            self.config["RoleArn"] = self.hook.expand_role(self.config["RoleArn"])

    def execute(self, context) -> Dict[str, Any]:
        refuse_deferral(self)
        self.preprocess_config()
        if self.check_if_job_exists:
            self.config["TrainingJobName"] = self._get_unique_name(
                self.config["TrainingJobName"], self.action_if_job_exists == "fail", self.hook.describe_training_job, "job"
            )
        self.log.info("Creating SageMaker training job %s.", self.config["TrainingJobName"])
        response = self.hook.create_training_job(
            self.config,
            wait_for_completion=self.wait_for_completion,
            print_log=self.print_log,
            check_interval=self.check_interval,
            max_ingestion_time=self.max_ingestion_time,
        )
        if response["ResponseMetadata"]["HTTPStatusCode"] != 200:
            raise AirflowException("Sagemaker Training Job creation failed: {}".format(response))
        return {"Training": serialize(self.hook.describe_training_job(self.config["TrainingJobName"]))}

    def execute_complete(self, context, event=None) -> Dict[str, Any]:
        """SageMakerTrainingOperator.execute_complete (provider 9.x): the method a deferred task
        resumes in. The runner never defers (no triggerer), but a subclass may call it."""
        event = _validate_execute_complete_event(event)
        if event["status"] != "success":
            raise AirflowException("Error while running job: {}".format(event))
        self.log.info(event["message"])
        return {"Training": serialize(self.hook.describe_training_job(event["job_name"]))}


class SageMakerTransformOperator(SageMakerBaseOperator):
    def __init__(
        self,
        *,
        config: dict,
        aws_conn_id: Any = "aws_default",
        wait_for_completion: bool = True,
        check_interval: int = CHECK_INTERVAL_SECOND,
        max_attempts: Optional[int] = None,
        max_ingestion_time: Optional[int] = None,
        check_if_job_exists: bool = True,
        action_if_job_exists: str = "timestamp",
        check_if_model_exists: bool = True,
        action_if_model_exists: str = "timestamp",
        deferrable: bool = default_deferrable(),
        **kwargs,
    ):
        super().__init__(config=config, aws_conn_id=aws_conn_id, **kwargs)
        self.deferrable = deferrable
        for name, value in (("action_if_job_exists", action_if_job_exists), ("action_if_model_exists", action_if_model_exists)):
            if value not in ("fail", "timestamp"):
                raise AirflowException(
                    "Argument {} accepts only 'timestamp' and 'fail'. Provided value: '{}'.".format(name, value)
                )
        self.wait_for_completion = wait_for_completion
        self.check_interval = check_interval
        self.max_attempts = max_attempts or 60
        self.max_ingestion_time = max_ingestion_time
        self.check_if_job_exists = check_if_job_exists
        self.action_if_job_exists = action_if_job_exists
        self.check_if_model_exists = check_if_model_exists
        self.action_if_model_exists = action_if_model_exists

    def _create_integer_fields(self) -> None:
        self.integer_fields = [
            ["Transform", "TransformResources", "InstanceCount"],
            ["Transform", "MaxConcurrentTransforms"],
            ["Transform", "MaxPayloadInMB"],
        ]
        if "Transform" not in self.config:
            for field in self.integer_fields:
                field.pop(0)

    def expand_role(self) -> None:
        if "Model" in self.config and "ExecutionRoleArn" in self.config["Model"]:
            self.config["Model"]["ExecutionRoleArn"] = self.hook.expand_role(self.config["Model"]["ExecutionRoleArn"])

    def execute(self, context) -> Dict[str, Any]:
        refuse_deferral(self)
        self.preprocess_config()
        transform_config = self.config.get("Transform", self.config)
        if self.check_if_job_exists:
            transform_config["TransformJobName"] = self._get_unique_name(
                transform_config["TransformJobName"],
                self.action_if_job_exists == "fail",
                self.hook.describe_transform_job,
                "job",
            )
        model_config = self.config.get("Model")
        if model_config:
            if self.check_if_model_exists:
                model_config["ModelName"] = self._get_unique_name(
                    model_config["ModelName"], self.action_if_model_exists == "fail", self.hook.describe_model, "model"
                )
                if "ModelName" in self.config["Transform"]:
                    self.config["Transform"]["ModelName"] = model_config["ModelName"]
            self.log.info("Creating SageMaker Model %s for transform job", model_config["ModelName"])
            self.hook.create_model(model_config)
        self.log.info("Creating SageMaker transform Job %s.", transform_config["TransformJobName"])
        response = self.hook.create_transform_job(
            transform_config,
            wait_for_completion=self.wait_for_completion,
            check_interval=self.check_interval,
            max_ingestion_time=self.max_ingestion_time,
        )
        if response["ResponseMetadata"]["HTTPStatusCode"] != 200:
            raise AirflowException("Sagemaker transform Job creation failed: {}".format(response))
        return self.serialize_result(transform_config["TransformJobName"])

    def serialize_result(self, job_name: str) -> Dict[str, Any]:
        job_description = self.hook.describe_transform_job(job_name)
        return {
            "Model": serialize(self.hook.describe_model(job_description["ModelName"])),
            "Transform": serialize(job_description),
        }

    def execute_complete(self, context, event=None) -> Dict[str, Any]:
        """SageMakerTransformOperator.execute_complete (provider 9.x)."""
        event = _validate_execute_complete_event(event)
        if event["status"] != "success":
            raise AirflowException("Error while running job: {}".format(event))
        return self.serialize_result(event["job_name"])


def _validate_execute_complete_event(event):
    """providers/amazon/aws/utils/__init__.py validate_execute_complete_event."""
    if event is None:
        raise ValueError("Trigger error: event is None")
    return event


def __getattr__(name):
    raise AttributeError(
        "airflow.providers.amazon.aws.operators.sagemaker.{} is outside the local DAG runner's airflow subset".format(name)
    )
