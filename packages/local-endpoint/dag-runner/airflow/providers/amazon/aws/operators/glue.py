"""GlueJobOperator as in Amazon provider 9.x (apache/airflow
providers/src/airflow/providers/amazon/aws/operators/glue.py and hooks/glue.py). Call order with
update_config=False: get_job (has_job) -> [when missing: iam get_role(RoleName=iam_role_name) unless
iam_role_arn, then create_job] -> start_job_run(JobName, Arguments=script_args, **run_job_kwargs)
-> get_job_run(PredecessorsIncluded=True) every job_poll_interval until SUCCEEDED or STOPPED
(returned) or FAILED or TIMEOUT (AirflowException); any other state (ERROR, EXPIRED, ...) keeps
polling. on_kill with stop_job_run_on_kill: batch_stop_job_run. Returns the job run id.

Provider 9.12.0 (MWAA's Airflow 3.0.6 image): since 9.7.0 ("Update GlueJobOperator to inherit AWS
base class (#49750)") the operator is an AwsBaseOperator (verify and botocore_config accepted,
aws_template_fields(...) templated); the calls are the same.
"""
from typing import Any, Dict, Optional

from airflow._core import BaseOperator
from airflow.exceptions import AirflowException
from airflow.providers.amazon.aws._base import (
    AwsBaseHook,
    AwsBaseOperator,
    aws_template_fields,
    default_deferrable,
    provider_at_least,
    refuse_deferral,
    sleep,
)

ON_AWS_BASE_OPERATOR = provider_at_least("9.7.0")


