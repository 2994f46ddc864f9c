"""Every artifact compiles, for the runtime it runs on: Glue Python shell is Python 3.9, Lambda
3.12, MWAA 3.11. Where those interpreters are installed, they compile (and run) the code too."""
import ast
import glob
import os
import py_compile
import shutil
import subprocess

import pytest

from conftest import ARTIFACTS, LAMBDA_DIR, RAW_DATA, REPO, SCRIPTS

PYTHON_FILES = sorted(ARTIFACTS.rglob("*.py"))
GLUE_SCRIPTS = sorted(SCRIPTS.glob("*.py"))
FORBIDDEN_MARKERS = ("TO" + "DO", "FIX" + "ME", "not " + "implemented")


def interpreter(version):
    """A working pythonX.Y, or None (a pyenv shim for an inactive version does not run)."""
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates = [shutil.which("python" + version)] + sorted(glob.glob("{}/versions/{}*/bin/python{}".format(root, version, version)))
    for candidate in filter(None, candidates):
        probe = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"], capture_output=True, text=True)
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    return None


def test_there_are_artifacts_to_check():
    names = {path.name for path in PYTHON_FILES}
    assert {"abalone_etl_core.py", "abalone_etl_pythonshell.py", "abalone_etl_spark.py", "analyze_results.py", "abalone_pipeline_dag.py"} <= names


@pytest.mark.parametrize("path", PYTHON_FILES, ids=lambda path: str(path.relative_to(ARTIFACTS)))
def test_compiles(path, tmp_path):
    py_compile.compile(str(path), cfile=str(tmp_path / "out.pyc"), doraise=True)


@pytest.mark.parametrize("path", GLUE_SCRIPTS, ids=lambda path: path.name)
def test_glue_scripts_use_python_3_9_syntax_only(path):
    tree = ast.parse(path.read_text(), feature_version=(3, 9))
    for node in ast.walk(tree):
        annotations = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            annotations = [arg.annotation for arg in node.args.args + node.args.kwonlyargs] + [node.returns]
        elif isinstance(node, ast.AnnAssign):
            annotations = [node.annotation]
        for annotation in filter(None, annotations):
            # X | Y in an annotation is evaluated at definition time and fails before 3.10.
            assert not any(isinstance(part, ast.BinOp) for part in ast.walk(annotation)), ast.unparse(annotation)


def test_core_imports_only_the_standard_library():
    tree = ast.parse((SCRIPTS / "abalone_etl_core.py").read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported <= {"argparse", "hashlib", "math", "re", "typing", "awsglue"}


def test_glue_code_runs_on_python_3_9():
    python39 = interpreter("3.9")
    if python39 is None:
        pytest.skip("no Python 3.9 interpreter on this machine")
    code = "\n".join(
        [
            "import sys",
            "sys.path.insert(0, {!r})".format(str(SCRIPTS)),
            "for path in sys.argv[1:]:",
            "    compile(open(path).read(), path, 'exec')",
            "import abalone_etl_core as core",
            "data = open({!r}, 'rb').read()".format(str(RAW_DATA)),
            "report = core.run_etl([('raw', core.iter_lines_from_chunks([data]))], lambda split, row: None)",
            "print(report.rows_written, report.split_counts['training'], report.split_counts['testing'])",
        ]
    )
    result = subprocess.run([python39, "-B", "-c", code] + [str(path) for path in GLUE_SCRIPTS], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr

    import abalone_etl_core as core
    from etl_helpers import byte_lines, run_in_memory

    _, report = run_in_memory([("raw", byte_lines(RAW_DATA.read_bytes()))])
    expected = "{} {} {}".format(report.rows_written, report.split_counts["training"], report.split_counts["testing"])
    assert result.stdout.strip() == expected, "splits must not depend on the Python version"
    assert core.SPLITS == ("training", "validation", "testing")


def test_lambda_compiles_on_python_3_12():
    python312 = interpreter("3.12")
    if python312 is None:
        pytest.skip("no Python 3.12 interpreter on this machine")
    path = str(LAMBDA_DIR / "analyze_results.py")
    result = subprocess.run([python312, "-B", "-c", "import sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')", path], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_requirements_start_with_the_airflow_constraints():
    lines = (ARTIFACTS / "airflow" / "requirements.txt").read_text().splitlines()
    assert lines[0] == '--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-2.10.3/constraints-3.11.txt"'
    assert all(line.startswith("#") or not line.strip() for line in lines[1:])


def test_no_unfinished_work_markers():
    paths = [path for path in ARTIFACTS.rglob("*") if path.is_file() and path.suffix in (".py", ".md", ".txt", "")]
    paths += sorted((REPO / "test" / "python").glob("*.py"))
    for path in paths:
        if path.name == "abalone.data":
            continue
        text = path.read_text(encoding="utf-8")
        for marker in FORBIDDEN_MARKERS:
            assert marker not in text, "{} contains {!r}".format(path, marker)
