"""The local DAG runner (packages/local-endpoint/dag-runner) through its command line, on small DAG files, checked
against Airflow 2.10's documented behaviour (apache/airflow v2.10):
- templating and native rendering: airflow/template/templater.py, airflow/models/dag.py
  (render_template_as_native_obj -> jinja2.nativetypes.NativeEnvironment);
- XCom: airflow/models/taskinstance.py (xcom_pull of one task id -> its value; of a list -> a list);
- branching: airflow/models/skipmixin.py skip_all_except (direct downstream not chosen skipped);
- short-circuit: airflow/operators/python.py ShortCircuitOperator (ignore_downstream_trigger_rules
  True -> every downstream task skipped; False -> only the direct ones);
- trigger rules: airflow/ti_deps/deps/trigger_rule_dep.py;
- retries, execution_timeout (on_kill then failure), SIGTERM: airflow/models/taskinstance.py;
- DagRun.update_state: the run fails when a leaf failed or upstream_failed.
"""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import REPO

RUNNER = REPO / "packages" / "local-endpoint" / "dag-runner" / "runner.py"
sys.path.insert(0, str(RUNNER.parent))

from dagrunner import trigger_rules  # noqa: E402

HEADER = """
from datetime import datetime, timedelta, timezone
from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import BranchPythonOperator, PythonOperator, ShortCircuitOperator
OUT = {out!r}

def note(name, value=True):
    import json, os
    with open(os.path.join(OUT, name), "w") as handle:
        json.dump(value, handle)
"""


def write_dag(folder, body, out):
    folder.mkdir(exist_ok=True)
    path = folder / "test_dag.py"
    path.write_text(HEADER.format(out=str(out)) + textwrap.dedent(body))
    return path


def runner_env(**extra):
    env = dict(os.environ, ABALONE_LOCAL_RETRY_DELAY_CAP="0", ABALONE_LOCAL_POLL_CAP="0", ABALONE_AIRFLOW_VERSION="2.10.3")
    env.update(extra)
    return env


def run_args(tmp_path, dags, conf="{}", dag_id="t"):
    return [
        sys.executable, str(RUNNER), "run", "--dags-folder", str(dags), "--dag-id", dag_id,
        "--run-id", "manual__2026-12-01T10:00:00+00:00", "--run-type", "manual",
        "--logical-date", "2026-12-01T10:00:00+00:00", "--conf", conf,
        "--state-file", str(tmp_path / "state.json"), "--logs-dir", str(tmp_path / "logs"),
    ]


def run_dag(tmp_path, body, conf="{}", **env):
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    dags = tmp_path / "dags"
    write_dag(dags, body, out)
    result = subprocess.run(run_args(tmp_path, dags, conf), capture_output=True, text=True, timeout=120, env=runner_env(**env))
    state = json.loads((tmp_path / "state.json").read_text()) if (tmp_path / "state.json").exists() else None
    return result, state


def states(state):
    return {task["task_id"]: task["state"] for task in state["tasks"]}


def noted(tmp_path, name):
    path = tmp_path / "out" / name
    return json.loads(path.read_text()) if path.exists() else None


def test_native_rendering_passes_objects_and_xcom_pull_by_task_ids(tmp_path):
    result, state = run_dag(tmp_path, """
        with DAG("t", schedule=None, start_date=datetime(2024, 1, 1, tzinfo=timezone.utc), render_template_as_native_obj=True,
                 params={"threshold": 1.5}) as dag:
            a = PythonOperator(task_id="a", python_callable=lambda: {"x": [1, 2]})
            b = PythonOperator(task_id="b", python_callable=lambda: 7)
            def check(value, pair, number, params, ti):
                note("native", [type(value).__name__, value, pair, type(number).__name__, params, ti.xcom_pull(task_ids=["a", "b"])])
            c = PythonOperator(task_id="c", python_callable=check, op_kwargs={
                "value": "{{ ti.xcom_pull(task_ids='a') }}",
                "pair": ["{{ ti.xcom_pull(task_ids='a')['x'][1] }}", "{{ run_id }}"],
                "number": "{{ params.threshold }}",
            })
            a >> b >> c
    """, conf='{"threshold": 2.5}')
    assert result.returncode == 0, result.stderr
    assert states(state) == {"a": "success", "b": "success", "c": "success"}
    # Native: a dict stays a dict, a number a number; the run's conf overrides params.
    assert noted(tmp_path, "native") == [
        "dict", {"x": [1, 2]}, [2, "manual__2026-12-01T10:00:00+00:00"], "float", {"threshold": 2.5}, [{"x": [1, 2]}, 7]
    ]


