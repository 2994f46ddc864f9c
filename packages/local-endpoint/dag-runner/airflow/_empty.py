"""EmptyOperator (airflow/operators/empty.py in Airflow 2.10.3, airflow/providers/standard/
operators/empty.py in the standard provider 1.6.0): does nothing; the scheduler marks it success
without running it when it has no callbacks."""
from airflow._core import BaseOperator


class EmptyOperator(BaseOperator):
    template_fields = ()

    def execute(self, context):
        pass

