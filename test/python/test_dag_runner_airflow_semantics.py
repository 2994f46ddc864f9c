"""How the runner runs a task, written from Airflow 2.10.3's source (apache/airflow, tag 2.10.3):
- airflow/models/baseoperator.py: BaseOperatorMeta (wraps only an `execute` in a class's own body
  with ExecutorSafeguard, which pops the `<Class>__sentinel` keyword), _apply_defaults ("Use keyword
  arguments when initializing operators", "missing keyword argument"), BaseOperator.__init__
  ("Invalid arguments were passed");
- airflow/models/taskinstance.py: _execute_task (execute(context=..., <Class>__sentinel=...),
  SystemExit(0) a success, on_kill on AirflowTaskTimeout), _get_template_context (the context keys);
- airflow/exceptions.py: TaskDeferred(BaseException);
- airflow/models/xcom.py + airflow/utils/json.py (XComEncoder) + airflow/serialization/serde.py;
- airflow/models/dagrun.py: DagRun.validate_run_id, RUN_ID_REGEX; [scheduler] allowed_run_id_pattern;
- airflow/jobs/scheduler_job_runner.py _schedule_dag_run: dagrun_timeout fails the run and sets
  every unfinished task instance to skipped (the running one is terminated: on_kill, no callback).
"""
import json
import re
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from conftest import REPO
from test_dag_runner import RUNNER, noted, run_args, run_dag, runner_env, states, write_dag

RUNNER_DIR = REPO / "packages" / "local-endpoint" / "dag-runner"


@pytest.fixture
def runner(monkeypatch):
    monkeypatch.syspath_prepend(str(RUNNER_DIR))
    for name in list(sys.modules):
        if name in ("airflow", "dagrunner", "abalone_pipeline.operators") or name.startswith(("airflow.", "dagrunner.")):
            monkeypatch.delitem(sys.modules, name)
    import airflow._core as core
    from dagrunner import execute

    yield core, execute
    for name in list(sys.modules):
        if name in ("airflow", "dagrunner", "abalone_pipeline.operators") or name.startswith(("airflow.", "dagrunner.")):
            del sys.modules[name]


class RecordingTI:
    def __init__(self):
        self.pushed = []

    def xcom_push(self, key, value):
        self.pushed.append((key, value))


def test_a_plain_mixin_execute_gets_the_sentinel_keyword_and_fails(runner):
    """The issue-19 defect: an execute inherited from a plain mixin is not wrapped, so the sentinel
    keyword _execute_task passes reaches it."""
    core, execute = runner

    class Provider(core.BaseOperator):
        def execute(self, context):
            return "done"

    class Mixin:
        def execute(self, context):
            return super().execute(context)

    class Strict(Mixin, Provider):
        pass

    with pytest.raises(TypeError, match="unexpected keyword argument 'Strict__sentinel'"):
        execute.execute_task(Strict(task_id="t"), RecordingTI(), {})

    class PassesThemOn:
        def execute(self, context, **kwargs):
            return super().execute(context, **kwargs)

    class Fixed(PassesThemOn, Provider):
        pass

    ti = RecordingTI()
    assert execute.execute_task(Fixed(task_id="t"), ti, {}) == "done"
    assert ti.pushed == [("return_value", "done")]
    # A class-body execute is wrapped: ExecutorSafeguard pops the keyword.
    assert execute.execute_task(Provider(task_id="p"), RecordingTI(), {}) == "done"


def test_execute_outside_a_task_instance_warns(runner, caplog):
    core, _ = runner

    class Op(core.BaseOperator):
        def execute(self, context):
            return 1

    assert Op(task_id="o").execute({}) == 1
    assert "Op.execute cannot be called outside TaskInstance!" in caplog.text
    with pytest.raises(core.AirflowException, match="cannot be called outside TaskInstance"):
        Op(task_id="n", allow_nested_operators=False).execute({})


def test_system_exit_zero_is_a_success_and_timeout_runs_on_kill(runner):
    core, execute = runner
    killed = []

    class Exits(core.BaseOperator):
        def execute(self, context):
            raise SystemExit(0)

    class Sleeps(core.BaseOperator):
        def execute(self, context):
            import time

            time.sleep(5)

        def on_kill(self):
            killed.append(True)

    assert execute.execute_task(Exits(task_id="e"), RecordingTI(), {}) is None
    with pytest.raises(execute.AirflowTaskTimeout):
        execute.execute_task(Sleeps(task_id="s", execution_timeout=timedelta(seconds=0.2)), RecordingTI(), {})
    assert killed == [True]


