"""The exceptions of airflow.exceptions that the runner's subset raises (Airflow 2.10 names)."""


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
