"""Helpers for the `repair scan` tests (test_scan.py, test_scan_reliability.py)."""

from __future__ import annotations

import array
import fcntl
import io
import json
import shutil
import signal
import subprocess
import sys
import termios
import time

from repair.cli import main as cli_main


def command():
    """The installed console script; `python -m repair` where it is not on PATH."""
    exe = shutil.which("repair")
    return [exe] if exe else [sys.executable, "-m", "repair"]


def _default_signals() -> None:
    # In the child, before exec: a test runner started in the background (`pytest &`, a
    # CI step) has SIGINT ignored, the child inherits that, and `repair scan` rightly
    # respects an ignored SIGINT. The tests mean an interactive Ctrl-C and a kill.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def start_scan(argv, **popen_kwargs) -> subprocess.Popen:
    """`repair scan ARGV` as a process with SIGINT and SIGTERM at their defaults, however
    the test runner itself was started; stdout and stderr are pipes."""
    popen_kwargs.setdefault("stdout", subprocess.PIPE)
    popen_kwargs.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen([*command(), "scan", *argv], preexec_fn=_default_signals, **popen_kwargs)


def pipe_level(fd: int) -> int:
    """Bytes waiting in a pipe."""
    buf = array.array("i", [0])
    fcntl.ioctl(fd, termios.FIONREAD, buf)
    return buf[0]


def wait_for_output(proc: subprocess.Popen) -> int:
    """Wait until the process has written something to its stdout pipe (so it is up and
    scanning, its signal handlers in place) or has ended; the bytes waiting. No clock:
    a process that neither writes nor ends is a hang, which the CI job's own limit ends."""
    while pipe_level(proc.stdout.fileno()) == 0 and proc.poll() is None:
        time.sleep(0.02)
    return pipe_level(proc.stdout.fileno())


def run(argv, capsys, monkeypatch=None, stdin: bytes = b""):
    """`repair scan ARGV` through main(argv): (exit code, stdout, stderr); with
    `monkeypatch`, stdin holds `stdin`."""
    if monkeypatch is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
    code = cli_main(["scan", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def records(out: str):
    """The JSONL records on stdout, which must end with a whole line."""
    assert out == "" or out.endswith("\n")
    return [json.loads(line) for line in out.splitlines()]
