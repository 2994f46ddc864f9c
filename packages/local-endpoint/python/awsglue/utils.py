"""awsglue.utils.getResolvedOptions with the semantics of awslabs/aws-glue-libs (awsglue/utils.py,
awsglue/job.py): reserved Glue arguments are accepted and reported, each requested name is a
required `--name` argument, unknown arguments are ignored, a missing one raises GlueArgumentError.
"""
import argparse

_global_args = {}

CONTINUATION_OPTIONS = ["--continuation-option", "continuation-enabled", "continuation-readonly", "continuation-ignore"]
JOB_BOOKMARK_OPTIONS = ["--job-bookmark-option", "job-bookmark-enable", "job-bookmark-pause", "job-bookmark-disable"]
JOB_BOOKMARK_RANGE_OPTIONS = ["--job-bookmark-from", "--job-bookmark-to"]
ID_PARAMS = ["--JOB_NAME", "--JOB_ID", "--JOB_RUN_ID", "--SECURITY_CONFIGURATION"]
ENCRYPTION_TYPE_OPTIONS = ["--encryption-type", "sse-s3"]


class GlueArgumentError(Exception):
    pass


class GlueArgumentParser(argparse.ArgumentParser):
    def error(self, message):
        raise GlueArgumentError(message)


def strip_option_prefix(option):
    return option.lstrip("--")


def getResolvedOptions(args, options):
    parser = GlueArgumentParser()

    if CONTINUATION_OPTIONS[0][2:] in options:
        raise RuntimeError("Using reserved arguments " + CONTINUATION_OPTIONS[0][2:])
    if JOB_BOOKMARK_OPTIONS[0][2:] in options:
        raise RuntimeError("Using reserved arguments " + JOB_BOOKMARK_OPTIONS[0][2:])

    parser.add_argument(JOB_BOOKMARK_OPTIONS[0], choices=JOB_BOOKMARK_OPTIONS[1:], required=False)
    parser.add_argument(CONTINUATION_OPTIONS[0], choices=CONTINUATION_OPTIONS[1:], required=False)

    for option in JOB_BOOKMARK_RANGE_OPTIONS:
        if option[2:] in options:
            raise RuntimeError("Using reserved arguments " + option)
        parser.add_argument(option, required=False)

    for option in ID_PARAMS[1:]:
        if strip_option_prefix(option) in options:
            raise RuntimeError("Using reserved arguments " + option)
        parser.add_argument(option, required=False)

    if strip_option_prefix(ENCRYPTION_TYPE_OPTIONS[0]) in options:
        raise RuntimeError("Using reserved arguments " + ENCRYPTION_TYPE_OPTIONS[0])
    parser.add_argument(ENCRYPTION_TYPE_OPTIONS[0], choices=ENCRYPTION_TYPE_OPTIONS[1:])

    options = [opt for opt in options if opt not in {"RedshiftTempDir", "TempDir"}]
    parser.add_argument("--RedshiftTempDir", required=False)
    parser.add_argument("--TempDir", required=False)

    for option in options:
        parser.add_argument("--" + option, required=True)

    parsed, _extra = parser.parse_known_args(args[1:])
    parsed_dict = vars(parsed)

    if parsed_dict.get("TempDir") is not None:
        parsed_dict["RedshiftTempDir"] = parsed_dict["TempDir"]
    elif parsed_dict.get("RedshiftTempDir") is not None:
        parsed_dict["TempDir"] = parsed_dict["RedshiftTempDir"]

    bookmark_value = parsed_dict.pop("continuation_option", None)
    if parsed_dict.get("job_bookmark_option") is None:
        if bookmark_value is None:
            bookmark_value = JOB_BOOKMARK_OPTIONS[3]
        else:
            bookmark_value = JOB_BOOKMARK_OPTIONS[CONTINUATION_OPTIONS.index(bookmark_value)]
        parsed_dict["job_bookmark_option"] = bookmark_value
    absent_range_option = []
    for option in JOB_BOOKMARK_RANGE_OPTIONS:
        key = option[2:].replace("-", "_")
        if parsed_dict.get(key) is None:
            absent_range_option.append(option)
    if parsed_dict["job_bookmark_option"] == "job-bookmark-pause":
        if len(absent_range_option) == 1:
            raise RuntimeError("Missing option or value for " + absent_range_option[0])
    elif len(absent_range_option) == 0:
        raise RuntimeError("Invalid option(s)" + " ".join(JOB_BOOKMARK_RANGE_OPTIONS))

    _global_args.update(parsed_dict)
    return parsed_dict
