"""Runs one Lambda invocation of a Python handler, as the Lambda Python runtime does.

  lambda_bootstrap.py HANDLER   (event JSON on stdin; env: the function's, plus the runtime's)

The handler (`module.function`) is imported from the task root (the current directory, which is
also on sys.path); it is called with the event and a context object; the result is written as
JSON to file descriptor 3. An exception is reported there as the runtime reports it:
{"errorMessage", "errorType", "stackTrace"} (awslabs/aws-lambda-python-runtime-interface-client,
awslambdaric/bootstrap.py, make_error). stdout and stderr are the function's log.
"""
import importlib
import json
import os
import sys
import time
import traceback


class LambdaContext:
    def __init__(self, deadline_ms):
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = os.environ.get("_LOCAL_FUNCTION_ARN", "")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.aws_request_id = os.environ.get("_LOCAL_REQUEST_ID", "")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(int(self._deadline_ms - time.time() * 1000), 0)


def error_result(error):
    frames = traceback.extract_tb(error.__traceback__)
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": os.environ.get("_LOCAL_REQUEST_ID", ""),
        "stackTrace": traceback.format_list(frames[1:] if len(frames) > 1 else frames),
    }


def init_error(out, message, error_type):
    """A handler that cannot be loaded: Lambda's Runtime.* error payload (no stack trace), written as the result."""
    result = {"errorMessage": message, "errorType": error_type, "requestId": os.environ.get("_LOCAL_REQUEST_ID", ""), "stackTrace": []}
    out.write(json.dumps({"error": result}))
    return 0


def main():
    handler_name = sys.argv[1]
    out = os.fdopen(3, "w")
    deadline_ms = float(os.environ.get("_LOCAL_DEADLINE_MS", "0"))
    sys.path.insert(0, os.getcwd())
    try:
        module_name, _, function_name = handler_name.rpartition(".")
        if not module_name:
            raise ValueError("Bad handler '{}': not enough values to unpack (expected 2, got 1)".format(handler_name))
        try:
            module = importlib.import_module(module_name.replace("/", "."))
        except ImportError as error:
            return init_error(out, "Unable to import module '{}': {}".format(module_name, error), "Runtime.ImportModuleError")
        handler = getattr(module, function_name, None)
        if handler is None:
            return init_error(out, "Handler '{}' missing on module '{}'".format(function_name, module_name), "Runtime.HandlerNotFound")
        event = json.loads(sys.stdin.read() or "{}")
        value = handler(event, LambdaContext(deadline_ms))
        try:
            payload = json.dumps(value)
        except (TypeError, ValueError) as error:
            result = {
                "errorMessage": "Unable to marshal response: {}".format(error),
                "errorType": "Runtime.MarshalError",
                "requestId": os.environ.get("_LOCAL_REQUEST_ID", ""),
                "stackTrace": [],
            }
            out.write(json.dumps({"error": result}))
            return 0
        out.write(json.dumps({"result": payload}))
    except Exception as error:  # the handler's exception is the invocation's result
        result = error_result(error)
        sys.stderr.write("[ERROR] {}: {}\n".format(result["errorType"], result["errorMessage"]))
        sys.stderr.write("".join(traceback.format_exception(type(error), error, error.__traceback__)))
        out.write(json.dumps({"error": result}))
    finally:
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
