"""PythonOperator, BranchPythonOperator and ShortCircuitOperator as in airflow/operators/python.py
(Airflow 2.10.3) and airflow/providers/standard/operators/python.py (standard provider 1.6.0, the
one MWAA's 3.0.6 image pins): template_fields ("templates_dict", "op_args", "op_kwargs"); the callable gets the
context entries its signature names (all of them when it takes **kwargs) plus op_kwargs; its
return value is the task's XCom return_value. Branching skips the direct downstream tasks not
chosen (SkipMixin.skip_all_except); a falsy short-circuit skips every downstream task when
ignore_downstream_trigger_rules is True (the default), else only the direct ones. How the skip
itself happens is the version's (BaseOperator.skip in _core.py). Imported by
airflow.operators.python (2.10.3; a deprecated shim on 3.0.6) and
airflow.providers.standard.operators.python (3.0.6 only)."""
import inspect
from typing import Any, Callable, Dict, Iterable, List, Optional, Union

from airflow._core import BaseOperator
from airflow.exceptions import AirflowException


class PythonOperator(BaseOperator):
    template_fields = ("templates_dict", "op_args", "op_kwargs")

    def __init__(
        self,
        *,
        python_callable: Callable,
        op_args: Optional[List[Any]] = None,
        op_kwargs: Optional[Dict[str, Any]] = None,
        templates_dict: Optional[Dict[str, Any]] = None,
        show_return_value_in_logs: bool = True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not callable(python_callable):
            raise AirflowException("`python_callable` param must be callable")
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        self.templates_dict = templates_dict
        self.show_return_value_in_logs = show_return_value_in_logs

    def determine_kwargs(self, context: Dict[str, Any]) -> Dict[str, Any]:
        """KeywordParameters.determine: with **kwargs the callable gets the whole context, else
        only the names it declares (positional ones already filled by op_args excluded)."""
        signature = inspect.signature(self.python_callable)
        parameters = list(signature.parameters.values())
        if any(parameter.kind == parameter.VAR_KEYWORD for parameter in parameters):
            return dict(context)
        positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        filled = {p.name for p in positional[: len(self.op_args)]}
        for name in filled:
            if name in context:
                raise ValueError(
                    "The key {!r} in args is a part of kwargs and therefore reserved.".format(name)
                )
        return {p.name: context[p.name] for p in parameters if p.name in context and p.name not in filled}

    def execute(self, context: Dict[str, Any]) -> Any:
        context = dict(context)
        context.update(self.op_kwargs)
        context["templates_dict"] = self.templates_dict
        kwargs = self.determine_kwargs(context)
        return_value = self.python_callable(*self.op_args, **kwargs)
        if self.show_return_value_in_logs:
            self.log.info("Done. Returned value was: %s", return_value)
        else:
            self.log.info("Done. Returned value not shown")
        return return_value


def _task_ids(branch: Union[None, str, Iterable[str]]) -> List[str]:
    if branch is None:
        return []
    if isinstance(branch, str):
        return [branch]
    return list(branch)


class BranchPythonOperator(PythonOperator):
    def execute(self, context: Dict[str, Any]) -> Any:
        branch = super().execute(context)
        chosen = _task_ids(branch)
        invalid = sorted(set(chosen) - set(self.dag.task_dict))
        if invalid:
            raise AirflowException(
                "'branch_task_ids' must contain only valid task_ids. Invalid tasks found: {}.".format(set(invalid))
            )
        # SkipMixin.skip_all_except: a direct downstream task that is also downstream of a chosen
        # branch (a join) is not skipped.
        kept = set(chosen)
        for task_id in chosen:
            kept |= {task.task_id for task in self.dag.task_dict[task_id].get_flat_relatives(upstream=False)}
        to_skip = [task for task in self.get_direct_relatives(upstream=False) if task.task_id not in kept]
        self.log.info("Following branch %s", chosen)
        if to_skip:
            self.log.info("Skipping tasks %s", [task.task_id for task in to_skip])
            self.skip(to_skip, context)
        return branch


class ShortCircuitOperator(PythonOperator):
    def __init__(self, *, ignore_downstream_trigger_rules: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.ignore_downstream_trigger_rules = ignore_downstream_trigger_rules

    def execute(self, context: Dict[str, Any]) -> Any:
        condition = super().execute(context)
        self.log.info("Condition result is %s", condition)
        if condition:
            self.log.info("Proceeding with downstream tasks...")
            return condition
        if not self.downstream_task_ids:
            self.log.info("No downstream tasks; nothing to do.")
            return condition
        if self.ignore_downstream_trigger_rules:
            to_skip = self.get_flat_relatives(upstream=False)
        else:
            to_skip = self.get_direct_relatives(upstream=False)
        self.log.info("Skipping downstream tasks %s", [task.task_id for task in to_skip])
        self.skip(to_skip, context)
        self.log.info("Done.")
        return condition

