"""airflow.providers.standard.operators.empty (standard provider 1.6.0, Airflow 3.0.6)."""
from airflow._versioned import module_getattr

__getattr__ = module_getattr(__name__, {"EmptyOperator": "airflow._empty.EmptyOperator"})