def test_constructor_arguments_are_checked_as_base_operator_checks_them(runner):
    core, _ = runner
    from airflow.operators.empty import EmptyOperator
    from airflow.operators.python import PythonOperator

    with pytest.raises(core.AirflowException, match=r"Invalid arguments were passed to EmptyOperator \(task_id: e\)"):
        EmptyOperator(task_id="e", colour="blue")
    with pytest.raises(core.AirflowException, match="Use keyword arguments when initializing operators"):
        EmptyOperator("e")
    with pytest.raises(core.AirflowException, match="missing keyword argument 'python_callable'"):
        PythonOperator(task_id="p")
    with pytest.raises(core.AirflowException, match="pool is an Airflow 2.10.3 BaseOperator argument"):
        EmptyOperator(task_id="e", pool="gpu")
    with core.DAG("d", default_args={"pool": "gpu"}):  # default_args fill it too: refused, not ignored
        with pytest.raises(core.AirflowException, match="pool is an Airflow 2.10.3"):
            EmptyOperator(task_id="e")


def test_task_deferred_is_a_base_exception(runner):
    from airflow.exceptions import TaskDeferred

    assert issubclass(TaskDeferred, BaseException) and not issubclass(TaskDeferred, Exception)


def test_xcom_values_round_trip_as_airflow_serialises_them(runner):
    from dagrunner import xcom

    moment = datetime(2026, 12, 1, 10, 0, 0, 123456, tzinfo=timezone.utc)
    value = {"at": moment, "day": date(2026, 12, 1), "wait": timedelta(minutes=5), "n": Decimal("1.5"), "nested": (1, 2)}
    back = xcom.deserialize_value(xcom.serialize_value(value))
    assert back == dict(value, nested=[1, 2])  # nested tuples are JSON arrays
    assert xcom.deserialize_value(xcom.serialize_value((1, 2))) == (1, 2)  # a top-level tuple is kept
    assert xcom.deserialize_value(xcom.serialize_value({3, 4})) == {3, 4}
    with pytest.raises(AttributeError, match="reserved key __classname__"):
        xcom.serialize_value({"__classname__": "x"})
    with pytest.raises(TypeError, match="Object of type object is not JSON serializable"):
        xcom.serialize_value({"o": object()})


def test_a_task_returning_a_datetime_pushes_it_and_the_next_pulls_a_datetime(tmp_path):
    result, state = run_dag(tmp_path, """
        def stamp():
            return datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
        def check(ti):
            note("pulled", type(ti.xcom_pull(task_ids="stamp")).__name__)
        with DAG("t", schedule=None) as dag:
            PythonOperator(task_id="stamp", python_callable=stamp) >> PythonOperator(task_id="check", python_callable=check)
    """)
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "out" / "pulled").read_text()) == "datetime"


def test_the_context_has_exactly_airflow_2_10s_keys(tmp_path):
    result, state = run_dag(tmp_path, """
        def keys(**context):
            note("keys", sorted(context))
            note("key_str", context["task_instance_key_str"])
            try:
                str(context["macros"])
            except Exception as error:
                note("macros", str(error))
        with DAG("t", schedule=None) as dag:
            PythonOperator(task_id="keys", python_callable=keys)
    """)
    assert result.returncode == 0, result.stderr
    out = tmp_path / "out"
    keys = set(json.loads((out / "keys").read_text()))
    sys.path.insert(0, str(RUNNER_DIR))
    from dagrunner.versions import AIRFLOW_2_10_3

    assert keys == set(AIRFLOW_2_10_3.context_keys) | {"templates_dict"}  # PythonOperator adds templates_dict
    assert {"data_interval_start", "macros", "var", "conn", "prev_ds", "next_ds"} <= keys
    assert json.loads((out / "key_str").read_text()) == "t__keys__20261201"
    assert "'macros' is not emulated by the local DAG runner" in json.loads((out / "macros").read_text())


def test_a_run_id_airflow_rejects_is_refused(tmp_path):
    dags = tmp_path / "dags"
    write_dag(dags, 'with DAG("t", schedule=None) as dag:\n    EmptyOperator(task_id="e")\n', tmp_path)
    args = run_args(tmp_path, dags)
    args[args.index("--run-id") + 1] = "manual run/1"
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, env=runner_env())
    assert result.returncode == 2
    assert "The run_id provided 'manual run/1' does not match the pattern '^[A-Za-z0-9_.~:+-]+$'" in result.stderr


