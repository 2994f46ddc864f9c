"""The DAG file, checked from its source and imported through the local DAG runner's strict
`airflow` package (packages/local-endpoint/dag-runner) under each Airflow version MWAA runs it on
(dagrunner/versions.py: 2.10.3 and 3.0.6, each with its constructor checks, metaclass, modules and
_execute_task), never a permissive fake: an operator argument real Airflow rejects fails here on
both.

The source checks read task ids, operator classes and `>>` edges with ast. The strict import then
renders every templated field as Airflow does with render_template_as_native_obj=True against
sample XComs, and executes every task as the version's _execute_task does
(airflow/models/taskinstance.py at 2.10.3; task-sdk/src/airflow/sdk/execution_time/task_runner.py
on 3.x), with the AWS calls behind the operators faked.
"""
import ast
import copy
import shutil
import py_compile
import re
import subprocess
import sys
import warnings
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from abalone_pipeline import callables, sagemaker_specs
from conftest import DAGS, REPO
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


RUNNER_DIR = REPO / "packages" / "local-endpoint" / "dag-runner"
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)


def _forget_runner_modules():
    for name in list(sys.modules):
        if name in ("airflow", "dagrunner", "abalone_pipeline.operators") or name.startswith(("airflow.", "dagrunner.")):
            del sys.modules[name]


VERSIONS = ["2.10.3", "3.0.6"]


def _forget_dag_package():
    for name in list(sys.modules):
        if name == "abalone_pipeline" or name.startswith("abalone_pipeline."):
            del sys.modules[name]


@pytest.fixture(scope="module", params=VERSIONS)
def strict(request):
    """The runner's airflow package and engine, imported in this process under one version."""
    sys.path.insert(0, str(RUNNER_DIR))
    _forget_runner_modules()
    from dagrunner import versions

    versions.activate(versions.EMULATED[request.param])
    from dagrunner import dagbag, execute

    yield dagbag, execute
    _forget_runner_modules()
    sys.path.remove(str(RUNNER_DIR))


@pytest.fixture(scope="module")
def dag(strict):
    dagbag, _ = strict
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dags, errors = dagbag.collect(str(DAGS))
    assert errors == {}
    # The DAG uses no deprecated import on either version (3.x: airflow.operators.* are shims).
    assert [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)] == []
    return dags["abalone_pipeline"]


def test_the_dag_imports_each_operator_from_where_the_version_has_it(strict, dag):
    from dagrunner.versions import active

    modules = {type(dag.get_task(task_id)).__name__: type(dag.get_task(task_id)) for task_id in ("load_config", "end")}
    if active().version == "2.10.3":
        with pytest.raises(ModuleNotFoundError, match="Airflow 2.10.3 on MWAA does not have it"):
            __import__("airflow.providers.standard.operators.python")
        with pytest.raises(ModuleNotFoundError, match="'airflow.sdk'"):
            __import__("airflow.sdk")
    else:
        from airflow.providers.standard.operators.empty import EmptyOperator
        from airflow.providers.standard.operators.python import PythonOperator
        from airflow.sdk import DAG

        assert modules == {"PythonOperator": PythonOperator, "EmptyOperator": EmptyOperator}
        assert type(dag) is DAG
        with pytest.warns(DeprecationWarning, match="The `airflow.operators.python.PythonOperator` attribute is deprecated"):
            from airflow.operators.python import PythonOperator as Shim  # noqa: F401
        assert Shim is PythonOperator


def test_schedule_catchup_and_params_are_the_same_on_both_versions(dag):
    """The DAG sets them explicitly, so neither version's defaults ([scheduler] catchup_by_default
    True on 2.10.3, False on 3.x) apply; the run's conf overrides params on both
    ([core] dag_run_conf_overrides_params, process_params)."""
    assert (dag.schedule, dag.catchup, dag.max_active_runs, dag.params) == ("@daily", False, 1, {"rmse_threshold": None})
    assert dag.start_date == datetime(2024, 1, 1, tzinfo=timezone.utc)


def edges(dag):
    return {(task.task_id, downstream) for task in dag.tasks for downstream in task.downstream_task_ids}


def test_preprocess_times_out_soon_after_the_glue_job_itself(dag):
    """Issue #11 item 9: GlueJobHook._handle_state (providers/src/airflow/providers/amazon/aws/
    hooks/glue.py) fails only on FAILED or TIMEOUT and polls ERROR or EXPIRED runs on, so the task's
    own execution_timeout must end it near the job's 10-minute Timeout (src/steps/glue/specs.ts),
    not after the default 3 hours; stop_job_run_on_kill stops the run when it does."""
    preprocess = dag.get_task("preprocess")
    assert timedelta(minutes=10) < preprocess.execution_timeout <= timedelta(minutes=15)
    assert preprocess.stop_job_run_on_kill is True


