"""The ETL core: the docs/data.md rules, normalisation, de-duplication, one-hot encoding, stable splits."""
import sys
import types
from collections import Counter

import pytest

import abalone_etl_core as core
from etl_helpers import byte_lines, folder_of_lines, run_in_memory

GOOD = "M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15"
RAW_KEY = "abalone_data/raw/abalone.data"


def fields_with(index, value):
    fields = GOOD.split(",")
    fields[index] = value
    return ",".join(fields)


def parse(text, line_number=2):
    return core.parse_line(text, line_number)


# ---------------------------------------------------------------------------------------------
# The UCI data
# ---------------------------------------------------------------------------------------------


def test_real_data_rows_counts_and_splits(raw_bytes):
    outputs, report = run_in_memory([(RAW_KEY, byte_lines(raw_bytes))])
    assert report.rows_written == 4177
    assert report.invalid_total == 0
    assert report.to_dict()["duplicatesDropped"] == 0
    assert sum(len(outputs[split]) for split in core.SPLITS) == 4177
    sexes = Counter()
    for split in core.SPLITS:
        for line in outputs[split]:
            one_hot = tuple(line.split(",")[8:])
            sexes[{("1", "0", "0"): "M", ("0", "1", "0"): "F", ("0", "0", "1"): "I"}[one_hot]] += 1
    assert sexes == {"M": 1528, "F": 1307, "I": 1342}
    shares = {split: len(outputs[split]) / 4177 for split in core.SPLITS}
    assert abs(shares["training"] - 0.80) < 0.03
    assert abs(shares["validation"] - 0.15) < 0.03
    assert abs(shares["testing"] - 0.05) < 0.02
    assert report.split_counts == {split: len(outputs[split]) for split in core.SPLITS}


def test_normalised_raw_rows_read_exactly_as_the_raw_file(raw_bytes):
    for number, line in enumerate(raw_bytes.decode().splitlines(), 1):
        result = core.parse_line(line, number)
        assert result.kind == core.ROW
        assert core.normalised_line(result.row) == line


def test_output_columns_label_first_then_features_and_fixed_one_hot(raw_bytes):
    outputs, _ = run_in_memory([(RAW_KEY, byte_lines(raw_bytes))])
    row = core.parse_line(GOOD, 1).row
    assert core.labelled_csv(row) == "15,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,1,0,0"
    assert core.features_csv(row) == "0.455,0.365,0.095,0.514,0.2245,0.101,0.15,1,0,0"
    assert core.one_hot("F") == ["0", "1", "0"] and core.one_hot("I") == ["0", "0", "1"]
    for split in core.SPLITS:
        for line in outputs[split]:
            fields = line.split(",")
            assert len(fields) == 11
            assert 1 <= int(fields[0]) <= 100
            assert sorted(fields[8:]) == ["0", "0", "1"]
    # testing-features is the testing split without its label, row for row.
    assert outputs[core.TESTING_FEATURES] == [line.split(",", 1)[1] for line in outputs["testing"]]


def test_every_output_line_ends_with_lf_and_has_no_header(raw_bytes):
    import io

    files = {folder: io.BytesIO() for folder in core.OUTPUT_FOLDERS}
    core.run_etl([(RAW_KEY, byte_lines(raw_bytes))], core.CsvSplitWriter(files))
    for folder, handle in files.items():
        data = handle.getvalue()
        assert data.endswith(b"\n") and b"\r" not in data
        assert not data.startswith(b"rings") and not data.startswith(b"sex")


# ---------------------------------------------------------------------------------------------
# Merging new batches: stable splits, duplicates, encodings
# ---------------------------------------------------------------------------------------------


def synthetic_batch(count, seed):
    lines = []
    for index in range(count):
        sex = "MFI"[index % 3]
        length = 0.2 + ((index * 37 + seed) % 500) / 1000
        rings = 1 + (index * 7 + seed) % 25
        lines.append(
            "{},{},{},{},{},{},{},{},{}".format(
                sex, round(length, 4), round(length * 0.8, 4), 0.1, 0.5, 0.2, 0.1, 0.15 + seed / 10000, rings
            )
        )
    return ("\n".join(lines) + "\n").encode()


