"""Which Airflow version's semantics the runner applies: the one place that says so.

The MWAA emulator passes the environment's AirflowVersion in ABALONE_AIRFLOW_VERSION. The runner
emulates only the versions listed in EMULATED; any other version (or none) is refused, naming the
version and what is emulated, and never run under another version's semantics.

Each entry says where that version's `airflow` package lives (prepended to sys.path before the DAG
is imported) and the version-specific values of its execution path. A second version (Airflow 3,
issue 22) is one more entry with its own package folder and values; dagrunner/execute.py reads
them from here, never from a version check of its own.
"""
import os
from dataclasses import dataclass
from typing import Tuple

VERSION_VARIABLE = "ABALONE_AIRFLOW_VERSION"
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class UnsupportedVersion(Exception):
    pass


@dataclass(frozen=True)
class Semantics:
    version: str
    # the folder holding this version's `airflow` package
    package_root: str
    # airflow/models/dagrun.py: RUN_ID_REGEX, and [scheduler] allowed_run_id_pattern's default
    # (airflow/config_templates/config.yml)
    run_id_regex: str
    default_allowed_run_id_pattern: str
    # airflow/models/taskinstance.py _get_template_context: every key of the task context
    context_keys: Tuple[str, ...]


AIRFLOW_2_10_3 = Semantics(
    version="2.10.3",
    package_root=HERE,
    run_id_regex=r"^(?:manual|scheduled|dataset_triggered)__(?:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00)$",
    default_allowed_run_id_pattern=r"^[A-Za-z0-9_.~:+-]+$",
    context_keys=(
        "conf", "dag", "dag_run", "data_interval_end", "data_interval_start", "outlet_events", "ds",
        "ds_nodash", "execution_date", "expanded_ti_count", "inlets", "inlet_events", "logical_date",
        "macros", "map_index_template", "next_ds", "next_ds_nodash", "next_execution_date", "outlets",
        "params", "prev_data_interval_start_success", "prev_data_interval_end_success", "prev_ds",
        "prev_ds_nodash", "prev_execution_date", "prev_execution_date_success", "prev_start_date_success",
        "prev_end_date_success", "run_id", "task", "task_instance", "task_instance_key_str", "test_mode",
        "ti", "tomorrow_ds", "tomorrow_ds_nodash", "triggering_dataset_events", "ts", "ts_nodash",
        "ts_nodash_with_tz", "var", "conn", "yesterday_ds", "yesterday_ds_nodash",
    ),
)

EMULATED = {semantics.version: semantics for semantics in (AIRFLOW_2_10_3,)}


def describe() -> str:
    return ", ".join(sorted(EMULATED))


def from_environment() -> Semantics:
    """The semantics of the environment's Airflow version, or UnsupportedVersion naming it."""
    version = os.environ.get(VERSION_VARIABLE, "").strip()
    if not version:
        raise UnsupportedVersion(
            "{} is not set: the local DAG runner needs the environment's Airflow version "
            "(it emulates Airflow {})".format(VERSION_VARIABLE, describe())
        )
    if version not in EMULATED:
        raise UnsupportedVersion(
            "the environment runs Airflow {}, which the local DAG runner does not emulate "
            "(it emulates Airflow {}); the DAG was not run under another version's semantics".format(version, describe())
        )
    return EMULATED[version]
