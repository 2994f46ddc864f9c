"""airflow.providers in the local DAG runner's airflow subset."""
