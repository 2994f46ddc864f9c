"""The local DAG runner's `airflow` package: the subset of Airflow's API that the abalone pipeline
DAG imports, with the semantics of the environment's version (dagrunner/versions.py: 2.10.3 or
3.0.6). It is not Airflow (see ../README.md); importing anything outside the subset, or a module
the version's image does not have (airflow.sdk and airflow.providers.standard on 2.10.3), fails
with a ModuleNotFoundError naming it."""
import importlib.abc
import sys

from airflow._core import DAG
from dagrunner.versions import active

__all__ = ["DAG"]


class _AbsentInThisVersion(importlib.abc.MetaPathFinder):
    """First on sys.meta_path: a module of the runner's package that the active version's image
    does not have is not importable."""

    def find_spec(self, fullname, path=None, target=None):
        semantics = active()
        for absent in semantics.absent_modules:
            if fullname == absent or fullname.startswith(absent + "."):
                raise ModuleNotFoundError(
                    "No module named {!r}: Airflow {} on MWAA does not have it (the local DAG runner emulates "
                    "that version's modules, packages/local-endpoint/dag-runner/README.md)".format(fullname, semantics.version),
                    name=fullname,
                )
        return None


class _OutsideSubset(importlib.abc.MetaPathFinder):
    """Last on sys.meta_path: an airflow.* module no finder has is outside the subset."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.startswith("airflow."):
            raise ModuleNotFoundError(
                "No module named {!r}: it is outside the local DAG runner's airflow subset "
                "(packages/local-endpoint/dag-runner/README.md)".format(fullname),
                name=fullname,
            )
        return None


# A fresh import of this package (a test importing it under another version) replaces the finders
# of the previous one, which would read the previous import's dagrunner.versions.
sys.meta_path[:] = [
    finder for finder in sys.meta_path if type(finder).__name__ not in ("_AbsentInThisVersion", "_OutsideSubset")
]
sys.meta_path.insert(0, _AbsentInThisVersion())
sys.meta_path.append(_OutsideSubset())


def __getattr__(name):
    raise AttributeError(
        "airflow.{} is outside the local DAG runner's airflow subset (see packages/local-endpoint/dag-runner/README.md)".format(name)
    )