def test_without_native_rendering_templates_render_to_strings(tmp_path):
    result, state = run_dag(tmp_path, """
        with DAG("t", schedule=None, start_date=datetime(2024, 1, 1, tzinfo=timezone.utc)) as dag:
            a = PythonOperator(task_id="a", python_callable=lambda: {"x": 1})
            b = PythonOperator(task_id="b", python_callable=lambda value: note("text", value),
                               op_kwargs={"value": "{{ ti.xcom_pull(task_ids='a') }}"})
            a >> b
    """)
    assert result.returncode == 0, result.stderr
    assert noted(tmp_path, "text") == "{'x': 1}"


def test_an_undefined_template_variable_fails_the_task(tmp_path):
    result, state = run_dag(tmp_path, """
        with DAG("t", schedule=None, start_date=datetime(2024, 1, 1, tzinfo=timezone.utc)) as dag:
            PythonOperator(task_id="a", python_callable=lambda value: None, op_kwargs={"value": "{{ no_such_thing }}"})
    """)
    assert result.returncode == 1
    assert states(state) == {"a": "failed"}
    log = open(state["tasks"][0]["log_path"]).read()
    assert "'no_such_thing' is undefined" in log


BRANCH = """
    with DAG("t", schedule=None, start_date=datetime(2024, 1, 1, tzinfo=timezone.utc)) as dag:
        choose = BranchPythonOperator(task_id="choose", python_callable=lambda: "left")
        left = PythonOperator(task_id="left", python_callable=lambda: note("left"))
        right = PythonOperator(task_id="right", python_callable=lambda: note("right"))
        after_right = PythonOperator(task_id="after_right", python_callable=lambda: note("after_right"))
        join = EmptyOperator(task_id="join", trigger_rule="{join_rule}")
        choose >> [left, right]
        right >> after_right
        [left, after_right] >> join
"""


def test_branching_skips_the_branch_not_chosen_and_its_downstream(tmp_path):
    result, state = run_dag(tmp_path, BRANCH.replace("{join_rule}", "none_failed_min_one_success"))
    assert result.returncode == 0, result.stderr
    assert states(state) == {"choose": "success", "left": "success", "right": "skipped", "after_right": "skipped", "join": "success"}
    assert noted(tmp_path, "left") and noted(tmp_path, "right") is None


def test_a_join_with_all_success_after_a_branch_is_skipped(tmp_path):
    result, state = run_dag(tmp_path, BRANCH.replace("{join_rule}", "all_success"))
    assert result.returncode == 0
    assert states(state)["join"] == "skipped"
    assert state["state"] == "success"


SHORT_CIRCUIT = """
    with DAG("t", schedule=None, start_date=datetime(2024, 1, 1, tzinfo=timezone.utc)) as dag:
        gate = ShortCircuitOperator(task_id="gate", python_callable=lambda: {value}{extra})
        work = PythonOperator(task_id="work", python_callable=lambda: note("work"))
        always = PythonOperator(task_id="always", python_callable=lambda: note("always"), trigger_rule="all_done")
        gate >> work >> always
"""


def test_a_false_short_circuit_skips_every_downstream_task_and_the_run_succeeds(tmp_path):
    result, state = run_dag(tmp_path, SHORT_CIRCUIT.format(value="[]", extra=""))
    assert result.returncode == 0, result.stderr
    assert states(state) == {"gate": "success", "work": "skipped", "always": "skipped"}
    assert state["state"] == "success" and noted(tmp_path, "always") is None


