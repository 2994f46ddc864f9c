"""Glue Python shell entry point of the abalone ETL (Python 3.9).

Streams the raw UCI data and every new batch from S3 line by line, runs the shared core, and
replaces the four output objects under --output_prefix. Prints a JSON report to the job log.
"""
import json
import sys
import tempfile
from contextlib import ExitStack
from typing import Dict, IO, Iterator, List, Optional, Tuple

import boto3

import abalone_etl_core as core

CHUNK_BYTES = 1 << 16


def s3_lines(s3, bucket: str, key: str, etags: Optional[Dict[str, str]] = None) -> Iterator[bytes]:
    response = s3.get_object(Bucket=bucket, Key=key)
    if etags is not None:
        etags[key] = response["ETag"]
    body = response["Body"]
    try:
        for line in core.iter_lines_from_chunks(body.iter_chunks(CHUNK_BYTES)):
            yield line
    finally:
        body.close()


def input_sources(s3, args: core.JobArgs, etags: Optional[Dict[str, str]] = None) -> Iterator[Tuple[str, Iterator[bytes]]]:
    yield args.raw_key, s3_lines(s3, args.bucket, args.raw_key, etags)
    for key in core.list_csv_keys(s3, args.bucket, args.new_prefix):
        yield key, s3_lines(s3, args.bucket, key, etags)


def write_manifest(s3, args: core.JobArgs, run_id: Optional[str], report: core.EtlReport, etags: Dict[str, str]) -> str:
    inputs = [{"key": stats.name, "etag": etags[stats.name], "rows": stats.rows} for stats in report.sources]
    manifest = core.build_manifest(run_id, args.bucket, args.output_prefix, inputs, report.rows_written)
    key = core.manifest_key(args.output_prefix)
    s3.put_object(Bucket=args.bucket, Key=key, Body=json.dumps(manifest).encode("utf-8"), ContentType="application/json")
    return key


def upload_outputs(s3, args: core.JobArgs, files: Dict[str, IO[bytes]]) -> List[str]:
    written = []
    for folder in core.OUTPUT_FOLDERS:
        key = core.output_key(args.output_prefix, folder)
        handle = files[folder]
        handle.seek(0)
        s3.upload_fileobj(handle, args.bucket, key, ExtraArgs={"ContentType": "text/csv"})
        core.delete_keys_except(s3, args.bucket, core.output_prefix_for(args.output_prefix, folder), [key])
        written.append(key)
    return written


def run(s3, args: core.JobArgs, run_id: Optional[str] = None) -> Dict[str, object]:
    etags = {}  # type: Dict[str, str]
    with ExitStack() as stack:
        files = {folder: stack.enter_context(tempfile.TemporaryFile()) for folder in core.OUTPUT_FOLDERS}
        report = core.run_etl(input_sources(s3, args, etags), core.CsvSplitWriter(files))
        written = upload_outputs(s3, args, files)
    manifest = write_manifest(s3, args, run_id, report, etags)
    summary = report.to_dict()
    summary["outputs"] = ["s3://{}/{}".format(args.bucket, key) for key in written]
    summary["manifest"] = "s3://{}/{}".format(args.bucket, manifest)
    return summary


def main(argv: List[str]) -> Dict[str, object]:
    args = core.resolve_job_args(argv)
    summary = run(boto3.client("s3"), args, core.job_run_id(argv))
    print(json.dumps(summary, indent=2))
    return summary


if __name__ == "__main__":
    main(sys.argv)
