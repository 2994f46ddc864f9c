"""DAG and BaseOperator of the runner's airflow subset, with the active Airflow version's semantics
(dagrunner/versions.py) for what the abalone DAG uses. Not Airflow: a faithful subset (see
../README.md). The behaviours follow apache/airflow v2.10: airflow/models/dag.py,
airflow/models/baseoperator.py (default_args applied to the arguments an operator's __init__
accepts, invalid arguments refused, `>>` dependencies), airflow/template/templater.py and
airflow/templates.py (Jinja rendering of template_fields, NativeEnvironment when
render_template_as_native_obj), airflow/utils/trigger_rule.py; and, where 3.0.6 differs, the Task
SDK's task-sdk/src/airflow/sdk/bases/operator.py (ExecutorSafeguard's tracker ContextVar, TypeError
for invalid, positional and missing arguments) and SkipMixin (DownstreamTasksSkipped).
"""
import abc
import contextlib
import contextvars
import functools
import inspect
import logging
import sys
import threading
from datetime import timedelta
from typing import Any, Dict, Iterable, List, Optional

import jinja2
import jinja2.nativetypes
import jinja2.sandbox

from airflow.configuration import conf as airflow_conf
from airflow.exceptions import AirflowException
from airflow.exceptions import _DownstreamTasksSkipped as DownstreamTasksSkipped
from dagrunner.versions import active

TRIGGER_RULES = (
    "all_success",
    "all_failed",
    "all_done",
    "all_skipped",
    "one_success",
    "one_failed",
    "none_failed",
    "none_failed_min_one_success",
    "none_skipped",
    "always",
)
# Airflow's defaults: [operators] default_owner, default_retries 0, retry_delay 300 s,
# [core] max_active_runs_per_dag 16; [scheduler] catchup_by_default: True on 2.10.3, False on 3.x
# (CATCHUP_BY_DEFAULT).
DEFAULT_OWNER = "airflow"
DEFAULT_RETRY_DELAY = timedelta(seconds=300)
DEFAULT_MAX_ACTIVE_RUNS = 16
CATCHUP_BY_DEFAULT = {"2.10.3": True, "3.0.6": False}


def constructor_error(message: str) -> Exception:
    """The exception of the constructor checks: AirflowException on 2.10.3
    (airflow/models/baseoperator.py), TypeError on 3.x (task-sdk bases/operator.py)."""
    return TypeError(message) if active().constructor_error == "TypeError" else AirflowException(message)

_dag_context: List["DAG"] = []


def _caller_file(depth: int = 2) -> str:
    return sys._getframe(depth).f_code.co_filename