def test_dagrun_timeout_fails_the_run_kills_the_running_task_and_skips_the_rest(tmp_path):
    result, state = run_dag(tmp_path, """
        import time
        class Slow(PythonOperator):
            def on_kill(self):
                note("killed")
        def fail_callback(context):
            note("failure_callback")
        with DAG("t", schedule=None, dagrun_timeout=timedelta(seconds=1)) as dag:
            first = PythonOperator(task_id="first", python_callable=lambda: None)
            slow = Slow(task_id="slow", python_callable=lambda: time.sleep(30), on_failure_callback=fail_callback)
            after = PythonOperator(task_id="after", python_callable=lambda: None)
            first >> slow >> after
    """)
    assert result.returncode == 1
    assert state["state"] == "failed"
    assert states(state) == {"first": "success", "slow": "skipped", "after": "skipped"}
    out = tmp_path / "out"
    assert (out / "killed").exists() and not (out / "failure_callback").exists()


@pytest.mark.parametrize("version", ["2.9.2", ""])
def test_a_version_the_runner_does_not_emulate_is_refused(tmp_path, version):
    dags = tmp_path / "dags"
    write_dag(dags, 'with DAG("t", schedule=None) as dag:\n    EmptyOperator(task_id="e")\n', tmp_path)
    env = runner_env(ABALONE_AIRFLOW_VERSION=version)
    result = subprocess.run(run_args(tmp_path, dags), capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 2
    assert "emulates Airflow 2.10.3" in result.stderr and (version or "ABALONE_AIRFLOW_VERSION") in result.stderr
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["state"] == "failed" and state["tasks"] == []
    parsed = subprocess.run([sys.executable, str(RUNNER), "parse", "--dags-folder", str(dags)], capture_output=True, text=True,
                            timeout=120, env=env)
    document = json.loads(parsed.stdout)
    assert document["dags"] == [] and "emulates Airflow 2.10.3" in document["import_errors"][0]["stack_trace"]


def test_a_deferrable_default_in_the_airflow_options_fails_the_provider_task_naming_it(tmp_path):
    """Provider 9.0.0 operators default `deferrable` to conf.getboolean("operators",
    "default_deferrable", fallback=False); on MWAA that option makes them defer to the triggerer,
    which the runner does not have: the task fails before starting anything, naming it."""
    result, state = run_dag(tmp_path, """
        from airflow.providers.amazon.aws.operators.glue import GlueJobOperator
        with DAG("t", schedule=None) as dag:
            GlueJobOperator(task_id="job", job_name="j")
    """, AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE="true")
    assert result.returncode == 1
    assert states(state) == {"job": "failed"}
    log = (tmp_path / "logs" / "dag_id=t" / "run_id=manual__2026-12-01T10:00:00+00:00" / "task_id=job" / "attempt=1.log").read_text()
    assert "deferrable=True (or [operators] default_deferrable) is not emulated by the local DAG runner" in log


# -- Airflow 3.0.6 ---------------------------------------------------------------------------------
# Written from the Task SDK's source (apache/airflow; the 3.0.6 tag is not in the search index, so
# the nearest stored versions were read): task-sdk/src/airflow/sdk/execution_time/task_runner.py at
# commit 60030680ac50bd9062349e7cf4178433b79122c3 (get_template_context, _execute_task: ctx.run(
# ExecutorSafeguard.tracker.set, task) then ctx.run(execute, context=context); run(): SystemExit
# "needs to be retried", DownstreamTasksSkipped -> SkipDownstreamTasks and success;
# _push_xcom_if_needed; xcom_pull through XCom.get_all), task-sdk/src/airflow/sdk/bases/operator.py
# (ExecutorSafeguard.tracker, "cannot be called outside of the Task Runner!", BaseOperator.__init__
# raising TypeError), airflow-core/src/airflow/serialization/serde.py (serialize/deserialize),
# airflow-core/src/airflow/utils/deprecation_tools.py (the shims' warning),
# airflow-core/src/airflow/models/dagrun.py (RUN_ID_REGEX with asset_triggered).


@pytest.fixture
def runner3(monkeypatch):
    monkeypatch.syspath_prepend(str(RUNNER_DIR))
    for name in list(sys.modules):
        if name in ("airflow", "dagrunner", "abalone_pipeline.operators") or name.startswith(("airflow.", "dagrunner.")):
            monkeypatch.delitem(sys.modules, name)
    from dagrunner import versions

    versions.activate(versions.AIRFLOW_3_0_6)
    import airflow._core as core
    from dagrunner import execute

    yield core, execute
    for name in list(sys.modules):
        if name in ("airflow", "dagrunner", "abalone_pipeline.operators") or name.startswith(("airflow.", "dagrunner.")):
            del sys.modules[name]


def test_3_a_plain_mixin_execute_works_because_the_runner_sets_the_tracker(runner3):
    """3.x passes no sentinel keyword: the issue-19 mixin (execute(self, context)) is called with
    context= only, and the provider's wrapped execute finds ExecutorSafeguard.tracker set to the task."""
    core, execute = runner3

    class Provider(core.BaseOperator):
        def execute(self, context):
            return "done"

    class Mixin:
        def execute(self, context):
            return super().execute(context)

    class Strict(Mixin, Provider):
        pass

    ti = RecordingTI()
    assert execute.execute_task(Strict(task_id="t", allow_nested_operators=False), ti, {}) == "done"
    assert ti.pushed == [("return_value", "done")]
    assert core.ExecutorSafeguard.tracker.get(None) is None  # set in a copied context only


def test_3_execute_outside_the_task_runner_warns_with_3s_message(runner3, caplog):
    core, _ = runner3

    class Op(core.BaseOperator):
        def execute(self, context):
            return 1

    assert Op(task_id="o").execute({}) == 1
    assert "Op.execute cannot be called outside of the Task Runner!" in caplog.text
    with pytest.raises(core.AirflowException, match="cannot be called outside of the Task Runner"):
        Op(task_id="n", allow_nested_operators=False).execute({})


def test_3_constructor_checks_raise_type_error(runner3):
    core, _ = runner3
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.providers.standard.operators.python import PythonOperator

    with pytest.raises(TypeError, match=r"Invalid arguments were passed to EmptyOperator \(task_id: e\)"):
        EmptyOperator(task_id="e", colour="blue")
    with pytest.raises(TypeError, match="Use keyword arguments when initializing operators"):
        EmptyOperator("e")
    with pytest.raises(TypeError, match="missing keyword argument 'python_callable'"):
        PythonOperator(task_id="p")


def test_3_xcom_values_go_through_serde(runner3):
    from dagrunner import xcom

    moment = datetime(2026, 12, 1, 10, 0, 0, 123456, tzinfo=timezone.utc)
    value = {"at": moment, "wait": timedelta(minutes=5), "n": Decimal("1.5"), "nested": (1, 2), 3: "three"}
    back = xcom.deserialize_value(xcom.serialize_value(value))
    assert back == {"at": moment, "wait": timedelta(minutes=5), "n": Decimal("1.5"), "nested": (1, 2), "3": "three"}
    with pytest.raises(AttributeError, match="reserved key __classname__"):
        xcom.serialize_value({"__classname__": "x"})
    with pytest.raises(TypeError, match="cannot serialize object of type <class 'object'>"):
        xcom.serialize_value({"o": object()})


def run_3(tmp_path, body, logical_date="2026-12-01T10:00:00+00:00", run_id="manual__2026-12-01T10:00:00+00:00", conf="{}"):
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    dags = tmp_path / "dags"
    write_dag(dags, body, out)
    args = run_args(tmp_path, dags, conf)
    args[args.index("--run-id") + 1] = run_id
    if logical_date is None:
        at = args.index("--logical-date")
        del args[at:at + 2]
    else:
        args[args.index("--logical-date") + 1] = logical_date
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, env=runner_env(ABALONE_AIRFLOW_VERSION="3.0.6"))
    state = json.loads((tmp_path / "state.json").read_text()) if (tmp_path / "state.json").exists() else None
    return result, state


