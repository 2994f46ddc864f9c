"""The Glue Python shell entry point end to end against moto S3, with the real data and new batches."""
import json

import abalone_etl_core as core
import abalone_etl_pythonshell as pythonshell
from conftest import BUCKET, NAME
from etl_helpers import folder_of_lines

RAW_KEY = "{}_data/raw/abalone.data".format(NAME)
NEW_PREFIX = "{}_data/new/".format(NAME)
OUTPUT_PREFIX = "{}_data/processed/".format(NAME)
ARGV = [
    "abalone_etl_pythonshell.py",
    "--job-bookmark-option",
    "job-bookmark-disable",
    "--bucket",
    BUCKET,
    "--raw_key",
    RAW_KEY,
    "--new_prefix",
    NEW_PREFIX,
    "--output_prefix",
    OUTPUT_PREFIX,
]

BATCH = (
    "M,0.6,0.5,0.17,1.1,0.45,0.23,0.32,12\n"
    "F,0.61,0.49,0.16,1.05,0.44,0.22,0.3,11\n"
    "I,0.31,0.23,0.07,0.15,0.06,0.03,0.05,6\n"
)
# Invalid rows (skipped and counted), a duplicate of the raw data, CRLF endings.
MESSY_BATCH = (
    "M,60,50,17,110,45,23,32,12\r\n"
    "X,0.5,0.4,0.1,0.5,0.2,0.1,0.15,9\r\n"
    "M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15\r\n"
    "F,0.52,0.41,0.14,0.7,0.3,0.15,0.2,9.5\r\n"
    "F,0.52,0.41,0.14,0.7,0.3,0.15,0.2,9\r\n"
)


def read_outputs(s3):
    outputs = {}
    for folder in core.OUTPUT_FOLDERS:
        body = s3.get_object(Bucket=BUCKET, Key=OUTPUT_PREFIX + folder + "/part-00000.csv")["Body"].read()
        outputs[folder] = body.decode().splitlines()
    return outputs


def all_keys(s3, prefix):
    return sorted(item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", []))


def test_end_to_end_with_real_data_and_new_batches(s3, raw_bytes, capsys):
    s3.put_object(Bucket=BUCKET, Key=RAW_KEY, Body=raw_bytes)
    s3.put_object(Bucket=BUCKET, Key=OUTPUT_PREFIX + "training/stale-part.csv", Body=b"1,2,3\n")

    first = pythonshell.main(ARGV)
    assert first["rowsWritten"] == 4177
    before = read_outputs(s3)
    assert json.loads(capsys.readouterr().out)["rowsWritten"] == 4177

    s3.put_object(Bucket=BUCKET, Key=NEW_PREFIX + "abalone.20261128T130501Z.0a1b2c3d.csv", Body=BATCH.encode())
    s3.put_object(Bucket=BUCKET, Key=NEW_PREFIX + "abalone.20261129T080000Z.4e5f6a7b.csv", Body=MESSY_BATCH.encode())
    s3.put_object(Bucket=BUCKET, Key=NEW_PREFIX + "notes.txt", Body=b"not a batch")

    second = pythonshell.main(ARGV)
    after = read_outputs(s3)
    assert second["rowsWritten"] == 4177 + 3 + 1
    assert second["invalidRows"] == 3
    assert second["duplicatesDropped"] == 1
    assert [source["source"] for source in second["sources"]] == [
        RAW_KEY,
        NEW_PREFIX + "abalone.20261128T130501Z.0a1b2c3d.csv",
        NEW_PREFIX + "abalone.20261129T080000Z.4e5f6a7b.csv",
    ]
    expected = [(1, "length 60 is above 10: a value above 10"), (2, "sex 'X' is not M, F or I"), (4, "rings 9.5 is not")]
    assert len(second["rejections"]) == len(expected)
    for item, (line, reason) in zip(second["rejections"], expected):
        assert item["line"] == line and item["reason"].startswith(reason)

    old = folder_of_lines(before)
    new = folder_of_lines(after)
    assert all(new[line] == folder for line, folder in old.items()), "an old row changed split"
    assert sum(len(after[split]) for split in core.SPLITS) == 4181
    assert after["testing-features"] == [line.split(",", 1)[1] for line in after["testing"]]

    # One object per folder and the manifest, the stale part removed, the inputs untouched.
    assert all_keys(s3, OUTPUT_PREFIX) == sorted(
        [OUTPUT_PREFIX + folder + "/part-00000.csv" for folder in core.OUTPUT_FOLDERS] + [OUTPUT_PREFIX + "manifest.json"]
    )
    assert len(all_keys(s3, NEW_PREFIX)) == 3
    assert second["outputs"][0] == "s3://{}/{}training/part-00000.csv".format(BUCKET, OUTPUT_PREFIX)
    head = s3.head_object(Bucket=BUCKET, Key=OUTPUT_PREFIX + "training/part-00000.csv")
    assert head["ContentType"] == "text/csv"


def test_objects_are_streamed_in_chunks(s3, raw_bytes, monkeypatch):
    s3.put_object(Bucket=BUCKET, Key=RAW_KEY, Body=raw_bytes)
    monkeypatch.setattr(pythonshell, "CHUNK_BYTES", 7)
    lines = list(pythonshell.s3_lines(s3, BUCKET, RAW_KEY))
    assert lines == raw_bytes.splitlines()


def test_missing_raw_data_fails_the_job(s3):
    import botocore.exceptions
    import pytest

    with pytest.raises(botocore.exceptions.ClientError, match="NoSuchKey"):
        pythonshell.main(ARGV)


def test_manifest_lists_every_input_with_its_etag_and_rows(s3, raw_bytes):
    """record_run reads this: each input read (raw data first, then each .csv batch), its ETag as S3
    reports it, and its valid rows; the Glue run id (--JOB_RUN_ID, passed by Glue to every run)."""
    s3.put_object(Bucket=BUCKET, Key=RAW_KEY, Body=raw_bytes)
    batch_key = NEW_PREFIX + "abalone.20261128T130501Z.0a1b2c3d.csv"
    s3.put_object(Bucket=BUCKET, Key=batch_key, Body=MESSY_BATCH.encode())
    s3.put_object(Bucket=BUCKET, Key=NEW_PREFIX + "notes.txt", Body=b"not a batch")

    summary = pythonshell.main(ARGV + ["--JOB_ID", "j_1", "--JOB_RUN_ID", "jr_0123", "--JOB_NAME", "abalone-etl"])

    assert summary["manifest"] == "s3://{}/{}manifest.json".format(BUCKET, OUTPUT_PREFIX)
    manifest = json.loads(s3.get_object(Bucket=BUCKET, Key=OUTPUT_PREFIX + "manifest.json")["Body"].read())
    etag = {key: s3.head_object(Bucket=BUCKET, Key=key)["ETag"] for key in (RAW_KEY, batch_key)}
    assert manifest == {
        "jobRunId": "jr_0123",
        "bucket": BUCKET,
        "outputPrefix": OUTPUT_PREFIX,
        "inputs": [
            {"key": RAW_KEY, "etag": etag[RAW_KEY], "rows": 4177},
            {"key": batch_key, "etag": etag[batch_key], "rows": 2},
        ],
        "rows": 4179,
        "rowsWritten": 4177 + 1,
    }