class GlueJobHook(AwsBaseHook):
    def __init__(
        self,
        job_name: Optional[str] = None,
        desc: Optional[str] = None,
        concurrent_run_limit: int = 1,
        script_location: Optional[str] = None,
        retry_limit: int = 0,
        num_of_dpus: Any = None,
        aws_conn_id: Any = "aws_default",
        region_name: Any = None,
        s3_bucket: Optional[str] = None,
        iam_role_name: Optional[str] = None,
        iam_role_arn: Optional[str] = None,
        create_job_kwargs: Optional[Dict[str, Any]] = None,
        update_config: bool = False,
        job_poll_interval: float = 6,
    ):
        super().__init__("glue", aws_conn_id, region_name)
        self.job_name = job_name
        self.desc = desc
        self.concurrent_run_limit = concurrent_run_limit
        self.script_location = script_location
        self.retry_limit = retry_limit
        self.s3_bucket = s3_bucket
        self.role_name = iam_role_name
        self.role_arn = iam_role_arn
        self.s3_glue_logs = "logs/glue-logs/"
        self.create_job_kwargs = create_job_kwargs or {}
        self.update_config = update_config
        self.job_poll_interval = job_poll_interval
        worker_type_exists = "WorkerType" in self.create_job_kwargs
        num_workers_exists = "NumberOfWorkers" in self.create_job_kwargs
        if self.role_arn and self.role_name:
            raise ValueError("Cannot set iam_role_arn and iam_role_name simultaneously")
        if worker_type_exists and num_workers_exists:
            if num_of_dpus is not None:
                raise ValueError("Cannot specify num_of_dpus with custom WorkerType")
        elif not worker_type_exists and num_workers_exists:
            raise ValueError("Need to specify custom WorkerType when specifying NumberOfWorkers")
        elif worker_type_exists and not num_workers_exists:
            raise ValueError("Need to specify NumberOfWorkers when specifying custom WorkerType")
        elif num_of_dpus is None:
            self.num_of_dpus = 10
        else:
            self.num_of_dpus = num_of_dpus

    def create_glue_job_config(self) -> Dict[str, Any]:
        default_command = {"Name": "glueetl", "ScriptLocation": self.script_location}
        command = self.create_job_kwargs.pop("Command", default_command)
        if not self.role_arn:
            role_arn = self.client("iam").get_role(RoleName=self.role_name)["Role"]["Arn"]
        else:
            role_arn = self.role_arn
        config = {
            "Name": self.job_name,
            "Description": self.desc,
            "Role": role_arn,
            "ExecutionProperty": {"MaxConcurrentRuns": self.concurrent_run_limit},
            "Command": command,
            "MaxRetries": self.retry_limit,
            **self.create_job_kwargs,
        }
        if hasattr(self, "num_of_dpus"):
            config["MaxCapacity"] = self.num_of_dpus
        if self.s3_bucket is not None:
            config["LogUri"] = "s3://{}/{}{}".format(self.s3_bucket, self.s3_glue_logs, self.job_name)
        return config

    def has_job(self, job_name: str) -> bool:
        self.log.info("Checking if job already exists: %s", job_name)
        try:
            self.conn.get_job(JobName=job_name)
            return True
        except self.conn.exceptions.EntityNotFoundException:
            return False

    def update_job(self, **job_kwargs) -> bool:
        job_name = job_kwargs.pop("Name")
        current_job = self.conn.get_job(JobName=job_name)["Job"]
        update_config = {key: value for key, value in job_kwargs.items() if current_job.get(key) != job_kwargs[key]}
        if update_config:
            self.log.info("Updating job: %s", job_name)
            self.conn.update_job(JobName=job_name, JobUpdate=job_kwargs)
            return True
        return False

    def get_or_create_glue_job(self) -> str:
        if self.has_job(self.job_name):
            return self.job_name
        config = self.create_glue_job_config()
        self.log.info("Creating job: %s", self.job_name)
        self.conn.create_job(**config)
        return self.job_name

    def create_or_update_glue_job(self) -> str:
        config = self.create_glue_job_config()
        if self.has_job(self.job_name):
            self.update_job(**config)
        else:
            self.log.info("Creating job: %s", self.job_name)
            self.conn.create_job(**config)
        return self.job_name

    def initialize_job(self, script_arguments=None, run_kwargs=None) -> Dict[str, str]:
        script_arguments = script_arguments or {}
        run_kwargs = run_kwargs or {}
        try:
            job_name = self.create_or_update_glue_job() if self.update_config else self.get_or_create_glue_job()
            return self.conn.start_job_run(JobName=job_name, Arguments=script_arguments, **run_kwargs)
        except Exception as general_error:
            self.log.error("Failed to run aws glue job, error: %s", general_error)
            raise

    def get_job_state(self, job_name: str, run_id: str) -> str:
        job_run = self.conn.get_job_run(JobName=job_name, RunId=run_id, PredecessorsIncluded=True)
        return job_run["JobRun"]["JobRunState"]

    def job_completion(self, job_name: str, run_id: str, verbose: bool = False) -> Dict[str, str]:
        if verbose:
            raise AirflowException("verbose=True (CloudWatch log tailing) is not supported by the local DAG runner")
        while True:
            state = self.get_job_state(job_name, run_id)
            if state in ("SUCCEEDED", "STOPPED"):
                self.log.info("Exiting Job %s Run State: %s", run_id, state)
                return {"JobRunState": state, "JobRunId": run_id}
            if state in ("FAILED", "TIMEOUT"):
                message = "Exiting Job {} Run State: {}".format(run_id, state)
                self.log.info(message)
                raise AirflowException(message)
            self.log.info("Polling for AWS Glue Job %s current run state with status %s", job_name, state)
            sleep(self.job_poll_interval)


_GLUE_JOB_FIELDS = (
    "job_name",
    "script_location",
    "script_args",
    "create_job_kwargs",
    "s3_bucket",
    "iam_role_name",
    "iam_role_arn",
)


