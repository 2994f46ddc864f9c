"""The analyze_results Lambda against moto S3: metrics of a good evaluation, and every malformed case."""
import json
import math

import pytest

import analyze_results
from conftest import BUCKET

KEY = "abalone_data/evaluation/evaluation.json"


def put(s3, body, key=KEY):
    s3.put_object(Bucket=BUCKET, Key=key, Body=body if isinstance(body, bytes) else body.encode())
    return {"bucket": BUCKET, "key": key}


def test_metrics_of_a_good_evaluation(s3):
    event = put(s3, json.dumps({"GroundTruth": [10, 8, 12, 6], "Predictions": [11, 8, 10, 6.5]}))
    metrics = analyze_results.handler(event, None)
    # errors 1, 0, -2, 0.5: squares 1, 0, 4, 0.25; mean 9, total variance 20
    assert metrics["count"] == 4
    assert metrics["rmse"] == pytest.approx(math.sqrt(5.25 / 4))
    assert metrics["mae"] == pytest.approx(3.5 / 4)
    assert metrics["r2"] == pytest.approx(1 - 5.25 / 20)
    assert set(metrics) == {"rmse", "mae", "r2", "count"}
    json.dumps(metrics)


def test_r2_is_none_when_the_ground_truth_does_not_vary(s3):
    metrics = analyze_results.handler(put(s3, '{"GroundTruth": [7, 7], "Predictions": [7, 8]}'), None)
    assert metrics["r2"] is None and metrics["rmse"] == pytest.approx(math.sqrt(0.5))


@pytest.mark.parametrize(
    "event, message",
    [
        ([BUCKET, KEY], "event must be a JSON object"),
        ({"key": KEY}, "event is missing 'bucket'"),
        ({"bucket": BUCKET}, "event is missing 'key'"),
        ({}, "event is missing 'bucket', 'key'"),
        ({"bucket": BUCKET, "key": ""}, "event 'key' must be a non-empty string"),
        ({"bucket": 7, "key": KEY}, "event 'bucket' must be a non-empty string"),
    ],
)
def test_malformed_events(s3, event, message):
    with pytest.raises(ValueError, match=message):
        analyze_results.handler(event, None)


def test_missing_object(s3):
    with pytest.raises(ValueError, match="does not exist"):
        analyze_results.handler({"bucket": BUCKET, "key": "abalone_data/evaluation/none.json"}, None)


@pytest.mark.parametrize(
    "body, message",
    [
        ("not json", "is not valid JSON"),
        ("[1, 2]", "must be a JSON object with GroundTruth and Predictions"),
        ('{"Predictions": [1]}', "evaluation is missing GroundTruth"),
        ('{"GroundTruth": [1]}', "evaluation is missing Predictions"),
        ("{}", "evaluation is missing GroundTruth, Predictions"),
        ('{"GroundTruth": "1,2", "Predictions": [1, 2]}', "GroundTruth must be a list of numbers, got str"),
        ('{"GroundTruth": [1], "Predictions": {"a": 1}}', "Predictions must be a list of numbers, got dict"),
        ('{"GroundTruth": [], "Predictions": []}', "GroundTruth is empty"),
        ('{"GroundTruth": [1], "Predictions": []}', "Predictions is empty"),
        ('{"GroundTruth": [1, 2, 3], "Predictions": [1, 2]}', "GroundTruth has 3 values but Predictions has 2"),
        ('{"GroundTruth": [1, "2"], "Predictions": [1, 2]}', r"GroundTruth\[1\] is not a number: '2'"),
        ('{"GroundTruth": [1, 2], "Predictions": [true, 2]}', r"Predictions\[0\] is not a number: True"),
        ('{"GroundTruth": [1, null], "Predictions": [1, 2]}', r"GroundTruth\[1\] is not a number: None"),
        ('{"GroundTruth": [1, 2], "Predictions": [NaN, 2]}', r"Predictions\[0\] is not a finite number: nan"),
        ('{"GroundTruth": [Infinity], "Predictions": [1]}', r"GroundTruth\[0\] is not a finite number: inf"),
        ('{"GroundTruth": [1' + "0" * 400 + '], "Predictions": [1]}', r"GroundTruth\[0\] is not a finite number"),
        ('{"GroundTruth": [[1]], "Predictions": [1]}', r"GroundTruth\[0\] is not a number: \[1\]"),
    ],
)
def test_malformed_evaluations(s3, body, message):
    with pytest.raises(ValueError, match=message):
        analyze_results.handler(put(s3, body), None)


def test_handler_string_names_this_module():
    # The function is deployed with handler "analyze_results.handler".
    assert callable(getattr(analyze_results, "handler"))
    assert analyze_results.__name__ == "analyze_results"
