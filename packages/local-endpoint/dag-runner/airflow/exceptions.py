"""The exceptions of airflow.exceptions that the runner's subset raises (the same names on 2.10.3
and 3.0.6, and DownstreamTasksSkipped, what 3.x's SkipMixin raises, on 3.0.6 only)."""


class AirflowException(Exception):
    """A task failure; retried while the task has retries left."""


class AirflowSkipException(AirflowException):
    """Raised in a task to end it as skipped."""


class AirflowFailException(AirflowException):
    """Raised in a task to fail it without retrying."""


class AirflowTaskTimeout(BaseException):
    """The task ran past its execution_timeout (Airflow 2.10 derives it from BaseException too)."""


class AirflowTaskTerminated(BaseException):
    """The task process received SIGTERM."""


class TaskDeferred(BaseException):
    """airflow/exceptions.py (2.10.3): raised by an operator that defers to a trigger; a
    BaseException, so `except Exception` does not catch it. The local DAG runner has no triggerer:
    a task that raises it fails, naming the deferral (README.md, parity table)."""

    def __init__(self, *, trigger, method_name: str, kwargs=None, timeout=None):
        super().__init__()
        self.trigger = trigger
        self.method_name = method_name
        self.kwargs = kwargs
        self.timeout = timeout
        if self.timeout is not None and not hasattr(self.timeout, "total_seconds"):
            raise ValueError("Timeout value must be a timedelta")

    def __repr__(self) -> str:
        return "<TaskDeferred trigger={} method={}>".format(self.trigger, self.method_name)


class TaskDeferralError(AirflowException):
    """Raised when a task failed during deferral for some reason."""


class _DownstreamTasksSkipped(AirflowException):
    """Airflow 3 (airflow/exceptions.py DownstreamTasksSkipped; task-sdk task_runner.run): raised
    by SkipMixin to skip downstream tasks; the task that raises it succeeds, and its return value
    is not pushed. Offered as airflow.exceptions.DownstreamTasksSkipped on 3.x only."""

    def __init__(self, *, tasks):
        super().__init__()
        self.tasks = tasks


_DownstreamTasksSkipped.__name__ = _DownstreamTasksSkipped.__qualname__ = "DownstreamTasksSkipped"


def __getattr__(name):
    from dagrunner.versions import active

    if name == "DownstreamTasksSkipped" and active().skip_raises:
        return _DownstreamTasksSkipped
    raise AttributeError(
        "airflow.exceptions.{} is outside the local DAG runner's airflow subset for Airflow {}".format(name, active().version)
    )
