"""Helpers for the `repair scan` tests (test_scan.py, test_scan_reliability.py)."""

from __future__ import annotations

import io
import json
import shutil
import sys

from repair.cli import main as cli_main


def command():
    """The installed console script; `python -m repair` where it is not on PATH."""
    exe = shutil.which("repair")
    return [exe] if exe else [sys.executable, "-m", "repair"]


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
