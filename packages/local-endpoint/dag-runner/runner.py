"""The local DAG runner's command line (see README.md in this folder).

  runner.py parse --dags-folder DIR
  runner.py run --dags-folder DIR --dag-id ID --run-id RID --run-type manual|scheduled
                [--logical-date ISO8601] --conf JSON --state-file PATH --logs-dir DIR

parse prints one JSON document (exit 0, import errors included as data); run executes one DAG run
and exits 0 when it succeeded, 1 when it failed, 2 on a usage or import error.

The environment's Airflow version comes in ABALONE_AIRFLOW_VERSION; dagrunner/versions.py says
which versions are emulated. --logical-date is required on 2.10.3 (every run has one) and optional
on 3.0.6 (a manual run triggered through the REST API with logical_date null has none). Any other
version is reported as an import error (parse) or a failed run with
no tasks (run, exit 2), naming the version and what is emulated.
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # the DAGs folder is the environment's; leave no __pycache__ in it

import re  # noqa: E402

from dagrunner import versions  # noqa: E402
from dagrunner.state import RunStateFile, now  # noqa: E402

EXIT_USAGE = 2


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="runner.py", description="Run the abalone DAG with a faithful subset of Airflow 2.10.3 or 3.0.6")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    parse = commands.add_parser("parse", help="list the DAGs and import errors of a DAGs folder as JSON")
    parse.add_argument("--dags-folder", required=True)
    run = commands.add_parser("run", help="execute one DAG run")
    run.add_argument("--dags-folder", required=True)
    run.add_argument("--dag-id", required=True)
    run.add_argument("--run-id", required=True)
    run.add_argument("--run-type", required=True, choices=("manual", "scheduled"))
    run.add_argument("--logical-date", default=None)  # required on 2.10.3 (_run_arguments)
    run.add_argument("--conf", default="{}")
    run.add_argument("--state-file", required=True)
    run.add_argument("--logs-dir", required=True)
    return parser


def _folder(path: str) -> str:
    if not os.path.isdir(path):
        raise UsageError("--dags-folder {} is not a directory".format(path))
    return os.path.abspath(path)


def _semantics():
    """The environment's version's semantics, made the active one, its airflow package first on sys.path."""
    semantics = versions.activate(versions.from_environment())
    if semantics.package_root not in sys.path:
        sys.path.insert(0, semantics.package_root)
    return semantics


def command_parse(args) -> int:
    folder = _folder(args.dags_folder)
    try:
        _semantics()
    except versions.UnsupportedVersion as error:
        print(json.dumps({"dags": [], "import_errors": [{"filename": folder, "stack_trace": str(error)}]}, indent=2))
        return 0
    from dagrunner import dagbag

    dags, errors = dagbag.collect(folder)
    document = {
        "dags": [
            {
                "dag_id": dag.dag_id,
                "fileloc": dag.fileloc,
                "schedule": dag.schedule,
                "is_paused_upon_creation": dag.is_paused_upon_creation,
                "max_active_runs": dag.max_active_runs,
                "tags": list(dag.tags),
                "owners": dag.owner,
            }
            for dag in sorted(dags.values(), key=lambda dag: dag.dag_id)
        ],
        "import_errors": [{"filename": path, "stack_trace": trace} for path, trace in sorted(errors.items())],
    }
    print(json.dumps(document, indent=2))
    return 0


def check_run_id(run_id: str, semantics) -> None:
    """airflow/models/dagrun.py DagRun.validate_run_id (2.10.3 and 3.x): the run id must match
    [scheduler] allowed_run_id_pattern or the version's RUN_ID_REGEX (re2.match: anchored at the start)."""
    from airflow.configuration import conf as airflow_conf

    regex = airflow_conf.get("scheduler", "allowed_run_id_pattern", fallback=semantics.default_allowed_run_id_pattern)
    if not re.match(regex, run_id) and not re.match(semantics.run_id_regex, run_id):
        raise ValueError(
            "The run_id provided '{}' does not match the pattern '{}' or '{}'".format(run_id, regex, semantics.run_id_regex)
        )