def test_a_short_circuit_that_respects_trigger_rules_skips_only_direct_downstream(tmp_path):
    result, state = run_dag(tmp_path, SHORT_CIRCUIT.format(value="False", extra=", ignore_downstream_trigger_rules=False"))
    assert result.returncode == 0, result.stderr
    assert states(state) == {"gate": "success", "work": "skipped", "always": "success"}


def test_a_true_short_circuit_lets_the_run_go_on(tmp_path):
    result, state = run_dag(tmp_path, SHORT_CIRCUIT.format(value="True", extra=""))
    assert states(state) == {"gate": "success", "work": "success", "always": "success"}


def test_a_failure_marks_downstream_upstream_failed_and_fails_the_run(tmp_path):
    result, state = run_dag(tmp_path, """
        def boom():
            raise ValueError("the task broke")
        with DAG("t", schedule=None, start_date=datetime(2024, 1, 1, tzinfo=timezone.utc)) as dag:
            a = PythonOperator(task_id="a", python_callable=boom)
            b = PythonOperator(task_id="b", python_callable=lambda: note("b"))
            c = PythonOperator(task_id="c", python_callable=lambda: note("c"), trigger_rule="all_done")
            d = EmptyOperator(task_id="d")
            a >> b >> d
            a >> c
    """)
    assert result.returncode == 1
    assert states(state) == {"a": "failed", "b": "upstream_failed", "c": "success", "d": "upstream_failed"}
    assert state["state"] == "failed" and state["end_date"]
    assert "task a failed; log: " in result.stderr
    assert "ValueError: the task broke" in open(state["tasks"][0]["log_path"]).read()


def test_retries_run_the_task_again_with_the_next_try_number_and_keep_each_log(tmp_path):
    result, state = run_dag(tmp_path, """
        import os
        def flaky(ti):
            marker = os.path.join(OUT, "tried")
            if not os.path.exists(marker):
                open(marker, "w").close()
                raise RuntimeError("first try fails")
            note("try", ti.try_number)
        with DAG("t", schedule=None, start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
                 default_args={"retries": 2, "retry_delay": timedelta(minutes=5)}) as dag:
            PythonOperator(task_id="a", python_callable=flaky)
    """)
    assert result.returncode == 0, result.stderr
    task = state["tasks"][0]
    assert (task["state"], task["try_number"]) == ("success", 2)
    assert noted(tmp_path, "try") == 2
    logs = tmp_path / "logs" / "dag_id=t" / "run_id=manual__2026-12-01T10:00:00+00:00" / "task_id=a"
    assert sorted(os.listdir(logs)) == ["attempt=1.log", "attempt=2.log"]
    assert "Marking task as UP_FOR_RETRY" in (logs / "attempt=1.log").read_text()
    assert "Marking task as SUCCESS" in (logs / "attempt=2.log").read_text()
    assert task["log_path"] == str(logs / "attempt=2.log")


def test_a_task_fails_after_its_retries_are_spent_and_airflow_fail_exception_skips_retries(tmp_path):
    result, state = run_dag(tmp_path, """
        from airflow.exceptions import AirflowFailException
        def always_fails():
            raise RuntimeError("no")
        def fail_now():
            raise AirflowFailException("do not retry")
        with DAG("t", schedule=None, start_date=datetime(2024, 1, 1, tzinfo=timezone.utc), default_args={"retries": 1}) as dag:
            PythonOperator(task_id="a", python_callable=always_fails)
            PythonOperator(task_id="b", python_callable=fail_now)
    """)
    assert result.returncode == 1
    tries = {task["task_id"]: (task["state"], task["try_number"]) for task in state["tasks"]}
    assert tries == {"a": ("failed", 2), "b": ("failed", 1)}


