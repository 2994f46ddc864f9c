"""Execute one DAG run with the active Airflow version's task semantics (dagrunner/versions.py:
2.10.3 or 3.0.6), one task at a time in dependency order. Where 3.0.6 differs, the Task SDK's
task-sdk/src/airflow/sdk/execution_time/task_runner.py is followed (the `semantics` fields name
each difference): execute called in a copied contextvars context with ExecutorSafeguard.tracker
set and no sentinel keyword; SystemExit of any code a failure (retried when retries are left);
DownstreamTasksSkipped (3.x SkipMixin) skips the tasks it names and the task succeeds without
pushing its return value; the context of get_template_context, without the logical-date keys in a
run that has no logical date; XComs through serde; xcom_pull of a missing XCom gives None.

What follows Airflow (apache/airflow v2.10, airflow/models/taskinstance.py unless said otherwise):
- a task whose upstream tasks are all finished is decided by its trigger rule (trigger_rules.py);
- each attempt works on a fresh copy of the operator (Airflow re-parses the DAG in the task's own
  process), renders its template_fields with the run's context (exactly the keys of
  _get_template_context, versions.py), and runs it as _execute_task does (execute_task below:
  keyword `context`, the `<Class>__sentinel` keyword, SystemExit(0) a success), pushing a non-None
  return value as the XCom return_value, serialised as the default backend does (xcom.py);
- TaskDeferred (a BaseException) fails the task, naming the deferral: there is no triggerer here;
- AirflowSkipException -> skipped; AirflowFailException -> failed without retry; any other error
  -> up_for_retry while try_number <= retries (after retry_delay), else failed;
- execution_timeout raises AirflowTaskTimeout in the task (SIGALRM, airflow/utils/timeout.py), then
  the operator's on_kill runs, then the failure is handled like any other;
- SIGTERM: the running task's on_kill runs and it fails with AirflowTaskTerminated (no retry), the
  run ends failed;
- on_success/on_retry/on_failure callbacks get the context;
- an EmptyOperator without callbacks is marked success without running (no log, try_number 0);
- the run fails when a leaf task ends failed or upstream_failed, else succeeds (DagRun.update_state);
- dagrun_timeout (airflow/jobs/scheduler_job_runner.py _schedule_dag_run, 2.10.3): when the run's
  start_date is older than the timeout, the run is failed and every unfinished task instance
  (none, scheduled, queued, running, up_for_retry) is set to skipped; a running task is then
  terminated by its LocalTaskJob (SIGTERM: on_kill runs) and, its state being finished already,
  TaskInstance._run_raw_task calls no callback and leaves it skipped.
Local deviation (documented in ../README.md): retry delays are capped by ABALONE_LOCAL_RETRY_DELAY_CAP.
"""
import contextlib
import contextvars
import copy
import json
import logging
import os
import signal
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

import re

from airflow._core import DAG, BaseOperator, ExecutorSafeguard, _sentinel
from airflow._empty import EmptyOperator
from airflow.configuration import conf as airflow_conf
from airflow.exceptions import (
    AirflowException,
    _DownstreamTasksSkipped as DownstreamTasksSkipped,
    AirflowFailException,
    AirflowSkipException,
    AirflowTaskTerminated,
    AirflowTaskTimeout,
    TaskDeferred,
)

from dagrunner import trigger_rules, xcom
from dagrunner.versions import Semantics, active
from dagrunner.state import RunStateFile, iso, now
from dagrunner.knobs import seconds_from_env

RETRY_DELAY_CAP_VARIABLE = "ABALONE_LOCAL_RETRY_DELAY_CAP"
DEFAULT_RETRY_DELAY_CAP = 1.0
LOG_FORMAT = "[%(asctime)s] {%(filename)s:%(lineno)d} %(levelname)s - %(message)s"
FINISHED = ("success", "failed", "skipped", "upstream_failed")


def retry_delay_cap() -> float:
    return seconds_from_env(RETRY_DELAY_CAP_VARIABLE, DEFAULT_RETRY_DELAY_CAP)


