"""Every artifact compiles, and uses only the grammar of the runtime it runs on (Glue Python shell
3.9, Lambda 3.12, MWAA 3.11), checked with ast.parse(feature_version=...) so that it runs on any
Python here. ast cannot parse syntax newer than the Python running it: the Lambda check is as
strict as that Python's grammar where it is older than 3.12."""
import ast
import py_compile

import pytest

from conftest import ARTIFACTS, REPO, SCRIPTS

PYTHON_FILES = sorted(ARTIFACTS.rglob("*.py"))
GLUE_SCRIPTS = sorted(SCRIPTS.glob("*.py"))
FORBIDDEN_MARKERS = ("TO" + "DO", "FIX" + "ME", "not " + "implemented")


# The Python each artifact runs on, by its runtime's documentation: Glue Python shell jobs run
# Python 3.9 (the Spark engine's Glue 4.0 runs 3.10, and the ETL core is shared by both); the
# analyze_results Lambda runs python3.12; MWAA with Airflow 2.10.3 runs Python 3.11.
RUNTIMES = {
    "airflow/scripts": (3, 9),
    "lambda/analyze_results": (3, 12),
    "airflow/dags": (3, 11),
}


def runtime_of(path):
    relative = path.relative_to(ARTIFACTS).as_posix()
    matches = [version for folder, version in RUNTIMES.items() if relative.startswith(folder + "/")]
    return matches[0] if len(matches) == 1 else None


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


def test_every_artifact_has_a_runtime():
    assert [str(path) for path in PYTHON_FILES if runtime_of(path) is None] == []


@pytest.mark.parametrize("path", PYTHON_FILES, ids=lambda path: str(path.relative_to(ARTIFACTS)))
def test_uses_only_the_grammar_of_its_runtime(path):
    """ast.parse with feature_version rejects syntax newer than the runtime's Python (match needs
    3.10, except* 3.11, type aliases and PEP 695 generics 3.12), whatever Python runs the test."""
    ast.parse(path.read_text(encoding="utf-8"), filename=str(path), feature_version=runtime_of(path))


@pytest.mark.parametrize(
    "source, newer_than",
    [
        ("match x:\n    case 1:\n        pass\n", (3, 9)),
        ("try:\n    pass\nexcept* ValueError:\n    pass\n", (3, 10)),
    ],
)
def test_the_grammar_check_rejects_syntax_newer_than_the_runtime(source, newer_than):
    ast.parse(source)  # valid for the Python running the tests
    with pytest.raises(SyntaxError):
        ast.parse(source, feature_version=newer_than)


@pytest.mark.parametrize(
    "version, python",
    [("3.0.6", "3.12"), ("2.10.3", "3.11")],
)
def test_requirements_start_with_the_airflow_constraints(version, python):
    # One file per Airflow version the DAG runs on: MWAA's image for 3.x runs Python 3.12, 2.10.3 runs 3.11.
    lines = (ARTIFACTS / "airflow" / "requirements" / f"{version}.txt").read_text().splitlines()
    assert lines[0] == f'--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-{version}/constraints-{python}.txt"'
    assert all(line.startswith("#") or not line.strip() for line in lines[1:])


def test_no_single_requirements_file_for_every_version():
    assert not (ARTIFACTS / "airflow" / "requirements.txt").exists()


def test_no_unfinished_work_markers():
    paths = [path for path in ARTIFACTS.rglob("*") if path.is_file() and path.suffix in (".py", ".md", ".txt", "")]
    paths += sorted((REPO / "test" / "python").glob("*.py"))
    for path in paths:
        if path.name == "abalone.data":
            continue
        text = path.read_text(encoding="utf-8")
        for marker in FORBIDDEN_MARKERS:
            assert marker not in text, "{} contains {!r}".format(path, marker)
