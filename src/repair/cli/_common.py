"""What every `repair` command shares: exit codes, argument types, reading input, and the
one way to print a diagnostic. It imports nothing from the other command modules, so each
of them (fix, scan, fixtures) depends on this file and on the library, never on another."""

from __future__ import annotations

import argparse
import enum
import sys


class Exit(enum.IntEnum):
    OK = 0
    CHECK_FAILED = 1  # --check: something needed repair; fixtures check: a case failed
    USAGE = 2
    UNREPAIRABLE = 3  # an input had no recoverable JSON value
    SKIPPED = 4  # scan: some input was skipped (unreadable, binary, damaged); the others were scanned
    CANNOT_WRITE = 5  # fix --in-place: a repaired file could not be written back
    INTERRUPTED = 130


EXIT_HELP = """exit codes:
  0    success
  1    --check found input that needed repair, or fixtures check found a regression
  2    usage error
  3    an input could not be repaired (no JSON value, or a lossy repair under --strict)
  4    scan: some input was skipped (unreadable, binary, damaged); the others were scanned
  5    fix --in-place: a repaired file could not be written back (a read-only file or directory)
  130  interrupted
"""


def err(msg: str) -> None:
    """A diagnostic on stderr: `repair: MSG`. Data goes to stdout, never this."""
    print(f"repair: {msg}", file=sys.stderr)


def positive_int(text: str) -> int:
    """argparse type for counts and limits: a whole number, 1 or more."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return n


def display_name(path: str) -> str:
    """How an input is named in diagnostics and records: `-` is `<stdin>`."""
    return "<stdin>" if path == "-" else path


def read_bytes(path: str) -> bytes:
    """The whole input: a file's bytes, or stdin's for `-`. OSError is the caller's."""
    if path == "-":
        return sys.stdin.buffer.read()
    with open(path, "rb") as fh:
        return fh.read()


def decode_text(data: bytes) -> str:
    """A model output as text: UTF-16 when it starts with a UTF-16 byte order mark, else
    UTF-8 with undecodable bytes kept as surrogates (the engine reports them)."""
    if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
        return data.decode("utf-16")
    return data.decode("utf-8", errors="surrogateescape")
