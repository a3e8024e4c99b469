"""`repair scan`: stream log files and write one JSONL record per JSON-like value found.

Files are read line by line in binary and each line is decoded on its own, so memory stays
constant whatever the size of the log. Three kinds of unit become records:

- a plain log line holding a JSON-ish value (`... INFO got {'a': 1}`), found by repair's
  own extraction; lines without `{` or `[` are never candidates, and lines where repair
  finds no value at all give no record;
- with `--field PATH`, each line of a JSONL log: the string at PATH (dotted, list indexes
  as numbers: `choices.0.message.content`) is the model's raw text and is repaired;
- a block that opens with a markdown fence or a `[CONTENT]` tag and runs to its closing
  fence or tag (capped at MAX_BLOCK_LINES lines / MAX_BLOCK_BYTES bytes): one record at
  the line where the block starts.

Units are grouped in chunks; each chunk is repaired (in this process, or in a worker with
`--jobs N`), its records are written with one write and a flush, in input order.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter

MAX_BLOCK_LINES = 2000
MAX_BLOCK_BYTES = 1 << 20
MAX_LINE_BYTES = 1 << 20
CHUNK_UNITS = 512
CHUNK_BYTES = 1 << 20

SCAN_EXAMPLES = """examples:
  repair scan examples/agent.log --stats
  repair scan --field choices.0.message.content --only failed calls.jsonl > failed.jsonl
  cat agent.log | repair scan - --schema invoice.schema.json --jobs 4 | head

records (one JSON object per line on stdout):
  {"file": ..., "line": N, "ok": true, "steps": ["repair_..."], "value": ...}
  {"file": ..., "line": N, "ok": false, "steps": [], "error": "..."}
  optional keys: "kind" (line, block, field), "errors" (schema), "notes" (cut blocks, bad bytes)
  in a plain log line the text around the value is the log's own, so repair_leading_text and
  repair_trailing_text are not listed there: --only changed keeps values that needed repair
"""

SCAN_EXIT_HELP = """exit codes:
  0    success (records with "ok": false and unreadable files do not change it)
  2    usage error
  3    --fail-fast met a failed record, or no file could be read
  130  interrupted