class DAG:
    """airflow.DAG: the arguments the runner honours; any other argument is a TypeError naming it."""

    def __init__(
        self,
        dag_id: str,
        description: Optional[str] = None,
        schedule: Any = None,
        start_date: Any = None,
        end_date: Any = None,
        default_args: Optional[Dict[str, Any]] = None,
        max_active_runs: int = DEFAULT_MAX_ACTIVE_RUNS,
        dagrun_timeout: Optional[timedelta] = None,
        catchup: Optional[bool] = None,
        render_template_as_native_obj: bool = False,
        params: Optional[Dict[str, Any]] = None,
        tags: Optional[Iterable[str]] = None,
        is_paused_upon_creation: Optional[bool] = None,
        doc_md: Optional[str] = None,
    ):
        if schedule is not None and not isinstance(schedule, str):
            raise TypeError(
                "DAG {}: schedule {!r} is not supported by the local DAG runner (a cron or preset string, or None)".format(
                    dag_id, schedule
                )
            )
        self.dag_id = dag_id
        self.description = description
        self.schedule = schedule
        self.start_date = start_date
        self.end_date = end_date
        self.default_args = dict(default_args or {})
        self.max_active_runs = max_active_runs
        self.dagrun_timeout = dagrun_timeout
        self.catchup = (
            catchup
            if catchup is not None
            else airflow_conf.getboolean("scheduler", "catchup_by_default", fallback=CATCHUP_BY_DEFAULT[active().version])
        )
        self.render_template_as_native_obj = render_template_as_native_obj
        self.params = dict(params or {})
        self.tags = list(tags or [])
        self.is_paused_upon_creation = is_paused_upon_creation
        self.doc_md = doc_md
        self.fileloc = _caller_file()
        self.task_dict: Dict[str, "BaseOperator"] = {}

    def __enter__(self):
        _dag_context.append(self)
        return self

    def __exit__(self, *exc):
        _dag_context.pop()
        return False

    @property
    def tasks(self) -> List["BaseOperator"]:
        return list(self.task_dict.values())

    @property
    def task_ids(self) -> List[str]:
        return list(self.task_dict)

    @property
    def owner(self) -> str:
        # DAG.owner in Airflow 2.10: ", ".join({t.owner for t in self.tasks}) (a set; sorted here).
        return ", ".join(sorted({task.owner for task in self.tasks}))

    def get_task(self, task_id: str) -> "BaseOperator":
        if task_id not in self.task_dict:
            raise KeyError("Task {} not found in DAG {}".format(task_id, self.dag_id))
        return self.task_dict[task_id]

    def add_task(self, task: "BaseOperator") -> None:
        if task.task_id in self.task_dict:
            raise AirflowException("Task id '{}' has already been added to the DAG".format(task.task_id))
        self.task_dict[task.task_id] = task

    def topological_order(self) -> List["BaseOperator"]:
        """Tasks in dependency order, ties kept in declaration order; a cycle is refused."""
        order, done, visiting = [], set(), set()

        def visit(task):
            if task.task_id in done:
                return
            if task.task_id in visiting:
                raise AirflowException("Cycle detected in DAG {}: task {}".format(self.dag_id, task.task_id))
            visiting.add(task.task_id)
            for upstream_id in sorted(task.upstream_task_ids, key=self.task_ids.index):
                visit(self.task_dict[upstream_id])
            visiting.discard(task.task_id)
            done.add(task.task_id)
            order.append(task)

        for task in self.tasks:
            visit(task)
        return order

    def get_template_env(self) -> jinja2.Environment:
        # airflow/models/dag.py get_template_env: undefined=StrictUndefined (template_undefined's
        # default), extensions ["jinja2.ext.do"], cache_size 0; NativeEnvironment or SandboxedEnvironment.
        options = {"undefined": jinja2.StrictUndefined, "extensions": ["jinja2.ext.do"], "cache_size": 0}
        if self.render_template_as_native_obj:
            return jinja2.nativetypes.NativeEnvironment(**options)
        return jinja2.sandbox.SandboxedEnvironment(**options)


# airflow/models/baseoperator.py (2.10.3): the object `_execute_task` passes as the
# `<Class>__sentinel` keyword, and what ExecutorSafeguard compares it with.
_sentinel = object()

# BaseOperator.__init__'s arguments in Airflow 2.10.3 that the runner does not emulate. Airflow
# accepts them (and applies default_args to them); here they are an error naming them, never
# silently ignored (README.md, parity table).
NOT_EMULATED_ARGUMENTS = (
    "email", "email_on_retry", "email_on_failure", "retry_exponential_backoff", "max_retry_delay",
    "start_date", "end_date", "depends_on_past", "ignore_first_depends_on_past",
    "wait_for_past_depends_before_skipping", "wait_for_downstream", "params", "priority_weight",
    "weight_rule", "queue", "pool", "pool_slots", "sla", "on_execute_callback", "on_skipped_callback",
    "pre_execute", "post_execute", "resources", "run_as_user", "task_concurrency", "map_index_template",
    "max_active_tis_per_dag", "max_active_tis_per_dagrun", "executor", "executor_config",
    "multiple_outputs", "inlets", "outlets", "task_group", "doc", "doc_json", "doc_yaml", "doc_rst",
    "task_display_name", "logger_name",
)


