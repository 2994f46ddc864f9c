"""airflow.operators: empty and python only in the local DAG runner's subset (deprecated shims on Airflow 3)."""
