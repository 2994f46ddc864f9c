"""Lambda `analyze_results.handler`: regression metrics of a model evaluation stored in S3.

Event: {"bucket": "...", "key": "..."} naming an evaluation.json of the form
{"GroundTruth": [numbers], "Predictions": [numbers]}.
Returns {"rmse": float, "mae": float, "r2": float or None, "count": int}; r2 is None when every
ground-truth value is equal (its variance is zero, so r2 is undefined).
Malformed input raises ValueError with a message saying what is wrong.
"""
import json
import math

import boto3
from botocore.exceptions import ClientError

REQUIRED_EVENT_KEYS = ("bucket", "key")
REQUIRED_DOCUMENT_KEYS = ("GroundTruth", "Predictions")


def parse_event(event):
    if not isinstance(event, dict):
        raise ValueError("event must be a JSON object with 'bucket' and 'key', got {}".format(type(event).__name__))
    missing = [name for name in REQUIRED_EVENT_KEYS if name not in event]
    if missing:
        raise ValueError("event is missing {}".format(", ".join(repr(name) for name in missing)))
    for name in REQUIRED_EVENT_KEYS:
        if not isinstance(event[name], str) or not event[name]:
            raise ValueError("event {!r} must be a non-empty string".format(name))
    return event["bucket"], event["key"]


def load_document(s3, bucket, key):
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "NoSuchBucket"):
            raise ValueError("evaluation object s3://{}/{} does not exist".format(bucket, key)) from error
        raise
    try:
        return json.loads(body)
    except ValueError as error:
        raise ValueError("s3://{}/{} is not valid JSON: {}".format(bucket, key, error)) from error


def _numbers(document, name):
    values = document[name]
    if not isinstance(values, list):
        raise ValueError("{} must be a list of numbers, got {}".format(name, type(values).__name__))
    if not values:
        raise ValueError("{} is empty".format(name))
    numbers = []
    for index, value in enumerate(values):
        # bool is a subclass of int, but true/false are not measurements.
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError("{}[{}] is not a number: {!r}".format(name, index, value))
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise ValueError("{}[{}] is not a finite number: {!r}".format(name, index, value))
        numbers.append(number)
    return numbers


def parse_evaluation(document):
    if not isinstance(document, dict):
        raise ValueError("evaluation must be a JSON object with GroundTruth and Predictions")
    missing = [name for name in REQUIRED_DOCUMENT_KEYS if name not in document]
    if missing:
        raise ValueError("evaluation is missing {}".format(", ".join(missing)))
    truth = _numbers(document, "GroundTruth")
    predictions = _numbers(document, "Predictions")
    if len(truth) != len(predictions):
        raise ValueError(
            "GroundTruth has {} values but Predictions has {}; they must pair up".format(len(truth), len(predictions))
        )
    return truth, predictions


def compute_metrics(truth, predictions):
    count = len(truth)
    errors = [predicted - actual for actual, predicted in zip(truth, predictions)]
    mean = sum(truth) / count
    total = sum((actual - mean) ** 2 for actual in truth)
    residual = sum(error * error for error in errors)
    return {
        "rmse": math.sqrt(residual / count),
        "mae": sum(abs(error) for error in errors) / count,
        "r2": 1.0 - residual / total if total > 0 else None,
        "count": count,
    }


def handler(event, context):
    bucket, key = parse_event(event)
    document = load_document(boto3.client("s3"), bucket, key)
    truth, predictions = parse_evaluation(document)
    metrics = compute_metrics(truth, predictions)
    print(json.dumps({"evaluation": "s3://{}/{}".format(bucket, key), **metrics}))
    return metrics