class DagRun:
    """The context's dag_run: the attributes the runner emulates of 2.10.3's DagRun model
    (execution_date, external_trigger) or of 3.x's Task SDK DagRun (run_after; no
    execution_date or external_trigger; logical_date may be None)."""

    def __init__(self, dag: DAG, run_id: str, run_type: str, logical_date: Optional[datetime], conf: Dict[str, Any]):
        if logical_date is None and active().logical_date_required:
            raise ValueError("a run of Airflow {} has a logical date".format(active().version))
        self.dag = dag
        self.dag_id = dag.dag_id
        self.run_id = run_id
        self.run_type = run_type
        self.logical_date = logical_date
        self.conf = conf
        if active().version.startswith("2."):
            self.execution_date = logical_date
            self.external_trigger = run_type == "manual"
        else:
            self.run_after = logical_date or now()
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
        """TaskInstance.xcom_pull (2.10.3): one task id -> its value (default when none); a list ->
        a list of the values found. RuntimeTaskInstance.xcom_pull (3.x, map_indexes unset): one
        task id -> its value or None (XCom.get_all; `default` is not used); a list -> one entry per
        task, None for a missing one. Each pull deserialises the stored value afresh."""
        if task_ids is None:
            task_ids = self.task_id
        if not active().version.startswith("2."):
            ids = [task_ids] if isinstance(task_ids, str) else list(task_ids)
            values = [
                xcom.deserialize_value(self.run.xcoms[(task_id, key)]) if (task_id, key) in self.run.xcoms else None
                for task_id in ids
            ]
            return values[0] if isinstance(task_ids, str) else values
        if isinstance(task_ids, str):
            stored = self.run.xcoms.get((task_ids, key))
            return default if stored is None else xcom.deserialize_value(stored)
        return [xcom.deserialize_value(self.run.xcoms[(task_id, key)]) for task_id in task_ids if (task_id, key) in self.run.xcoms]


class _Terminated(Exception):
    pass


class _DagRunTimedOut(BaseException):
    """The run passed dagrun_timeout while a task ran (the scheduler set it to skipped)."""


class NotEmulated:
    """A task-context entry Airflow gives that the runner does not emulate: using it in any way
    (attribute, item, str, bool, iteration, call) raises, naming it."""

    def __init__(self, key: str):
        self._key = key

    def _refuse(self, *_args, **_kwargs):
        raise AirflowException(
            "the task context's {!r} is not emulated by the local DAG runner (packages/local-endpoint/dag-runner/README.md)".format(self._key)
        )

    def __getattr__(self, name):
        if name.startswith("__") or name == "_key":
            raise AttributeError(name)
        self._refuse()

    __getitem__ = __str__ = __bool__ = __iter__ = __call__ = __len__ = __int__ = __float__ = _refuse

    def __repr__(self):
        return "<not emulated: {}>".format(self._key)

    def __deepcopy__(self, memo):
        return self


def execute_task(task: BaseOperator, ti: "TaskInstance", context: Dict[str, Any]) -> Any:
    """_execute_task for a task not resuming from a deferral, as the active version does it.

    2.10.3 (airflow/models/taskinstance.py): the resolved `task.execute` is called with the
    keyword `context` and, when its __name__ is "execute", the keyword
    `<type(task).__name__>__sentinel`; SystemExit with code 0 or None is a success with no result.
    3.x (task-sdk task_runner.py): `ctx = contextvars.copy_context();
    ctx.run(ExecutorSafeguard.tracker.set, task); ctx.run(execute, context=context)`, no sentinel;
    a SystemExit propagates (run() fails the task).
    Both: under execution_timeout, AirflowTaskTimeout runs on_kill and is raised again; a non-None
    result is pushed as the XCom return_value when do_xcom_push (3.x: _push_xcom_if_needed)."""
    semantics = active()
    execute_callable = task.execute
    execute_callable_kwargs: Dict[str, Any] = {}
    if semantics.execute_call == "sentinel":
        if execute_callable.__name__ == "execute":
            execute_callable_kwargs["{}__sentinel".format(task.__class__.__name__)] = _sentinel

        def _execute_callable(context, **kwargs):
            try:
                return execute_callable(context=context, **kwargs)
            except SystemExit as error:
                if not semantics.system_exit_zero_succeeds or (error.code is not None and error.code != 0):
                    raise
                return None
    else:
        ctx = contextvars.copy_context()
        ctx.run(ExecutorSafeguard.tracker.set, task)

        def _execute_callable(context, **kwargs):
            return ctx.run(execute_callable, context=context, **kwargs)

    if task.execution_timeout:
        timeout_seconds = task.execution_timeout.total_seconds()
        try:
            if timeout_seconds <= 0:
                raise AirflowTaskTimeout()
            with _timeout(task.execution_timeout):
                result = _execute_callable(context=context, **execute_callable_kwargs)
        except AirflowTaskTimeout:
            task.on_kill()
            raise
    else:
        result = _execute_callable(context=context, **execute_callable_kwargs)
    xcom_value = result if task.do_xcom_push else None
    if xcom_value is not None:
        ti.xcom_push(key="return_value", value=xcom_value)
    return result