class GlueJobOperator(AwsBaseOperator if ON_AWS_BASE_OPERATOR else BaseOperator):
    template_fields = aws_template_fields(*_GLUE_JOB_FIELDS) if ON_AWS_BASE_OPERATOR else _GLUE_JOB_FIELDS

    def __init__(
        self,
        *,
        job_name: str = "aws_glue_default_job",
        job_desc: str = "AWS Glue Job with Airflow",
        script_location: Optional[str] = None,
        concurrent_run_limit: Optional[int] = None,
        script_args: Optional[dict] = None,
        retry_limit: int = 0,
        num_of_dpus: Any = None,
        aws_conn_id: Any = "aws_default",
        region_name: Any = None,
        s3_bucket: Optional[str] = None,
        iam_role_name: Optional[str] = None,
        iam_role_arn: Optional[str] = None,
        create_job_kwargs: Optional[dict] = None,
        run_job_kwargs: Optional[dict] = None,
        wait_for_completion: bool = True,
        verbose: bool = False,
        replace_script_file: bool = False,
        update_config: bool = False,
        job_poll_interval: float = 6,
        stop_job_run_on_kill: bool = False,
        deferrable: bool = default_deferrable(),
        **kwargs,
    ):
        if ON_AWS_BASE_OPERATOR:
            super().__init__(aws_conn_id=aws_conn_id, region_name=region_name, **kwargs)
        else:
            super().__init__(**kwargs)
        self.deferrable = deferrable
        self.job_name = job_name
        self.job_desc = job_desc
        self.script_location = script_location
        self.concurrent_run_limit = concurrent_run_limit or 1
        self.script_args = script_args or {}
        self.retry_limit = retry_limit
        self.num_of_dpus = num_of_dpus
        self.aws_conn_id = aws_conn_id
        self.region_name = region_name
        self.s3_bucket = s3_bucket
        self.iam_role_name = iam_role_name
        self.iam_role_arn = iam_role_arn
        self.create_job_kwargs = create_job_kwargs
        self.run_job_kwargs = run_job_kwargs or {}
        self.wait_for_completion = wait_for_completion
        self.verbose = verbose
        self.replace_script_file = replace_script_file
        self.update_config = update_config
        self.job_poll_interval = job_poll_interval
        self.stop_job_run_on_kill = stop_job_run_on_kill
        self._job_run_id: Optional[str] = None
        self._hook: Optional[GlueJobHook] = None

    @property
    def glue_job_hook(self) -> GlueJobHook:
        if self._hook is None:
            if self.script_location is not None and not self.script_location.startswith("s3://"):
                raise AirflowException(
                    "{}: a local script_location (uploaded by S3Hook) is not supported by the local DAG runner".format(
                        self.task_id
                    )
                )
            self._hook = GlueJobHook(
                job_name=self.job_name,
                desc=self.job_desc,
                concurrent_run_limit=self.concurrent_run_limit,
                script_location=self.script_location,
                retry_limit=self.retry_limit,
                num_of_dpus=self.num_of_dpus,
                aws_conn_id=self.aws_conn_id,
                region_name=self.region_name,
                s3_bucket=self.s3_bucket,
                iam_role_name=self.iam_role_name,
                iam_role_arn=self.iam_role_arn,
                create_job_kwargs=self.create_job_kwargs,
                update_config=self.update_config,
                job_poll_interval=self.job_poll_interval,
            )
        return self._hook

    def execute(self, context) -> str:
        refuse_deferral(self)
        self.log.info("Initializing AWS Glue Job: %s. Wait for completion: %s", self.job_name, self.wait_for_completion)
        glue_job_run = self.glue_job_hook.initialize_job(self.script_args, self.run_job_kwargs)
        self._job_run_id = glue_job_run["JobRunId"]
        if self.wait_for_completion:
            glue_job_run = self.glue_job_hook.job_completion(self.job_name, self._job_run_id, self.verbose)
            self.log.info(
                "AWS Glue Job: %s status: %s. Run Id: %s", self.job_name, glue_job_run["JobRunState"], self._job_run_id
            )
        else:
            self.log.info("AWS Glue Job: %s. Run Id: %s", self.job_name, self._job_run_id)
        return self._job_run_id

    def on_kill(self) -> None:
        if self.stop_job_run_on_kill and self._job_run_id:
            self.log.info("Stopping AWS Glue Job: %s. Run Id: %s", self.job_name, self._job_run_id)
            response = self.glue_job_hook.conn.batch_stop_job_run(JobName=self.job_name, JobRunIds=[self._job_run_id])
            if not response["SuccessfulSubmissions"]:
                self.log.error("Failed to stop AWS Glue Job: %s. Run Id: %s", self.job_name, self._job_run_id)


def __getattr__(name):
    raise AttributeError(
        "airflow.providers.amazon.aws.operators.glue.{} is outside the local DAG runner's airflow subset".format(name)
    )
