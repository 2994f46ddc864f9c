"""airflow.providers.standard.operators.python (standard provider 1.6.0, Airflow 3.0.6)."""
from airflow._versioned import module_getattr

__getattr__ = module_getattr(__name__, {
    "PythonOperator": "airflow._python.PythonOperator",
    "BranchPythonOperator": "airflow._python.BranchPythonOperator",
    "ShortCircuitOperator": "airflow._python.ShortCircuitOperator",
})
