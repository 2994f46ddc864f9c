"""airflow.providers.amazon.aws in the local DAG runner's airflow subset."""
