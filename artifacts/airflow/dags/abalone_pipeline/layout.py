"""S3 keys and resource names of one pipeline, derived from its name (the contract with the CLI)."""
import re

NAME_PATTERN = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\Z")
SAGEMAKER_NAME_MAX = 63
SPLITS = ("training", "validation", "testing")
TESTING_FEATURES = "testing-features"
PART_NAME = "part-00000.csv"
# Every resource the pipeline (or its DAG) creates carries this tag, as the CLI tags its own.
TAG_KEY = "abalone-pipeline:name"


def validate_name(name: str) -> str:
    if not NAME_PATTERN.match(name) or len(name) + len("-endpoint") > SAGEMAKER_NAME_MAX:
        raise ValueError(
            "pipeline name {!r} must be lower-case letters, digits and inner hyphens, "
            "at most {} characters".format(name, SAGEMAKER_NAME_MAX - len("-endpoint"))
        )
    return name


def data_prefix(name: str) -> str:
    return "{}_data/".format(name)


def raw_key(name: str) -> str:
    return data_prefix(name) + "raw/abalone.data"


def new_prefix(name: str) -> str:
    return data_prefix(name) + "new/"


def processed_prefix(name: str) -> str:
    return data_prefix(name) + "processed/"


def processed_folder(name: str, folder: str) -> str:
    return "{}{}/".format(processed_prefix(name), folder)


def manifest_key(name: str) -> str:
    """Written by the ETL beside its output folders: what it read (abalone_etl_core.manifest_key)."""
    return processed_prefix(name) + "manifest.json"


def runs_prefix(name: str) -> str:
    return data_prefix(name) + "runs/"


def run_record_key(name: str, run_id: str) -> str:
    return "{}{}.json".format(runs_prefix(name), run_id)


def models_prefix(name: str) -> str:
    return data_prefix(name) + "models/"


def evaluation_key(name: str) -> str:
    return data_prefix(name) + "evaluation/evaluation.json"


def transform_output_prefix(name: str, run_suffix: str) -> str:
    return "{}evaluation/transform/{}/".format(data_prefix(name), run_suffix)


def endpoint_name(name: str) -> str:
    return "{}-endpoint".format(name)


def resource_name(name: str, kind: str, run_suffix: str) -> str:
    """A SageMaker job, model or endpoint config name: <name>-<kind>-<suffix>, at most 63 characters."""
    tail = "-{}-{}".format(kind, run_suffix)
    return name[: SAGEMAKER_NAME_MAX - len(tail)].rstrip("-") + tail


def s3_uri(bucket: str, key: str) -> str:
    return "s3://{}/{}".format(bucket, key)


def parse_s3_uri(uri: str):
    if not uri.startswith("s3://") or "/" not in uri[len("s3://"):]:
        raise ValueError("not an s3://bucket/key URI: {!r}".format(uri))
    bucket, _, key = uri[len("s3://"):].partition("/")
    return bucket, key
