"""airflow.operators.empty.EmptyOperator (Airflow 2.10): does nothing; the scheduler marks it
success without running it when it has no callbacks."""
from airflow._core import BaseOperator


class EmptyOperator(BaseOperator):
    template_fields = ()

    def execute(self, context):
        pass


def __getattr__(name):
    raise AttributeError("airflow.operators.empty.{} is outside the local DAG runner's airflow subset".format(name))