def test_old_rows_keep_their_split_when_batches_are_added(raw_bytes):
    before, _ = run_in_memory([(RAW_KEY, byte_lines(raw_bytes))])
    batches = [("abalone_data/new/a.csv", synthetic_batch(300, 1)), ("abalone_data/new/b.csv", synthetic_batch(200, 2))]
    after, report = run_in_memory([(RAW_KEY, byte_lines(raw_bytes))] + [(key, byte_lines(data)) for key, data in batches])
    old_folders = folder_of_lines(before)
    new_folders = folder_of_lines(after)
    assert all(new_folders[line] == folder for line, folder in old_folders.items())
    assert report.rows_written == 4177 + 500
    # Adding the batches in the other order changes nothing either.
    reordered, _ = run_in_memory(
        [(RAW_KEY, byte_lines(raw_bytes))] + [(key, byte_lines(data)) for key, data in reversed(batches)]
    )
    assert folder_of_lines(reordered) == new_folders


def test_split_is_a_function_of_the_normalised_row_only():
    row = core.parse_line(GOOD, 1).row
    variant = core.parse_line(" m , 0.4550,0.365 ,0.095,0.514,0.2245,0.101,0.150,15.0\r", 1).row
    assert variant == row
    assert core.split_for_row(variant) == core.split_for_row(row)


@pytest.mark.parametrize(
    "bucket, split", [(0, "training"), (79, "training"), (80, "validation"), (94, "validation"), (95, "testing"), (99, "testing")]
)
def test_split_bounds_are_80_15_5(bucket, split):
    digest = bucket.to_bytes(8, "big") + bytes(24)
    assert core.split_for_digest(digest) == split


def test_exact_duplicates_after_normalisation_are_dropped(raw_bytes):
    raw_lines = raw_bytes.decode().splitlines()
    batch = "\n".join(
        [
            raw_lines[0],  # the same row as in the raw data
            raw_lines[1].lower().replace(",", " , "),  # the same after normalisation
            "F,0.5,0.4,0.1,0.6,0.25,0.12,0.2,10",
            "F,0.50,0.40,0.10,0.60,0.250,0.120,0.20,10",  # a duplicate inside the batch
        ]
    ).encode()
    outputs, report = run_in_memory([(RAW_KEY, byte_lines(raw_bytes)), ("new/x.csv", byte_lines(batch))])
    assert report.rows_written == 4178
    batch_stats = report.sources[1]
    assert (batch_stats.rows, batch_stats.duplicates) == (4, 3)
    assert report.to_dict()["duplicatesDropped"] == 3
    assert sum(len(outputs[split]) for split in core.SPLITS) == 4178


def test_utf8_with_bom_crlf_blank_lines_and_header():
    data = ("\ufeff" + core.HEADER.upper() + "\r\n" + GOOD + "\r\n\r\n  \r\n" + "f,0.5,0.4,0.1,0.6,0.25,0.12,0.2,10\r\n").encode("utf-8")
    outputs, report = run_in_memory([("new/bom.csv", byte_lines(data))])
    stats = report.sources[0]
    assert (stats.rows, stats.header, stats.blank, stats.invalid) == (2, 1, 2, 0)
    written = sorted(line for split in core.SPLITS for line in outputs[split])
    assert written == sorted(["15,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,1,0,0", "10,0.5,0.4,0.1,0.6,0.25,0.12,0.2,0,1,0"])


def test_header_with_spaces_and_any_case_is_accepted_on_the_first_line_only():
    header = " Sex , LENGTH,diameter,height,whole_weight,shucked_weight,viscera_weight,shell_weight , Rings "
    assert core.parse_line(header, 1).kind == core.HEADER_LINE
    second = core.parse_line(header, 2)
    assert second.kind == core.INVALID and "sex 'Sex' is not M, F or I" in second.reason


def test_a_first_line_that_is_neither_header_nor_data_is_rejected_with_the_expected_header():
    result = core.parse_line("sex,len,diam,height,whole,shucked,viscera,shell,rings", 1)
    assert result.kind == core.INVALID
    assert "a header line must be exactly: " + core.HEADER in result.reason