KEYS_DAG = """
    def keys(**context):
        note("keys", sorted(context))
        note("key_str", context["task_instance_key_str"])
        note("dag_run", [type(context["dag_run"].logical_date).__name__, hasattr(context["dag_run"], "execution_date")])
    with DAG("t", schedule=None) as dag:
        PythonOperator(task_id="keys", python_callable=keys)
"""


def test_3_a_run_without_a_logical_date_has_no_logical_date_keys(tmp_path):
    from dagrunner.versions import AIRFLOW_3_0_6

    run_id = "manual__2026-12-01T10:00:00.123456+00:00_AbCd1234"
    result, state = run_3(tmp_path, KEYS_DAG, logical_date=None, run_id=run_id)
    assert result.returncode == 0, result.stderr
    assert state["logical_date"] is None and state["state"] == "success"
    keys = set(json.loads((tmp_path / "out" / "keys").read_text()))
    assert keys == set(AIRFLOW_3_0_6.context_keys) | {"templates_dict"}
    assert not keys & {"logical_date", "ds", "ts", "data_interval_start", "execution_date", "conf", "next_ds", "prev_ds",
                       "tomorrow_ds", "yesterday_ds", "test_mode", "expanded_ti_count"}
    assert json.loads((tmp_path / "out" / "key_str").read_text()) == "t__keys__" + run_id
    assert json.loads((tmp_path / "out" / "dag_run").read_text()) == ["NoneType", False]


