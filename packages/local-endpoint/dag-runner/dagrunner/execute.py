"""Execute one DAG run with Airflow 2.10's task semantics, one task at a time in dependency order.

What follows Airflow (apache/airflow v2.10, airflow/models/taskinstance.py unless said otherwise):
- a task whose upstream tasks are all finished is decided by its trigger rule (trigger_rules.py);
- each attempt works on a fresh copy of the operator (Airflow re-parses the DAG in the task's own
  process), renders its template_fields with the run's context, runs execute(), and pushes a
  non-None return value as the XCom return_value (JSON-serialisable, as the default XCom backend);
- AirflowSkipException -> skipped; AirflowFailException -> failed without retry; any other error
  -> up_for_retry while try_number <= retries (after retry_delay), else failed;
- execution_timeout raises AirflowTaskTimeout in the task (SIGALRM, airflow/utils/timeout.py), then
  the operator's on_kill runs, then the failure is handled like any other;
- SIGTERM: the running task's on_kill runs and it fails with AirflowTaskTerminated (no retry), the
  run ends failed;
- on_success/on_retry/on_failure callbacks get the context;
- an EmptyOperator without callbacks is marked success without running (no log, try_number 0);
- the run fails when a leaf task ends failed or upstream_failed, else succeeds (DagRun.update_state);
  a run past dagrun_timeout fails before its next task starts.
Local deviation (documented in ../README.md): retry delays are capped by ABALONE_LOCAL_RETRY_DELAY_CAP.
"""
import contextlib
import copy
import json
import logging
import os
import signal
import sys
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

from airflow._core import DAG, BaseOperator
from airflow.configuration import conf as airflow_conf
from airflow.operators.empty import EmptyOperator
from airflow.exceptions import AirflowFailException, AirflowSkipException, AirflowTaskTerminated, AirflowTaskTimeout

from dagrunner import trigger_rules
from dagrunner.state import RunStateFile, iso, now
from dagrunner.knobs import seconds_from_env

RETRY_DELAY_CAP_VARIABLE = "ABALONE_LOCAL_RETRY_DELAY_CAP"
DEFAULT_RETRY_DELAY_CAP = 1.0
LOG_FORMAT = "[%(asctime)s] {%(filename)s:%(lineno)d} %(levelname)s - %(message)s"
FINISHED = ("success", "failed", "skipped", "upstream_failed")


def retry_delay_cap() -> float:
    return seconds_from_env(RETRY_DELAY_CAP_VARIABLE, DEFAULT_RETRY_DELAY_CAP)


class DagRun:
    def __init__(self, dag: DAG, run_id: str, run_type: str, logical_date: datetime, conf: Dict[str, Any]):
        self.dag = dag
        self.dag_id = dag.dag_id
        self.run_id = run_id
        self.run_type = run_type
        self.logical_date = logical_date
        self.execution_date = logical_date
        self.conf = conf
        self.external_trigger = run_type == "manual"
        self.start_date: Optional[datetime] = None
        self.end_date: Optional[datetime] = None
        self.state = "queued"


class TaskInstance:
    """What a task's context exposes as ti / task_instance."""

    def __init__(self, run: "Run", task: BaseOperator, try_number: int):
        self.run = run
        self.task = task
        self.task_id = task.task_id
        self.dag_id = run.dag.dag_id
        self.run_id = run.dag_run.run_id
        self.try_number = try_number
        self.map_index = -1

    def xcom_push(self, key: str, value: Any) -> None:
        self.run.push_xcom(self.task_id, key, value)

    def xcom_pull(self, task_ids=None, key: str = "return_value", default=None, **_kwargs):
        """TaskInstance.xcom_pull: one task id -> its value (default when none); a list -> a list."""
        if task_ids is None:
            task_ids = self.task_id
        if isinstance(task_ids, str):
            return self.run.xcoms.get((task_ids, key), default)
        return [self.run.xcoms[(task_id, key)] for task_id in task_ids if (task_id, key) in self.run.xcoms]


class _Terminated(Exception):
    pass


