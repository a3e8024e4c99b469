"""`repair scan`: the command line over the library's scanner (`repair.scan`).

The scanning itself (reading, decompressing, cutting lines, finding values, records, worker
processes) is `repair.scan`; this module parses the arguments, writes the records to
stdout whole, handles SIGINT and SIGTERM, and prints messages and the --stats summary on
stderr.

Signals: SIGINT (Ctrl-C) and SIGTERM end the scan between batches; one that arrives while a
batch of records is being written waits until the write is done, so the output is always
whole records. Exit 130 (SIGINT) or 143 (SIGTERM); a second signal during that write ends
it at once.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections import Counter

from ._common import Exit, err, positive_int

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from types import FrameType
    from typing import Any, Callable, Mapping, TextIO, Union
    from ..scan import ScanOptions

    # what signal.signal() returns and takes: a function, SIG_DFL / SIG_IGN, or None
    Handler = Union[Callable[[int, Union[FrameType, None]], Any], int, None]

SCAN_EXAMPLES = """examples:
  repair scan examples/agent.log --stats
  repair scan app.log.gz old/app.log.1.zst --only lossy       # compressed logs are read as they are
  repair scan --field choices.0.message.content --only failed calls.jsonl > failed.jsonl
  cat agent.log | repair scan - --schema invoice.schema.json --jobs 4 | head

records (one JSON object per line on stdout, one per value, in order):
  {"file": ..., "line": N, "index": I, "span": [START, END], "kind": ..., "ok": true, "lossy": false,
   "steps": ["repair_..."], "value": ...}
  {"file": ..., "line": N, "index": 0, "kind": ..., "ok": false, "steps": [], "error": "...", "error_kind": "..."}
  "line" is where the line (or block) starts, "index" the value's place among that line's values
  (`request={...} response={...}` gives index 0 and 1), "span" its characters in the line or block.
  "lossy": true when a repair may have changed or dropped data (a truncated value, a dropped tail).
  optional keys: "field" (--field PATH), "errors" (schema), "notes" (cut lines and blocks, bad bytes).
  "kind" is line, block (a fenced or [CONTENT] block) or field (--field).
  error_kind "limit": the text is longer than --max-repair characters and not valid JSON.
  the text around a value in a log line is the log's own, not a repair: --only changed keeps
  the values that needed one

inputs:
  files, or - for stdin; gzip, bzip2, xz and zstandard (pip install 'repair[zstd]') are read by
  their first bytes, whatever the name. A binary file is named on stderr and skipped.
  UTF-8 (a byte order mark is skipped). UTF-16/UTF-32 files with a byte order mark, and
  UTF-16 without one, are decoded as such (one message on stderr). Bytes that are not
  UTF-8 (Latin-1) and NUL bytes become a note on the record; the scan goes on.
"""

SCAN_EXIT_HELP = """exit codes:
  0    success (records with "ok": false do not change it)
  2    usage error
  3    --fail-fast met a failed record, or no input could be read
  4    some input was skipped (unreadable, binary, or damaged compressed data); the others were scanned
  130  interrupted (Ctrl-C, SIGINT)
  143  terminated (SIGTERM)
  after 130 or 143 the output is whole JSONL records, each one complete: a signal that
  arrives while records are being written waits for that write to finish
