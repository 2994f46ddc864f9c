"""Abalone ETL core: row validation, normalisation, de-duplication, one-hot encoding, stable splits.

Shared by the Glue Python shell job (abalone_etl_pythonshell.py) and the Glue Spark job
(abalone_etl_spark.py), which ship this file with --extra-py-files. Pure Python 3.9 standard
library: the S3 helpers at the end take a boto3-compatible client, they never import boto3.

The validation rules are those of `add-data` (docs/data.md). The job re-checks every row
although the CLI already did, but skips and counts an invalid row instead of failing.
"""
import argparse
import hashlib
import math
import re
from typing import Callable, Dict, IO, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Tuple, Union

SEX_CATEGORIES = ("M", "F", "I")
MEASUREMENTS = (
    "length",
    "diameter",
    "height",
    "whole_weight",
    "shucked_weight",
    "viscera_weight",
    "shell_weight",
)
COLUMNS = ("sex",) + MEASUREMENTS + ("rings",)
HEADER = ",".join(COLUMNS)
MEASUREMENT_MAX = 10.0
RINGS_MIN = 1
RINGS_MAX = 100

# A row's split is its hash bucket (0..99) compared with these upper bounds: 80 / 15 / 5 percent.
SPLIT_BOUNDS = (("training", 80), ("validation", 95), ("testing", 100))
SPLITS = tuple(name for name, _ in SPLIT_BOUNDS)
TESTING_FEATURES = "testing-features"
OUTPUT_FOLDERS = SPLITS + (TESTING_FEATURES,)
PART_NAME = "part-00000.csv"

JOB_ARGUMENTS = ("bucket", "raw_key", "new_prefix", "output_prefix")

ROW = "row"
BLANK = "blank"
HEADER_LINE = "header"
INVALID = "invalid"

BOM = "\ufeff"
REPLACEMENT_CHARACTER = "\ufffd"
MAX_REPORTED_REJECTIONS = 100
# Joins the problems of one row; not "; ", which the above-10 reason itself contains.
PROBLEM_SEPARATOR = " | "

_DECIMAL = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
_NAN = re.compile(r"[+-]?nan\Z", re.IGNORECASE)
_INFINITY = re.compile(r"[+-]?inf(?:inity)?\Z", re.IGNORECASE)


class Row(NamedTuple):
    sex: str
    length: float
    diameter: float
    height: float
    whole_weight: float
    shucked_weight: float
    viscera_weight: float
    shell_weight: float
    rings: int


class LineResult(NamedTuple):
    kind: str
    row: Optional[Row] = None
    reason: str = ""


class JobArgs(NamedTuple):
    bucket: str
    raw_key: str
    new_prefix: str
    output_prefix: str


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


def parse_measurement(name: str, text: str) -> Tuple[Optional[float], str]:
    """Return (value, "") for a finite decimal from 0 to 10, else (None, reason)."""
    if text == "":
        return None, "{} is empty".format(name)
    if _NAN.match(text):
        return None, "{} is NaN: expected a finite number from 0 to 10".format(name)
    if _INFINITY.match(text):
        return None, "{} '{}' is infinite: expected a finite number from 0 to 10".format(name, text)
    if not _DECIMAL.match(text):
        return None, "{} '{}' is not a number".format(name, text)
    value = float(text)
    if not math.isfinite(value):
        return None, "{} '{}' is too large to be a finite number".format(name, text)
    if value < 0:
        return None, "{} {} is negative: measurements are from 0 to 10".format(name, text)
    if value > MEASUREMENT_MAX:
        return None, (
            "{} {} is above 10: a value above 10 looks like raw millimetres or grams; "
            "the data set's scale divides them by 200".format(name, text)
        )
    return value + 0.0, ""  # + 0.0 turns -0.0 into 0.0 so both normalise alike


def parse_rings(text: str) -> Tuple[Optional[int], str]:
    """Return (rings, "") for a whole number from 1 to 100, else (None, reason)."""
    if text == "":
        return None, "rings is empty"
    if not _DECIMAL.match(text):
        return None, "rings '{}' is not a whole number".format(text)
    value = float(text)
    if not math.isfinite(value) or value != math.floor(value):
        return None, "rings {} is not a whole number".format(text)
    if not RINGS_MIN <= value <= RINGS_MAX:
        return None, "rings {} is out of range: rings are a whole number from 1 to 100".format(text)
    return int(value), ""


