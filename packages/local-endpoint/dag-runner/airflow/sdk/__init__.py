"""airflow.sdk (the Task SDK of Airflow 3.0.6; absent on 2.10.3, dagrunner/versions.py): DAG and
BaseOperator only in the local DAG runner's subset, the same classes as airflow.DAG and the
operators' base (task-sdk/src/airflow/sdk/__init__.py lazily exports them from
airflow.sdk.definitions.dag and airflow.sdk.bases.operator)."""
from airflow._versioned import module_getattr

__getattr__ = module_getattr(__name__, {"DAG": "airflow._core.DAG", "BaseOperator": "airflow._core.BaseOperator"})