def test_invalid_utf8_rows_are_skipped_and_counted_not_fatal():
    data = GOOD.encode() + b"\n" + "I,0.3,0.2,0.1,0.2,0.1,0.05,0.06,7".encode() + b"\xff\xfe\n" + "F,0.5,0.4,0.1,0.6,0.25,0.12,0.2,10\n".encode()
    outputs, report = run_in_memory([("new/bad.csv", byte_lines(data))])
    assert report.rows_written == 2
    assert report.rejections == [{"source": "new/bad.csv", "line": 2, "reason": "line is not valid UTF-8"}]


def test_latin1_text_is_not_utf8():
    data = "M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15 é\n".encode("latin-1")
    assert core.parse_line(byte_lines(data)[0], 1).reason == "line is not valid UTF-8"
    # Text already decoded with replacement characters (as Spark's textFile does) is rejected alike.
    assert core.parse_line("M,0.4\ufffd5,0.365,0.095,0.514,0.2245,0.101,0.15,15", 3).reason == "line is not valid UTF-8"


def test_a_batch_without_data_rows_is_counted_and_the_run_goes_on(raw_bytes):
    sources = [
        (RAW_KEY, byte_lines(raw_bytes)),
        ("new/empty.csv", byte_lines(b"")),
        ("new/header-only.csv", byte_lines((core.HEADER + "\n").encode())),
    ]
    _, report = run_in_memory(sources)
    assert report.rows_written == 4177
    assert [stats["noDataRows"] for stats in report.to_dict()["sources"]] == [False, True, True]


def test_no_valid_row_at_all_is_an_error():
    with pytest.raises(core.EtlError, match="no valid abalone rows"):
        run_in_memory([("new/bad.csv", byte_lines(b"X,1,2,3,4,5,6,7,8\n"))])


def test_rejections_are_counted_all_but_reported_up_to_a_limit():
    data = ("\n".join(["Q,1,1,1,1,1,1,1,1"] * 150 + [GOOD]) + "\n").encode()
    _, report = run_in_memory([("new/many.csv", byte_lines(data))])
    assert report.invalid_total == 150
    assert len(report.rejections) == core.MAX_REPORTED_REJECTIONS
    assert report.to_dict()["invalidRows"] == 150


# ---------------------------------------------------------------------------------------------
# Every rule of docs/data.md, one row at a time
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, reason",
    [
        ("M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15", "expected 9 comma-separated fields, found 8"),
        (GOOD + ",1", "expected 9 comma-separated fields, found 10"),
        ("M;0.455;0.365;0.095;0.514;0.2245;0.101;0.15;15", "expected 9 comma-separated fields, found 1"),
        (fields_with(0, "X"), "sex 'X' is not M, F or I"),
        (fields_with(0, "male"), "sex 'male' is not M, F or I"),
        (fields_with(0, ""), "sex is empty"),
        (fields_with(1, ""), "length is empty"),
        (fields_with(2, "abc"), "diameter 'abc' is not a number"),
        (fields_with(3, "NaN"), "height is NaN: expected a finite number from 0 to 10"),
        (fields_with(4, "inf"), "whole_weight 'inf' is infinite: expected a finite number from 0 to 10"),
        (fields_with(4, "-Infinity"), "whole_weight '-Infinity' is infinite: expected a finite number from 0 to 10"),
        (fields_with(4, "1e999"), "whole_weight '1e999' is too large to be a finite number"),
        (fields_with(5, "-0.1"), "shucked_weight -0.1 is negative: measurements are from 0 to 10"),
        (
            fields_with(1, "91"),
            "length 91 is above 10: a value above 10 looks like raw millimetres or grams; "
            "the data set's scale divides them by 200",
        ),
        (fields_with(7, "10.0001"), "shell_weight 10.0001 is above 10"),
        (fields_with(6, "0x1A"), "viscera_weight '0x1A' is not a number"),
        (fields_with(6, "1_0"), "viscera_weight '1_0' is not a number"),
        (fields_with(8, ""), "rings is empty"),
        (fields_with(8, "9.5"), "rings 9.5 is not a whole number"),
        (fields_with(8, "ten"), "rings 'ten' is not a whole number"),
        (fields_with(8, "inf"), "rings 'inf' is not a whole number"),
        (fields_with(8, "0"), "rings 0 is out of range: rings are a whole number from 1 to 100"),
        (fields_with(8, "101"), "rings 101 is out of range: rings are a whole number from 1 to 100"),
        (fields_with(8, "-3"), "rings -3 is out of range"),
    ],
)
def test_rejection_rules(line, reason):
    result = parse(line)
    assert result.kind == core.INVALID
    assert reason in result.reason


