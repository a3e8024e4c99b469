"""A scan cut into byte ranges that any worker, on any machine, can scan on its own, with
the records of a local scan: the engine-free half of the distributed scans (`dask.py`).

`plan(paths, blocksize)` opens each input once (here, on the driver: an unreadable or binary
input is named and skipped as in a local scan) and cuts it into `Range`s of about
`blocksize` bytes. A compressed input, a UTF-16/UTF-32 one, or one whose size the storage
does not tell, is one range: it can only be read from its start.

Ranges split at line boundaries: a range holds the lines that START in its bytes, so the
line that crosses its end is its own, the next range starts after it, and no line (so no
record) straddles two ranges. A fenced or [CONTENT] block that opens in one range and
closes in the next belongs to the first: `scan_range` reads past its end until the block
closes (or reaches its limits), and says how many lines of the next range it took
(`State.taken`). The next range is scanned on the guess that it starts outside any block;
`settle` scans it again when its predecessor's `State` says otherwise, as the local engine
does with batches.

Line numbers in a `RangeResult` count from the range's first line (1); `absolute` adds
the lines of the ranges before it once those are known (their `lines`, whatever their
records). A range's records are dicts, or with `jsonl` JSONL bytes as a local scan writes
them (`data`): what a worker hands back or writes, with no dict per record to pickle;
`output.rebase` adds the lines before to those.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field as dataclass_field

from .options import BLOCK_BYTES, limits
from .batches import Batch, batches, merged
from .encodings import sniff, utf8_pieces
from .inputs import Input, InputError
from .process import Collector
from .storage import expand, open_raw, size_of
from .units import batch_units, line_units

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import BinaryIO, Callable, Iterable, Iterator

    from .options import ScanOptions
    from .output import Record, Tally
    from .units import BatchUnits

    Warn = Callable[[str], object]  # called with a message for the user
    JSONL = bytes  # (RangeResult has a field named `bytes`)


@dataclass(frozen=True)
class Range:
    """Bytes [start, end) of input `path` (end None: the whole input, read from its start,
    decompressed and decoded as a local scan reads it); `index` its place among the
    input's ranges, `last` whether it is the input's last; `origin` where the text starts
    (after a UTF-8 byte order mark)."""

    path: str
    index: int
    start: int
    end: int | None
    last: bool
    origin: int = 0


@dataclass(frozen=True)
class State:
    """How a range ends, for the next one: `taken` lines of the next range were part of a
    block that opened before it; `dangling`: a fenced block was cut at its limit."""

    taken: int = 0
    dangling: bool = False


@dataclass
class RangeResult:
    records: list[Record]
    tally: Tally
    lines: int  # the lines that start in the range
    state: State
    bytes: int = 0
    skipped: list[str] = dataclass_field(default_factory=list)  # messages: the input turned out damaged
    notes: list[str] = dataclass_field(default_factory=list)  # messages that skip nothing (a UTF-16 input)
    data: JSONL = b""  # with `jsonl`: the records as JSONL bytes (and `records` empty)


def plan(paths: Iterable[str], blocksize: int = BLOCK_BYTES, warn: Warn | None = None,
         stats: Counter[str] | None = None) -> list[Range]:
    """The ranges of every input in order; inputs that cannot be scanned are named through
    `warn` and counted in stats["skipped"], as a local scan does."""
    if blocksize < 1:
        raise ValueError("blocksize must be 1 or more")
    warn = warn or (lambda message: None)
    stats = Counter() if stats is None else stats
    out = []
    for path in expand(paths):
        if path == "-":
            raise ValueError("standard input cannot be cut into ranges: scan it with the local engine")
        try:
            source = Input(path, path)
        except InputError as exc:
            warn(str(exc))
            stats["skipped"] += 1
            stats[exc.kind] += 1
            continue
        try:
            skip, codec, _, _ = sniff(source.head)
            whole = source.compression is not None or codec is not None
        finally:
            source.close()
        size = None if whole else _size(path)
        if size is None:
            out.append(Range(path, 0, 0, None, True))
            continue
        starts = list(range(0, size, blocksize)) or [0]
        for i, start in enumerate(starts):
            end = min(start + blocksize, size)
            out.append(Range(path, i, start, end, i == len(starts) - 1, skip))
    return out


def _size(path: str) -> int | None:
    try:
        return size_of(path)
    except (OSError, ValueError):
        return None


# ---------------------------------------------------------------- reading a range


def _line_start(fh: BinaryIO, at: int, origin: int) -> int:
    """The first line start at or after `at`: `at` itself when the byte before it is a
    newline (or it is the text's origin), else just after the next newline (or the end)."""
    if at <= origin:
        return origin
    fh.seek(at - 1)
    pos = at - 1
    while True:
        chunk = fh.read(limits.READ_BYTES)
        if not chunk:
            return pos
        nl = chunk.find(b"\n")
        if nl >= 0:
            return pos + nl + 1
        pos += len(chunk)


def _pieces(fh: BinaryIO, start: int, stop: int | None) -> Iterator[tuple[bytes, bool]]:
    """(piece, idle) pairs of the bytes [start, stop) (stop None: to the end)."""
    fh.seek(start)
    pos = start
    while stop is None or pos < stop:
        want = limits.READ_BYTES if stop is None else min(limits.READ_BYTES, stop - pos)
        chunk = fh.read(want)
        if not chunk:
            return
        pos += len(chunk)
        yield chunk, False


def _skip_lines(fh: BinaryIO, start: int, stop: int | None, count: int) -> tuple[int, int]:
    """(position after the first `count` lines from `start`, lines skipped): fewer when
    the range ends first."""
    fh.seek(start)
    pos, skipped = start, 0
    while stop is None or pos < stop:
        chunk = fh.read(limits.READ_BYTES if stop is None else min(limits.READ_BYTES, stop - pos))
        if not chunk:
            break
        at = 0
        while skipped < count:
            nl = chunk.find(b"\n", at)
            if nl < 0:
                break
            skipped, at = skipped + 1, nl + 1
        if skipped == count:
            return pos + at, skipped
        pos += len(chunk)
    if pos > start:
        fh.seek(pos - 1)
        if fh.read(1) != b"\n":  # the input's last line, without its newline
            skipped += 1
    return pos, skipped


def _collector(rng: Range, options: ScanOptions, jsonl: bool) -> Collector:
    out = Collector(rng.path, options, keep=not jsonl)
    out.stops = False  # (a scan by ranges does not stop at a failed record: --fail-fast is the local engine's)
    return out


def _result(out: Collector, lines: int, state: State, size: int = 0, skipped: list[str] | None = None,
            notes: list[str] | None = None) -> RangeResult:
    return RangeResult(out.records, out.counted(), lines, state, size, skipped or [], notes or [],
                       b"" if out.keep else out.data())


def _carry(batch: Batch, got: BatchUnits) -> Batch:
    return Batch(batch.name, batch.data[got.carry:], got.carry_line,
                 frozenset(n for n in batch.cuts if n >= got.carry_line), True)


def scan_range(rng: Range, options: ScanOptions, taken: int = 0, dangling: bool = False,
               jsonl: bool = False) -> RangeResult:
    """The records of one range, line numbers from its first line; its first `taken`
    lines belong to a block of the range before, `dangling` is how that range ended.
    `jsonl`: the records as JSONL bytes (`data`), not dicts."""
    out = _collector(rng, options, jsonl)
    if rng.end is None:
        return _scan_whole(rng, options, out)
    with open_raw(rng.path) as fh:
        start = _line_start(fh, rng.start, rng.origin)
        stop = None if rng.last else _line_start(fh, rng.end, rng.origin)
        if stop is not None and stop <= start:  # no line starts here: one line crosses the whole range
            return _result(out, 0, State(taken, dangling))
        start, skipped = _skip_lines(fh, start, stop, taken) if taken else (start, 0)
        if skipped < taken:  # a block from before covers this whole range
            return _result(out, skipped, State(taken - skipped, dangling))
        out.offset = skipped
        lines, size, carry = 0, 0, None
        for batch in batches(_pieces(fh, start, stop), rng.path):
            size += len(batch.data)
            lines = batch.first_line - 1 + batch.lines()
            if carry is not None:
                batch, carry = merged(carry, batch), None
            if batch.last and not rng.last:  # a block open at the end reads on into the next range
                batch = Batch(batch.name, batch.data, batch.first_line, batch.cuts, False)
            got = batch_units(batch, options.field, dangling)
            out.add(got.units)
            dangling = got.dangling
            if got.carry is not None:
                carry = _carry(batch, got)
        state = State(0, dangling)
        if carry is not None:
            state = _finish_block(fh, stop, carry, lines, out)  # type: ignore[arg-type]  # (a block carries past the end only of a range that is not its input's last: stop is set)
    return _result(out, skipped + lines, state, size)


def _finish_block(fh: BinaryIO, stop: int, carry: Batch, lines: int, out: Collector) -> State:
    """Scan the block that opens in `carry` (the open end of a range of `lines` lines)
    with the lines after the range that it needs; the State says how many it took."""
    block = carry
    for ext in batches(_pieces(fh, stop, None), carry.name):
        ext = Batch(ext.name, ext.data, lines + ext.first_line, frozenset(lines + n for n in ext.cuts), ext.last)
        block = merged(block, ext)
        got = line_units(block)
        if got.carry is None:  # closed, cut at its limits, or the input ended
            break
    first, _, raw, _ = got.units[0]
    count = Batch(block.name, raw).lines()
    exact = Batch(block.name, raw, first, frozenset(n for n in block.cuts if n < first + count), True)
    got = line_units(exact)
    out.add(got.units)
    return State(first + count - 1 - lines, got.dangling)


def _scan_whole(rng: Range, options: ScanOptions, out: Collector) -> RangeResult:
    """A range that is a whole input (compressed, UTF-16, size unknown): read as a local
    scan reads it."""
    notes: list[str]
    skipped: list[str]
    notes, skipped = [], []
    carry, dangling, lines, size = None, False, 0, 0
    source = None
    try:
        source = Input(rng.path, rng.path)
        for batch in batches(utf8_pieces(source, limits.READ_BYTES, notes.append), rng.path):
            size += len(batch.data)
            lines = batch.first_line - 1 + batch.lines()
            if carry is not None:
                batch, carry = merged(carry, batch), None
            got = batch_units(batch, options.field, dangling)
            out.add(got.units)
            dangling = got.dangling
            if got.carry is not None:
                carry = _carry(batch, got)
    except InputError as exc:
        skipped.append(str(exc))
    finally:
        if source is not None:
            source.close()
    return _result(out, lines, State(), size, skipped, notes)


def settle(rng: Range, first: RangeResult, before: State | None, options: ScanOptions,
           jsonl: bool = False) -> RangeResult:
    """`first` (the range scanned on the guess that it starts outside any block), or the
    range scanned again when `before` (how the range before it ended) says otherwise."""
    return rescan(rng, before, options, jsonl) or first


def rescan(rng: Range, before: State | None, options: ScanOptions, jsonl: bool = False) -> RangeResult | None:
    """The range scanned again when `before` (how the range before it ended) says that
    it does not start outside any block (rare: a block crosses the boundary); else None,
    and the first scan stands."""
    if not starts_inside(rng, before):
        return None
    return scan_range(rng, options, before.taken, before.dangling, jsonl)  # type: ignore[union-attr]  # (starts_inside: `before` is set)


def starts_inside(rng: Range, before: State | None) -> bool:
    """Whether the range starts inside a block (or after a cut fence), as `before`, how
    the range before it ended, says: then its first scan, made on the guess that it does
    not, is not its records."""
    return before is not None and rng.index != 0 and (before.taken != 0 or before.dangling)


def absolute(result: RangeResult, lines_before: int) -> list[Record]:
    """The range's records with line numbers counted from the input's first line (new
    records: a result may be shared, as a task's output is)."""
    if not lines_before:
        return result.records
    return [{**rec, "line": rec["line"] + lines_before} for rec in result.records]


def scan_ranges(paths: Iterable[str], options: ScanOptions, blocksize: int = BLOCK_BYTES, warn: Warn | None = None,
                stats: Counter[str] | None = None) -> Iterator[Record]:
    """The records of a scan by ranges, one range after the other, here: what the
    distributed engines compute, without them (a reference, and the tests' check)."""
    stats = Counter() if stats is None else stats
    state, lines_before = None, 0
    for rng in plan(paths, blocksize, warn, stats):
        if rng.index == 0:
            state, lines_before = None, 0
        result = settle(rng, scan_range(rng, options), state, options)
        stats["bytes"] += result.bytes
        for message in result.skipped:
            (warn or (lambda m: None))(message)
            stats["skipped"] += 1
        for message in result.notes:
            (warn or (lambda m: None))(message)
        yield from absolute(result, lines_before)
        state, lines_before = result.state, lines_before + result.lines
