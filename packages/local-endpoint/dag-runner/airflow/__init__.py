"""The local DAG runner's `airflow` package: the subset of Airflow 2.10's API that the abalone
pipeline DAG imports, with Airflow's semantics. It is not Airflow (see ../README.md); importing
anything outside the subset fails with an ImportError naming it."""
import importlib.abc
import sys

from airflow._core import DAG

__all__ = ["DAG"]


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


if not any(isinstance(finder, _OutsideSubset) for finder in sys.meta_path):
    sys.meta_path.append(_OutsideSubset())


def __getattr__(name):
    raise AttributeError(
        "airflow.{} is outside the local DAG runner's airflow subset (see packages/local-endpoint/dag-runner/README.md)".format(name)
    )
