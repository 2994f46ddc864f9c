"""DAG and BaseOperator of the runner's airflow subset, with Airflow 2.10's semantics for what the
abalone DAG uses. Not Airflow: a faithful subset (see ../README.md). The behaviours follow
apache/airflow v2.10: airflow/models/dag.py, airflow/models/baseoperator.py (default_args applied to
the arguments an operator's __init__ accepts, invalid arguments refused, `>>` dependencies),
airflow/template/templater.py and airflow/templates.py (Jinja rendering of template_fields,
NativeEnvironment when render_template_as_native_obj), airflow/utils/trigger_rule.py.
"""
import functools
import inspect
import logging
import sys
from datetime import timedelta
from typing import Any, Dict, Iterable, List, Optional

import jinja2
import jinja2.nativetypes
import jinja2.sandbox

from airflow.exceptions import AirflowException

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
# Airflow 2.10's defaults: [operators] default_owner, default_retries 0, retry_delay 300 s,
# [core] max_active_runs_per_dag 16, [scheduler] catchup_by_default True.
DEFAULT_OWNER = "airflow"
DEFAULT_RETRY_DELAY = timedelta(seconds=300)
DEFAULT_MAX_ACTIVE_RUNS = 16

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
        catchup: bool = True,
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
        self.catchup = catchup
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


def _accepted_parameters(cls) -> set:
    names = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        init = getattr(init, "__wrapped__", init)
        for parameter in inspect.signature(init).parameters.values():
            if parameter.kind not in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL):
                names.add(parameter.name)
    names.discard("self")
    return names


def _apply_defaults(init):
    """BaseOperatorMeta's apply_defaults: the DAG's default_args fill the arguments the operator
    accepts and was not given; default_args entries no operator accepts are ignored."""

    @functools.wraps(init)
    def wrapper(self, *args, **kwargs):
        if getattr(self, "_defaults_applied", False):
            return init(self, *args, **kwargs)
        self._defaults_applied = True
        dag = kwargs.get("dag") or (_dag_context[-1] if _dag_context else None)
        defaults = dict(dag.default_args) if dag is not None else {}
        defaults.update(kwargs.pop("default_args", None) or {})
        accepted = _accepted_parameters(type(self))
        for key, value in defaults.items():
            if key in accepted and key not in kwargs:
                kwargs[key] = value
        return init(self, *args, **kwargs)

    return wrapper


class BaseOperator:
    template_fields: Iterable[str] = ()
    template_ext: Iterable[str] = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _apply_defaults(cls.__dict__["__init__"])

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
        **kwargs,
    ):
        if kwargs:
            raise AirflowException(
                "Invalid arguments were passed to {} (task_id: {}). Invalid arguments were:\n**kwargs: {}".format(
                    type(self).__name__, task_id, kwargs
                )
            )
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
        self.upstream_task_ids: set = set()
        self.downstream_task_ids: set = set()
        self.dag = dag or (_dag_context[-1] if _dag_context else None)
        if self.dag is not None:
            self.dag.add_task(self)

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

    def on_kill(self) -> None:
        """Called when the task is killed (SIGTERM) or times out; operators override it."""

    def skip(self, tasks: Iterable["BaseOperator"], context: Dict[str, Any]) -> None:
        """SkipMixin.skip: mark these tasks skipped in this run."""
        context["ti"].run.mark_skipped([task.task_id for task in tasks])

    def __repr__(self):
        return "<Task({}): {}>".format(type(self).__name__, self.task_id)


BaseOperator.__init__ = _apply_defaults(BaseOperator.__init__)