def test_3_a_run_with_a_logical_date_has_3_0s_keys_and_no_removed_ones(tmp_path):
    from dagrunner.versions import AIRFLOW_3_0_6

    result, state = run_3(tmp_path, KEYS_DAG)
    assert result.returncode == 0, result.stderr
    keys = set(json.loads((tmp_path / "out" / "keys").read_text()))
    assert keys == set(AIRFLOW_3_0_6.context_keys + AIRFLOW_3_0_6.context_keys_with_logical_date) | {"templates_dict"}
    assert "execution_date" not in keys and "conf" not in keys
    assert json.loads((tmp_path / "out" / "key_str").read_text()) == "t__keys__20261201"


def test_the_logical_date_is_required_on_2_10_3_only(tmp_path):
    dags = tmp_path / "dags"
    write_dag(dags, 'with DAG("t", schedule=None) as dag:\n    EmptyOperator(task_id="e")\n', tmp_path)
    args = run_args(tmp_path, dags)
    at = args.index("--logical-date")
    del args[at:at + 2]
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, env=runner_env())
    assert result.returncode == 2
    assert "--logical-date is required: every run of Airflow 2.10.3 has a logical date" in result.stderr


def test_3_system_exit_zero_fails_the_task_and_is_retried(tmp_path):
    result, state = run_3(tmp_path, """
        import sys
        with DAG("t", schedule=None) as dag:
            PythonOperator(task_id="exits", python_callable=lambda: sys.exit(0), retries=1, retry_delay=timedelta(seconds=0))
    """)
    assert result.returncode == 1
    assert states(state) == {"exits": "failed"} and state["tasks"][0]["try_number"] == 2


def test_3_a_branch_skips_through_downstream_tasks_skipped_and_pushes_no_return_value(tmp_path):
    result, state = run_3(tmp_path, """
        def check(ti):
            note("pulled", [ti.xcom_pull(task_ids="choose"), ti.xcom_pull(task_ids="nothing", default="d"),
                            ti.xcom_pull(task_ids=["left", "nothing"])])
        with DAG("t", schedule=None) as dag:
            choose = BranchPythonOperator(task_id="choose", python_callable=lambda: "left")
            left = PythonOperator(task_id="left", python_callable=lambda: 1)
            right = PythonOperator(task_id="right", python_callable=lambda: 2)
            after = PythonOperator(task_id="after", python_callable=check, trigger_rule="none_failed_min_one_success")
            choose >> [left, right] >> after
    """)
    assert result.returncode == 0, result.stderr
    assert states(state) == {"choose": "success", "left": "success", "right": "skipped", "after": "success"}
    # DownstreamTasksSkipped ends execute before _push_xcom_if_needed; XCom.get_all gives None for
    # a missing XCom (the default is not used) and a list gets None in its place.
    assert noted(tmp_path, "pulled") == [None, None, [1, None]]


def test_3_a_run_id_with_the_3x_manual_suffix_is_accepted_and_asset_triggered_matches_run_id_regex(tmp_path):
    from dagrunner.versions import AIRFLOW_3_0_6

    assert re.match(AIRFLOW_3_0_6.run_id_regex, "asset_triggered__2026-12-01T10:00:00+00:00")
    assert not re.match(AIRFLOW_3_0_6.run_id_regex, "dataset_triggered__2026-12-01T10:00:00+00:00")
    result, state = run_3(tmp_path, 'with DAG("t", schedule=None) as dag:\n    EmptyOperator(task_id="e")\n',
                          logical_date=None, run_id="manual__2026-12-01T10:00:00.5+00:00_x1Y2")
    assert result.returncode == 0, result.stderr
