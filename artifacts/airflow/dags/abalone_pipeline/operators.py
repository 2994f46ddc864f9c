"""The provider's SageMaker operators with two fixes the pipeline needs (Amazon provider 9.x,
apache/airflow providers/src/airflow/providers/amazon/aws/hooks/sagemaker.py and operators/sagemaker.py):

- SageMakerHook.check_status fails only on "Failed" (failed_states), so a job Stopped (at
  MaxRuntimeInSeconds, or by StopTrainingJob) ends the task as a success with missing artifacts:
  these operators fail unless the job's status is "Completed".
- Neither operator has on_kill, so a killed or timed-out task (and the retry after it) leaves its
  job running: these stop this attempt's job when the task is killed or fails while it runs.

Airflow's calling convention: the mixin's execute is not wrapped by BaseOperatorMeta (it is not
in the operator class's own body). On 2.10.3 (airflow/models/taskinstance.py _execute_task) it
receives `context=` and the `<Class>__sentinel` keyword itself and must pass them on to the
provider's execute, whose ExecutorSafeguard wrapper consumes the sentinel. On 3.x (task-sdk
task_runner.py _execute_task) it receives `context=` only, the runner having set
ExecutorSafeguard.tracker to the task, which the provider's wrapper then finds. Only a failure of the
task (an Exception) stops the job: TaskDeferred, AirflowTaskTimeout and AirflowTaskTerminated are
BaseExceptions; a deferral must leave the job running, and a timeout or SIGTERM already calls
on_kill. A task resumed from a deferral (execute_complete) gets the same Completed check.

Imported by the DAG file only (this package's other modules import no Airflow).
"""
from botocore.exceptions import ClientError

from airflow.exceptions import AirflowException
from airflow.providers.amazon.aws.operators.sagemaker import SageMakerTrainingOperator, SageMakerTransformOperator

COMPLETED = "Completed"
RUNNING = ("InProgress",)


class _StopsItsJob:
    kind = ""
    result_key = ""
    status_key = ""

    def job_name(self):
        raise NotImplementedError

    def describe_job(self, name):
        raise NotImplementedError

    def stop(self, name):
        raise NotImplementedError

    def stop_job(self) -> None:
        """Stop this attempt's job if it is still running; a job never created is left alone."""
        name = self.job_name()
        if not name:
            return
        try:
            status = self.describe_job(name)[self.status_key]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ValidationException":
                return
            raise
        if status in RUNNING:
            self.log.warning("Stopping SageMaker %s job %s (status %s)", self.kind, name, status)
            self.stop(name)

    def on_kill(self) -> None:
        self.stop_job()

    def execute(self, context, **kwargs):
        try:
            result = super().execute(context, **kwargs)
        except Exception:
            try:
                self.stop_job()
            except Exception:
                self.log.exception("could not stop the SageMaker %s job %s", self.kind, self.job_name())
            raise
        return self.require_completed(result)

    def execute_complete(self, context, event=None):
        return self.require_completed(super().execute_complete(context, event))

    def require_completed(self, result):
        job = result[self.result_key]
        status = job.get(self.status_key)
        if status != COMPLETED:
            raise AirflowException(
                "SageMaker {} job {} ended {}, not {}: {}".format(
                    self.kind, self.job_name(), status, COMPLETED, job.get("FailureReason") or "no reason given"
                )
            )
        return result


class StrictSageMakerTrainingOperator(_StopsItsJob, SageMakerTrainingOperator):
    kind = "training"
    result_key = "Training"
    status_key = "TrainingJobStatus"

    def job_name(self):
        return (self.config or {}).get("TrainingJobName") if isinstance(self.config, dict) else None

    def describe_job(self, name):
        return self.hook.conn.describe_training_job(TrainingJobName=name)

    def stop(self, name):
        self.hook.conn.stop_training_job(TrainingJobName=name)


class StrictSageMakerTransformOperator(_StopsItsJob, SageMakerTransformOperator):
    kind = "transform"
    result_key = "Transform"
    status_key = "TransformJobStatus"

    def job_name(self):
        if not isinstance(self.config, dict):
            return None
        return self.config.get("Transform", self.config).get("TransformJobName")

    def describe_job(self, name):
        return self.hook.conn.describe_transform_job(TransformJobName=name)

    def stop(self, name):
        self.hook.conn.stop_transform_job(TransformJobName=name)