def test_execution_timeout_kills_the_task_runs_on_kill_and_fails_it(tmp_path):
    result, state = run_dag(tmp_path, """
        import time
        class Slow(PythonOperator):
            def on_kill(self):
                note("killed", self.task_id)
        with DAG("t", schedule=None, start_date=datetime(2024, 1, 1, tzinfo=timezone.utc)) as dag:
            Slow(task_id="slow", python_callable=lambda: time.sleep(60), execution_timeout=timedelta(seconds=0.5))
    """)
    assert result.returncode == 1
    assert states(state) == {"slow": "failed"}
    assert noted(tmp_path, "killed") == "slow"
    assert "AirflowTaskTimeout" in open(state["tasks"][0]["log_path"]).read()


def test_sigterm_kills_the_running_task_and_fails_the_run(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dags = tmp_path / "dags"
    write_dag(dags, """
        import time
        class Slow(PythonOperator):
            def on_kill(self):
                note("killed", self.task_id)
        with DAG("t", schedule=None, start_date=datetime(2024, 1, 1, tzinfo=timezone.utc)) as dag:
            Slow(task_id="slow", python_callable=lambda: (note("started"), time.sleep(60)))
    """, out)
    process = subprocess.Popen(run_args(tmp_path, dags), env=runner_env(), stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (out / "started").exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 1
    finally:
        if process.poll() is None:
            process.kill()
    state = json.loads((tmp_path / "state.json").read_text())
    assert state["state"] == "failed" and states(state) == {"slow": "failed"}
    assert noted(tmp_path, "killed") == "slow"


def test_default_args_fill_what_each_operator_accepts(tmp_path):
    result, state = run_dag(tmp_path, """
        with DAG("t", schedule="@daily", start_date=datetime(2024, 1, 1, tzinfo=timezone.utc),
                 default_args={"owner": "team", "retries": 3, "not_an_argument": 1}) as dag:
            def check(task):
                note("defaults", [task.owner, task.retries, task.retry_delay.total_seconds()])
            PythonOperator(task_id="a", python_callable=check)
    """)
    assert result.returncode == 0, result.stderr
    assert noted(tmp_path, "defaults") == ["team", 3, 300.0]


def parse(folder, **env):
    result = subprocess.run([sys.executable, str(RUNNER), "parse", "--dags-folder", str(folder)], capture_output=True, text=True,
                            timeout=120, env=runner_env(**env))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_parse_lists_the_dags_and_import_errors_naming_what_is_missing(tmp_path):
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "good.py").write_text(textwrap.dedent("""
        from airflow import DAG
        from airflow.operators.empty import EmptyOperator
        with DAG("good", schedule="@daily", max_active_runs=1, tags=["x"], default_args={"owner": "me"}) as dag:
            EmptyOperator(task_id="e")
    """))
    (dags / "sensor.py").write_text("from airflow.sensors.base import BaseSensorOperator\nfrom airflow import DAG\n")
    (dags / "virtualenv.py").write_text("from airflow import DAG\nfrom airflow.operators.python import PythonVirtualenvOperator\n")
    (dags / "bad_argument.py").write_text(textwrap.dedent("""
        from airflow import DAG
        from airflow.operators.empty import EmptyOperator
        with DAG("bad", schedule=None) as dag:
            EmptyOperator(task_id="e", colour="blue")
            EmptyOperator(task_id="f", pool="gpu")
    """))
    (dags / "helpers.py").write_text("print('not a DAG file: never imported')\n")
    document = parse(dags)
    assert document["dags"] == [
        {"dag_id": "good", "fileloc": str(dags / "good.py"), "schedule": "@daily", "is_paused_upon_creation": None,
         "max_active_runs": 1, "tags": ["x"], "owners": "me"}
    ]
    errors = {os.path.basename(item["filename"]): item["stack_trace"] for item in document["import_errors"]}
    assert set(errors) == {"sensor.py", "virtualenv.py", "bad_argument.py"}
    assert "No module named 'airflow.sensors'" in errors["sensor.py"]
    assert "cannot import name 'PythonVirtualenvOperator'" in errors["virtualenv.py"]
    assert "Invalid arguments were passed to EmptyOperator (task_id: e)" in errors["bad_argument.py"] and "colour" in errors["bad_argument.py"]


def test_run_of_a_dag_with_an_import_error_exits_2(tmp_path):
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "sensor.py").write_text("from airflow import DAG\nfrom airflow.sensors.base import BaseSensorOperator\n")
    result = subprocess.run(run_args(tmp_path, dags, dag_id="sensor"), capture_output=True, text=True, timeout=120, env=runner_env())
    assert result.returncode == 2
    assert "airflow.sensors" in result.stderr
    assert json.loads((tmp_path / "state.json").read_text())["state"] == "failed"


