"""airflow.providers.amazon in the local DAG runner's airflow subset."""
