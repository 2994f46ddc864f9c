"""The DAG file, checked from its source (Airflow is not installed here) and imported over fakes.

The source checks read task ids, operator classes and `>>` edges with ast. The fake import then
renders every templated field the way Airflow does with render_template_as_native_obj=True
(Jinja's NativeEnvironment) against sample XComs, so a wrong task id or key shows up here.
"""
import ast
import py_compile
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from jinja2.nativetypes import NativeEnvironment

import fake_airflow
from abalone_pipeline import callables, sagemaker_specs
from conftest import DAGS, FakeTaskInstance
from sample_config import TRAINING_RESULT, pipeline_config

DAG_FILE = DAGS / "abalone_pipeline_dag.py"
CHAIN = [
    "load_config",
    "check_new_data",
    "crawl_new_data",
    "preprocess",
    "prepare_training",
    "train",
    "prepare_evaluation",
    "batch_transform",
    "write_evaluation",
    "analyze",
    "check_rmse",
]
EXPECTED_EDGES = set(zip(CHAIN, CHAIN[1:])) | {
    ("check_rmse", "deploy"),
    ("check_rmse", "reject"),
    ("deploy", "record_run"),
    ("reject", "record_run"),
    ("record_run", "end"),
}
EXPECTED_OPERATORS = {
    "load_config": "PythonOperator",
    "check_new_data": "ShortCircuitOperator",
    "crawl_new_data": "GlueCrawlerOperator",
    "preprocess": "GlueJobOperator",
    "prepare_training": "PythonOperator",
    "train": "StrictSageMakerTrainingOperator",
    "prepare_evaluation": "PythonOperator",
    "batch_transform": "StrictSageMakerTransformOperator",
    "write_evaluation": "PythonOperator",
    "analyze": "PythonOperator",
    "check_rmse": "BranchPythonOperator",
    "deploy": "PythonOperator",
    "reject": "PythonOperator",
    "record_run": "PythonOperator",
    "end": "EmptyOperator",
}


@pytest.fixture(scope="module")
def tree():
    return ast.parse(DAG_FILE.read_text(), filename=str(DAG_FILE))


def keyword_values(call):
    return {keyword.arg: keyword.value for keyword in call.keywords if keyword.arg}


def source_tasks(tree):
    """variable name -> (task_id, operator class name, keyword AST nodes)"""
    tasks = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            keywords = keyword_values(node.value)
            if "task_id" in keywords and isinstance(node.targets[0], ast.Name):
                tasks[node.targets[0].id] = (ast.literal_eval(keywords["task_id"]), node.value.func.id, keywords)
    return tasks


def chain_operands(node):
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.RShift):
        return chain_operands(node.left) + chain_operands(node.right)
    return [[element.id for element in node.elts] if isinstance(node, ast.List) else [node.id]]


def source_edges(tree):
    tasks = source_tasks(tree)
    edges = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.BinOp):
            operands = chain_operands(node.value)
            for upstream, downstream in zip(operands, operands[1:]):
                edges |= {(tasks[a][0], tasks[b][0]) for a in upstream for b in downstream}
    return edges


def test_dag_file_compiles(tmp_path):
    py_compile.compile(str(DAG_FILE), cfile=str(tmp_path / "dag.pyc"), doraise=True)


def test_task_ids_and_operators_from_source(tree):
    tasks = source_tasks(tree)
    assert {task_id: operator for task_id, operator, _ in tasks.values()} == EXPECTED_OPERATORS


def test_dependency_edges_from_source(tree):
    assert source_edges(tree) == EXPECTED_EDGES