"""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `scan` on the `repair` subparsers."""
    from ..scan.options import MAX_REPAIR_CHARS

    p = subparsers.add_parser(
        "scan", help="find and repair the JSON values in log files, one JSONL record each",
        description=(
            "Stream log files (any size, constant memory, compressed or not) and write one JSONL record "
            "per JSON-like value found: inside plain log lines (Python reprs included), in a JSONL field "
            "holding the model's raw text (--field), or in multi-line fenced / [CONTENT] blocks."
        ),
        epilog=SCAN_EXAMPLES + "\n" + SCAN_EXIT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("logs", nargs="+", metavar="LOG", help="log files (plain, .gz, .bz2, .xz, .zst); - for stdin")
    p.add_argument("--field", metavar="PATH", help="JSONL log: repair the string at this field (dotted path, e.g. choices.0.message.content)")
    p.add_argument("--schema", metavar="SPEC", help="align and validate each value against a JSON Schema file or module:Model")
    p.add_argument("--only", choices=("changed", "failed", "lossy"),
                   help="write only records that needed repair or failed (changed), only failures (failed), "
                        "or only lossy repairs (lossy)")
    p.add_argument("--stats", action="store_true", help="print a summary table on stderr at the end")
    p.add_argument("--jobs", type=positive_int, default=1, metavar="N",
                   help="scan in N processes; output order is kept (default 1); with --engine dask and no "
                        "--scheduler, the local cluster's workers")
    p.add_argument("--fail-fast", action="store_true", help="stop at the first failed record and exit 3")
    p.add_argument("--max-repair", type=positive_int, default=MAX_REPAIR_CHARS, metavar="CHARS",
                   help=f"longest text (not valid JSON) handed to the repair engine; longer gives an error record "
                        f"with error_kind \"limit\" (default {MAX_REPAIR_CHARS})")
    add_scale_arguments(p)


def add_scale_arguments(p: argparse.ArgumentParser) -> None:
    """Where the scan runs and where its records go (the distributed half)."""
    from ..scan.options import BLOCK_BYTES

    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local: this machine, --jobs processes (default); dask: a Dask graph over byte ranges of "
                        "the inputs, on --scheduler or on a local cluster of --jobs workers (pip install 'repair[scale]')")
    p.add_argument("--scheduler", metavar="ADDRESS", help="--engine dask: the Dask scheduler to run on (tcp://host:8786)")
    p.add_argument("--blocksize", type=positive_int, default=BLOCK_BYTES, metavar="BYTES",
                   help=f"--engine dask: bytes per range, cut at line boundaries (default {BLOCK_BYTES})")
    p.add_argument("--output", metavar="DIR", help="write the records as parts (part-00000.jsonl, ...) in DIR, a "
                   "directory or URL, instead of stdout: one part per range with --engine dask")
    p.add_argument("--output-format", choices=("jsonl", "parquet"), default="jsonl",
                   help="--output: JSONL parts, or Parquet (needs pyarrow: pip install 'repair[parquet]')")


# ---------------------------------------------------------------- writing and signals


class _Interrupted(KeyboardInterrupt):
    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class _Signals:
    """SIGINT and SIGTERM as an exception between writes, never inside one: a signal that
    arrives while a chunk of records is being written is held until the write is done (a
    second one, if the write is stuck, ends it at once)."""

    def __init__(self) -> None:
        self.writing = False
        self.got: int | None = None
        self.saved: dict[signal.Signals, Handler] = {}

    def __enter__(self) -> _Signals:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                if signal.getsignal(sig) is signal.SIG_IGN:
                    continue  # ignored by whoever started us (nohup, a background job): leave it so
                try:
                    self.saved[sig] = signal.signal(sig, self._handler)
                except (ValueError, OSError):
                    pass
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, old in self.saved.items():
            signal.signal(sig, old)

    def _handler(self, signum: int, frame: FrameType | None) -> None:
        first = self.got is None
        self.got = signum
        if not self.writing or not first:
            raise _Interrupted(signum)

    def write(self, out: _Out, data: bytes) -> None:
        self.writing = True
        try:
            out.write(data)
        finally:
            self.writing = False
        if self.got is not None:
            raise _Interrupted(self.got)


class _Out:
    """stdout for whole chunks: `write` returns once every byte is written. Straight to the
    file descriptor with `os.write` in a loop: a buffered writer interrupted by a signal
    can report a short write as done and drop the rest (seen with CPython 3.11), which
    would leave half a record. Where stdout has no descriptor (a test harness), through
    its buffer or as text."""

    def __init__(self, stream: TextIO) -> None:
        stream.flush()
        self.stream = stream
        try:
            self.fd: int | None = stream.fileno()
        except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
            self.fd = None

    def write(self, data: bytes) -> None:
        if self.fd is not None:
            view = memoryview(data)
            while view:
                view = view[os.write(self.fd, view):]
            return
        buffer = getattr(self.stream, "buffer", None)
        if buffer is None:
            self.stream.write(data.decode("utf-8"))
            self.stream.flush()
            return
        view = memoryview(data)
        while view:
            view = view[buffer.write(view) or 0:]
        buffer.flush()


