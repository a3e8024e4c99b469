"""`repair scan`: stream log files and write one JSONL record per JSON-like value found.

Files are read in binary, in pieces of READ_BYTES, and split into lines; each unit is
decoded on its own, so memory stays bounded whatever the size of the log. Three kinds of
unit become records:

- a plain log line holding a JSON-ish value (`... INFO got {'a': 1}`), found by repair's
  own extraction; lines without `{` or `[` are never candidates, and lines where repair
  finds no value at all give no record;
- with `--field PATH`, each line of a JSONL log: the string at PATH (dotted, list indexes
  as numbers: `choices.0.message.content`) is the model's raw text and is repaired;
- a block that opens with a markdown fence or a `[CONTENT]` tag and runs to its closing
  fence or tag (capped at MAX_BLOCK_LINES lines / MAX_BLOCK_BYTES bytes): one record at
  the line where the block starts.

Speed. Lines that hold no `{`, `[` or fence are skipped with `bytes.find` over the whole
piece, in C, never split, decoded or visited one by one in Python (`_Lines.candidates`);
a line whose brackets can only be prose (`[worker-2]`, `see [docs]`, `queue[3]`) is
skipped without decoding (extraction's `may_hold_value`). A line whose first bracket opens
valid JSON, with nothing around it that repair would read as another value or a wrapper,
is decoded by the C decoder at that bracket (`valid_value_in_line`): the record is the one repair gives
(the same value, no steps), only cheaper; tests/test_scan_reliability.py checks this
against repair itself.

Units are grouped in chunks (CHUNK_UNITS units or CHUNK_BYTES bytes); each chunk is
repaired (in this process, or in a worker with `--jobs N`, at most 2 x N chunks in
flight), its records are written with one write, in input order.

Encodings: UTF-8. A UTF-8 byte order mark is skipped; a file that starts with a UTF-16 or
UTF-32 byte order mark, or looks like UTF-16 without one (every other byte NUL), is
decoded as such, with one message on stderr. Undecodable bytes and NUL bytes inside a
unit become a note on its record.

Signals: SIGINT (Ctrl-C) and SIGTERM end the scan between chunks; one that arrives while a
chunk of records is being written waits until the write is done, so the output is always
whole records. Exit 130 (SIGINT) or 143 (SIGTERM); a second signal during that write ends
it at once.
"""

from __future__ import annotations

import argparse
import codecs
import json
import os
import signal
import sys
import threading
from collections import Counter

from ..extract.prose import may_hold_value, valid_value_in_line
from ._common import Exit, display_name, err, positive_int

MAX_BLOCK_LINES = 2000
MAX_BLOCK_BYTES = 1 << 20
MAX_LINE_BYTES = 1 << 20
READ_BYTES = 1 << 18
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

encodings:
  UTF-8 (a byte order mark is skipped). UTF-16/UTF-32 files with a byte order mark, and
  UTF-16 without one, are decoded as such (one message on stderr). Bytes that are not
  UTF-8 (Latin-1) and NUL bytes become a note on the record; the scan goes on.
"""

SCAN_EXIT_HELP = """exit codes:
  0    success (records with "ok": false and unreadable files do not change it)
  2    usage error
  3    --fail-fast met a failed record, or no file could be read
  130  interrupted (Ctrl-C, SIGINT)
  143  terminated (SIGTERM)
  after 130 or 143 the output is whole JSONL records, each one complete: a signal that
  arrives while records are being written waits for that write to finish
