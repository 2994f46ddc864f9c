"""airflow.operators.empty: the module itself on Airflow 2.10.3; on 3.0.6 a deprecated shim for
airflow.providers.standard.operators.empty (airflow-core/src/airflow/operators/__init__.py)."""
from airflow._versioned import module_getattr

__getattr__ = module_getattr(__name__, {"EmptyOperator": "airflow._empty.EmptyOperator"})
