"""Glue Spark (glueetl) entry point of the abalone ETL, for data too large for a Python shell job.

Same inputs, rules and outputs as abalone_etl_pythonshell.py: every line goes through the core's
parse_line on the executors, exact duplicates are dropped by row digest, and each output folder
is written as a single object renamed to part-00000.csv. Spark (and awsglue, for the job
arguments) are imported inside main() so that the helpers here can be tested without them.
"""
import functools
import json
import sys
from typing import Callable, Dict, Iterable, List, Tuple

import abalone_etl_core as core

SPARK_PART = "part-00000"


def s3_uri(bucket: str, key: str) -> str:
    return "s3://{}/{}".format(bucket, key)


def parse_indexed(source: str, numbered_line: Tuple[str, int]) -> Tuple[str, int, core.LineResult]:
    """Map one (line, 0-based index) pair of zipWithIndex to (source, line number, result)."""
    line, index = numbered_line
    return source, index + 1, core.parse_line(line, index + 1)


def is_kind(kind: str, parsed: Tuple[str, int, core.LineResult]) -> bool:
    return parsed[2].kind == kind


def keyed_row(parsed: Tuple[str, int, core.LineResult]) -> Tuple[bytes, core.Row]:
    row = parsed[2].row
    return core.row_digest(row), row


def keep_first(first: core.Row, _second: core.Row) -> core.Row:
    return first


def in_split(split: str, item: Tuple[bytes, core.Row]) -> bool:
    return core.split_for_digest(item[0]) == split


def format_item(formatter: Callable[[core.Row], str], item: Tuple[bytes, core.Row]) -> str:
    return formatter(item[1])


def finalise_folder(s3, bucket: str, prefix: str) -> str:
    """Rename Spark's single part file to part-00000.csv and remove everything else under prefix."""
    final_key = prefix + core.PART_NAME
    parts = [key for key in core.list_keys(s3, bucket, prefix) if key[len(prefix):].startswith(SPARK_PART)]
    if len(parts) != 1:
        raise core.EtlError("expected one Spark part file under s3://{}/{}, found {}".format(bucket, prefix, len(parts)))
    if parts[0] != final_key:
        s3.copy_object(
            Bucket=bucket,
            Key=final_key,
            CopySource={"Bucket": bucket, "Key": parts[0]},
            ContentType="text/csv",
            MetadataDirective="REPLACE",
        )
    core.delete_keys_except(s3, bucket, prefix, [final_key])
    return final_key


def build_report(
    sources: List[str],
    kind_counts: Dict[Tuple[str, str], int],
    split_counts: Dict[str, int],
    duplicates: int,
    rejections: Iterable[Tuple[str, int, core.LineResult]],
) -> Dict[str, object]:
    """The same summary as the Python shell job (duplicates are counted overall, not per source)."""
    per_source = []
    for source in sources:
        rows = kind_counts.get((source, core.ROW), 0)
        per_source.append(
            {
                "source": source,
                "rows": rows,
                "invalid": kind_counts.get((source, core.INVALID), 0),
                "blank": kind_counts.get((source, core.BLANK), 0),
                "header": kind_counts.get((source, core.HEADER_LINE), 0),
                "noDataRows": rows == 0,
            }
        )
    splits = dict((name, split_counts.get(name, 0)) for name in core.SPLITS)
    return {
        "rowsWritten": sum(splits.values()),
        "splits": splits,
        "invalidRows": sum(count for (_, kind), count in kind_counts.items() if kind == core.INVALID),
        "duplicatesDropped": duplicates,
        "sources": per_source,
        "rejections": [
            {"source": source, "line": line_number, "reason": result.reason}
            for source, line_number, result in rejections
        ],
    }


def write_manifest(s3, args: core.JobArgs, run_id, summary: Dict[str, object], etags: Dict[str, str]) -> str:
    """The same manifest as the Python shell job: per input its key, ETag and valid rows."""
    inputs = [{"key": item["source"], "etag": etags[item["source"]], "rows": item["rows"]} for item in summary["sources"]]
    manifest = core.build_manifest(run_id, args.bucket, args.output_prefix, inputs, int(summary["rowsWritten"]))
    key = core.manifest_key(args.output_prefix)
    s3.put_object(Bucket=args.bucket, Key=key, Body=json.dumps(manifest).encode("utf-8"), ContentType="application/json")
    return key


def write_folder(s3, lines, bucket: str, prefix: str) -> str:
    # saveAsTextFile refuses an existing output path, and stale parts would feed the channels.
    core.delete_keys_except(s3, bucket, prefix, [])
    lines.coalesce(1).saveAsTextFile(s3_uri(bucket, prefix))
    return finalise_folder(s3, bucket, prefix)


def main(argv: List[str]) -> Dict[str, object]:
    import boto3
    from pyspark.context import SparkContext

    args = core.resolve_job_args(argv)
    spark_context = SparkContext.getOrCreate()
    spark_context._jsc.hadoopConfiguration().set("mapreduce.fileoutputcommitter.marksuccessfuljobs", "false")
    s3 = boto3.client("s3")

    sources = [args.raw_key] + core.list_csv_keys(s3, args.bucket, args.new_prefix)
    # The ETag of each input as it is read (Spark reads the objects itself).
    etags = {key: s3.head_object(Bucket=args.bucket, Key=key)["ETag"] for key in sources}
    parsed = spark_context.union(
        [
            spark_context.textFile(s3_uri(args.bucket, key)).zipWithIndex().map(functools.partial(parse_indexed, key))
            for key in sources
        ]
    ).cache()
    rows = parsed.filter(functools.partial(is_kind, core.ROW)).map(keyed_row)
    unique = rows.reduceByKey(keep_first).cache()
    unique_count = unique.count()
    if unique_count == 0:
        raise core.EtlError("no valid abalone rows in any input; nothing to write")

    outputs = []
    for folder in core.OUTPUT_FOLDERS:
        split, formatter = core.FOLDER_SOURCES[folder]
        # Sorting by digest fixes the row order, so testing and testing-features pair up line by line.
        rows_of_split = unique.filter(functools.partial(in_split, split)).sortByKey()
        lines = rows_of_split.map(functools.partial(format_item, formatter))
        outputs.append(write_folder(s3, lines, args.bucket, core.output_prefix_for(args.output_prefix, folder)))

    kind_counts = parsed.map(lambda item: (item[0], item[2].kind)).countByValue()
    split_counts = unique.map(lambda item: core.split_for_digest(item[0])).countByValue()
    rejections = parsed.filter(functools.partial(is_kind, core.INVALID)).take(core.MAX_REPORTED_REJECTIONS)
    summary = build_report(sources, dict(kind_counts), dict(split_counts), rows.count() - unique_count, rejections)
    summary["outputs"] = [s3_uri(args.bucket, key) for key in outputs]
    summary["manifest"] = s3_uri(args.bucket, write_manifest(s3, args, core.job_run_id(argv), summary, etags))
    print(json.dumps(summary, indent=2))
    return summary


if __name__ == "__main__":
    main(sys.argv)
