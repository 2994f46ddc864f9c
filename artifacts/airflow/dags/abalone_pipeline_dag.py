"""Abalone pipeline: when new data has arrived (or the run's conf says {"force": true}), crawl it,
preprocess, train XGBoost, evaluate, analyse, deploy the model to the pipeline's endpoint or reject
it, and record the run under <name>_data/runs/. With nothing new, check_new_data short-circuits
and every later task is skipped; the daily schedule is a backstop for data that arrives by other
paths than `add-data` (which starts a run itself).

Configuration comes from SSM at run time (task load_config, under the prefix set in the Airflow
option abalone.ssm_prefix); parsing this file makes no AWS call. Templates render as native
Python objects, so an operator's config can be a whole dict built by an upstream task.

The same file runs on MWAA's Airflow 2.10.3 and 3.0.6: the operators come from the standard
provider where it is installed (3.x; airflow.operators.* are deprecated shims there) and from
airflow.operators on 2.10.3, whose image has no standard provider; `from airflow import DAG` works
on both. No task reads a context key that a 3.x run without a logical date lacks (logical_date,
ds, ts, data_interval_*) or one 3.0 removed (execution_date, conf, next_ds, ...).
"""
from datetime import datetime, timedelta, timezone

from airflow import DAG

try:  # Airflow 3
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.providers.standard.operators.python import BranchPythonOperator, PythonOperator, ShortCircuitOperator
except ImportError:  # Airflow 2.10.3
    from airflow.operators.empty import EmptyOperator
    from airflow.operators.python import BranchPythonOperator, PythonOperator, ShortCircuitOperator
from airflow.providers.amazon.aws.operators.glue import GlueJobOperator
from airflow.providers.amazon.aws.operators.glue_crawler import GlueCrawlerOperator

from abalone_pipeline import callables
from abalone_pipeline.operators import StrictSageMakerTrainingOperator, StrictSageMakerTransformOperator


def xcom(task_id: str, key: str = "") -> str:
    """A template of an upstream task's return value, or of one key of it."""
    item = "['{}']".format(key) if key else ""
    return "{{ ti.xcom_pull(task_ids='" + task_id + "')" + item + " }}"


DEFAULT_ARGS = {
    "owner": "abalone-pipeline",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "execution_timeout": timedelta(hours=3),
}
# The ETL job's own Timeout is 10 minutes (ensure-glue); GlueJobHook polls ERROR or EXPIRED runs
# forever, so the task stops at the job's limit plus time to start and report.
PREPROCESS_TIMEOUT = timedelta(minutes=15)

with DAG(
    dag_id="abalone_pipeline",
    description="Glue ETL, SageMaker XGBoost training, evaluation and gated deployment of the abalone model",
    schedule="@daily",
    start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=6),
    default_args=DEFAULT_ARGS,
    render_template_as_native_obj=True,
    params={"rmse_threshold": None},
    tags=["abalone", "sagemaker"],
) as dag:
    load_config = PythonOperator(task_id="load_config", python_callable=callables.load_config_task)

    # False (nothing new, no force) skips every downstream task (ignore_downstream_trigger_rules).
    check_new_data = ShortCircuitOperator(task_id="check_new_data", python_callable=callables.check_new_data_task)

    crawl_new_data = GlueCrawlerOperator(
        task_id="crawl_new_data",
        config=xcom("load_config", "crawler_config"),
        wait_for_completion=True,
    )

    preprocess = GlueJobOperator(
        task_id="preprocess",
        job_name=xcom("load_config", "etl_job_name"),
        script_args=xcom("load_config", "etl_arguments"),
        wait_for_completion=True,
        stop_job_run_on_kill=True,
        execution_timeout=PREPROCESS_TIMEOUT,
    )

    prepare_training = PythonOperator(task_id="prepare_training", python_callable=callables.prepare_training_task)

    train = StrictSageMakerTrainingOperator(
        task_id="train",
        config=xcom("prepare_training"),
        wait_for_completion=True,
        print_log=False,
        check_interval=30,
        max_ingestion_time=2 * 3600,
    )

    prepare_evaluation = PythonOperator(
        task_id="prepare_evaluation", python_callable=callables.prepare_evaluation_task
    )

    batch_transform = StrictSageMakerTransformOperator(
        task_id="batch_transform",
        config=xcom("prepare_evaluation"),
        wait_for_completion=True,
        check_interval=30,
        max_ingestion_time=3600,
    )

    write_evaluation = PythonOperator(task_id="write_evaluation", python_callable=callables.write_evaluation_task)

    # A callable rather than LambdaInvokeFunctionOperator: with native templates a JSON payload
    # string would be rendered back into a dict, which the Lambda client cannot send.
    analyze = PythonOperator(task_id="analyze", python_callable=callables.analyze_task)

    check_rmse = BranchPythonOperator(task_id="check_rmse", python_callable=callables.choose_branch_task)

    deploy = PythonOperator(task_id="deploy", python_callable=callables.deploy_task)

    reject = PythonOperator(task_id="reject", python_callable=callables.reject_task)

    # After deploy or reject (the other one is skipped by the branch).
    record_run = PythonOperator(
        task_id="record_run",
        python_callable=callables.record_run_task,
        trigger_rule="none_failed_min_one_success",
    )

    end = EmptyOperator(task_id="end", trigger_rule="none_failed_min_one_success")

    (
        load_config
        >> check_new_data
        >> crawl_new_data
        >> preprocess
        >> prepare_training
        >> train
        >> prepare_evaluation
        >> batch_transform
        >> write_evaluation
        >> analyze
        >> check_rmse
    )
    check_rmse >> [deploy, reject] >> record_run >> end
