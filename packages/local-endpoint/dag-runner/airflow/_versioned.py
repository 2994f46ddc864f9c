"""The names a public module of the runner's `airflow` package offers, as the active version
(dagrunner/versions.py) offers them: directly, or, where the version made the module a deprecated
shim (Airflow 3's airflow.operators.python and airflow.operators.empty), with the warning
airflow-core/src/airflow/utils/deprecation_tools.py getattr_with_deprecation gives on each use.
A name outside the subset is an AttributeError naming it."""
import importlib
import warnings
from typing import Callable, Dict

from dagrunner.versions import active


def module_getattr(module: str, names: Dict[str, str]) -> Callable[[str], object]:
    """`names`: public name -> "private.module.Name" where the runner implements it."""

    def __getattr__(name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        if name not in names:
            raise AttributeError(
                "{}.{} is outside the local DAG runner's airflow subset (packages/local-endpoint/dag-runner/README.md)".format(
                    module, name
                )
            )
        redirect = active().deprecated_modules.get(module)
        if redirect is not None:
            warnings.warn(
                "The `{}.{}` attribute is deprecated. Please use `{!r}`.".format(module, name, redirect[name]),
                DeprecationWarning,
                stacklevel=2,
            )
        where, attribute = names[name].rsplit(".", 1)
        return getattr(importlib.import_module(where), attribute)

    return __getattr__
