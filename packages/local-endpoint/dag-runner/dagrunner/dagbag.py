"""Find and import DAG files as Airflow 2.10's DagBag does for what this runner supports
(airflow/models/dagbag.py, airflow/utils/file.py): every .py file under the folder not matched by
a regexp line of .airflowignore (the default dag_ignore_file_syntax), imported only when it
contains both "airflow" and "dag" (safe mode), with the DAGs folder on sys.path; a file that
raises is an import error with its traceback, and its DAGs are not loaded."""
import importlib.util
import os
import re
import sys
import traceback
from typing import Dict, List, Tuple

from airflow._core import DAG


def _ignore_patterns(folder: str, relative_dir: str) -> List[re.Pattern]:
    path = os.path.join(folder, relative_dir, ".airflowignore")
    if not os.path.isfile(path):
        return []
    patterns = []
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.split("#", 1)[0].strip()
            if line:
                patterns.append(re.compile(line))
    return patterns


def dag_files(folder: str) -> List[str]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        relative_dir = os.path.relpath(root, folder)
        patterns = [p for d in _ancestors(relative_dir) for p in _ignore_patterns(folder, d)]

        def ignored(relative: str) -> bool:
            return any(pattern.search(relative) for pattern in patterns)

        dirs[:] = [d for d in dirs if not ignored(os.path.normpath(os.path.join(relative_dir, d)) + "/")]
        for name in sorted(files):
            relative = os.path.normpath(os.path.join(relative_dir, name))
            if name.endswith(".py") and not ignored(relative):
                found.append(os.path.join(root, name))
    return found


def _ancestors(relative_dir: str) -> List[str]:
    parts = [] if relative_dir in (".", "") else relative_dir.split(os.sep)
    return [os.path.join(*parts[:i]) if i else "." for i in range(len(parts) + 1)]


def might_contain_dag(path: str) -> bool:
    with open(path, "rb") as handle:
        content = handle.read().lower()
    return b"airflow" in content and b"dag" in content


def import_file(path: str, folder: str) -> Tuple[List[DAG], str]:
    """Import one DAG file; return its top-level DAG objects and "" or ([], the traceback)."""
    if folder not in sys.path:
        sys.path.insert(0, folder)
    module_name = "unusual_prefix_{}".format(re.sub(r"\W", "_", os.path.relpath(path, folder)))
    try:
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    except BaseException as error:  # noqa: B902 - an import error of a DAG file is data
        if isinstance(error, (KeyboardInterrupt, SystemExit)):
            raise
        sys.modules.pop(module_name, None)
        return [], traceback.format_exc()
    dags = [value for value in vars(module).values() if isinstance(value, DAG)]
    for dag in dags:
        dag.fileloc = path
    return dags, ""


def collect(folder: str) -> Tuple[Dict[str, DAG], Dict[str, str]]:
    folder = os.path.abspath(folder)
    dags: Dict[str, DAG] = {}
    errors: Dict[str, str] = {}
    for path in dag_files(folder):
        if not might_contain_dag(path):
            continue
        found, error = import_file(path, folder)
        if error:
            errors[path] = error
        for dag in found:
            dags[dag.dag_id] = dag
    return dags, errors
