"""The local DAG runner engine: DAG discovery, run execution, state file (not part of airflow)."""