def run(args: argparse.Namespace) -> int:
    """Run `repair scan`; returns an Exit code (or 128 + the signal number)."""
    from ..scan import ScanOptions
    from ..scan.output import Tally

    options = ScanOptions(field=args.field, schema=args.schema, only=args.only, fail_fast=args.fail_fast,
                          max_repair=args.max_repair)
    if args.schema:
        from ..schema_arg import SchemaArgError
        from ..scan.process import load_schema

        try:
            load_schema(args.schema)
        except SchemaArgError as exc:
            err(str(exc))
            return Exit.USAGE
    stats: Counter[str] = Counter()
    totals = Tally()
    progress = _isatty(sys.stderr)
    out = _Out(sys.stdout)
    stopped = False
    interrupted: int | None = None
    try:
        results, out = _engine(args, options, stats, out)
    except (ImportError, ValueError, OSError) as exc:
        err(str(exc))
        return Exit.USAGE
    with _Signals() as signals:
        try:
            for result in results:
                if result.data:
                    signals.write(out, result.data)
                totals.update(result.tally)
                if progress:
                    sys.stderr.write(f"\rrepair scan: {totals.counts['records']} records, {stats['bytes'] / 1e6:.1f} MB read")
                    sys.stderr.flush()
                if result.failed:
                    stopped = True
                    break
        except _Interrupted as exc:
            interrupted = exc.signum
        finally:
            try:
                results.close()  # shut the workers down (an interrupt waits for the batches they are on)
            except _Interrupted as exc:
                interrupted = exc.signum
            if progress:
                sys.stderr.write("\r\x1b[K")
                sys.stderr.flush()
            if hasattr(out, "close"):
                out.close()
    if args.stats:
        _print_stats(totals.counts, totals.codes, stats)
    if interrupted is not None:
        return 128 + interrupted  # 130 for SIGINT (as Exit.INTERRUPTED), 143 for SIGTERM
    if stopped:
        err("--fail-fast: stopped at the first failed record (the last one written); run without --fail-fast to scan everything.")
        return Exit.UNREPAIRABLE
    if stats["skipped"] >= len(args.logs) and not stats["bytes"]:
        err("no input could be read; nothing was scanned.")
        return Exit.UNREPAIRABLE
    if stats["skipped"]:
        return Exit.SKIPPED
    return Exit.OK


def _engine(args: argparse.Namespace, options: ScanOptions, stats: Any, out: Any) -> tuple[Any, Any]:
    """(the results to write, where to write them) for --engine, --output and their flags."""
    from ..scan import scan_local

    jobs = args.jobs
    if args.engine == "local":
        if args.scheduler is not None:
            raise ValueError("--scheduler needs --engine dask")
        writer = out
        if args.output is not None:
            from ..scan.partitions import PartWriter

            writer = PartWriter(args.output, args.output_format)
        return scan_local(args.logs, options, jobs=jobs, stats=stats, warn=err), writer
    from ..scan.dask import scan_dask

    results = scan_dask(args.logs, options, scheduler=args.scheduler, workers=max(jobs, 1), blocksize=args.blocksize,
                        output=args.output, fmt=args.output_format, stats=stats, warn=err)
    return results, out


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _print_stats(totals: Mapping[str, int], codes: Mapping[str, int], stats: Mapping[str, int]) -> None:
    rows = [("records", totals["records"]), ("repaired", totals["repaired"]),
            ("failed", totals["failed"]), ("unchanged", totals["unchanged"])]
    if totals["lossy"]:
        rows.append(("lossy", totals["lossy"]))
    if stats["skipped"]:
        rows.append(("skipped inputs", stats["skipped"]))
    width = max([len(k) for k, _ in rows] + [len(c) for c in codes] + [4])
    lines = ["repair scan summary", *(f"  {k:<{width}}  {v:>8}" for k, v in rows)]
    if codes:
        lines.append("repair codes (steps)")
        for code, n in sorted(codes.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {code:<{width}}  {n:>8}")
    sys.stderr.write("\n".join(lines) + "\n")
    sys.stderr.flush()
