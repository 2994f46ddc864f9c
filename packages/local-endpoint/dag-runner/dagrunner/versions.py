"""Which Airflow version's semantics the runner applies: the one place that says so.

The MWAA emulator passes the environment's AirflowVersion in ABALONE_AIRFLOW_VERSION. The runner
emulates only the versions listed in EMULATED; any other version (or none) is refused, naming the
version and what is emulated, and never run under another version's semantics.

Each entry holds that version's values for every concern where the versions differ; the rest of
the runner (runner.py, dagrunner/execute.py, dagrunner/xcom.py, the `airflow` package) reads them
from here through `active()`, never from a version check of its own. There is one `airflow`
package; `absent_modules` and `deprecated_modules` say which of its modules a version offers.

Sources (apache/airflow):
- 2.10.3: tag 2.10.3, airflow/models/taskinstance.py (_execute_task, _get_template_context),
  airflow/models/baseoperator.py, airflow/models/dagrun.py, airflow/models/xcom.py.
- 3.0.6: the Task SDK's task-sdk/src/airflow/sdk/execution_time/task_runner.py
  (get_template_context, _execute_task, run, _push_xcom_if_needed; read at the nearest stored
  commit 60030680ac50bd9062349e7cf4178433b79122c3, the 3.0.6 tag itself is not in the index),
  task-sdk/src/airflow/sdk/bases/operator.py (ExecutorSafeguard with the `tracker` ContextVar,
  BaseOperator.__init__ raising TypeError), airflow-core/src/airflow/operators/__init__.py and
  airflow-core/src/airflow/utils/deprecation_tools.py (the deprecated airflow.operators.* shims),
  airflow-core/src/airflow/serialization/serde.py (serialize/deserialize),
  airflow-core/src/airflow/models/dagrun.py (RUN_ID_REGEX), and
  airflow-core/src/airflow/jobs/scheduler_job_runner.py _schedule_dag_run (dagrun_timeout: the run
  failed, unfinished task instances skipped, as on 2.10.3, so no entry here); MWAA's 3.0.6 image
  pins apache-airflow-providers-standard 1.6.0 and the Amazon provider 9.12.0
  (aws/amazon-mwaa-docker-images images/airflow/3.0.6/etc/airflow_constraints.txt).
"""
import os
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

VERSION_VARIABLE = "ABALONE_AIRFLOW_VERSION"
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class UnsupportedVersion(Exception):
    pass


# airflow-core/src/airflow/operators/__init__.py (3.x): add_deprecated_classes redirects these
# names of the 2.x modules to the standard provider, warning on each use.
_STANDARD = "airflow.providers.standard.operators."
DEPRECATED_OPERATOR_MODULES_3 = {
    "airflow.operators.python": {
        "PythonOperator": _STANDARD + "python.PythonOperator",
        "BranchPythonOperator": _STANDARD + "python.BranchPythonOperator",
        "ShortCircuitOperator": _STANDARD + "python.ShortCircuitOperator",
    },
    "airflow.operators.empty": {"EmptyOperator": _STANDARD + "empty.EmptyOperator"},
}


@dataclass(frozen=True)
class Semantics:
    version: str
    # the folder holding the runner's `airflow` package
    package_root: str
    # the Amazon provider the environment's image pins (constraints-<version>)
    amazon_provider: str
    # airflow.* modules the version's image does not have: importing one is a ModuleNotFoundError
    absent_modules: Tuple[str, ...]
    # module -> {name: new location}: modules that are deprecated shims on this version
    deprecated_modules: Dict[str, Dict[str, str]]
    # airflow/models/dagrun.py: RUN_ID_REGEX, and [scheduler] allowed_run_id_pattern's default
    run_id_regex: str
    default_allowed_run_id_pattern: str
    # every run has a logical date (2.x); on 3.x a manual run may have none
    logical_date_required: bool
    # the task context: keys always given, and the keys given only when the run has a logical date
    context_keys: Tuple[str, ...]
    context_keys_with_logical_date: Tuple[str, ...]
    # how execute is called: "sentinel" (2.10.3 _execute_task passes `<Class>__sentinel`) or
    # "tracker" (3.x: ExecutorSafeguard.tracker set to the task in a copied contextvars context)
    execute_call: str
    # the message ExecutorSafeguard logs or raises for an execute called outside the runner
    safeguard_message: str
    # the exception type of the constructor checks (invalid or positional arguments, missing ones)
    constructor_error: str
    # SystemExit(0) from execute: a success (2.10.3 ExecutionCallableRunner) or a failure (3.x run())
    system_exit_zero_succeeds: bool
    # SkipMixin.skip: marks tasks skipped and execute goes on (2.10.3), or raises
    # DownstreamTasksSkipped, ending execute before its return value is pushed (3.x)
    skip_raises: bool
    # XCom values: "xcom_encoder" (2.10.3 BaseXCom.serialize_value, json.dumps(cls=XComEncoder))
    # or "serde" (3.x: airflow.serialization.serde.serialize, JSON-compatible objects)
    xcom_serialization: str