def test_dag_arguments_from_source(tree):
    dag_call = next(
        node for node in ast.walk(tree) if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "DAG"
    )
    arguments = keyword_values(dag_call)
    assert ast.literal_eval(arguments["schedule"]) == "@daily"
    assert ast.literal_eval(arguments["catchup"]) is False
    assert ast.literal_eval(arguments["max_active_runs"]) == 1
    assert ast.literal_eval(arguments["render_template_as_native_obj"]) is True
    assert "end" in {task_id for task_id, _, _ in source_tasks(tree).values()}
    end_keywords = next(keywords for task_id, _, keywords in source_tasks(tree).values() if task_id == "end")
    assert ast.literal_eval(end_keywords["trigger_rule"]) == "none_failed_min_one_success"
    record_keywords = next(keywords for task_id, _, keywords in source_tasks(tree).values() if task_id == "record_run")
    assert ast.literal_eval(record_keywords["trigger_rule"]) == "none_failed_min_one_success"


def test_preprocess_times_out_soon_after_the_glue_job_itself(dag_module):
    """Issue #11 item 9: GlueJobHook._handle_state (providers/src/airflow/providers/amazon/aws/
    hooks/glue.py) fails only on FAILED or TIMEOUT and polls ERROR or EXPIRED runs on, so the task's
    own execution_timeout must end it near the job's 10-minute Timeout (src/steps/glue/specs.ts),
    not after the default 3 hours; stop_job_run_on_kill stops the run when it does."""
    preprocess = dag_module.dag.tasks["preprocess"].kwargs
    assert timedelta(minutes=10) < preprocess["execution_timeout"] <= timedelta(minutes=15)
    assert preprocess["stop_job_run_on_kill"] is True


def test_check_new_data_short_circuits_everything_after_it(dag_module):
    task = dag_module.dag.tasks["check_new_data"]
    # ShortCircuitOperator's default ignore_downstream_trigger_rules=True skips all downstream tasks.
    assert task.kwargs.get("ignore_downstream_trigger_rules", True) is True


def test_provider_operators_are_imported_from_the_amazon_provider(tree):
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert {
        "airflow.providers.amazon.aws.operators.glue",
        "airflow.providers.amazon.aws.operators.glue_crawler",
    } <= modules
    operators = ast.parse((DAGS / "abalone_pipeline" / "operators.py").read_text())
    assert "airflow.providers.amazon.aws.operators.sagemaker" in {
        node.module for node in ast.walk(operators) if isinstance(node, ast.ImportFrom)
    }
    assert "boto3" not in DAG_FILE.read_text()


# ---------------------------------------------------------------------------------------------
# Imported over the fakes
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dag_module():
    return fake_airflow.load_dag(DAG_FILE)


def test_imported_dag_matches_the_source(dag_module, tree):
    dag = dag_module.dag
    assert dag.dag_id == "abalone_pipeline"
    assert {task_id: type(task).__name__ for task_id, task in dag.tasks.items()} == EXPECTED_OPERATORS
    assert dag.edges == EXPECTED_EDGES == source_edges(tree)
    assert dag.kwargs["default_args"]["retries"] == 2
    assert dag.kwargs["default_args"]["retry_delay"] == timedelta(minutes=5)
    assert dag.kwargs["default_args"]["execution_timeout"] <= dag.kwargs["dagrun_timeout"]
    assert dag.kwargs["catchup"] is False and dag.kwargs["max_active_runs"] == 1
    assert dag.kwargs["schedule"] == "@daily"


def test_python_tasks_call_the_helpers(dag_module):
    expected = {
        "load_config": callables.load_config_task,
        "check_new_data": callables.check_new_data_task,
        "prepare_training": callables.prepare_training_task,
        "prepare_evaluation": callables.prepare_evaluation_task,
        "write_evaluation": callables.write_evaluation_task,
        "analyze": callables.analyze_task,
        "check_rmse": callables.choose_branch_task,
        "deploy": callables.deploy_task,
        "reject": callables.reject_task,
        "record_run": callables.record_run_task,
    }
    tasks = dag_module.dag.tasks
    assert {task_id: tasks[task_id].kwargs["python_callable"] for task_id in expected} == expected


