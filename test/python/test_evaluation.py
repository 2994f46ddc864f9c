"""The evaluation writer on a small batch transform output, with moto S3."""
import json

import pytest

import analyze_results
from abalone_pipeline import callables, evaluation
from conftest import BUCKET, NAME, FakeTaskInstance

TESTING_KEY = "abalone_data/processed/testing/part-00000.csv"
OUTPUT_PREFIX = "abalone_data/evaluation/transform/20261128-130501/"
OUTPUT_URI = "s3://{}/{}".format(BUCKET, OUTPUT_PREFIX)
CONFIG = {
    "name": NAME,
    "bucket": BUCKET,
    "region": "us-east-1",
    "evaluation_key": "abalone_data/evaluation/evaluation.json",
}
TESTING = "9,0.5,0.4,0.1,0.6,0.25,0.12,0.2,0,1,0\n12,0.6,0.5,0.17,1.1,0.45,0.23,0.32,1,0,0\n6,0.31,0.23,0.07,0.15,0.06,0.03,0.05,0,0,1\n"


def stored_evaluation(s3):
    return json.loads(s3.get_object(Bucket=BUCKET, Key=CONFIG["evaluation_key"])["Body"].read())


def test_writes_ground_truth_and_predictions_in_order(s3):
    s3.put_object(Bucket=BUCKET, Key=TESTING_KEY, Body=TESTING.encode())
    s3.put_object(Bucket=BUCKET, Key=OUTPUT_PREFIX + "part-00000.csv.out", Body=b"9.5\n11.25\n6.0\n")
    event = evaluation.evaluate(s3, CONFIG, OUTPUT_URI)
    assert event == {"bucket": BUCKET, "key": CONFIG["evaluation_key"], "count": 3}
    assert stored_evaluation(s3) == {"GroundTruth": [9.0, 12.0, 6.0], "Predictions": [9.5, 11.25, 6.0]}
    # What the analyze_results Lambda then computes from it.
    metrics = analyze_results.handler({"bucket": event["bucket"], "key": event["key"]}, None)
    assert metrics["count"] == 3 and metrics["rmse"] == pytest.approx(((0.25 + 0.5625) / 3) ** 0.5)


def test_comma_separated_predictions_and_several_parts(s3):
    s3.put_object(Bucket=BUCKET, Key=TESTING_KEY, Body=TESTING.encode())
    s3.put_object(Bucket=BUCKET, Key=TESTING_KEY.replace("00000", "00001"), Body=b"20,0.7,0.6,0.2,2,0.9,0.4,0.6,1,0,0\n")
    s3.put_object(Bucket=BUCKET, Key=OUTPUT_PREFIX + "part-00000.csv.out", Body=b"9.5,11.25\n6.0")
    s3.put_object(Bucket=BUCKET, Key=OUTPUT_PREFIX + "part-00001.csv.out", Body=b"18\n")
    evaluation.evaluate(s3, CONFIG, OUTPUT_URI.rstrip("/"))
    assert stored_evaluation(s3) == {"GroundTruth": [9.0, 12.0, 6.0, 20.0], "Predictions": [9.5, 11.25, 6.0, 18.0]}


def test_count_mismatch_is_an_error(s3):
    s3.put_object(Bucket=BUCKET, Key=TESTING_KEY, Body=TESTING.encode())
    s3.put_object(Bucket=BUCKET, Key=OUTPUT_PREFIX + "part-00000.csv.out", Body=b"9.5\n11.25\n")
    with pytest.raises(ValueError, match="has 3 labels but .* has 2 predictions"):
        evaluation.evaluate(s3, CONFIG, OUTPUT_URI)


def test_missing_transform_output_is_an_error(s3):
    s3.put_object(Bucket=BUCKET, Key=TESTING_KEY, Body=TESTING.encode())
    with pytest.raises(ValueError, match="no batch transform output"):
        evaluation.evaluate(s3, CONFIG, OUTPUT_URI)


def test_missing_testing_data_is_an_error(s3):
    with pytest.raises(ValueError, match="no testing data"):
        evaluation.evaluate(s3, CONFIG, OUTPUT_URI)


def test_non_numeric_prediction_is_an_error(s3):
    s3.put_object(Bucket=BUCKET, Key=TESTING_KEY, Body=TESTING.encode())
    s3.put_object(Bucket=BUCKET, Key=OUTPUT_PREFIX + "part-00000.csv.out", Body=b'{"score": 9.5}\n1\n2\n')
    with pytest.raises(ValueError, match="is not a number"):
        evaluation.evaluate(s3, CONFIG, OUTPUT_URI)


def test_output_outside_the_bucket_is_refused(s3):
    with pytest.raises(ValueError, match="outside the data bucket"):
        evaluation.evaluate(s3, CONFIG, "s3://another-bucket/x/")


def test_write_evaluation_task_reads_the_transform_output_path_from_xcom(s3):
    s3.put_object(Bucket=BUCKET, Key=TESTING_KEY, Body=TESTING.encode())
    s3.put_object(Bucket=BUCKET, Key=OUTPUT_PREFIX + "part-00000.csv.out", Body=b"9\n12\n6\n")
    ti = FakeTaskInstance(
        {
            "load_config": CONFIG,
            "batch_transform": {"Transform": {"TransformOutput": {"S3OutputPath": OUTPUT_URI}, "ModelName": "m"}},
        }
    )
    assert callables.write_evaluation_task(ti)["count"] == 3
    assert stored_evaluation(s3)["Predictions"] == [9.0, 12.0, 6.0]
