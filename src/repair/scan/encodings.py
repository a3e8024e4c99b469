"""Text encodings of a log: a UTF-8 byte order mark is skipped; UTF-16 and UTF-32 (with a
byte order mark, or UTF-16 without one, every other byte NUL) are decoded to UTF-8, with one
message; anything else is read as UTF-8 bytes (undecodable bytes become notes later)."""

from __future__ import annotations

import codecs

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Callable, Iterator, Protocol

    class Source(Protocol):
        """An opened input as this module reads it (inputs.Input, which imports this module)."""

        name: str
        head: bytes

        def read(self, size: int) -> bytes: ...
        def ready(self) -> bool: ...

# (byte order mark, codec, name); UTF-32 first: its little-endian mark starts like UTF-16's
_BOMS = (
    (codecs.BOM_UTF8, None, "UTF-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32LE"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32BE"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16BE"),
)


def sniff(head: bytes) -> tuple[int, str | None, str | None, str | None]:
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


def utf8_pieces(source: Source, read_bytes: int, warn: Callable[[str], object]) -> Iterator[tuple[bytes, bool]]:
    """The bytes of `source` (an inputs.Input) as UTF-8, piece by piece: (piece, idle), where
    `idle` says the source has nothing more ready now (a quiet pipe). `warn(message)` is
    called once for a UTF-16/UTF-32 input."""
    head = source.head
    if not head:
        return
    skip, codec, label, how = sniff(head)
    source.read(read_bytes)  # the head, given again: it is `head`
    if codec is None:
        yield head[skip:], not source.ready()
        while True:
            raw = source.read(read_bytes)
            if not raw:
                return
            yield raw, not source.ready()
    warn(f"{source.name}: {label} text ({how}): decoded as {label}; records are written in UTF-8. "
         f"If it is not {label}, convert the file to UTF-8 first (e.g. iconv -f LATIN1 -t UTF-8) and scan that.")
    decode = codecs.getincrementaldecoder(codec)(errors="replace").decode
    yield decode(head[skip:]).encode("utf-8"), not source.ready()
    while True:
        raw = source.read(read_bytes)
        if not raw:
            break
        yield decode(raw).encode("utf-8"), not source.ready()
    yield decode(b"", True).encode("utf-8"), False
