"""The runner's local timing knobs (README.md in this folder): seconds read from the environment."""
import os


def seconds_from_env(variable: str, default: float) -> float:
    """A non-negative number of seconds from `variable`, or `default` when it is unset or blank."""
    text = os.environ.get(variable, "")
    if not text.strip():
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValueError("{}={!r} is not a number of seconds".format(variable, text)) from None
    if value < 0:
        raise ValueError("{}={!r} must be 0 or more seconds".format(variable, text))
    return value