"""


def add_parser(subparsers) -> None:
    """Register `scan` on the `repair` subparsers."""
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
    p.add_argument("--jobs", type=positive_int, default=1, metavar="N", help="repair in N processes; output order is kept (default 1)")
    p.add_argument("--fail-fast", action="store_true", help="stop at the first failed record and exit 3")


# ---------------------------------------------------------------- reading: bytes, encodings, lines

# (byte order mark, codec, name); UTF-32 first: its little-endian mark starts like UTF-16's
_BOMS = (
    (codecs.BOM_UTF8, None, "UTF-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32LE"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32BE"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16BE"),
)


def _sniff(head: bytes):
    """(bytes to skip, codec or None, name, how it was recognised) from the start of a file."""
    for bom, codec, label in _BOMS:
        if head.startswith(bom):
            return len(bom), codec, label, "byte order mark"
    sample = head[:4096]
    pairs = len(sample) // 2
    if pairs >= 8:
        even = sample[0::2].count(0)
        odd = sample[1::2].count(0)
        if odd >= 0.3 * pairs and even <= 0.02 * pairs:
            return 0, "utf-16-le", "UTF-16LE", "no byte order mark; every other byte is NUL"
        if even >= 0.3 * pairs and odd <= 0.02 * pairs:
            return 0, "utf-16-be", "UTF-16BE", "no byte order mark; every other byte is NUL"
    return 0, None, None, None


def _pieces(fh, name: str, stats):
    """The file's bytes as UTF-8, piece by piece: a UTF-8 byte order mark dropped, UTF-16
    and UTF-32 decoded (with one message on stderr)."""
    read = getattr(fh, "read1", None) or fh.read
    size = max(1, READ_BYTES)
    head = b""
    while len(head) < 4:  # enough to see any byte order mark
        more = read(size)
        if not more:
            break
        stats["bytes"] += len(more)
        head += more
    if not head:
        return
    skip, codec, label, how = _sniff(head)
    if codec is None:
        yield head[skip:]
        while True:
            raw = read(size)
            if not raw:
                return
            stats["bytes"] += len(raw)
            yield raw
    err(f"{name}: {label} text ({how}): decoded as {label}; records are written in UTF-8. "
         f"If it is not {label}, convert the file to UTF-8 first (e.g. iconv -f LATIN1 -t UTF-8) and scan that.")
    decode = codecs.getincrementaldecoder(codec)(errors="replace").decode
    yield decode(head[skip:]).encode("utf-8")
    while True:
        raw = read(size)
        if not raw:
            break
        stats["bytes"] += len(raw)
        yield decode(raw).encode("utf-8")
    yield decode(b"", True).encode("utf-8")


def _batches(pieces):
    """Yield (data, cut): `data` is whole lines (only the file's last one may lack its
    newline), or with cut=True one line longer than MAX_LINE_BYTES cut there, the rest of
    it skipped: what `readline(MAX_LINE_BYTES)` would give, in bounded memory."""
    max_line = MAX_LINE_BYTES
    left = b""
    skipping = False  # inside the rest of a cut line
    for piece in pieces:
        if skipping:
            nl = piece.find(b"\n")
            if nl < 0:
                continue
            piece = piece[nl + 1:]
            skipping = False
        data = left + piece if left else piece
        nl = data.rfind(b"\n")
        if nl < 0:
            if len(data) >= max_line:
                yield data[:max_line], True
                left, skipping = b"", True
            else:
                left = data
            continue
        whole, left = data[: nl + 1], data[nl + 1:]
        if len(whole) <= max_line:
            yield whole, False
        else:
            yield from _split_long(whole, max_line)
        if len(left) >= max_line:
            yield left[:max_line], True
            left, skipping = b"", True
    if left:
        yield (left[:max_line], True) if len(left) >= max_line else (left, False)


def _split_long(whole: bytes, max_line: int):
    """`whole` (complete lines) in runs of ordinary lines, each line over `max_line` cut."""
    pos = seg = 0
    n = len(whole)
    while pos < n:
        end = whole.find(b"\n", pos) + 1 or n
        if end - pos > max_line:
            if seg < pos:
                yield whole[seg:pos], False
            yield whole[pos:pos + max_line], True
            seg = end
        pos = end
    if seg < n:
        yield whole[seg:], False


class _Lines:
    """Lines from batches, one at a time (`next_line`), or only those that may hold a
    value (`candidates`), skipping the others in C; `lineno` is the number of the last
    line returned."""

    __slots__ = ("_batches", "data", "pos", "cut", "lineno", "_brace", "_bracket", "_fence")

    def __init__(self, batches) -> None:
        self._batches = iter(batches)
        self.data = b""
        self.pos = 0
        self.cut = False
        self.lineno = 0
        self._brace = self._bracket = self._fence = -1  # next `{`, `[`, ``` in data (len(data): none)

    def _more(self) -> bool:
        while self.pos >= len(self.data):
            nxt = next(self._batches, None)
            if nxt is None:
                return False
            self.data, self.cut = nxt
            self.pos = 0
            self._brace = self._bracket = self._fence = -1
        return True

    def next_line(self):
        """(raw line, cut) or None at the end."""
        if not self._more():
            return None
        data = self.data
        self.lineno += 1
        if self.cut:
            self.pos = len(data)
            return data, True
        end = data.find(b"\n", self.pos) + 1 or len(data)
        raw = data[self.pos:end]
        self.pos = end
        return raw, False

    def candidates(self):
        """Yield (raw line, cut) for each line that holds `{`, `[` or a fence. The lines in
        between are skipped with `bytes.find` (memchr): never split, never decoded, never
        seen by Python one by one. The caller may take lines with `next_line` between two
        of these (a block's body): the next candidate is looked for after them."""
        while True:
            data, pos = self.data, self.pos
            n = len(data)
            if pos >= n:
                if not self._more():
                    return
                continue
            if self.cut:
                self.pos = n
                self.lineno += 1
                if b"{" in data or b"[" in data or b"```" in data:
                    yield data, True
                continue
            brace, bracket, fence = self._brace, self._bracket, self._fence
            if brace < pos:
                brace = data.find(b"{", pos)
                if brace < 0:
                    brace = n
            if bracket < pos:
                bracket = data.find(b"[", pos)
                if bracket < 0:
                    bracket = n
            if fence < pos:
                fence = data.find(b"```", pos)
                if fence < 0:
                    fence = n
            self._brace, self._bracket, self._fence = brace, bracket, fence
            at = min(brace, bracket, fence)
            if at >= n:
                self.lineno += data.count(b"\n", pos) + (data[-1] != 10)
                self.pos = n
                continue
            start = data.rfind(b"\n", pos, at) + 1 or pos
            end = data.find(b"\n", at) + 1 or n
            self.lineno += data.count(b"\n", pos, start) + 1
            self.pos = end
            yield data[start:end], False


def _opens_block(raw: bytes):
    """The closer to look for if this line opens a block, else None."""
    if raw.count(b"```") % 2 == 1:
        return b"```"
    if b"[CONTENT]" in raw and b"[/CONTENT]" not in raw:
        return b"[/CONTENT]"
    return None


def units(fh, name: str, field: str | None, stats):
    """Yield the units scan repairs from one open binary file, in file order.

    Each unit is a tuple (file name, line number, kind, raw bytes, notes): kind is "line"
    (a log line that may hold a value), "block" (a fenced or [CONTENT] block starting at
    that line) or "field" (with `field`, every non-blank JSONL line). `stats` counts
    "bytes" read. `repair fixtures add` uses this to read a scan record's text back."""
    lines = _Lines(_batches(_pieces(fh, name, stats)))
    cut_note = f"line longer than {MAX_LINE_BYTES} bytes: cut there, the rest of the line skipped"
    if field is not None:
        while True:
            got = lines.next_line()
            if got is None:
                return
            raw, cut = got
            if raw.strip():
                yield (name, lines.lineno, "field", raw, [cut_note] if cut else [])
    dangling = False  # a fenced block was cut: its bare closing ``` is not a new opener
    for raw, cut in lines.candidates():
        lineno = lines.lineno
        closer = None
        if b"```" in raw or b"[CONTENT]" in raw:
            if dangling and raw.strip() == b"```":
                dangling = False
                continue
            closer = _opens_block(raw)
        if closer is not None:
            notes = [cut_note] if cut else []
            dangling = False
            parts = [raw]
            size = len(raw)
            closed = False
            while True:
                got = lines.next_line()
                if got is None:
                    break
                raw2, cut2 = got
                if cut2:
                    notes.append(f"line {lines.lineno} longer than {MAX_LINE_BYTES} bytes: cut")
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
            yield (name, lineno, "block", b"".join(parts), notes)
            continue
        if b"{" in raw or (b"[" in raw and may_hold_value(raw)):
            yield (name, lineno, "line", raw, [cut_note] if cut else [])


def _decode(raw: bytes, notes: list, what: str = "line") -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        notes.append(f"undecodable byte 0x{raw[exc.start]:02x} at byte {exc.start + 1} of the {what}: invalid UTF-8 replaced "
                     "with U+FFFD; if the log is Latin-1 or cp1252, convert it first (iconv -f LATIN1 -t UTF-8)")
        text = raw.decode("utf-8", errors="replace")
    if "\x00" in text:
        k, first = raw.count(b"\x00"), raw.find(b"\x00") + 1
        notes.append(f"{k} NUL byte{'s' if k > 1 else ''} in the {what}, the first at byte {first}: repaired "
                     "with them in place (a NUL inside a string is kept, as \\u0000); if the log is UTF-16 or has binary "
                     "parts, convert or clean it first (iconv -f UTF-16 -t UTF-8, or tr -d '\\000')")
    return text


# ---------------------------------------------------------------- repairing units

_SCHEMA = None
_SCHEMA_SPEC = None


def _init_worker(schema_spec, in_worker=False):
    global _SCHEMA, _SCHEMA_SPEC
    if in_worker:  # signals are the parent's to handle: workers end quietly when it shuts the pool down
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if schema_spec is not None and schema_spec != _SCHEMA_SPEC:
        from ..schema_arg import load_schema

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


_repair = None
_errors = None


def _engine():
    global _repair, _errors
    if _repair is None:
        from .. import errors
        from ..core import repair

        _repair, _errors = repair, errors
    return _repair, _errors


def _record(unit, field):
    """The record for one unit, or None when a plain line holds no JSON value."""
    name, lineno, kind, raw, notes = unit
    text = _decode(raw, notes, "block" if kind == "block" else "line")
    if kind == "line" and _SCHEMA is None:
        value = valid_value_in_line(text)
        if value is not None:
            return _with_notes({"file": name, "line": lineno, "kind": kind, "ok": True, "steps": [], "value": value}, notes)
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
    repair, errors = _engine()
    try:
        result = repair(text, schema=_SCHEMA)
    except errors.ValidationFailed as exc:
        rec.update(ok=False, steps=[s.code for s in exc.steps], error=str(exc), errors=exc.errors)
        return _with_notes(rec, notes)
    except errors.RepairError as exc:
        if kind != "field" and exc.kind in ("no_value", "empty"):
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


# check_circular=False: the values come from parsing text and cannot hold themselves; the
# output is the same, without the encoder's bookkeeping of every container
_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=str, check_circular=False).encode


