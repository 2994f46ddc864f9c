"""airflow.providers.amazon.aws.operators: glue, glue_crawler and sagemaker (Amazon provider 9.x) only."""
