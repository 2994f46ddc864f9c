"""A sample pipeline configuration and training result, shared by the DAG-side tests."""
from abalone_pipeline import config
from conftest import BUCKET, NAME

PREFIX = "/abalone-pipeline/{}/".format(NAME)
ROLE = "arn:aws:iam::123456789012:role/abalone-sagemaker"
PARAMETERS = {
    "data-bucket": BUCKET,
    "sagemaker-role-arn": ROLE,
    "analyze-results-function": "abalone-analyze-results",
    "crawler-name": "abalone-crawler",
    "etl-job-name": "abalone-etl",
    "rmse-threshold": "2.5",
}
SUFFIX = "20261128-130501"


def pipeline_config(**overrides):
    built = config.build_config(PREFIX, PARAMETERS, "us-east-1", SUFFIX)
    built.update(overrides)
    return built


TRAINING_RESULT = {
    "TrainingJobName": "abalone-train-" + SUFFIX,
    "AlgorithmSpecification": {"TrainingImage": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"},
    "ModelArtifacts": {"S3ModelArtifacts": "s3://{}/abalone_data/models/abalone-train-{}/output/model.tar.gz".format(BUCKET, SUFFIX)},
}