class Run:
    def __init__(self, dag: DAG, dag_run: DagRun, state_file: RunStateFile, logs_dir: str, semantics: Optional[Semantics] = None):
        self.semantics = semantics or active()
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
        self.timed_out = False

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
        self.xcoms[(task_id, key)] = xcom.serialize_value(value)

    # -- context ---------------------------------------------------------------------------------

    def context(self, task: BaseOperator, ti: TaskInstance) -> Dict[str, Any]:
        """Exactly the active version's context keys (versions.py): 2.10.3's
        _get_template_context (airflow/models/taskinstance.py), or 3.x's
        RuntimeTaskInstance.get_template_context, whose logical-date keys a run without a logical
        date does not have. The entries the runner cannot give are NotEmulated."""
        logical_date = self.dag_run.logical_date
        params = dict(self.dag.params)
        params.update(self.dag_run.conf)  # [core] dag_run_conf_overrides_params = True
        given = {
            "conf": airflow_conf,
            "dag": self.dag,
            "dag_run": self.dag_run,
            "expanded_ti_count": None,
            "inlets": [],
            "map_index_template": None,
            "outlets": [],
            "params": params,
            "run_id": self.dag_run.run_id,
            "task": task,
            "task_instance": ti,
            "task_instance_key_str": "{}__{}__{}".format(self.dag.dag_id, task.task_id, self.dag_run.run_id),
            "task_reschedule_count": 0,
            "test_mode": False,
            "ti": ti,
        }
        keys = self.semantics.context_keys
        if logical_date is not None:
            keys = keys + self.semantics.context_keys_with_logical_date
            ds = logical_date.strftime("%Y-%m-%d")
            ts = logical_date.isoformat()
            yesterday = (logical_date - timedelta(days=1)).strftime("%Y-%m-%d")
            tomorrow = (logical_date + timedelta(days=1)).strftime("%Y-%m-%d")
            given.update({
                "ds": ds,
                "ds_nodash": ds.replace("-", ""),
                "execution_date": logical_date,
                "logical_date": logical_date,
                "task_instance_key_str": "{}__{}__{}".format(self.dag.dag_id, task.task_id, ds.replace("-", "")),
                "tomorrow_ds": tomorrow,
                "tomorrow_ds_nodash": tomorrow.replace("-", ""),
                "ts": ts,
                "ts_nodash": logical_date.strftime("%Y%m%dT%H%M%S"),
                "ts_nodash_with_tz": ts.replace("-", "").replace(":", ""),
                "yesterday_ds": yesterday,
                "yesterday_ds_nodash": yesterday.replace("-", ""),
            })
        return {key: given[key] if key in given else NotEmulated(key) for key in keys}

    # -- signals ---------------------------------------------------------------------------------

    def on_sigterm(self, _signum, _frame) -> None:
        self.terminated = True
        task = self.current
        if task is None:
            raise _Terminated()
        logging.getLogger("airflow.task").error("Received SIGTERM. Terminating subprocesses.")
        task.on_kill()
        raise AirflowTaskTerminated("Task received SIGTERM signal")

    def on_dagrun_timeout(self, _signum, _frame) -> None:
        self.timed_out = True
        task = self.current
        logging.getLogger("airflow.task").error(
            "Run %s of %s has timed-out (dagrun_timeout %s): the scheduler set every unfinished task to skipped",
            self.dag_run.run_id, self.dag.dag_id, self.dag.dagrun_timeout,
        )
        if task is not None:
            # LocalTaskJob: "State of this instance has been externally set to skipped. Terminating
            # instance." -> SIGTERM -> TaskInstance.signal_handler runs on_kill.
            task.on_kill()
        raise _DagRunTimedOut()

    # -- the run ---------------------------------------------------------------------------------

    def execute(self) -> str:
        previous = signal.signal(signal.SIGTERM, self.on_sigterm)
        previous_timeout = signal.signal(signal.SIGUSR2, self.on_dagrun_timeout)
        watchdog = None
        try:
            self.dag_run.state = "running"
            self.dag_run.start_date = now()
            self.write()
            if self.dag.dagrun_timeout:
                pid = os.getpid()
                watchdog = threading.Timer(self.dag.dagrun_timeout.total_seconds(), lambda: os.kill(pid, signal.SIGUSR2))
                watchdog.daemon = True
                watchdog.start()
            for task in self.dag.topological_order():
                if self.terminated or self.timed_out:
                    break
                if self.past_dagrun_timeout():
                    self.timed_out = True
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
        except _DagRunTimedOut:
            self.timed_out = True
        finally:
            if watchdog is not None:
                watchdog.cancel()
            signal.signal(signal.SIGUSR2, previous_timeout)
            signal.signal(signal.SIGTERM, previous)
        if self.timed_out:
            stamp = iso(now())
            for entry in self.tasks.values():
                if entry["state"] in (None, "scheduled", "queued", "running", "up_for_retry"):
                    entry.update(state="skipped", end_date=stamp, start_date=entry["start_date"] or stamp)
        self.dag_run.state = self.final_state()
        self.dag_run.end_date = now()
        self.write()
        return self.dag_run.state

    def past_dagrun_timeout(self) -> bool:
        timeout = self.dag.dagrun_timeout
        return bool(timeout) and now() - self.dag_run.start_date > timeout

    def final_state(self) -> str:
        if self.terminated or self.timed_out or self.past_dagrun_timeout():
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
            if outcome == "timed_out":
                # _run_raw_task: the state was set externally (skipped): no callback, no failure.
                log.info("State of this instance has been externally set to skipped. Terminating instance.")
                raise _DagRunTimedOut()
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
        return not isinstance(error, (AirflowFailException, AirflowTaskTerminated, _DeferralNotEmulated))

    def _execute(self, task: BaseOperator, ti: TaskInstance, context: Dict[str, Any]):
        self.current = task
        try:
            task.render_template_fields(context)
            execute_task(task, ti, context)
            return "success", None
        except DownstreamTasksSkipped as skipped:
            # task_runner.run (3.x): SkipDownstreamTasks, then the task succeeds (no XCom push).
            logging.getLogger("airflow.task").info("Skipping downstream tasks.")
            self.mark_skipped(list(skipped.tasks))
            return "success", None
        except AirflowSkipException as skipped:
            logging.getLogger("airflow.task").info("Skipping: %s", skipped)
            return "skipped", None
        except _DagRunTimedOut:
            return "timed_out", None
        except TaskDeferred as deferred:
            error = _DeferralNotEmulated(
                "{} deferred ({!r}): deferrable operators are not emulated by the local DAG runner (no triggerer); "
                "on MWAA the task would wait in the triggerer and resume in {}".format(task.task_id, deferred, deferred.method_name)
            )
            return "failed", error
        except (Exception, AirflowTaskTimeout, AirflowTaskTerminated) as error:
            return "failed", error
        except SystemExit as error:
            # 2.10.3: only a non-zero code reaches here; 3.x run(): "SystemExit needs to be retried
            # if they are eligible".
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


class _DeferralNotEmulated(AirflowException):
    pass


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