def test_every_problem_of_a_row_is_reported():
    result = parse("Z,11,-1,,0.5,0.2,0.1,0.1,0")
    assert result.reason.split(core.PROBLEM_SEPARATOR) == [
        "sex 'Z' is not M, F or I",
        "length 11 is above 10: a value above 10 looks like raw millimetres or grams; the data set's scale divides them by 200",
        "diameter -1 is negative: measurements are from 0 to 10",
        "height is empty",
        "rings 0 is out of range: rings are a whole number from 1 to 100",
    ]


@pytest.mark.parametrize(
    "line, expected",
    [
        ("m,0,0,0,0,0,0,0,1", "M,0.0,0.0,0.0,0.0,0.0,0.0,0.0,1"),
        ("f,10,10,10,10,10,10,10,100", "F,10.0,10.0,10.0,10.0,10.0,10.0,10.0,100"),
        (" i ,.5, 5e-1,+0.5,0.50,-0,0.5,0.5, 7 ", "I,0.5,0.5,0.5,0.5,0.0,0.5,0.5,7"),
        ("M,0.455,0.365,0.095,0.514,0.2245,0.101,0.15,15.0", GOOD),
    ],
)
def test_accepted_boundaries_and_normalisation(line, expected):
    result = parse(line)
    assert result.kind == core.ROW, result.reason
    assert core.normalised_line(result.row) == expected


def test_blank_lines_are_skipped_not_rejected():
    assert parse("").kind == core.BLANK
    assert parse("   \r").kind == core.BLANK


# ---------------------------------------------------------------------------------------------
# Streaming and arguments
# ---------------------------------------------------------------------------------------------


def test_lines_from_chunks_whatever_the_chunk_boundaries():
    data = b"a,1\r\nb,2\n\nc,3"
    for size in range(1, len(data) + 1):
        chunks = [data[start:start + size] for start in range(0, len(data), size)]
        assert list(core.iter_lines_from_chunks(chunks)) == [b"a,1\r", b"b,2", b"", b"c,3"]
    assert list(core.iter_lines_from_chunks([b"x\n"])) == [b"x"]
    assert list(core.iter_lines_from_chunks([])) == []


def test_job_arguments_without_awsglue_ignore_glue_extras(monkeypatch):
    monkeypatch.setitem(sys.modules, "awsglue", None)
    argv = [
        "script.py",
        "--job-bookmark-option",
        "job-bookmark-disable",
        "--bucket",
        "b",
        "--raw_key",
        "abalone_data/raw/abalone.data",
        "--new_prefix",
        "abalone_data/new",
        "--output_prefix",
        "abalone_data/processed/",
    ]
    args = core.resolve_job_args(argv)
    assert args == core.JobArgs("b", "abalone_data/raw/abalone.data", "abalone_data/new/", "abalone_data/processed/")


def test_job_arguments_with_awsglue(monkeypatch):
    seen = {}

    def get_resolved_options(argv, names):
        seen["names"] = names
        return {"bucket": "b", "raw_key": "r", "new_prefix": "n/", "output_prefix": "o"}

    utils = types.ModuleType("awsglue.utils")
    utils.getResolvedOptions = get_resolved_options
    monkeypatch.setitem(sys.modules, "awsglue", types.ModuleType("awsglue"))
    monkeypatch.setitem(sys.modules, "awsglue.utils", utils)
    assert core.resolve_job_args(["script.py"]) == core.JobArgs("b", "r", "n/", "o/")
    assert seen["names"] == ["bucket", "raw_key", "new_prefix", "output_prefix"]


def test_missing_job_argument_is_a_usage_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "awsglue", None)
    with pytest.raises(SystemExit):
        core.resolve_job_args(["script.py", "--bucket", "b"])


def test_csv_split_writer_needs_every_folder():
    with pytest.raises(ValueError, match="testing-features"):
        core.CsvSplitWriter({"training": None, "validation": None, "testing": None})