class Run:
    def __init__(self, dag: DAG, dag_run: DagRun, state_file: RunStateFile, logs_dir: str):
        self.dag = dag
        self.dag_run = dag_run
        self.state_file = state_file
        self.logs_dir = logs_dir
        self.xcoms: Dict[Any, Any] = {}
        self.tasks: Dict[str, Dict[str, Any]] = {
            task.task_id: {"task_id": task.task_id, "state": None, "start_date": None, "end_date": None, "try_number": 0, "log_path": None}
            for task in dag.tasks
        }
        self.current: Optional[BaseOperator] = None
        self.terminated = False

    # -- state ---------------------------------------------------------------------------------

    def write(self) -> None:
        self.state_file.write(self.dag_run, list(self.tasks.values()))

    def set_state(self, task_id: str, state: Optional[str], **fields) -> None:
        self.tasks[task_id]["state"] = state
        self.tasks[task_id].update(fields)
        self.write()

    def mark_skipped(self, task_ids: List[str]) -> None:
        stamp = iso(now())
        for task_id in task_ids:
            if self.tasks[task_id]["state"] not in FINISHED and self.tasks[task_id]["state"] != "running":
                self.tasks[task_id].update(state="skipped", start_date=stamp, end_date=stamp)
        self.write()

    def push_xcom(self, task_id: str, key: str, value: Any) -> None:
        try:
            self.xcoms[(task_id, key)] = json.loads(json.dumps(value))
        except (TypeError, ValueError) as error:
            raise TypeError("XCom {} of task {} is not JSON serialisable: {}".format(key, task_id, error)) from None

    # -- context ---------------------------------------------------------------------------------

    def context(self, task: BaseOperator, ti: TaskInstance) -> Dict[str, Any]:
        logical_date = self.dag_run.logical_date
        params = dict(self.dag.params)
        params.update(self.dag_run.conf)  # [core] dag_run_conf_overrides_params = True
        return {
            "conf": airflow_conf,
            "dag": self.dag,
            "dag_run": self.dag_run,
            "ds": logical_date.strftime("%Y-%m-%d"),
            "ds_nodash": logical_date.strftime("%Y%m%d"),
            "logical_date": logical_date,
            "execution_date": logical_date,
            "params": params,
            "run_id": self.dag_run.run_id,
            "task": task,
            "task_instance": ti,
            "ti": ti,
            "ts": logical_date.isoformat(),
            "ts_nodash": logical_date.strftime("%Y%m%dT%H%M%S"),
            "ts_nodash_with_tz": logical_date.isoformat().replace("-", "").replace(":", ""),
        }

    # -- signals ---------------------------------------------------------------------------------

    def on_sigterm(self, _signum, _frame) -> None:
        self.terminated = True
        task = self.current
        if task is None:
            raise _Terminated()
        logging.getLogger("airflow.task").error("Received SIGTERM. Terminating subprocesses.")
        task.on_kill()
        raise AirflowTaskTerminated("Task received SIGTERM signal")

    # -- the run ---------------------------------------------------------------------------------

    def execute(self) -> str:
        previous = signal.signal(signal.SIGTERM, self.on_sigterm)
        try:
            self.dag_run.state = "running"
            self.dag_run.start_date = now()
            self.write()
            for task in self.dag.topological_order():
                if self.terminated:
                    break
                if self.past_dagrun_timeout():
                    break
                entry = self.tasks[task.task_id]
                if entry["state"] in FINISHED:
                    continue
                upstream = [self.tasks[task_id]["state"] for task_id in task.upstream_task_ids]
                decision = trigger_rules.decide(task.trigger_rule, upstream)
                if decision != trigger_rules.RUN:
                    stamp = iso(now())  # TaskInstance.set_state stamps a finished state's start and end
                    self.set_state(task.task_id, decision, start_date=stamp, end_date=stamp)
                    continue
                self.run_task(task)
        except _Terminated:
            for entry in self.tasks.values():
                if entry["state"] in ("scheduled", "queued", "running", "up_for_retry"):
                    entry.update(state="failed", end_date=iso(now()))
        finally:
            signal.signal(signal.SIGTERM, previous)
        self.dag_run.state = self.final_state()
        self.dag_run.end_date = now()
        self.write()
        return self.dag_run.state

    def past_dagrun_timeout(self) -> bool:
        timeout = self.dag.dagrun_timeout
        return bool(timeout) and now() - self.dag_run.start_date > timeout

    def final_state(self) -> str:
        if self.terminated or self.past_dagrun_timeout():
            return "failed"
        leaves = [task for task in self.dag.tasks if not task.downstream_task_ids]
        states = [self.tasks[task.task_id]["state"] for task in leaves]
        if any(state in ("failed", "upstream_failed") for state in states):
            return "failed"
        if all(self.tasks[task_id]["state"] in FINISHED for task_id in self.tasks) and all(
            state in ("success", "skipped") for state in states
        ):
            return "success"
        return "failed"

    def log_path(self, task_id: str, try_number: int) -> str:
        return os.path.join(
            self.logs_dir,
            "dag_id={}".format(self.dag.dag_id),
            "run_id={}".format(self.dag_run.run_id),
            "task_id={}".format(task_id),
            "attempt={}.log".format(try_number),
        )

    def run_task(self, task: BaseOperator) -> None:
        if isinstance(task, EmptyOperator) and not (task.on_success_callback or task.on_failure_callback):
            # DagRun.schedule_tis: an EmptyOperator without callbacks is marked success, never run.
            stamp = iso(now())
            self.set_state(task.task_id, "success", start_date=stamp, end_date=stamp)
            return
        self.set_state(task.task_id, "scheduled")
        self.set_state(task.task_id, "queued")
        try_number = 1
        while True:
            outcome = self.attempt(task, try_number)
            if outcome != "up_for_retry":
                return
            delay = min(task.retry_delay.total_seconds(), retry_delay_cap())
            self.current = None
            time.sleep(delay)
            try_number += 1

    def attempt(self, task: BaseOperator, try_number: int) -> str:
        path = self.log_path(task.task_id, try_number)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        started = now()
        self.set_state(task.task_id, "running", start_date=iso(started), end_date=None, try_number=try_number, log_path=path)
        task_copy = copy.deepcopy(task, {id(task.dag): task.dag})
        ti = TaskInstance(self, task_copy, try_number)
        context = self.context(task_copy, ti)
        log = logging.getLogger("airflow.task")
        with _task_log(path):
            log.info("Executing %r on %s", task_copy, iso(self.dag_run.logical_date))
            log.info("Running on the local DAG runner (not Airflow): try %s of %s", try_number, task.retries + 1)
            outcome, error = self._execute(task_copy, ti, context)
            retry = outcome == "failed" and error is not None and self._retryable(error) and try_number <= task.retries
            if outcome == "failed":
                log.error("Task failed with exception", exc_info=(type(error), error, error.__traceback__))
                outcome = "up_for_retry" if retry else "failed"
            mark = {"success": "SUCCESS", "skipped": "SKIPPED", "up_for_retry": "UP_FOR_RETRY", "failed": "FAILED"}[outcome]
            ended = now()
            log.info(
                "Marking task as %s. dag_id=%s, task_id=%s, run_id=%s, start_date=%s, end_date=%s",
                mark, self.dag.dag_id, task.task_id, self.dag_run.run_id, iso(started), iso(ended),
            )
            self._callback(task_copy, outcome, context, error)
        self.set_state(task.task_id, outcome, end_date=iso(ended))
        return outcome

    @staticmethod
    def _retryable(error: BaseException) -> bool:
        return not isinstance(error, (AirflowFailException, AirflowTaskTerminated))

    def _execute(self, task: BaseOperator, ti: TaskInstance, context: Dict[str, Any]):
        self.current = task
        try:
            task.render_template_fields(context)
            with _timeout(task.execution_timeout):
                try:
                    result = task.execute(context)
                except AirflowTaskTimeout:
                    task.on_kill()
                    raise
            if task.do_xcom_push and result is not None:
                ti.xcom_push("return_value", result)
            return "success", None
        except AirflowSkipException as skipped:
            logging.getLogger("airflow.task").info("Skipping: %s", skipped)
            return "skipped", None
        except (Exception, AirflowTaskTimeout, AirflowTaskTerminated) as error:
            return "failed", error
        finally:
            self.current = None

    def _callback(self, task: BaseOperator, outcome: str, context: Dict[str, Any], error) -> None:
        callback = {
            "success": task.on_success_callback,
            "up_for_retry": task.on_retry_callback,
            "failed": task.on_failure_callback,
        }.get(outcome)
        if callback is None:
            return
        if error is not None:
            context = dict(context, exception=error)
        for function in callback if isinstance(callback, list) else [callback]:
            try:
                function(context)
            except Exception:
                logging.getLogger("airflow.task").exception("Error when executing %s callback", outcome)