@pytest.mark.parametrize("argument, message", [("--conf", "--conf is not JSON"), ("--logical-date", "not an ISO 8601")])
def test_usage_errors_exit_2(tmp_path, argument, message):
    args = run_args(tmp_path, tmp_path)
    args[args.index(argument) + 1] = "nonsense"
    result = subprocess.run(args, capture_output=True, text=True, timeout=120, env=runner_env())
    assert result.returncode == 2 and message in result.stderr


@pytest.mark.parametrize("variable", ["ABALONE_LOCAL_POLL_CAP", "ABALONE_LOCAL_RETRY_DELAY_CAP"])
def test_a_bad_local_timing_knob_is_a_usage_error(tmp_path, variable):
    dags = tmp_path / "dags"
    write_dag(dags, "", tmp_path)
    result = subprocess.run(run_args(tmp_path, dags), capture_output=True, text=True, timeout=120, env=runner_env(**{variable: "soon"}))
    assert result.returncode == 2 and "{}='soon' is not a number of seconds".format(variable) in result.stderr


def test_empty_operators_are_marked_success_without_running(tmp_path):
    result, state = run_dag(tmp_path, """
        with DAG("t", schedule=None, start_date=datetime(2024, 1, 1, tzinfo=timezone.utc)) as dag:
            EmptyOperator(task_id="e")
    """)
    assert result.returncode == 0
    task = state["tasks"][0]
    assert (task["state"], task["try_number"], task["log_path"]) == ("success", 0, None)


def test_the_real_dag_parses_with_its_tasks_in_order():
    document = parse(REPO / "artifacts" / "airflow" / "dags")
    assert document["import_errors"] == []
    assert [(dag["dag_id"], dag["schedule"], dag["max_active_runs"], dag["owners"]) for dag in document["dags"]] == [
        ("abalone_pipeline", "@daily", 1, "abalone-pipeline")
    ]


@pytest.mark.parametrize(
    "rule, upstream, expected",
    [
        ("all_success", ["success", "success"], "run"),
        ("all_success", ["success", "skipped"], "skipped"),
        ("all_success", ["skipped", "failed"], "upstream_failed"),
        ("all_done", ["failed", "skipped"], "run"),
        ("all_failed", ["failed", "success"], "skipped"),
        ("one_success", ["skipped", "skipped"], "skipped"),
        ("one_success", ["failed", "success"], "run"),
        ("one_success", ["failed", "skipped"], "upstream_failed"),
        ("one_failed", ["success", "success"], "skipped"),
        ("none_failed", ["skipped", "skipped"], "run"),
        ("none_failed_min_one_success", ["skipped", "success"], "run"),
        ("none_failed_min_one_success", ["skipped", "skipped"], "skipped"),
        ("none_failed_min_one_success", ["upstream_failed", "success"], "upstream_failed"),
        ("none_skipped", ["success", "skipped"], "skipped"),
        ("all_skipped", ["skipped", "success"], "skipped"),
        ("always", ["failed"], "run"),
    ],
)
def test_trigger_rules_decide_as_airflow_does(rule, upstream, expected):
    assert trigger_rules.decide(rule, upstream) == expected