def validate_fields(fields: List[str]) -> Tuple[Optional[Row], str]:
    """Validate nine stripped fields; return (row, "") or (None, every problem joined by ' | ')."""
    if len(fields) != len(COLUMNS):
        return None, "expected {} comma-separated fields, found {}".format(len(COLUMNS), len(fields))
    problems = []
    sex = fields[0].upper()
    if fields[0] == "":
        problems.append("sex is empty")
    elif sex not in SEX_CATEGORIES:
        problems.append("sex '{}' is not M, F or I".format(fields[0]))
    measurements = []
    for name, text in zip(MEASUREMENTS, fields[1:8]):
        value, reason = parse_measurement(name, text)
        if reason:
            problems.append(reason)
        measurements.append(value)
    rings, reason = parse_rings(fields[8])
    if reason:
        problems.append(reason)
    if problems:
        return None, PROBLEM_SEPARATOR.join(problems)
    return Row(sex, *measurements, rings), ""


def _is_header(fields: List[str]) -> bool:
    return [field.lower() for field in fields] == list(COLUMNS)


def parse_line(line: Union[str, bytes], line_number: int) -> LineResult:
    """Classify one line (1-based number) as a row, a blank line, the header, or invalid.

    Accepts raw bytes (decoded strictly as UTF-8) or text. Text whose decoding replaced invalid
    bytes (Spark's textFile does) carries U+FFFD, which no valid row can contain.
    """
    if isinstance(line, bytes):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            return LineResult(INVALID, reason="line is not valid UTF-8")
    else:
        text = line
    if line_number == 1 and text.startswith(BOM):
        text = text[len(BOM):]
    text = text.rstrip("\r\n")
    if REPLACEMENT_CHARACTER in text:
        return LineResult(INVALID, reason="line is not valid UTF-8")
    if text.strip() == "":
        return LineResult(BLANK)
    fields = [field.strip() for field in text.split(",")]
    if line_number == 1 and _is_header(fields):
        return LineResult(HEADER_LINE)
    row, reason = validate_fields(fields)
    if row is None:
        if line_number == 1 and fields[0].upper() not in SEX_CATEGORIES:
            reason = "{} (a header line must be exactly: {})".format(reason, HEADER)
        return LineResult(INVALID, reason=reason)
    return LineResult(ROW, row=row)