def test_check_new_data_short_circuits_everything_after_it(dag):
    # ShortCircuitOperator's default ignore_downstream_trigger_rules=True skips all downstream tasks.
    assert dag.get_task("check_new_data").ignore_downstream_trigger_rules is True


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


def test_imported_dag_matches_the_source(dag, tree):
    assert dag.dag_id == "abalone_pipeline"
    assert {task.task_id: type(task).__name__ for task in dag.tasks} == EXPECTED_OPERATORS
    assert edges(dag) == EXPECTED_EDGES == source_edges(tree)
    assert dag.default_args["retries"] == 2 and dag.get_task("train").retries == 2
    assert dag.default_args["retry_delay"] == timedelta(minutes=5)
    assert dag.default_args["execution_timeout"] <= dag.dagrun_timeout
    assert dag.catchup is False and dag.max_active_runs == 1
    assert dag.schedule == "@daily"


def test_python_tasks_call_the_helpers(dag):
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
    assert {task_id: dag.get_task(task_id).python_callable for task_id in expected} == expected


def test_branch_returns_the_ids_of_its_downstream_tasks(dag):
    assert dag.get_task("check_rmse").downstream_task_ids == {callables.DEPLOY, callables.REJECT}
    assert {callables.LOAD_CONFIG, callables.ANALYZE, callables.TRAIN, callables.BATCH_TRANSFORM} <= set(dag.task_ids)


def ancestors(dag, task_id):
    parents = dag.get_task(task_id).upstream_task_ids
    return set(parents).union(*(ancestors(dag, parent) for parent in parents)) if parents else set()


def _run(strict, dag, logical_date=NOW):
    _, execute = strict
    from dagrunner.state import RunStateFile

    return execute.Run(dag, execute.DagRun(dag, "manual__2026-12-01T10:00:00+00:00", "manual", logical_date, {}),
                       RunStateFile("/dev/null/never-written"), "/nonexistent")


def _rendered(strict, dag, xcoms):
    _, execute = strict
    run = _run(strict, dag)
    for task_id, value in xcoms.items():
        run.push_xcom(task_id, "return_value", value)
    tasks = {}
    for task in dag.tasks:
        copy_ = copy.deepcopy(task, {id(dag): dag})
        ti = execute.TaskInstance(run, copy_, 1)
        copy_.render_template_fields(run.context(copy_, ti))
        tasks[task.task_id] = (copy_, ti)
    return run, tasks


def test_templated_fields_render_to_native_values(strict, dag):
    config = pipeline_config()
    training_config = sagemaker_specs.training_job_config(config)
    transform = sagemaker_specs.transform_config(config, TRAINING_RESULT)
    _, tasks = _rendered(strict, dag, {"load_config": config, "prepare_training": training_config, "prepare_evaluation": transform})
    assert tasks["crawl_new_data"][0].config == {"Name": "abalone-crawler"}
    assert tasks["preprocess"][0].job_name == "abalone-etl"
    assert tasks["preprocess"][0].script_args == config["etl_arguments"]
    assert tasks["train"][0].config == training_config
    assert tasks["batch_transform"][0].config == transform


def test_templates_only_pull_from_upstream_tasks(dag):
    for task in dag.tasks:
        for field in task.template_fields:
            for pulled in re.findall(r"task_ids='([^']+)'", str(getattr(task, field, ""))):
                assert pulled in ancestors(dag, task.task_id), "{} pulls from {}".format(task.task_id, pulled)


class FakeHook:
    """What the provider hooks return, so that each operator's execute runs to its end without AWS:
    a describe_* of a name not created yet is SageMaker's ValidationException (_get_unique_name)."""

    def __init__(self):
        self.created = set()
        self.model_name = None
        self.conn = self

    def _described(self, name, key):
        if name not in self.created:
            raise ClientError({"Error": {"Code": "ValidationException", "Message": "not found"}}, "Describe")
        return {key: "Completed", "ModelName": self.model_name, "CreationTime": NOW}

    def __getattr__(self, name):
        if name.startswith("describe_"):
            key = {"describe_training_job": "TrainingJobStatus", "describe_transform_job": "TransformJobStatus"}.get(name, "Status")
            return lambda job_name=None, **kwargs: self._described(job_name or next(iter(kwargs.values())), key)
        if name in ("create_training_job", "create_transform_job", "create_model"):
            def create(config, **_kwargs):
                self.created.add(config.get("TrainingJobName") or config.get("TransformJobName") or config.get("ModelName"))
                if "ModelName" in config and "TransformJobName" not in config:
                    self.model_name = config["ModelName"]
                return {"ResponseMetadata": {"HTTPStatusCode": 200}}
            return create
        canned = {"has_crawler": True, "initialize_job": {"JobRunId": "jr_1"},
                  "job_completion": {"JobRunState": "SUCCEEDED", "JobRunId": "jr_1"}}
        return lambda *args, **kwargs: canned.get(name)


