"""The built-in SageMaker XGBoost 1.7-1 container's contract, run locally by the endpoint.

  train --train DIR [--validation DIR] --hyperparameters FILE --model-dir DIR --metrics FILE
        (writes DIR/xgboost-model and DIR/model.tar.gz holding it)
  transform --model MODEL.TAR.GZ --input DIR --output DIR
  serve --model MODEL.TAR.GZ --content-type TYPE   (request body on stdin, response on stdout)

As the container (aws/sagemaker-xgboost-container, algorithm_mode/train.py, serve_utils.py):
CSV channels with the label in the first column and no header; `num_round` rounds (required),
`early_stopping_rounds` watching the validation channel, every other hyperparameter a booster
parameter; the model saved as `xgboost-model`; predictions for text/csv comma-separated.
Errors go to stderr as one last line `ClientError: ...` (bad input) or `AlgorithmError: ...`.
"""
import argparse
import json
import os
import sys
import tarfile

MODEL_NAME = "xgboost-model"
CSV_TYPES = ("text/csv",)


class ClientError(Exception):
    pass


def csv_files(folder):
    files = []
    for root, _, names in os.walk(folder):
        for name in sorted(names):
            if not name.startswith("."):
                files.append(os.path.join(root, name))
    return sorted(files)


def parse_rows(lines, source):
    import numpy as np

    rows = []
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if not text:
            continue
        try:
            rows.append([float(v) if v.strip() else float("nan") for v in text.split(",")])
        except ValueError:
            raise ClientError(
                "Non-numeric value in {} line {}: {!r} (CSV input has no header; the label is the first column)".format(
                    source, number, text[:80]
                )
            )
    widths = {len(r) for r in rows}
    if len(widths) > 1:
        raise ClientError("Rows of {} have different numbers of columns: {}".format(source, sorted(widths)))
    return np.array(rows, dtype=np.float32)


def load_channel(folder, name):
    import numpy as np

    parts = []
    for path in csv_files(folder):
        with open(path, "r", encoding="utf-8") as handle:
            data = parse_rows(handle, "channel {} ({})".format(name, os.path.basename(path)))
        if data.size:
            parts.append(data)
    if not parts:
        raise ClientError("No data in channel {}: the channel's S3 prefix holds no CSV rows".format(name))
    data = np.concatenate(parts)
    if data.shape[1] < 2:
        raise ClientError("Channel {} needs a label column and at least one feature column".format(name))
    return data


def number_or_text(value):
    for cast in (int, float):
        try:
            return cast(value)
        except ValueError:
            pass
    return value


def booster_params(hyperparameters):
    params = {}
    for key, value in hyperparameters.items():
        if key in ("num_round", "early_stopping_rounds", "_kfold", "_tuning_objective_metric"):
            continue
        if key == "eval_metric" and isinstance(value, str) and "," in value:
            params[key] = value.split(",")
        else:
            params[key] = number_or_text(value)
    return params


def train(args):
    import xgboost as xgb

    with open(args.hyperparameters, encoding="utf-8") as handle:
        hyperparameters = json.load(handle)
    if "num_round" not in hyperparameters:
        raise ClientError("Missing required hyperparameter: num_round")
    try:
        num_round = int(hyperparameters["num_round"])
        early = int(hyperparameters["early_stopping_rounds"]) if "early_stopping_rounds" in hyperparameters else None
    except ValueError as error:
        raise ClientError("Hyperparameter num_round/early_stopping_rounds must be an integer: {}".format(error))
    train_data = load_channel(args.train, "train")
    dtrain = xgb.DMatrix(train_data[:, 1:], label=train_data[:, 0])
    evals = [(dtrain, "train")]
    if args.validation:
        validation = load_channel(args.validation, "validation")
        if validation.shape[1] != train_data.shape[1]:
            raise ClientError(
                "train has {} columns but validation has {}".format(train_data.shape[1], validation.shape[1])
            )
        evals.append((xgb.DMatrix(validation[:, 1:], label=validation[:, 0]), "validation"))
    results = {}
    try:
        booster = xgb.train(
            booster_params(hyperparameters),
            dtrain,
            num_boost_round=num_round,
            evals=evals,
            early_stopping_rounds=early if args.validation else None,
            evals_result=results,
            verbose_eval=True,
        )
    except xgb.core.XGBoostError as error:
        raise ClientError(str(error).splitlines()[0])
    os.makedirs(args.model_dir, exist_ok=True)
    booster.save_model(os.path.join(args.model_dir, MODEL_NAME))
    with tarfile.open(os.path.join(args.model_dir, "model.tar.gz"), "w:gz") as archive:
        archive.add(os.path.join(args.model_dir, MODEL_NAME), arcname=MODEL_NAME)
    metrics = {}
    for channel, by_metric in results.items():
        for metric, values in by_metric.items():
            if values:
                metrics["{}:{}".format(channel, metric)] = float(values[-1])
    with open(args.metrics, "w", encoding="utf-8") as handle:
        json.dump(metrics, handle)


