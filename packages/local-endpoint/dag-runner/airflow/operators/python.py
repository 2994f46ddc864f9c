"""airflow.operators.python: the module itself on Airflow 2.10.3; on 3.0.6 a deprecated shim whose
names come from the standard provider (airflow-core/src/airflow/operators/__init__.py)."""
from airflow._versioned import module_getattr

__getattr__ = module_getattr(__name__, {
    "PythonOperator": "airflow._python.PythonOperator",
    "BranchPythonOperator": "airflow._python.BranchPythonOperator",
    "ShortCircuitOperator": "airflow._python.ShortCircuitOperator",
})