def test_every_task_executes_the_way_the_version_executes_it(strict, dag):
    """Done-when of issues 19 and 22: each task's execute is called as the version's _execute_task
    calls it (2.10.3, airflow/models/taskinstance.py: execute(context=..., <Class>__sentinel=
    _sentinel); 3.0.6, task-sdk task_runner.py: ctx.run(execute, context=...) with
    ExecutorSafeguard.tracker set to the task), through the runner's metaclass-wrapped operators;
    the AWS work behind them is faked (FakeHook, python callables replaced). On 2.10.3 a mixin
    execute(self, context) fails here with TypeError."""
    _, execute = strict
    config = pipeline_config()
    training_config = sagemaker_specs.training_job_config(config)
    transform = sagemaker_specs.transform_config(config, TRAINING_RESULT)
    _, tasks = _rendered(strict, dag, {"load_config": config, "prepare_training": training_config, "prepare_evaluation": transform})
    returns = {"check_new_data": True, "check_rmse": callables.DEPLOY}
    executed = []
    for task_id, (task, ti) in tasks.items():
        if hasattr(task, "python_callable"):
            task.python_callable = lambda _task_id=task_id: returns.get(_task_id, {"task": _task_id})
        for attribute in ("_hook",):
            if hasattr(task, attribute):
                setattr(task, attribute, FakeHook())
        task.skip = lambda *args, **kwargs: None  # the branch's SkipMixin.skip needs a run's state
        execute.execute_task(task, ti, {"ti": ti, "task_instance": ti, "params": {}})
        executed.append(task_id)
    assert executed == [task.task_id for task in dag.tasks]


def test_an_operator_argument_real_airflow_rejects_fails_the_dag_import(strict, tmp_path):
    """BaseOperator.__init__ (airflow/models/baseoperator.py, 2.10.3): "Invalid arguments were
    passed". The DAG file with one such argument added no longer imports."""
    dagbag, _ = strict
    from dagrunner.versions import active

    folder = tmp_path / "dags"
    shutil.copytree(DAGS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    dag_file = folder / DAG_FILE.name
    text = dag_file.read_text()
    dag_file.write_text(text.replace("print_log=False,", "print_log=False,\n        poll_interval=30,", 1))
    saved = {name: module for name, module in sys.modules.items() if name == "abalone_pipeline" or name.startswith("abalone_pipeline.")}
    _forget_dag_package()
    try:
        dags, errors = dagbag.collect(str(folder))
    finally:
        _forget_dag_package()
        sys.modules.update(saved)  # the copy's modules out, this test module's own back
        sys.path.remove(str(folder))
    assert "abalone_pipeline" not in dags
    # BaseOperator.__init__: AirflowException on 2.10.3, TypeError on 3.x (task-sdk bases/operator.py).
    error = {"2.10.3": "airflow.exceptions.AirflowException", "3.0.6": "TypeError"}[active().version]
    assert error + ": Invalid arguments were passed to StrictSageMakerTrainingOperator (task_id: train)" in "".join(errors.values())


@pytest.mark.parametrize("version", VERSIONS)
def test_importing_the_dag_makes_no_aws_call(tmp_path, version):
    """A fresh interpreter with sockets and boto3 clients disabled imports the helpers (without
    Airflow) and the DAG file (through the runner's strict airflow package)."""
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
                "sys.path[:0] = [{!r}]".format(str(DAGS)),
                "sys.modules['airflow'] = None  # the helpers must import without Airflow",
                "import abalone_pipeline.callables",
                "del sys.modules['airflow']",
                "sys.path.insert(0, {!r})".format(str(RUNNER_DIR)),
                "from dagrunner import versions",
                "versions.activate(versions.EMULATED[{!r}])".format(version),
                "from dagrunner import dagbag",
                "dags, errors = dagbag.collect({!r})".format(str(DAGS)),
                "assert errors == {}, errors",
                "assert len(dags['abalone_pipeline'].tasks) == 15",
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
