"""A stand-in for the parts of Airflow that abalone_pipeline_dag.py uses, so that the DAG file can
be imported and its tasks, edges and templated fields inspected where Airflow is not installed.

It records what the DAG declares; it does not run anything. Templated fields are listed per
operator as in apache-airflow-providers-amazon 9.x and Airflow 2.10.
"""
import importlib.util
import sys
import types
from contextlib import contextmanager

TEMPLATE_FIELDS = {
    "PythonOperator": ("templates_dict", "op_args", "op_kwargs"),
    "BranchPythonOperator": ("templates_dict", "op_args", "op_kwargs"),
    "ShortCircuitOperator": ("templates_dict", "op_args", "op_kwargs"),
    "EmptyOperator": (),
    # aws_template_fields("config") in providers/amazon/aws/utils/mixins.py
    "GlueCrawlerOperator": ("aws_conn_id", "config", "region_name", "verify"),
    "GlueJobOperator": (
        "job_name",
        "script_location",
        "script_args",
        "create_job_kwargs",
        "s3_bucket",
        "iam_role_name",
        "iam_role_arn",
    ),
    "SageMakerTrainingOperator": ("config",),
    "SageMakerTransformOperator": ("config",),
    "StrictSageMakerTrainingOperator": ("config",),
    "StrictSageMakerTransformOperator": ("config",),
}


class FakeDAG:
    current = None

    def __init__(self, dag_id, **kwargs):
        self.dag_id = dag_id
        self.kwargs = kwargs
        self.tasks = {}

    def __enter__(self):
        FakeDAG.current = self
        return self

    def __exit__(self, *exc):
        FakeDAG.current = None
        return False

    @property
    def edges(self):
        return {(task.task_id, downstream) for task in self.tasks.values() for downstream in task.downstream}


class FakeOperator:
    def __init__(self, task_id, **kwargs):
        self.task_id = task_id
        self.kwargs = kwargs
        self.downstream = set()
        self.dag = FakeDAG.current
        if self.dag is None:
            raise AssertionError("task {} declared outside a DAG".format(task_id))
        if task_id in self.dag.tasks:
            raise AssertionError("duplicate task id {}".format(task_id))
        self.dag.tasks[task_id] = self

    @property
    def template_fields(self):
        return TEMPLATE_FIELDS[type(self).__name__]

    def _link(self, other):
        for task in other if isinstance(other, (list, tuple)) else [other]:
            self.downstream.add(task.task_id)
        return other

    def __rshift__(self, other):
        return self._link(other)

    def __rrshift__(self, other):
        for task in other:
            task._link(self)
        return self


def _operator(name):
    return type(name, (FakeOperator,), {})


def _module(name, **attributes):
    module = types.ModuleType(name)
    module.__dict__.update(attributes)
    return module


@contextmanager
def installed():
    """Install the fake airflow modules in sys.modules for the duration of the block."""
    modules = {
        "airflow": _module("airflow", DAG=FakeDAG),
        "airflow.exceptions": _module("airflow.exceptions", AirflowException=type("AirflowException", (Exception,), {})),
        "airflow.operators": _module("airflow.operators"),
        "airflow.operators.empty": _module("airflow.operators.empty", EmptyOperator=_operator("EmptyOperator")),
        "airflow.operators.python": _module(
            "airflow.operators.python",
            PythonOperator=_operator("PythonOperator"),
            BranchPythonOperator=_operator("BranchPythonOperator"),
            ShortCircuitOperator=_operator("ShortCircuitOperator"),
        ),
        "airflow.providers": _module("airflow.providers"),
        "airflow.providers.amazon": _module("airflow.providers.amazon"),
        "airflow.providers.amazon.aws": _module("airflow.providers.amazon.aws"),
        "airflow.providers.amazon.aws.operators": _module("airflow.providers.amazon.aws.operators"),
        "airflow.providers.amazon.aws.operators.glue": _module(
            "airflow.providers.amazon.aws.operators.glue", GlueJobOperator=_operator("GlueJobOperator")
        ),
        "airflow.providers.amazon.aws.operators.glue_crawler": _module(
            "airflow.providers.amazon.aws.operators.glue_crawler",
            GlueCrawlerOperator=_operator("GlueCrawlerOperator"),
        ),
        "airflow.providers.amazon.aws.operators.sagemaker": _module(
            "airflow.providers.amazon.aws.operators.sagemaker",
            SageMakerTrainingOperator=_operator("SageMakerTrainingOperator"),
            SageMakerTransformOperator=_operator("SageMakerTransformOperator"),
        ),
    }
    modules["abalone_pipeline.operators"] = None  # imports airflow: re-imported over these fakes
    saved = {name: sys.modules.get(name) for name in modules}
    sys.modules.update(modules)
    del sys.modules["abalone_pipeline.operators"]
    try:
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def load_dag(path):
    """Import the DAG file with the fakes installed; return its module."""
    with installed():
        spec = importlib.util.spec_from_file_location("abalone_pipeline_dag_under_test", str(path))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module
