"""Runs one command in a pseudo-terminal, the way a user at a terminal does, and types into it.

Input (JSON on stdin): {"argv": [...], "env": {...}, "steps": [{"expect": "<regex>", "send": "<text>"}],
"timeout": <seconds>}. Each step waits until the screen (everything the command wrote since the
previous step matched, ANSI sequences removed) matches `expect`, then types `send` (a Ctrl-C is
"\\u0003"). Output (JSON on stdout): {"code": <exit code, or -signal>, "screen": "<all output>",
"error": "<why a step timed out>" or null}.
"""
import json
import os
import pty
import re
import select
import signal
import sys
import time

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]")


def main() -> None:
    spec = json.load(sys.stdin)
    deadline = time.monotonic() + float(spec.get("timeout", 120))
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(spec["argv"][0], spec["argv"], spec["env"])
    raw = b""
    seen = 0  # where the current step's search starts
    error = None
    steps = list(spec.get("steps", []))
    eof = False

    def screen() -> str:
        return ANSI.sub("", raw.decode("utf-8", "replace"))

    while not eof:
        if steps:
            text = screen()
            match = re.search(steps[0]["expect"], text[seen:])
            if match:
                seen += match.end()
                os.write(fd, steps.pop(0)["send"].encode())
                continue
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            error = f"timed out waiting for {steps[0]['expect']!r}" if steps else "timed out waiting for the command to end"
            os.kill(pid, signal.SIGKILL)
            break
        ready, _, _ = select.select([fd], [], [], min(remaining, 0.5))
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:  # EIO: the child closed the terminal
                chunk = b""
            if not chunk:
                eof = True
            raw += chunk
    if steps and error is None:
        error = f"the command ended before {steps[0]['expect']!r} appeared"
    _, status = os.waitpid(pid, 0)
    json.dump({"code": os.waitstatus_to_exitcode(status), "screen": screen(), "error": error}, sys.stdout)


if __name__ == "__main__":
    main()
