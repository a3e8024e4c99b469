"""The units of a batch: what each line (or block of lines) holds that may be a value.

A unit is (line number, kind, raw bytes, notes): kind "line" (a log line that may hold a
value), "block" (a fenced or [CONTENT] block starting at that line) or "field" (with
--field, every non-blank JSONL line).

Lines that hold no `{`, `[` or fence are skipped with `bytes.find` over the whole batch, in
C: never split, decoded or visited one by one in Python. A line whose brackets can only be
prose (`[worker-2]`, `see [docs]`, `queue[3]`) is skipped without decoding (extraction's
`may_hold_value`).

A block still open at the end of a batch that is not its input's last is not a unit yet:
`BatchUnits.carry` is where it starts, and the runner scans it again with the next batch.
`dangling` says a fenced block was cut at its limit: its bare closing ``` is not an opener.
"""

from __future__ import annotations

from ..extract.prose import may_hold_value
from .options import limits

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from .batches import Batch

    # (line number, kind, raw bytes, notes): see above
    Unit = tuple[int, str, bytes, list[str]]


def _opens_block(raw: bytes) -> bytes | None:
    """The closer to look for if this line opens a block, else None."""
    if raw.count(b"```") % 2 == 1:
        return b"```"
    if b"[CONTENT]" in raw and b"[/CONTENT]" not in raw:
        return b"[/CONTENT]"
    return None


def _cut_note() -> str:
    return f"line longer than {limits.MAX_LINE_BYTES} bytes: cut there, the rest of the line skipped"


class BatchUnits:
    """The units of one batch (`units`), and how it ends: `carry` is the offset of a block
    still open at its end (with `carry_line` its line number), `dangling` as above."""

    __slots__ = ("units", "carry", "carry_line", "dangling")

    def __init__(self) -> None:
        self.units: list[Unit] = []
        self.carry: int | None = None
        self.carry_line = 0
        self.dangling = False


def field_units(batch: Batch) -> BatchUnits:
    got = BatchUnits()
    data, cuts = batch.data, batch.cuts
    lineno = batch.first_line - 1
    pos, n = 0, len(data)
    while pos < n:
        end = data.find(b"\n", pos) + 1 or n
        lineno += 1
        raw = data[pos:end]
        pos = end
        if raw.strip():
            got.units.append((lineno, "field", raw, [_cut_note()] if lineno in cuts else []))
    return got


def line_units(batch: Batch, dangling: bool = False) -> BatchUnits:
    """The units of a plain log batch; `dangling` is how the batch before it ended."""
    got = BatchUnits()
    units = got.units
    data, cuts = batch.data, batch.cuts
    n = len(data)
    pos = 0
    lineno = batch.first_line - 1  # the number of the line before `pos`
    brace = bracket = fence = -1  # the next `{`, `[`, ``` at or after pos (n: none)
    max_lines, max_bytes = limits.MAX_BLOCK_LINES, limits.MAX_BLOCK_BYTES
    find, rfind, count_of, append = data.find, data.rfind, data.count, units.append  # (looked up once: the loop runs per line)
    while pos < n:
        if brace < pos:
            brace = find(b"{", pos)
            if brace < 0:
                brace = n
        if bracket < pos:
            bracket = find(b"[", pos)
            if bracket < 0:
                bracket = n
        if fence < pos:
            fence = find(b"```", pos)
            if fence < 0:
                fence = n
        at = brace if brace < bracket else bracket
        if fence < at:
            at = fence
        if at >= n:
            break
        start = rfind(b"\n", pos, at) + 1 or pos
        end = find(b"\n", at) + 1 or n
        lineno += count_of(b"\n", pos, start) + 1
        pos = end
        raw = data[start:end]
        closer = None
        # (`brace`, `bracket` and `fence` are the first ones at or after the line's start:
        # the line holds one when it is before the line's end)
        if fence < end or (bracket < end and b"[CONTENT]" in raw):
            if dangling and raw.strip() == b"```":
                dangling = False
                continue
            closer = _opens_block(raw)
        if closer is None:
            if brace < end or (bracket < end and may_hold_value(raw)):
                append((lineno, "line", raw, [_cut_note()] if cuts and lineno in cuts else []))
            continue
        # a block: its lines up to the closer, or up to its limits
        notes = [_cut_note()] if lineno in cuts else []
        dangling = False
        first, count, closed = lineno, 1, False
        while pos < n:
            end = data.find(b"\n", pos) + 1 or n
            line = data[pos:end]
            pos = end
            lineno += 1
            count += 1
            if lineno in cuts:
                notes.append(f"line {lineno} longer than {limits.MAX_LINE_BYTES} bytes: cut")
            if closer in line and (closer != b"```" or line.count(b"```") % 2 == 1):
                closed = True
                break
            if count >= max_lines or pos - start >= max_bytes:
                notes.append(f"block cut after {count} lines ({pos - start} bytes): no closing {closer.decode()} within "
                             f"{max_lines} lines / {max_bytes} bytes; lines after it are scanned on their own")
                dangling = closer == b"```"
                closed = True
                break
        if not closed:
            if not batch.last:
                got.carry, got.carry_line = start, first
                return got
            notes.append(f"block not closed: no {closer.decode()} before the end of the file")
        units.append((first, "block", data[start:pos], notes))
    got.dangling = dangling
    return got


def batch_units(batch: Batch, field: str | None, dangling: bool = False) -> BatchUnits:
    return field_units(batch) if field is not None else line_units(batch, dangling)
