"""The Spark entry point's helpers (Spark itself is not installed here).

The RDD pipeline of main() is replayed with plain Python over the same helpers, and must give
exactly the Python shell job's output.
"""
import sys
from collections import Counter

import pytest

import abalone_etl_core as core
import abalone_etl_spark as spark_job
from conftest import BUCKET
from etl_helpers import byte_lines, run_in_memory

BATCH = "\ufeffsex,length,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight,rings\r\nm,0.6,0.5,0.17,1.1,0.45,0.23,0.32,12\r\nQ,1,1,1,1,1,1,1,1\r\n\r\nM,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15\r\n"


def hadoop_lines(text):
    """What textFile yields: lines split on LF, CRLF or CR, without the terminator."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")[: -1 if text.endswith(("\n", "\r")) else None]


def replay(sources):
    """main()'s RDD steps as list operations: zipWithIndex, parse, key by digest, reduceByKey, sortByKey."""
    parsed = []
    for key, text in sources:
        parsed.extend(spark_job.parse_indexed(key, (line, index)) for index, line in enumerate(hadoop_lines(text)))
    rows = [spark_job.keyed_row(item) for item in parsed if spark_job.is_kind(core.ROW, item)]
    unique = {}
    for digest, row in rows:
        unique[digest] = spark_job.keep_first(unique[digest], row) if digest in unique else row
    items = sorted(unique.items())  # sortByKey
    outputs = {}
    for folder in core.OUTPUT_FOLDERS:
        split, formatter = core.FOLDER_SOURCES[folder]
        outputs[folder] = [spark_job.format_item(formatter, item) for item in items if spark_job.in_split(split, item)]
    return parsed, rows, items, outputs


def test_spark_steps_give_the_python_shell_output(raw_bytes):
    sources = [("raw", raw_bytes.decode()), ("new/a.csv", BATCH)]
    _, _, _, spark_outputs = replay(sources)
    shell_outputs, _ = run_in_memory([(key, byte_lines(text.encode())) for key, text in sources])
    for folder in core.OUTPUT_FOLDERS:
        assert sorted(spark_outputs[folder]) == sorted(shell_outputs[folder])
    assert spark_outputs["testing-features"] == [line.split(",", 1)[1] for line in spark_outputs["testing"]]


def test_report_matches_the_python_shell_report(raw_bytes):
    sources = [("raw", raw_bytes.decode()), ("new/a.csv", BATCH)]
    parsed, rows, items, _ = replay(sources)
    kind_counts = Counter((item[0], item[2].kind) for item in parsed)
    split_counts = Counter(core.split_for_digest(digest) for digest, _ in items)
    rejections = [item for item in parsed if spark_job.is_kind(core.INVALID, item)]
    report = spark_job.build_report(["raw", "new/a.csv"], dict(kind_counts), dict(split_counts), len(rows) - len(items), rejections)

    _, shell = run_in_memory([(key, byte_lines(text.encode())) for key, text in sources])
    expected = shell.to_dict()
    for stats in expected["sources"]:
        del stats["duplicates"]
    assert report == expected
    assert report["rejections"] == [{"source": "new/a.csv", "line": 3, "reason": "sex 'Q' is not M, F or I"}]


def test_parse_indexed_numbers_lines_from_one():
    source, number, result = spark_job.parse_indexed("k", ("\ufeff" + core.HEADER, 0))
    assert (source, number, result.kind) == ("k", 1, core.HEADER_LINE)
    assert spark_job.parse_indexed("k", (core.HEADER, 1))[2].kind == core.INVALID


def test_finalise_folder_renames_the_part_and_removes_markers(s3):
    prefix = "abalone_data/processed/training/"
    s3.put_object(Bucket=BUCKET, Key=prefix + "part-00000", Body=b"15,0.1\n")
    s3.put_object(Bucket=BUCKET, Key=prefix + "_SUCCESS", Body=b"")
    assert spark_job.finalise_folder(s3, BUCKET, prefix) == prefix + "part-00000.csv"
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)["Contents"]]
    assert keys == [prefix + "part-00000.csv"]
    assert s3.get_object(Bucket=BUCKET, Key=prefix + "part-00000.csv")["Body"].read() == b"15,0.1\n"


def test_finalise_folder_needs_exactly_one_part(s3):
    with pytest.raises(core.EtlError, match="found 0"):
        spark_job.finalise_folder(s3, BUCKET, "abalone_data/processed/validation/")


def test_write_folder_clears_the_folder_then_saves_one_part(s3):
    prefix = "abalone_data/processed/testing/"
    s3.put_object(Bucket=BUCKET, Key=prefix + "part-00000.csv", Body=b"old\n")

    class FakeRdd:
        def coalesce(self, partitions):
            assert partitions == 1
            return self

        def saveAsTextFile(self, uri):
            assert uri == "s3://{}/{}".format(BUCKET, prefix)
            assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
            s3.put_object(Bucket=BUCKET, Key=prefix + "part-00000", Body=b"new\n")

    spark_job.write_folder(s3, FakeRdd(), BUCKET, prefix)
    assert s3.get_object(Bucket=BUCKET, Key=prefix + "part-00000.csv")["Body"].read() == b"new\n"


def test_importing_the_spark_job_needs_neither_spark_nor_awsglue():
    assert "pyspark" not in sys.modules and "awsglue" not in sys.modules
    assert spark_job.s3_uri("b", "k/x") == "s3://b/k/x"
