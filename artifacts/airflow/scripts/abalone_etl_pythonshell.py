"""Glue Python shell entry point of the abalone ETL (Python 3.9).

Streams the raw UCI data and every new batch from S3 line by line, runs the shared core, and
replaces the four output objects under --output_prefix. Prints a JSON report to the job log.
"""
import json
import sys
import tempfile
from contextlib import ExitStack
from typing import Dict, IO, Iterator, List, Tuple

import boto3

import abalone_etl_core as core

CHUNK_BYTES = 1 << 16


def s3_lines(s3, bucket: str, key: str) -> Iterator[bytes]:
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    try:
        for line in core.iter_lines_from_chunks(body.iter_chunks(CHUNK_BYTES)):
            yield line
    finally:
        body.close()


def input_sources(s3, args: core.JobArgs) -> Iterator[Tuple[str, Iterator[bytes]]]:
    yield args.raw_key, s3_lines(s3, args.bucket, args.raw_key)
    for key in core.list_csv_keys(s3, args.bucket, args.new_prefix):
        yield key, s3_lines(s3, args.bucket, key)


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


def run(s3, args: core.JobArgs) -> Dict[str, object]:
    with ExitStack() as stack:
        files = {folder: stack.enter_context(tempfile.TemporaryFile()) for folder in core.OUTPUT_FOLDERS}
        report = core.run_etl(input_sources(s3, args), core.CsvSplitWriter(files))
        written = upload_outputs(s3, args, files)
    summary = report.to_dict()
    summary["outputs"] = ["s3://{}/{}".format(args.bucket, key) for key in written]
    return summary


def main(argv: List[str]) -> Dict[str, object]:
    args = core.resolve_job_args(argv)
    summary = run(boto3.client("s3"), args)
    print(json.dumps(summary, indent=2))
    return summary


if __name__ == "__main__":
    main(sys.argv)
