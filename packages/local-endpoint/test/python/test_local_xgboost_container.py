"""The local endpoint's XGBoost child (python/xgboost_container.py of this package) keeps the built-in
SageMaker XGBoost 1.7-1 container's contract (aws/sagemaker-xgboost-container; the algorithm page
https://docs.aws.amazon.com/sagemaker/latest/dg/xgboost.html): CSV with the label first and no
header, num_round required, `xgboost-model` in model.tar.gz, CSV predictions comma-separated.
It runs under the first interpreter with xgboost that the endpoint itself would pick ($ABALONE_PYTHON,
python3, /usr/bin/python3; `npm test` installs xgboost 1.7 in one of them first)."""
import os
import json
import random
import subprocess
import tarfile
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "python" / "xgboost_container.py"


def _xgboost_python():
    for candidate in (os.environ.get("ABALONE_PYTHON"), "python3", "/usr/bin/python3"):
        if candidate and subprocess.run([candidate, "-c", "import numpy, xgboost"], capture_output=True).returncode == 0:
            return candidate
    raise RuntimeError("no Python with xgboost 1.7 (npm test installs it first: node scripts/ensure-python.js)")


PYTHON = _xgboost_python()


def run(*args, stdin=""):
    return subprocess.run([PYTHON, str(SCRIPT), *args], input=stdin, capture_output=True, text=True, timeout=120)


def write_rows(path: Path, n: int, seed: int, label=True):
    rng = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = []
    for _ in range(n):
        x = [rng.random() for _ in range(3)]
        y = 3 * x[0] + 2 * x[1] - x[2]
        lines.append(",".join("{:.6f}".format(v) for v in ([y] + x if label else x)))
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture()
def trained(tmp_path):
    write_rows(tmp_path / "train" / "a.csv", 300, 1)
    write_rows(tmp_path / "validation" / "a.csv", 80, 2)
    (tmp_path / "hp.json").write_text(json.dumps({"num_round": "30", "early_stopping_rounds": "5", "max_depth": "3", "objective": "reg:squarederror"}))
    result = run("train", "--train", str(tmp_path / "train"), "--validation", str(tmp_path / "validation"),
                 "--hyperparameters", str(tmp_path / "hp.json"), "--model-dir", str(tmp_path / "model"), "--metrics", str(tmp_path / "metrics.json"))
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_training_writes_model_tar_with_xgboost_model_and_validation_rmse(trained):
    with tarfile.open(trained / "model" / "model.tar.gz") as archive:
        assert archive.getnames() == ["xgboost-model"]
    metrics = json.loads((trained / "metrics.json").read_text())
    assert 0 < metrics["validation:rmse"] < 1
    assert "train:rmse" in metrics


def test_transform_writes_one_prediction_per_line_and_serve_answers_comma_separated(trained):
    write_rows(trained / "test" / "part.csv", 5, 3, label=False)
    result = run("transform", "--model", str(trained / "model" / "model.tar.gz"), "--input", str(trained / "test"), "--output", str(trained / "out"))
    assert result.returncode == 0, result.stderr
    lines = (trained / "out" / "part.csv.out").read_text().splitlines()
    assert len(lines) == 5
    served = run("serve", "--model", str(trained / "model" / "model.tar.gz"), "--content-type", "text/csv",
                 stdin=(trained / "test" / "part.csv").read_text())
    assert served.returncode == 0, served.stderr
    assert [float(v) for v in served.stdout.split(",")] == pytest.approx([float(v) for v in lines])


def test_missing_num_round_and_a_header_row_are_client_errors(tmp_path):
    write_rows(tmp_path / "train" / "a.csv", 20, 1)
    (tmp_path / "hp.json").write_text("{}")
    result = run("train", "--train", str(tmp_path / "train"), "--hyperparameters", str(tmp_path / "hp.json"),
                 "--model-dir", str(tmp_path / "m"), "--metrics", str(tmp_path / "x.json"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == "ClientError: Missing required hyperparameter: num_round"
    (tmp_path / "train" / "a.csv").write_text("rings,a,b\n1,2,3\n")
    (tmp_path / "hp.json").write_text(json.dumps({"num_round": "2"}))
    result = run("train", "--train", str(tmp_path / "train"), "--hyperparameters", str(tmp_path / "hp.json"),
                 "--model-dir", str(tmp_path / "m"), "--metrics", str(tmp_path / "x.json"))
    assert result.stderr.strip().splitlines()[-1].startswith("ClientError: Non-numeric value")


def test_serve_rejects_other_content_types(trained):
    served = run("serve", "--model", str(trained / "model" / "model.tar.gz"), "--content-type", "application/json", stdin="{}")
    assert served.returncode == 1
    assert "Content-type application/json not supported" in served.stderr
