"""Pair the batch transform's predictions with the testing labels and write evaluation.json.

Batch transform writes <S3OutputPath>/<input file name>.out for each input object, one
prediction per line in input order (SplitType Line, AssembleWith Line). The input objects are
processed/testing-features/<part>, whose labels are the first column of processed/testing/<part>.
"""
import json
import posixpath
from typing import Dict, List

from abalone_pipeline import layout


def _object_lines(s3, bucket: str, key: str) -> List[str]:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    return [line.strip() for line in body.splitlines() if line.strip()]


def _data_keys(s3, bucket: str, prefix: str) -> List[str]:
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(item["Key"] for item in page.get("Contents", []) if item["Size"] > 0)
    return sorted(keys)


def parse_labels(lines: List[str], source: str) -> List[float]:
    labels = []
    for number, line in enumerate(lines, 1):
        try:
            labels.append(float(line.split(",", 1)[0]))
        except ValueError:
            raise ValueError("{} line {}: the label {!r} is not a number".format(source, number, line)) from None
    return labels


def parse_predictions(lines: List[str], source: str) -> List[float]:
    """One prediction per line; a line of comma-separated values (older XGBoost output) counts each."""
    predictions = []
    for number, line in enumerate(lines, 1):
        for value in line.split(","):
            try:
                predictions.append(float(value))
            except ValueError:
                raise ValueError("{} line {}: prediction {!r} is not a number".format(source, number, value)) from None
    return predictions


def build_evaluation(s3, bucket: str, testing_prefix: str, transform_output_prefix: str) -> Dict[str, List[float]]:
    truth, predictions = [], []
    testing_keys = _data_keys(s3, bucket, testing_prefix)
    if not testing_keys:
        raise ValueError("no testing data under s3://{}/{}".format(bucket, testing_prefix))
    for testing_key in testing_keys:
        output_key = transform_output_prefix + posixpath.basename(testing_key) + ".out"
        labels = parse_labels(_object_lines(s3, bucket, testing_key), testing_key)
        try:
            predicted = parse_predictions(_object_lines(s3, bucket, output_key), output_key)
        except s3.exceptions.NoSuchKey:
            raise ValueError("no batch transform output s3://{}/{} for {}".format(bucket, output_key, testing_key)) from None
        if len(labels) != len(predicted):
            raise ValueError(
                "{} has {} labels but {} has {} predictions".format(testing_key, len(labels), output_key, len(predicted))
            )
        truth.extend(labels)
        predictions.extend(predicted)
    return {"GroundTruth": truth, "Predictions": predictions}


def write_evaluation(s3, bucket: str, key: str, evaluation: Dict[str, List[float]]) -> None:
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=json.dumps(evaluation).encode("utf-8"),
        ContentType="application/json",
    )


def evaluate(s3, config: Dict[str, object], transform_output_uri: str) -> Dict[str, object]:
    """Build and store evaluation.json; return the event for the analyze_results Lambda."""
    bucket = str(config["bucket"])
    output_bucket, output_prefix = layout.parse_s3_uri(transform_output_uri)
    if output_bucket != bucket:
        raise ValueError("transform output {} is outside the data bucket {}".format(transform_output_uri, bucket))
    if not output_prefix.endswith("/"):
        output_prefix += "/"
    testing_prefix = layout.processed_folder(str(config["name"]), "testing")
    evaluation = build_evaluation(s3, bucket, testing_prefix, output_prefix)
    write_evaluation(s3, bucket, str(config["evaluation_key"]), evaluation)
    return {"bucket": bucket, "key": config["evaluation_key"], "count": len(evaluation["GroundTruth"])}