class ExecutorSafeguard:
    """The wrapper BaseOperatorMeta puts around an `execute` defined in a class body.

    2.10.3 (airflow/models/baseoperator.py ExecutorSafeguard.decorator): it pops the
    `<type(self).__name__>__sentinel` keyword (so the wrapped execute never sees it), remembers it
    for a wrapped `super().execute()` of a base class, and warns (raises when
    allow_nested_operators=False) when execute is called without it, i.e. outside a TaskInstance.
    An execute that is not wrapped (one inherited from a plain mixin) receives the keyword itself.

    3.x (task-sdk/src/airflow/sdk/bases/operator.py): the task runner passes no keyword; it sets
    the `tracker` ContextVar to the task in a copied context before calling execute, and the
    wrapper accepts a call when `tracker.get(None) is self` (a `<Class>__sentinel` keyword equal to
    `sentinel_value` still sets it); otherwise the same warning or error, with 3.x's message, and
    the tracker is then set so a `super()` call does not warn again."""

    test_mode = airflow_conf.getboolean("core", "unit_test_mode", fallback=False)  # read at import, as Airflow does
    _sentinel = threading.local()
    tracker: contextvars.ContextVar = contextvars.ContextVar("ExecutorSafeguard_sentinel")
    sentinel_value = object()

    @classmethod
    def decorator(cls, func):
        if active().execute_call == "tracker":
            return cls._tracker_decorator(func)

        @functools.wraps(func)
        def wrapper(self, *args, **kwargs):
            sentinel_key = "{}__sentinel".format(self.__class__.__name__)
            sentinel = kwargs.pop(sentinel_key, None)
            callers = cls._sentinel.__dict__.setdefault("callers", {})
            if sentinel:
                callers[sentinel_key] = sentinel
            else:
                sentinel = callers.pop("{}__sentinel".format(func.__qualname__.split(".")[0]), None)
            if not cls.test_mode and not sentinel == _sentinel:
                cls._outside(self, func)
            return func(self, *args, **kwargs)

        return wrapper

    @classmethod
    def _tracker_decorator(cls, func):
        @functools.wraps(func)
        def wrapper(self, *args, **kwargs):
            sentinel_key = "{}__sentinel".format(self.__class__.__name__)
            sentinel = kwargs.pop(sentinel_key, None)
            with contextlib.ExitStack() as stack:
                if sentinel is cls.sentinel_value:
                    token = cls.tracker.set(self)
                    sentinel = self
                    stack.callback(cls.tracker.reset, token)
                else:
                    sentinel = cls.tracker.get(None)
                if not cls.test_mode and sentinel is not self:
                    cls._outside(self, func)
                    token = cls.tracker.set(self)
                    stack.callback(cls.tracker.reset, token)
                return func(self, *args, **kwargs)

        return wrapper

    @staticmethod
    def _outside(operator, func) -> None:
        message = active().safeguard_message.format(cls=operator.__class__.__name__, func=func.__name__)
        if not operator.allow_nested_operators:
            raise AirflowException(message)
        operator.log.warning(message)


def _signature_names(init) -> List[str]:
    names = [
        parameter.name
        for parameter in inspect.signature(init).parameters.values()
        if parameter.name != "self" and parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL)
    ]
    if getattr(init, "_is_base_operator_init", False):
        names.extend(NOT_EMULATED_ARGUMENTS)
    return names


def _required_names(init) -> set:
    return {
        parameter.name
        for parameter in inspect.signature(init).parameters.values()
        if parameter.name not in ("self", "task_id")
        and parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL)
        and parameter.default is parameter.empty
    }


class BaseOperatorMeta(abc.ABCMeta):
    """airflow/models/baseoperator.py (2.10.3) BaseOperatorMeta: `execute` defined in a class's own
    body is wrapped by ExecutorSafeguard (an inherited one is not: a plain mixin's execute stays
    as it is); `__init__` is wrapped by _apply_defaults."""

    def __new__(cls, name, bases, namespace, **kwargs):
        execute_method = namespace.get("execute")
        if callable(execute_method) and not getattr(execute_method, "__isabstractmethod__", False):
            namespace["execute"] = ExecutorSafeguard().decorator(execute_method)
        init = namespace.get("__init__")
        if init is not None:
            namespace["__init__"] = cls._apply_defaults(init)
        return super().__new__(cls, name, bases, namespace, **kwargs)

    @classmethod
    def _apply_defaults(mcs, func):
        """BaseOperatorMeta._apply_defaults: keyword arguments only ("Use keyword arguments when
        initializing operators"); the DAG's default_args, merged with the task's own, fill the
        parameters of this __init__ that were not given; a parameter without a default still
        missing is "missing keyword argument"; the merged default_args are passed on."""
        names = _signature_names(func)
        required = _required_names(func)

        @functools.wraps(func)
        def apply_defaults(self, *args, **kwargs):
            if args:
                raise constructor_error("Use keyword arguments when initializing operators")
            dag = kwargs.get("dag")
            if dag is None and _dag_context:
                dag = _dag_context[-1]
                kwargs["dag"] = dag
            default_args = dict(dag.default_args) if dag is not None else {}
            default_args.update(kwargs.pop("default_args", None) or {})
            for arg in names:
                if arg not in kwargs and arg in default_args:
                    kwargs[arg] = default_args[arg]
            missing = sorted(required.difference(kwargs))
            if len(missing) == 1:
                raise constructor_error("missing keyword argument {!r}".format(missing[0]))
            if missing:
                raise constructor_error("missing keyword arguments {}".format(", ".join(repr(a) for a in missing)))
            return func(self, **kwargs, default_args=default_args)

        return apply_defaults