"""


def add_scan_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "scan", help="find and repair the JSON values in log files, one JSONL record each",
        description=(
            "Stream log files (any size, constant memory) and write one JSONL record per JSON-like "
            "value found: inside plain log lines (Python reprs included), in a JSONL field holding "
            "the model's raw text (--field), or in multi-line fenced / [CONTENT] blocks."
        ),
        epilog=SCAN_EXAMPLES + "\n" + SCAN_EXIT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("logs", nargs="+", metavar="LOG", help="log files; - for stdin")
    p.add_argument("--field", metavar="PATH", help="JSONL log: repair the string at this field (dotted path, e.g. choices.0.message.content)")
    p.add_argument("--schema", metavar="SPEC", help="align and validate each value against a JSON Schema file or module:Model")
    p.add_argument("--only", choices=("changed", "failed"), help="write only records that needed repair or failed (changed), or only failures (failed)")
    p.add_argument("--stats", action="store_true", help="print a summary table on stderr at the end")
    p.add_argument("--jobs", type=_positive, default=1, metavar="N", help="repair in N processes; output order is kept (default 1)")
    p.add_argument("--fail-fast", action="store_true", help="stop at the first failed record and exit 3")


def _positive(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return n


def _err(msg: str) -> None:
    print(f"repair: {msg}", file=sys.stderr)


# ---------------------------------------------------------------- reading units


def _decode(raw: bytes, notes: list) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        notes.append(f"undecodable byte 0x{raw[exc.start]:02x} at byte {exc.start + 1} of the line; invalid UTF-8 replaced with U+FFFD")
        return raw.decode("utf-8", errors="replace")


def _lines(fh):
    """Yield (raw line, cut) with bounded memory: a line over MAX_LINE_BYTES is cut there and
    the rest of it skipped."""
    while True:
        raw = fh.readline(MAX_LINE_BYTES)
        if not raw:
            return
        if len(raw) >= MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while True:
                rest = fh.readline(MAX_LINE_BYTES)
                if not rest or rest.endswith(b"\n"):
                    break
            yield raw, True
        else:
            yield raw, False


def _opens_block(raw: bytes):
    """The closer to look for if this line opens a block, else None."""
    if raw.count(b"```") % 2 == 1:
        return b"```"
    if b"[CONTENT]" in raw and b"[/CONTENT]" not in raw:
        return b"[/CONTENT]"
    return None


def _units(fh, name: str, field: str | None, stats: dict):
    """Yield units (file, line, kind, text, notes) from one open binary file."""
    lineno = 0
    dangling = False  # a fenced block was cut: its bare closing ``` is not a new opener
    it = _lines(fh)
    for raw, cut in it:
        lineno += 1
        stats["bytes"] += len(raw)
        notes: list = []
        if cut:
            notes.append(f"line longer than {MAX_LINE_BYTES} bytes: cut there, the rest of the line skipped")
        if field is not None:
            if not raw.strip():
                continue
            yield (name, lineno, "field", _decode(raw, notes), notes)
            continue
        if dangling and raw.strip() == b"```":
            dangling = False
            continue
        closer = _opens_block(raw)
        if closer is not None:
            dangling = False
            start = lineno
            parts = [raw]
            size = len(raw)
            closed = False
            for raw2, cut2 in it:
                lineno += 1
                stats["bytes"] += len(raw2)
                if cut2:
                    notes.append(f"line {lineno} longer than {MAX_LINE_BYTES} bytes: cut")
                parts.append(raw2)
                size += len(raw2)
                if closer in raw2 and (closer != b"```" or raw2.count(b"```") % 2 == 1):
                    closed = True
                    break
                if len(parts) >= MAX_BLOCK_LINES or size >= MAX_BLOCK_BYTES:
                    notes.append(f"block cut after {len(parts)} lines ({size} bytes): no closing {closer.decode()} within "
                                 f"{MAX_BLOCK_LINES} lines / {MAX_BLOCK_BYTES} bytes; lines after it are scanned on their own")
                    dangling = closer == b"```"
                    closed = True
                    break
            if not closed:
                notes.append(f"block not closed: no {closer.decode()} before the end of the file")
            yield (name, start, "block", _decode(b"".join(parts), notes), notes)
            continue
        if b"{" in raw or b"[" in raw:
            yield (name, lineno, "line", _decode(raw, notes), notes)


# ---------------------------------------------------------------- repairing units

_SCHEMA = None
_SCHEMA_SPEC = None


def _init_worker(schema_spec, in_worker=False):
    global _SCHEMA, _SCHEMA_SPEC
    if in_worker:  # Ctrl-C is the parent's to handle: workers end quietly when it shuts the pool down
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if schema_spec is not None and schema_spec != _SCHEMA_SPEC:
        from .schema_arg import load_schema

        _SCHEMA = load_schema(schema_spec)
        _SCHEMA_SPEC = schema_spec


def _get_field(obj, path: str):
    cur = obj
    done = []
    for part in path.split("."):
        where = ".".join(done) or "the top level"
        if isinstance(cur, dict):
            if part not in cur:
                raise LookupError(f"field {path!r} not found: no key {part!r} at {where}")
            cur = cur[part]
        elif isinstance(cur, list):
            if not part.lstrip("-").isdigit():
                raise LookupError(f"field {path!r} not found: {where} is a list, and {part!r} is not an index")
            try:
                cur = cur[int(part)]
            except IndexError:
                raise LookupError(f"field {path!r} not found: index {part} out of range at {where} (length {len(cur)})") from None
        else:
            raise LookupError(f"field {path!r} not found: {where} is {_kind(cur)}, not an object")
        done.append(part)
    return cur


def _kind(v) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(type(v), "a number")


def _record(unit, field):
    """The record for one unit, or None when a plain line holds no JSON value."""
    from .errors import RepairError, ValidationFailed
    from .core import repair

    name, lineno, kind, text, notes = unit
    rec = {"file": name, "line": lineno, "kind": kind}
    if field is not None:
        try:
            obj = json.loads(text)
        except ValueError as exc:
            rec.update(ok=False, steps=[], error=f"line is not JSON ({exc}); is this a JSONL log? Without --field the line is scanned as text")
            return _with_notes(rec, notes)
        try:
            text = _get_field(obj, field)
        except LookupError as exc:
            rec.update(ok=False, steps=[], error=str(exc))
            return _with_notes(rec, notes)
        if not isinstance(text, str):
            rec.update(ok=True, steps=[], value=text)  # already a JSON value, nothing to repair
            return _with_notes(rec, notes)
    try:
        result = repair(text, schema=_SCHEMA)
    except ValidationFailed as exc:
        rec.update(ok=False, steps=[s.code for s in exc.steps], error=str(exc), errors=exc.errors)
        return _with_notes(rec, notes)
    except RepairError as exc:
        if kind != "field" and (exc.msg.startswith("no JSON value") or exc.msg.startswith("empty")):
            return None
        rec.update(ok=False, steps=[], error=str(exc))
        return _with_notes(rec, notes)
    except Exception as exc:  # noqa: BLE001 - a bad record never stops the scan
        rec.update(ok=False, steps=[], error=f"internal error: {type(exc).__name__}: {exc}; please report it with this line")
        return _with_notes(rec, notes)
    value = result.value
    if _SCHEMA is not None and hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    codes = [s.code for s in result.steps]
    if kind == "line":  # the text around a value in a log line is the log's, not a defect of the value
        codes = [c for c in codes if c not in _LOG_LINE_CODES]
    rec.update(ok=True, steps=codes, value=value)
    return _with_notes(rec, notes)


_LOG_LINE_CODES = frozenset(["repair_leading_text", "repair_trailing_text"])


def _with_notes(rec, notes):
    if notes:
        rec["notes"] = list(notes)
    return rec


def _dump(rec) -> str:
    try:
        body = json.dumps(rec, ensure_ascii=False, allow_nan=False, default=str)
    except (ValueError, RecursionError):
        from .serialize import dumps

        body = dumps(rec)
    return body.encode("utf-8", "backslashreplace").decode("utf-8") + "\n"


def _process_chunk(units, field, only, fail_fast):
    """Repair a chunk: (output text, record stats, per-code counts, failed?)."""
    out = []
    counts = Counter()
    codes = Counter()
    failed = False
    for unit in units:
        rec = _record(unit, field)
        if rec is None:
            continue
        counts["records"] += 1
        if not rec["ok"]:
            counts["failed"] += 1
        elif rec["steps"]:
            counts["repaired"] += 1
        else:
            counts["unchanged"] += 1
        codes.update(rec["steps"])
        keep = (only is None or (only == "failed" and not rec["ok"])
                or (only == "changed" and (not rec["ok"] or rec["steps"])))
        if keep:
            out.append(_dump(rec))
        if fail_fast and not rec["ok"]:
            failed = True
            break
    return "".join(out), counts, codes, failed


def _process_chunk_worker(args):
    units, field, only, fail_fast = args
    return _process_chunk(units, field, only, fail_fast)


# ---------------------------------------------------------------- driving


def _chunks(args, stats):
    chunk, size = [], 0
    for path in args.logs:
        name = "<stdin>" if path == "-" else path
        try:
            fh = sys.stdin.buffer if path == "-" else open(path, "rb")
        except OSError as exc:
            _err(f"{name}: cannot read: {exc.strerror or exc}. Check the path and permissions; "
                 "the scan goes on with the other files.")
            stats["unreadable"] += 1
            continue
        try:
            for unit in _units(fh, name, args.field, stats):
                chunk.append(unit)
                size += len(unit[3])
                if len(chunk) >= CHUNK_UNITS or size >= CHUNK_BYTES:
                    yield chunk
                    chunk, size = [], 0
        except OSError as exc:
            _err(f"{name}: read failed midway: {exc.strerror or exc}. Records up to there were written; "
                 "check the file or device, then scan it again.")
            stats["unreadable"] += 1
        finally:
            if path != "-":
                fh.close()
    if chunk:
        yield chunk


def _results(args, chunks):
    field, only, ff = args.field, args.only, args.fail_fast
    if args.jobs <= 1:
        for chunk in chunks:
            yield _process_chunk(chunk, field, only, ff)
        return
    import collections
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=args.jobs, initializer=_init_worker, initargs=(args.schema, True)) as pool:
        pending = collections.deque()
        try:
            for chunk in chunks:
                pending.append(pool.submit(_process_chunk_worker, (chunk, field, only, ff)))
                while len(pending) >= 2 * args.jobs:  # bounded: constant memory whatever the log size
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for fut in pending:
                fut.cancel()
            pool.shutdown(wait=True, cancel_futures=True)


def run_scan(args) -> int:
    from .cli import Exit

    if args.schema:
        from .schema_arg import SchemaArgError

        try:
            _init_worker(args.schema)
        except SchemaArgError as exc:
            _err(str(exc))
            return Exit.USAGE
    else:
        _init_worker(None)
    stats = Counter()
    totals = Counter()
    codes = Counter()
    progress = _isatty(sys.stderr)
    out = sys.stdout
    stopped = False
    try:
        for text, counts, chunk_codes, failed in _results(args, _chunks(args, stats)):
            if text:
                out.write(text)
                out.flush()
            totals.update(counts)
            codes.update(chunk_codes)
            if progress:
                sys.stderr.write(f"\rrepair scan: {totals['records']} records, {stats['bytes'] / 1e6:.1f} MB read")
                sys.stderr.flush()
            if failed:
                stopped = True
                break
    finally:
        if progress:
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()
        global _SCHEMA, _SCHEMA_SPEC
        _SCHEMA = _SCHEMA_SPEC = None
    if args.stats:
        _print_stats(totals, codes, stats)
    if stopped:
        _err("--fail-fast: stopped at the first failed record (the last one written); run without --fail-fast to scan everything.")
        return Exit.UNREPAIRABLE
    if stats["unreadable"] and stats["unreadable"] >= len(args.logs):
        _err("no file could be read; nothing was scanned.")
        return Exit.UNREPAIRABLE
    return Exit.OK


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _print_stats(totals, codes, stats) -> None:
    rows = [("records", totals["records"]), ("repaired", totals["repaired"]),
            ("failed", totals["failed"]), ("unchanged", totals["unchanged"])]
    if stats["unreadable"]:
        rows.append(("unreadable files", stats["unreadable"]))
    width = max([len(k) for k, _ in rows] + [len(c) for c in codes] + [4])
    lines = ["repair scan summary", *(f"  {k:<{width}}  {v:>8}" for k, v in rows)]
    if codes:
        lines.append("repair codes (steps)")
        for code, n in sorted(codes.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {code:<{width}}  {n:>8}")
    sys.stderr.write("\n".join(lines) + "\n")
    sys.stderr.flush()