def load_booster(path):
    import xgboost as xgb

    if os.path.isfile(path) and tarfile.is_tarfile(path):
        folder = path + ".d"
        with tarfile.open(path) as archive:
            members = [m for m in archive.getmembers() if m.isfile() and os.path.basename(m.name) == MODEL_NAME]
            if not members:
                raise ClientError("The model artifact holds no {} file".format(MODEL_NAME))
            os.makedirs(folder, exist_ok=True)
            with archive.extractfile(members[0]) as source, open(os.path.join(folder, MODEL_NAME), "wb") as target:
                target.write(source.read())
        path = folder
    if os.path.isdir(path):
        path = os.path.join(path, MODEL_NAME)
    if not os.path.exists(path):
        raise ClientError("The model artifact holds no {} file".format(MODEL_NAME))
    booster = xgb.Booster()
    try:
        booster.load_model(path)
    except xgb.core.XGBoostError as error:
        raise ClientError("Unable to load model: {}".format(str(error).splitlines()[0]))
    return booster


def predict(booster, lines, source):
    import xgboost as xgb

    data = parse_rows(lines, source)
    if data.size == 0:
        return []
    return booster.predict(xgb.DMatrix(data), validate_features=False).tolist()


def transform(args):
    booster = load_booster(args.model)
    base = os.path.abspath(args.input)
    for path in csv_files(base):
        relative = os.path.relpath(path, base)
        with open(path, "r", encoding="utf-8") as handle:
            predictions = predict(booster, handle, relative)
        target = os.path.join(args.output, relative + ".out")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w", encoding="utf-8") as handle:
            handle.write("".join("{}\n".format(p) for p in predictions))


def serve(args):
    content_type = (args.content_type or "text/csv").split(";")[0].strip().lower()
    if content_type not in CSV_TYPES:
        raise ClientError("Content-type {} not supported by the local endpoint (it serves text/csv)".format(content_type))
    booster = load_booster(args.model)
    body = sys.stdin.read().splitlines()
    predictions = predict(booster, body, "request body")
    sys.stdout.write(",".join(str(p) for p in predictions))


def main(argv):
    parser = argparse.ArgumentParser(prog="xgboost_container")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train")
    t.add_argument("--train", required=True)
    t.add_argument("--validation")
    t.add_argument("--hyperparameters", required=True)
    t.add_argument("--model-dir", required=True)
    t.add_argument("--metrics", required=True)
    x = sub.add_parser("transform")
    x.add_argument("--model", required=True)
    x.add_argument("--input", required=True)
    x.add_argument("--output", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--model", required=True)
    s.add_argument("--content-type")
    args = parser.parse_args(argv)
    try:
        {"train": train, "transform": transform, "serve": serve}[args.command](args)
    except ClientError as error:
        sys.stdout.flush()
        sys.stderr.write("ClientError: {}\n".format(error))
        return 1
    except MemoryError:
        sys.stderr.write("AlgorithmError: out of memory\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