@contextlib.contextmanager
def _timeout(limit: Optional[timedelta]):
    """airflow/utils/timeout.py (TimeoutPosix): SIGALRM raises AirflowTaskTimeout in the task."""
    if not limit:
        yield
        return
    seconds = limit.total_seconds()

    def handler(_signum, _frame):
        raise AirflowTaskTimeout("Timeout, PID: {}".format(os.getpid()))

    previous = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _task_log(path: str):
    """The attempt's log file gets every log record and the task's stdout and stderr, as
    Airflow's task log handler and redirect_stdout/stderr do."""
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    root.addHandler(handler)
    previous_level = root.level
    root.setLevel(logging.INFO)
    stream = _LogStream(logging.getLogger("airflow.task.stdout"))
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = stream
    try:
        yield
    finally:
        stream.flush()
        sys.stdout, sys.stderr = saved
        root.removeHandler(handler)
        root.setLevel(previous_level)
        handler.close()


class _LogStream:
    def __init__(self, logger: logging.Logger):
        self.logger = logger
        self.pending = ""

    def write(self, text: str) -> int:
        self.pending += text
        while "\n" in self.pending:
            line, self.pending = self.pending.split("\n", 1)
            self.logger.info("%s", line)
        return len(text)

    def flush(self) -> None:
        if self.pending:
            self.logger.info("%s", self.pending)
            self.pending = ""

    def isatty(self) -> bool:
        return False


def utc(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