AIRFLOW_2_10_3 = Semantics(
    version="2.10.3",
    package_root=HERE,
    amazon_provider="9.0.0",
    absent_modules=("airflow.sdk", "airflow.providers.standard"),
    deprecated_modules={},
    run_id_regex=r"^(?:manual|scheduled|dataset_triggered)__(?:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00)$",
    default_allowed_run_id_pattern=r"^[A-Za-z0-9_.~:+-]+$",
    logical_date_required=True,
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
    context_keys_with_logical_date=(),
    execute_call="sentinel",
    safeguard_message="{cls}.{func} cannot be called outside TaskInstance!",
    constructor_error="AirflowException",
    system_exit_zero_succeeds=True,
    skip_raises=False,
    xcom_serialization="xcom_encoder",
)

AIRFLOW_3_0_6 = Semantics(
    version="3.0.6",
    package_root=HERE,
    amazon_provider="9.12.0",
    absent_modules=(),
    deprecated_modules=DEPRECATED_OPERATOR_MODULES_3,
    # airflow-core/src/airflow/models/dagrun.py (3.x, stored version 4681255): dataset_triggered
    # became asset_triggered. Generated ids (manual__<run_after>[_<random>]) pass the default
    # allowed_run_id_pattern.
    run_id_regex=r"^(?:manual|scheduled|asset_triggered)__(?:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00)$",
    default_allowed_run_id_pattern=r"^[A-Za-z0-9_.~:+-]+$",
    logical_date_required=False,
    # RuntimeTaskInstance.get_template_context: the Task Execution interface's keys and those sent
    # with the run ("conf", "execution_date", "next_*", "prev_ds*", "prev_execution_date*",
    # "tomorrow_*", "yesterday_*", "test_mode", "expanded_ti_count" are gone in 3.0) ...
    context_keys=(
        "dag", "inlets", "map_index_template", "outlets", "run_id", "task", "task_instance", "ti",
        "outlet_events", "inlet_events", "macros", "params", "var", "conn",
        "dag_run", "triggering_asset_events", "task_instance_key_str", "task_reschedule_count",
        "prev_start_date_success", "prev_end_date_success",
    ),
    # ... and, "only when dag_run.logical_date" ("logical_date and data_interval either coexist or
    # be None together"), these.
    context_keys_with_logical_date=(
        "logical_date", "ds", "ds_nodash", "ts", "ts_nodash", "ts_nodash_with_tz",
        "data_interval_end", "data_interval_start", "prev_data_interval_start_success",
        "prev_data_interval_end_success",
    ),
    execute_call="tracker",
    safeguard_message="{cls}.{func} cannot be called outside of the Task Runner!",
    constructor_error="TypeError",
    system_exit_zero_succeeds=False,
    skip_raises=True,
    xcom_serialization="serde",
)

EMULATED = {semantics.version: semantics for semantics in (AIRFLOW_2_10_3, AIRFLOW_3_0_6)}

_active: Optional[Semantics] = None


def activate(semantics: Semantics) -> Semantics:
    """Make `semantics` the one the `airflow` package and the engine apply in this process. The
    `airflow` package is imported afresh under each version (a process runs one version)."""
    global _active
    _active = semantics
    return semantics


def active() -> Semantics:
    """The active version's semantics; 2.10.3 until another is activated (the runner activates
    the environment's version before it imports anything from `airflow`)."""
    return _active if _active is not None else AIRFLOW_2_10_3


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