class BaseOperator(metaclass=BaseOperatorMeta):
    template_fields: Iterable[str] = ()
    template_ext: Iterable[str] = ()

    def __init__(
        self,
        *,
        task_id: str,
        owner: str = DEFAULT_OWNER,
        retries: int = 0,
        retry_delay: timedelta = DEFAULT_RETRY_DELAY,
        execution_timeout: Optional[timedelta] = None,
        trigger_rule: str = "all_success",
        on_failure_callback=None,
        on_retry_callback=None,
        on_success_callback=None,
        do_xcom_push: bool = True,
        doc_md: Optional[str] = None,
        dag: Optional[DAG] = None,
        default_args: Optional[Dict[str, Any]] = None,
        allow_nested_operators: bool = True,
        **kwargs,
    ):
        # (marked below: default_args also fill NOT_EMULATED_ARGUMENTS, which are then refused)
        not_emulated = sorted(name for name in kwargs if name in NOT_EMULATED_ARGUMENTS)
        if not_emulated:
            raise constructor_error(
                "{} (task_id: {}): {} {} Airflow {} BaseOperator argument(s) that the local DAG runner does not "
                "emulate (packages/local-endpoint/dag-runner/README.md)".format(
                    type(self).__name__, task_id, ", ".join(not_emulated), "is an" if len(not_emulated) == 1 else "are",
                    active().version,
                )
            )
        if kwargs:
            # BaseOperator.__init__ (2.10.3): refused unless [operators] allow_illegal_arguments;
            # 3.x: always refused, with TypeError.
            message = "Invalid arguments were passed to {} (task_id: {}). Invalid arguments were:\n**kwargs: {}".format(
                type(self).__name__, task_id, kwargs
            )
            if active().constructor_error == "TypeError" or not airflow_conf.getboolean(
                "operators", "allow_illegal_arguments", fallback=False
            ):
                raise constructor_error(message)
            logging.getLogger("airflow.models.baseoperator").warning(message)
        if trigger_rule not in TRIGGER_RULES:
            raise AirflowException(
                "The trigger_rule must be one of {} (the local DAG runner's subset),'{}.{}'; received '{}'.".format(
                    list(TRIGGER_RULES), dag.dag_id if dag else "", task_id, trigger_rule
                )
            )
        if execution_timeout is not None and not isinstance(execution_timeout, timedelta):
            raise ValueError("execution_timeout must be timedelta object but passed as type: {}".format(type(execution_timeout)))
        self.task_id = task_id
        self.owner = owner
        self.retries = int(retries)
        self.retry_delay = retry_delay if isinstance(retry_delay, timedelta) else timedelta(seconds=retry_delay)
        self.execution_timeout = execution_timeout
        self.trigger_rule = trigger_rule
        self.on_failure_callback = on_failure_callback
        self.on_retry_callback = on_retry_callback
        self.on_success_callback = on_success_callback
        self.do_xcom_push = do_xcom_push
        self.doc_md = doc_md
        self.allow_nested_operators = allow_nested_operators
        self.upstream_task_ids: set = set()
        self.downstream_task_ids: set = set()
        self.dag = dag or (_dag_context[-1] if _dag_context else None)
        if self.dag is not None:
            self.dag.add_task(self)

    __init__._is_base_operator_init = True

    @property
    def log(self) -> logging.Logger:
        return logging.getLogger("airflow.task.operators.{}.{}".format(type(self).__module__, type(self).__name__))

    # -- dependencies --------------------------------------------------------------------------

    def set_downstream(self, other) -> None:
        for task in other if isinstance(other, (list, tuple, set)) else [other]:
            self.downstream_task_ids.add(task.task_id)
            task.upstream_task_ids.add(self.task_id)

    def set_upstream(self, other) -> None:
        for task in other if isinstance(other, (list, tuple, set)) else [other]:
            task.set_downstream(self)

    def __rshift__(self, other):
        self.set_downstream(other)
        return other

    def __lshift__(self, other):
        self.set_upstream(other)
        return other

    def __rrshift__(self, other):
        self.set_upstream(other)
        return self

    def __rlshift__(self, other):
        self.set_downstream(other)
        return self

    def get_direct_relatives(self, upstream: bool = False) -> List["BaseOperator"]:
        ids = self.upstream_task_ids if upstream else self.downstream_task_ids
        return [self.dag.task_dict[task_id] for task_id in sorted(ids)]

    def get_flat_relatives(self, upstream: bool = False) -> List["BaseOperator"]:
        found, pending = {}, list(self.get_direct_relatives(upstream))
        while pending:
            task = pending.pop()
            if task.task_id not in found:
                found[task.task_id] = task
                pending.extend(task.get_direct_relatives(upstream))
        return [found[task_id] for task_id in sorted(found)]

    # -- templating ------------------------------------------------------------------------------

    def render_template(self, content: Any, context: Dict[str, Any], jinja_env: jinja2.Environment) -> Any:
        """Templater.render_template: strings are templates; lists, tuples, sets and dicts are
        rendered item by item; anything else is returned as it is."""
        if isinstance(content, str):
            if any(content.endswith(ext) for ext in self.template_ext):
                raise AirflowException(
                    "{}: template files ({}) are not supported by the local DAG runner".format(self.task_id, content)
                )
            return jinja_env.from_string(content).render(**context)
        if isinstance(content, tuple):
            if type(content) is not tuple:  # a namedtuple
                return content.__class__(*(self.render_template(item, context, jinja_env) for item in content))
            return tuple(self.render_template(item, context, jinja_env) for item in content)
        if isinstance(content, list):
            return [self.render_template(item, context, jinja_env) for item in content]
        if isinstance(content, dict):
            return {key: self.render_template(value, context, jinja_env) for key, value in content.items()}
        if isinstance(content, set):
            return {self.render_template(item, context, jinja_env) for item in content}
        return content

    def render_template_fields(self, context: Dict[str, Any]) -> None:
        jinja_env = self.dag.get_template_env()
        for field in self.template_fields:
            value = getattr(self, field)
            if value:  # Airflow skips falsy values (None, "", {}) without rendering
                setattr(self, field, self.render_template(value, context, jinja_env))

    # -- execution -------------------------------------------------------------------------------

    def execute(self, context: Dict[str, Any]) -> Any:
        raise NotImplementedError("{} has no execute()".format(type(self).__name__))

    def resume_execution(self, next_method: str, next_kwargs, context):
        """BaseOperator.resume_execution: the runner has no triggerer, so nothing resumes."""
        raise AirflowException("{}: resuming a deferred task is not emulated by the local DAG runner".format(self.task_id))

    def on_kill(self) -> None:
        """Called when the task is killed (SIGTERM) or times out; operators override it."""

    def skip(self, tasks: Iterable["BaseOperator"], context: Dict[str, Any]) -> None:
        """SkipMixin.skip: on 2.10.3 these tasks are marked skipped in this run and execute goes on;
        on 3.x (providers/standard utils/skipmixin.py) DownstreamTasksSkipped is raised, which ends
        execute (so its return value is not pushed) and the task runner skips them, the task
        itself succeeding."""
        task_ids = [task.task_id for task in tasks]
        if active().skip_raises:
            if task_ids:
                raise DownstreamTasksSkipped(tasks=task_ids)
            return
        context["ti"].run.mark_skipped(task_ids)

    def __repr__(self):
        return "<Task({}): {}>".format(type(self).__name__, self.task_id)


