"""Helpers of the abalone pipeline DAG, importable without Airflow (tested with moto)."""