def test_branch_returns_the_ids_of_its_downstream_tasks(dag_module):
    assert dag_module.dag.tasks["check_rmse"].downstream == {callables.DEPLOY, callables.REJECT}
    assert callables.LOAD_CONFIG in dag_module.dag.tasks and callables.ANALYZE in dag_module.dag.tasks
    assert callables.TRAIN in dag_module.dag.tasks and callables.BATCH_TRANSFORM in dag_module.dag.tasks


def ancestors(dag, task_id):
    parents = {upstream for upstream, downstream in dag.edges if downstream == task_id}
    return parents.union(*(ancestors(dag, parent) for parent in parents)) if parents else set()


def render(value, context):
    if isinstance(value, str) and "{{" in value:
        return NativeEnvironment().from_string(value).render(**context)
    if isinstance(value, dict):
        return {key: render(item, context) for key, item in value.items()}
    return value


def test_templated_fields_render_to_native_values(dag_module):
    config = pipeline_config()
    training_config = sagemaker_specs.training_job_config(config)
    transform = sagemaker_specs.transform_config(config, TRAINING_RESULT)
    ti = FakeTaskInstance(
        {"load_config": config, "prepare_training": training_config, "prepare_evaluation": transform}
    )
    tasks = dag_module.dag.tasks
    rendered = {
        task_id: {field: render(task.kwargs.get(field), {"ti": ti}) for field in task.template_fields if field in task.kwargs}
        for task_id, task in tasks.items()
    }
    assert rendered["crawl_new_data"]["config"] == {"Name": "abalone-crawler", "Tags": {"abalone-pipeline:name": "abalone"}}
    assert rendered["preprocess"]["job_name"] == "abalone-etl"
    assert rendered["preprocess"]["script_args"] == config["etl_arguments"]
    assert rendered["train"]["config"] == training_config
    assert rendered["batch_transform"]["config"] == transform


def test_templates_only_pull_from_upstream_tasks(dag_module):
    dag = dag_module.dag
    for task_id, task in dag.tasks.items():
        for field in task.template_fields:
            for pulled in re.findall(r"task_ids='([^']+)'", str(task.kwargs.get(field, ""))):
                assert pulled in ancestors(dag, task_id), "{} pulls from {}".format(task_id, pulled)


def test_importing_the_dag_makes_no_aws_call(tmp_path):
    """A fresh interpreter with sockets and boto3 clients disabled imports the helpers (without
    Airflow) and the DAG file (over the fakes)."""
    script = tmp_path / "import_dag.py"
    script.write_text(
        "\n".join(
            [
                "import socket, sys",
                "def refuse(*args, **kwargs):",
                "    raise AssertionError('AWS or network call while importing the DAG')",
                "socket.socket.connect = refuse",
                "socket.create_connection = refuse",
                "import boto3",
                "boto3.client = boto3.resource = refuse",
                "boto3.session.Session.client = refuse",
                "sys.path[:0] = [{!r}, {!r}]".format(str(DAGS), str(fake_airflow.__file__.rsplit("/", 1)[0])),
                "sys.modules['airflow'] = None  # the helpers must import without Airflow",
                "import abalone_pipeline.callables",
                "del sys.modules['airflow']",
                "import fake_airflow",
                "module = fake_airflow.load_dag({!r})".format(str(DAG_FILE)),
                "assert len(module.dag.tasks) == 15",
                "print('ok')",
            ]
        )
    )
    result = subprocess.run([sys.executable, "-B", str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_helper_package_is_ignored_by_the_dag_parser():
    ignore = (DAGS / ".airflowignore").read_text().splitlines()
    patterns = [line for line in ignore if line.strip() and not line.startswith("#")]
    assert any(re.search(pattern, "abalone_pipeline/callables.py") for pattern in patterns)
    assert not any(re.search(pattern, "abalone_pipeline_dag.py") for pattern in patterns)
