"""apache-airflow-providers-standard 1.6.0 (MWAA's Airflow 3.0.6 image); absent on 2.10.3 (dagrunner/versions.py)."""