def iter_lines_from_chunks(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Split a stream of byte chunks into lines on LF, without the LF (a CR is left to parse_line)."""
    pending = b""
    for chunk in chunks:
        if not chunk:
            continue
        pending += chunk
        lines = pending.split(b"\n")
        pending = lines.pop()
        for line in lines:
            yield line
    if pending:
        yield pending


# ---------------------------------------------------------------------------------------------
# Normalisation, encoding and splits
# ---------------------------------------------------------------------------------------------


def _number(value: float) -> str:
    # repr is the shortest text that reads back as the same float: "0.455" stays "0.455".
    return repr(value)


def _measurements(row: Row) -> List[str]:
    return [_number(getattr(row, name)) for name in MEASUREMENTS]


def normalised_line(row: Row) -> str:
    """The row in the input column order, as the CLI would upload it."""
    return ",".join([row.sex] + _measurements(row) + [str(row.rings)])


def row_digest(row: Row) -> bytes:
    return hashlib.sha256(normalised_line(row).encode("utf-8")).digest()


def split_for_digest(digest: bytes) -> str:
    bucket = int.from_bytes(digest[:8], "big") % 100
    for name, upper in SPLIT_BOUNDS:
        if bucket < upper:
            return name
    raise AssertionError("split bounds must end at 100")


def split_for_row(row: Row) -> str:
    """Stable: depends on the row's normalised content only, never on the other rows."""
    return split_for_digest(row_digest(row))


def one_hot(sex: str) -> List[str]:
    return ["1" if sex == category else "0" for category in SEX_CATEGORIES]


# The model's features, in order: the seven measurements, then sex one-hot in SEX_CATEGORIES order.
FEATURE_NAMES = MEASUREMENTS + tuple("sex_" + category for category in SEX_CATEGORIES)


def encode_features(sex: str, measurements: Sequence[float]) -> List[str]:
    """The feature vector of one validated row (sex M/F/I and the seven measurements in survey
    order, no rings), as the CSV fields the ETL writes and the endpoint reads: each measurement as
    the shortest text of its float, then 1/0 for sex M, F, I. `predict` must encode the same way."""
    if sex not in SEX_CATEGORIES:
        raise ValueError("sex {!r} is not M, F or I".format(sex))
    if len(measurements) != len(MEASUREMENTS):
        raise ValueError("expected {} measurements, got {}".format(len(MEASUREMENTS), len(measurements)))
    return [_number(float(value) + 0.0) for value in measurements] + one_hot(sex)


def features_csv(row: Row) -> str:
    return ",".join(encode_features(row.sex, [getattr(row, name) for name in MEASUREMENTS]))


def labelled_csv(row: Row) -> str:
    """Label (rings) first, as SageMaker's built-in XGBoost reads CSV."""
    return "{},{}".format(row.rings, features_csv(row))


# Which split feeds each output folder, and how its rows are written.
FOLDER_SOURCES = {
    "training": ("training", labelled_csv),
    "validation": ("validation", labelled_csv),
    "testing": ("testing", labelled_csv),
    TESTING_FEATURES: ("testing", features_csv),
}


def output_prefix_for(output_prefix: str, folder: str) -> str:
    return "{}{}/".format(ensure_trailing_slash(output_prefix), folder)


def output_key(output_prefix: str, folder: str) -> str:
    return output_prefix_for(output_prefix, folder) + PART_NAME


def ensure_trailing_slash(prefix: str) -> str:
    return prefix if prefix.endswith("/") else prefix + "/"


# ---------------------------------------------------------------------------------------------
# The ETL run
# ---------------------------------------------------------------------------------------------


class SourceStats:
    def __init__(self, name: str):
        self.name = name
        self.rows = 0
        self.invalid = 0
        self.blank = 0
        self.header = 0
        self.duplicates = 0

    def to_dict(self) -> Dict[str, object]:
        return {
            "source": self.name,
            "rows": self.rows,
            "invalid": self.invalid,
            "blank": self.blank,
            "header": self.header,
            "duplicates": self.duplicates,
            "noDataRows": self.rows == 0,
        }


class EtlReport:
    def __init__(self):
        self.sources = []  # type: List[SourceStats]
        self.split_counts = dict((name, 0) for name in SPLITS)
        self.rejections = []  # type: List[Dict[str, object]]
        self.invalid_total = 0

    def add_source(self, name: str) -> SourceStats:
        stats = SourceStats(name)
        self.sources.append(stats)
        return stats

    def reject(self, source: str, line_number: int, reason: str) -> None:
        self.invalid_total += 1
        if len(self.rejections) < MAX_REPORTED_REJECTIONS:
            self.rejections.append({"source": source, "line": line_number, "reason": reason})

    @property
    def rows_written(self) -> int:
        return sum(self.split_counts.values())

    def to_dict(self) -> Dict[str, object]:
        return {
            "rowsWritten": self.rows_written,
            "splits": dict(self.split_counts),
            "invalidRows": self.invalid_total,
            "duplicatesDropped": sum(stats.duplicates for stats in self.sources),
            "sources": [stats.to_dict() for stats in self.sources],
            "rejections": list(self.rejections),
        }


class EtlError(Exception):
    pass


RowWriter = Callable[[str, Row], None]


def run_etl(sources: Iterable[Tuple[str, Iterable[Union[str, bytes]]]], write: RowWriter) -> EtlReport:
    """Merge every source (raw data first, then new batches), drop exact duplicates after
    normalisation (first occurrence wins), and hand each kept row to write(split, row)."""
    report = EtlReport()
    seen = set()
    for name, lines in sources:
        stats = report.add_source(name)
        for line_number, line in enumerate(lines, 1):
            result = parse_line(line, line_number)
            if result.kind == BLANK:
                stats.blank += 1
            elif result.kind == HEADER_LINE:
                stats.header += 1
            elif result.kind == INVALID:
                stats.invalid += 1
                report.reject(name, line_number, result.reason)
            else:
                stats.rows += 1
                digest = row_digest(result.row)
                if digest in seen:
                    stats.duplicates += 1
                    continue
                seen.add(digest)
                split = split_for_digest(digest)
                report.split_counts[split] += 1
                write(split, result.row)
    if report.rows_written == 0:
        raise EtlError("no valid abalone rows in any input; nothing to write")
    return report


class CsvSplitWriter:
    """Writes each row, as LF-terminated CSV bytes, to the file of every folder its split feeds."""

    def __init__(self, files: Dict[str, IO[bytes]]):
        missing = [folder for folder in OUTPUT_FOLDERS if folder not in files]
        if missing:
            raise ValueError("no output file for folder(s): " + ", ".join(missing))
        self._targets = {}  # type: Dict[str, List[Tuple[IO[bytes], Callable[[Row], str]]]]
        for folder in OUTPUT_FOLDERS:
            split, formatter = FOLDER_SOURCES[folder]
            self._targets.setdefault(split, []).append((files[folder], formatter))

    def __call__(self, split: str, row: Row) -> None:
        for target, formatter in self._targets[split]:
            target.write((formatter(row) + "\n").encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# Job arguments and S3 helpers (the client is passed in; this module imports no AWS SDK)
# ---------------------------------------------------------------------------------------------


def resolve_job_args(argv: List[str]) -> JobArgs:
    """Read --bucket, --raw_key, --new_prefix, --output_prefix as Glue passes them."""
    try:
        from awsglue.utils import getResolvedOptions
    except ImportError:
        parser = argparse.ArgumentParser(description="Abalone ETL job")
        for name in JOB_ARGUMENTS:
            parser.add_argument("--" + name, required=True)
        # Glue adds its own arguments (--job-bookmark-option, --scriptLocation, ...): ignore them.
        known, _ = parser.parse_known_args(argv[1:])
        values = vars(known)
    else:
        values = getResolvedOptions(argv, list(JOB_ARGUMENTS))
    return JobArgs(
        bucket=values["bucket"],
        raw_key=values["raw_key"],
        new_prefix=ensure_trailing_slash(values["new_prefix"]),
        output_prefix=ensure_trailing_slash(values["output_prefix"]),
    )


MANIFEST_NAME = "manifest.json"


def manifest_key(output_prefix: str) -> str:
    """Beside the output folders: <output_prefix>manifest.json (read by the DAG's record_run)."""
    return ensure_trailing_slash(output_prefix) + MANIFEST_NAME


def job_run_id(argv: List[str]) -> Optional[str]:
    """The --JOB_RUN_ID Glue passes to every job run, or None when run outside Glue."""
    for index, argument in enumerate(argv):
        if argument == "--JOB_RUN_ID" and index + 1 < len(argv):
            return argv[index + 1]
        if argument.startswith("--JOB_RUN_ID="):
            return argument.split("=", 1)[1]
    return None


def build_manifest(
    run_id: Optional[str], bucket: str, output_prefix: str, inputs: List[Dict[str, object]], rows_written: int
) -> Dict[str, object]:
    """What this ETL run read: every input object (key, ETag as S3 reported it when read, valid
    rows) in the order read, and how many rows it wrote after de-duplication."""
    return {
        "jobRunId": run_id,
        "bucket": bucket,
        "outputPrefix": ensure_trailing_slash(output_prefix),
        "inputs": inputs,
        "rows": sum(int(item["rows"]) for item in inputs),
        "rowsWritten": rows_written,
    }


def list_keys(s3, bucket: str, prefix: str) -> List[str]:
    keys = []
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            keys.append(item["Key"])
    return sorted(keys)


def list_csv_keys(s3, bucket: str, prefix: str) -> List[str]:
    """The new batches, in key order (the CLI's names sort by upload time)."""
    return [key for key in list_keys(s3, bucket, prefix) if key.lower().endswith(".csv")]


def delete_keys_except(s3, bucket: str, prefix: str, keep: Iterable[str]) -> List[str]:
    """Delete every object under prefix but those in keep, so no stale part feeds a channel."""
    kept = set(keep)
    stale = [key for key in list_keys(s3, bucket, prefix) if key not in kept]
    for start in range(0, len(stale), 1000):
        batch = stale[start:start + 1000]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True})
    return stale