def _dump(rec) -> str:
    """One record as a JSON line (as `json.dumps(rec, ensure_ascii=False, allow_nan=False,
    default=str)`; repair's own serializer where that refuses the value)."""
    try:
        return _encode(rec) + "\n"
    except (ValueError, RecursionError):
        from ..serialize import dumps

        return dumps(rec) + "\n"


def _process_chunk(units, field, only, fail_fast):
    """Repair a chunk: (output as UTF-8 bytes, record stats, per-code counts, failed?)."""
    out = []
    counts = Counter()
    codes = Counter()
    failed = False
    for unit in units:
        rec = _record(unit, field)
        if rec is None:
            continue
        counts["records"] += 1
        steps = rec["steps"]
        if not rec["ok"]:
            counts["failed"] += 1
        elif steps:
            counts["repaired"] += 1
        else:
            counts["unchanged"] += 1
        if steps:
            codes.update(steps)
        if only is None or (only == "failed" and not rec["ok"]) or (only == "changed" and (not rec["ok"] or steps)):
            out.append(_dump(rec))
        if fail_fast and not rec["ok"]:
            failed = True
            break
    # a lone surrogate from a `\ud800` escape cannot be UTF-8: it is written as the text \ud800
    return "".join(out).encode("utf-8", "backslashreplace"), counts, codes, failed


