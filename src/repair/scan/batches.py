"""Cutting an input into batches of whole lines: the only work a scan does on every byte in
one place, and in C (`bytes.find`, `bytes.count`); everything else happens per batch, in
whichever process (or machine) gets it.

A `Batch` knows its input's name, the number of its first line and which of its lines were
cut (a line longer than MAX_LINE_BYTES is cut there, the rest of it skipped, so memory
stays bounded whatever the line lengths). Its data is whole lines; only the input's last
line may lack its newline.
"""

from __future__ import annotations

from dataclasses import dataclass

from .options import limits
from .inputs import InputError

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Iterable, Iterator


@dataclass
class Batch:
    name: str
    data: bytes
    first_line: int = 1
    cuts: frozenset[int] = frozenset()  # numbers of the lines that were cut at MAX_LINE_BYTES
    last: bool = True  # the input's last batch: a block still open at its end is not closed
    idle: bool = False  # the input had nothing more ready (a quiet pipe): write what is done

    def lines(self) -> int:
        return self.data.count(b"\n") + (bool(self.data) and self.data[-1] != 10)


def merged(head: Batch, tail: Batch) -> Batch:
    """`head` (the unfinished end of a batch: an open block) followed by `tail`."""
    return Batch(tail.name, head.data + tail.data, head.first_line, head.cuts | tail.cuts, tail.last, tail.idle)


class _Builder:
    def __init__(self, name: str) -> None:
        self.name = name
        self.parts: list[bytes] = []
        self.size = 0
        self.first_line = 1
        self.lines = 0  # lines in parts
        self.cuts: list[int] = []

    def add(self, data: bytes) -> None:
        if data:
            self.parts.append(data)
            self.size += len(data)
            self.lines += data.count(b"\n")

    def add_cut(self, line: bytes) -> None:
        self.cuts.append(self.first_line + self.lines)
        self.add(line + b"\n")

    def take(self, last: bool, idle: bool = False) -> Batch:
        batch = Batch(self.name, b"".join(self.parts), self.first_line, frozenset(self.cuts), last, idle)
        self.first_line += self.lines
        self.parts, self.size, self.lines, self.cuts = [], 0, 0, []
        return batch


def batches(pieces: Iterable[tuple[bytes, bool]], name: str, max_line: int | None = None,
            batch_bytes: int | None = None) -> Iterator[Batch]:
    """Batches from (piece, idle) pairs; the last one has `last=True` (and may be empty).
    The sizes default to MAX_LINE_BYTES and BATCH_BYTES."""
    max_line = max_line or limits.MAX_LINE_BYTES
    batch_bytes = batch_bytes or limits.BATCH_BYTES
    out = _Builder(name)
    left = b""
    skipping = False  # inside the rest of a cut line
    pieces = iter(pieces)
    while True:
        try:
            piece, idle = next(pieces, (None, False))
        except InputError:  # damaged midway: the whole lines before the damage are scanned
            yield out.take(True)
            raise
        if piece is None:
            break
        if skipping:
            nl = piece.find(b"\n")
            if nl < 0:
                continue
            piece = piece[nl + 1:]
            skipping = False
        data = left + piece if left else piece
        nl = data.rfind(b"\n")
        if nl < 0:
            left = data
        else:
            whole, left = data[: nl + 1], data[nl + 1:]
            if len(whole) <= max_line:
                out.add(whole)
            else:
                _add_long(out, whole, max_line)
        if len(left) >= max_line:
            out.add_cut(left[:max_line])
            left, skipping = b"", True
        if out.size >= batch_bytes or (idle and out.size):
            yield out.take(False, idle)
    if left:
        out.add(left)
    yield out.take(True)


def _add_long(out: _Builder, whole: bytes, max_line: int) -> None:
    """Complete lines, of which some may be longer than `max_line`: those are cut."""
    pos = seg = 0
    n = len(whole)
    while pos < n:
        end = whole.find(b"\n", pos) + 1 or n
        if end - pos > max_line:
            out.add(whole[seg:pos])
            out.add_cut(whole[pos:pos + max_line])
            seg = end
        pos = end
    out.add(whole[seg:])