def _run_arguments(args, semantics):
    from dagrunner.execute import retry_delay_cap, utc

    try:
        conf = json.loads(args.conf)
    except ValueError as error:
        raise UsageError("--conf is not JSON: {}".format(error)) from None
    if not isinstance(conf, dict):
        raise UsageError("--conf must be a JSON object, not {}".format(type(conf).__name__))
    if args.logical_date is None:
        if semantics.logical_date_required:
            raise UsageError(
                "--logical-date is required: every run of Airflow {} has a logical date".format(semantics.version)
            )
        logical_date = None
    else:
        logical_date = _logical_date(args.logical_date, utc)
    retry_delay_cap()  # a bad ABALONE_LOCAL_RETRY_DELAY_CAP is a usage error before anything runs
    from airflow.providers.amazon.aws._base import cap_botocore_waiters, poll_cap

    poll_cap()
    cap_botocore_waiters()
    return conf, logical_date


def _logical_date(text, utc):
    try:
        return utc(text)
    except ValueError:
        raise UsageError("--logical-date {!r} is not an ISO 8601 date and time".format(text)) from None


def command_run(args) -> int:
    folder = _folder(args.dags_folder)
    state_file = RunStateFile(args.state_file)
    try:
        semantics = _semantics()
    except versions.UnsupportedVersion as error:
        return _failed_before_running(args, state_file, None, str(error))
    from dagrunner import dagbag
    from dagrunner.execute import DagRun, Run

    try:
        conf, logical_date = _run_arguments(args, semantics)
        check_run_id(args.run_id, semantics)
    except ValueError as error:
        raise UsageError(str(error)) from None
    dags, errors = dagbag.collect(folder)
    dag = dags.get(args.dag_id)
    if dag is None:
        detail = "".join("\n{}:\n{}".format(path, trace) for path, trace in sorted(errors.items()))
        message = "DAG {} not found in {}".format(args.dag_id, folder)
        if errors:
            message += " (import errors:{})".format(detail)
        failed = {
            "dag_id": args.dag_id, "run_id": args.run_id, "run_type": args.run_type, "state": "failed",
            "logical_date": logical_date.isoformat() if logical_date else None, "start_date": now().isoformat(),
            "end_date": now().isoformat(),
            "conf": conf, "external_trigger": args.run_type == "manual", "tasks": [],
        }
        state_file.write_document(failed)
        print(message, file=sys.stderr)
        return EXIT_USAGE
    dag_run = DagRun(dag, args.run_id, args.run_type, logical_date, conf)
    run = Run(dag, dag_run, state_file, os.path.abspath(args.logs_dir), semantics)
    run.write()
    state = run.execute()
    for entry in run.tasks.values():
        if entry["state"] == "failed":
            print("task {} failed; log: {}".format(entry["task_id"], entry["log_path"]), file=sys.stderr)
    return 0 if state == "success" else 1


def _failed_before_running(args, state_file, conf, message: str) -> int:
    """The state file says failed with no tasks, as for a DAG that cannot be imported; exit 2."""
    stamp = now().isoformat()
    state_file.write_document({
        "dag_id": args.dag_id, "run_id": args.run_id, "run_type": args.run_type, "state": "failed",
        "logical_date": args.logical_date, "start_date": stamp, "end_date": stamp,
        "conf": conf if conf is not None else _conf_or_empty(args.conf), "external_trigger": args.run_type == "manual",
        "tasks": [],
    })
    print(message, file=sys.stderr)
    return EXIT_USAGE


def _conf_or_empty(text: str):
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def main(argv) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command == "parse":
            return command_parse(args)
        return command_run(args)
    except UsageError as error:
        print("runner.py: error: {}".format(error), file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