def _process_chunk_worker(args):
    units, field, only, fail_fast = args
    return _process_chunk(units, field, only, fail_fast)


# ---------------------------------------------------------------- driving


def _chunks(args, stats):
    chunk, size = [], 0
    for path in args.logs:
        name = display_name(path)
        try:
            fh = sys.stdin.buffer if path == "-" else open(path, "rb")
        except OSError as exc:
            err(f"{name}: cannot read: {exc.strerror or exc}. Check the path and permissions; "
                 "the scan goes on with the other files.")
            stats["unreadable"] += 1
            continue
        try:
            for unit in units(fh, name, args.field, stats):
                chunk.append(unit)
                size += len(unit[3])
                if len(chunk) >= CHUNK_UNITS or size >= CHUNK_BYTES:
                    yield chunk
                    chunk, size = [], 0
        except OSError as exc:
            err(f"{name}: read failed midway: {exc.strerror or exc}. Records up to there were written; "
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

    _engine()  # imported once here, before the workers fork, not once in each of them
    with ProcessPoolExecutor(max_workers=args.jobs, initializer=_init_worker, initargs=(args.schema, True)) as pool:
        pending = collections.deque()
        try:
            for chunk in chunks:
                pending.append(pool.submit(_process_chunk_worker, (chunk, field, only, ff)))
                while len(pending) >= 2 * args.jobs:  # bounded: constant memory whatever the log size
                    yield pending.popleft().result()
                while pending and pending[0].done():  # written as soon as it is ready, in order
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for fut in pending:
                fut.cancel()
            pool.shutdown(wait=True, cancel_futures=True)


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
        self.got = None
        self.saved = {}

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                if signal.getsignal(sig) is signal.SIG_IGN:
                    continue  # ignored by whoever started us (nohup, a background job): leave it so
                try:
                    self.saved[sig] = signal.signal(sig, self._handler)
                except (ValueError, OSError):
                    pass
        return self

    def __exit__(self, *exc) -> None:
        for sig, old in self.saved.items():
            signal.signal(sig, old)

    def _handler(self, signum, frame) -> None:
        first = self.got is None
        self.got = signum
        if not self.writing or not first:
            raise _Interrupted(signum)

    def write(self, out, data: bytes) -> None:
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

    def __init__(self, stream) -> None:
        stream.flush()
        self.stream = stream
        try:
            self.fd = stream.fileno()
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


def run(args) -> int:
    """Run `repair scan`; returns an Exit code (or 128 + the signal number)."""
    if args.schema:
        from ..schema_arg import SchemaArgError

        try:
            _init_worker(args.schema)
        except SchemaArgError as exc:
            err(str(exc))
            return Exit.USAGE
    else:
        _init_worker(None)
    stats = Counter()
    totals = Counter()
    codes = Counter()
    progress = _isatty(sys.stderr)
    out = _Out(sys.stdout)
    stopped = False
    interrupted = None
    results = _results(args, _chunks(args, stats))
    with _Signals() as signals:
        try:
            for data, counts, chunk_codes, failed in results:
                if data:
                    signals.write(out, data)
                totals.update(counts)
                codes.update(chunk_codes)
                if progress:
                    sys.stderr.write(f"\rrepair scan: {totals['records']} records, {stats['bytes'] / 1e6:.1f} MB read")
                    sys.stderr.flush()
                if failed:
                    stopped = True
                    break
        except _Interrupted as exc:
            interrupted = exc.signum
        finally:
            try:
                results.close()  # shut the workers down (an interrupt waits for the chunks they are on)
            except _Interrupted as exc:
                interrupted = exc.signum
            if progress:
                sys.stderr.write("\r\x1b[K")
                sys.stderr.flush()
            global _SCHEMA, _SCHEMA_SPEC
            _SCHEMA = _SCHEMA_SPEC = None
    if args.stats:
        _print_stats(totals, codes, stats)
    if interrupted is not None:
        return 128 + interrupted  # 130 for SIGINT (as Exit.INTERRUPTED), 143 for SIGTERM
    if stopped:
        err("--fail-fast: stopped at the first failed record (the last one written); run without --fail-fast to scan everything.")
        return Exit.UNREPAIRABLE
    if stats["unreadable"] and stats["unreadable"] >= len(args.logs):
        err("no file could be read; nothing was scanned.")
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
