"""Opening what a scan reads: a path or `-` (stdin), decompressed when its first bytes say
gzip, bzip2, xz or zstandard (whatever the file is called), refused when it is binary.

A refused or unreadable input raises `InputError`, whose message names the input and says
what to do; the scan goes on with the others. zstandard needs the optional `zstandard`
package (`pip install 'repair[zstd]'`); without it a .zst input is refused with that hint.
"""

from __future__ import annotations

import select
import sys

from .encodings import sniff
from .storage import open_raw

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Callable, Protocol

    class Readable(Protocol):
        """A binary stream as the scan reads it: a file, stdin, a decompressor."""

        def read(self, size: int = ..., /) -> bytes: ...

HEAD_BYTES = 8192

# (magic prefix, name); bzip2 also needs its block or end-of-stream marker after "BZh1".."BZh9"
_MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)
_BZIP2_MARKERS = (b"\x31\x41\x59\x26\x53\x59", b"\x17\x72\x45\x38\x50\x90")

# formats that are never text, whatever their bytes look like after the header
_BINARY_MAGIC = (
    (b"\x7fELF", "an ELF executable"), (b"\x89PNG\r\n\x1a\n", "a PNG image"), (b"PK\x03\x04", "a zip archive"),
    (b"%PDF-", "a PDF document"), (b"\xff\xd8\xff", "a JPEG image"), (b"GIF8", "a GIF image"),
    (b"PAR1", "a Parquet file"), (b"SQLite format 3\x00", "an SQLite database"), (b"7z\xbc\xaf\x27\x1c", "a 7z archive"),
    (b"\x04\x22\x4d\x18", "an lz4 stream (not supported: decompress it first, e.g. lz4 -dc)"),
)
# C0 control bytes that text does not hold (tab, newlines, form feed and escape are text)
_CONTROL = bytes(b for b in range(32) if b not in b"\t\n\r\x0b\x0c\x1b") + b"\x7f"


class InputError(Exception):
    """An input the scan skips: `kind` is "unreadable", "binary" or "damaged"."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


def compression_of(head: bytes) -> str | None:
    """"gzip", "bzip2", "xz", "zstd" from a stream's first bytes, or None."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if len(head) >= 10 and head[:3] == b"BZh" and head[3:4] in b"123456789" and head[4:10] in _BZIP2_MARKERS:
        return "bzip2"
    return None


def binary_kind(head: bytes) -> str | None:
    """What a binary input is ("binary data" when nothing more is known), or None for text.
    Text here is anything that decodes as mostly characters: UTF-16/32 (the scan decodes
    them), UTF-8 or Latin-1 with a few NUL or stray bytes (those become notes)."""
    for magic, what in _BINARY_MAGIC:
        if head.startswith(magic):
            return what
    if not head or sniff(head)[1] is not None:
        return None
    control = len(head) - len(head.translate(None, _CONTROL))
    if control > max(4, len(head) // 20):  # (a few NUL bytes in a short log are a note, not binary)
        return "binary data"
    text = head.decode("utf-8", "replace")
    if text.count("\ufffd") > len(text) // 4 + 1:  # (the last character may be cut in two)
        return "binary data"
    return None


class _Replay:
    """A binary stream whose first bytes were already read: `head`, then the rest."""

    def __init__(self, head: bytes, stream: Readable) -> None:
        self._head = head
        self._stream = stream
        self._read: Callable[[int], bytes] = getattr(stream, "read1", None) or stream.read

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self._head:
            data, self._head = (self._head, b"") if size < 0 or size >= len(self._head) else (self._head[:size], self._head[size:])
            return data
        return self._stream.read(size)

    def read1(self, size: int = -1) -> bytes:
        if self._head:
            return self.read(size)
        return self._read(size)


def _decompressor(kind: str, stream: Readable, name: str) -> Readable:
    if kind == "gzip":
        import gzip

        return gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[call-overload, no-any-return]  # (read forward only: the seek its stub asks for is never used)
    if kind == "bzip2":
        import bz2

        return bz2.BZ2File(stream, "rb")  # type: ignore[call-overload, no-any-return]  # (read forward only: the seek its stub asks for is never used)
    if kind == "xz":
        import lzma

        return lzma.LZMAFile(stream, "rb")  # type: ignore[arg-type]  # (any readable stream: its stub asks for IO[bytes])
    try:
        import zstandard  # type: ignore[import-not-found, unused-ignore]  # (optional: the zstd extra)
    except ImportError:
        raise InputError(f"{name}: zstandard-compressed, and the zstandard package is not installed: "
                         "pip install 'repair[zstd]' (or zstd -dc the file into the scan: zstd -dc FILE | repair scan -)",
                         "unreadable") from None
    return zstandard.ZstdDecompressor().stream_reader(stream, read_across_frames=True)  # type: ignore[no-any-return, unused-ignore]  # (untyped when the optional package is missing)


class Input:
    """One opened input: `read(n)` gives its (decompressed) bytes, `head` the first of them
    (already read, and given again by `read`), `compression` what it was compressed with,
    `ready()` whether more bytes can be read without waiting (False on a quiet pipe)."""

    def __init__(self, path: str, name: str) -> None:
        self.name = name
        self._own = path != "-"
        try:
            self._raw = open_raw(path) if self._own else sys.stdin.buffer
        except OSError as exc:
            raise InputError(f"{name}: cannot read: {exc.strerror or exc}. Check the path and permissions; "
                             "the scan goes on with the other files.", "unreadable") from None
        self._stream: Readable | None = None
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    def _open(self) -> None:
        name = self.name
        try:
            head = _read_head(self._raw, 16)
        except OSError as exc:
            raise InputError(f"{name}: cannot read: {exc.strerror or exc}. Check the path and permissions; "
                             "the scan goes on with the other files.", "unreadable") from None
        self.compression = compression_of(head)
        stream: Readable = _Replay(head, self._raw)
        if self.compression is not None:
            stream = _decompressor(self.compression, stream, name)
        self._stream = stream
        self._read: Callable[[int], bytes] = getattr(stream, "read1", None) or stream.read
        self.head = b""
        self.head = self._read_head_text()
        what = binary_kind(self.head)
        if what is not None:
            inside = f" (inside its {self.compression} compression)" if self.compression else ""
            raise InputError(f"{name}: {what}{inside}, not text: skipped. Scan text logs; if this is a log in an "
                             "unusual encoding, convert it to UTF-8 first (iconv -f ENCODING -t UTF-8).", "binary")
        self._replay = self.head

    def _read_head_text(self) -> bytes:
        try:
            return _read_head(self._stream, HEAD_BYTES, self.ready)  # type: ignore[arg-type]  # (_open set it just before)
        except (OSError, EOFError, ValueError) as exc:
            raise damaged(self.name, self.compression, exc) from None
        except Exception as exc:  # noqa: BLE001 - zstandard raises its own ZstdError
            raise damaged(self.name, self.compression, exc) from None

    def read(self, size: int) -> bytes:
        """Up to `size` bytes (fewer when that is what is there); b"" at the end."""
        if self._replay:
            data, self._replay = self._replay, b""
            return data
        try:
            return self._read(size)
        except (OSError, EOFError, ValueError) as exc:
            raise damaged(self.name, self.compression, exc) from None
        except Exception as exc:  # noqa: BLE001 - zstandard raises its own ZstdError
            if self.compression == "zstd":
                raise damaged(self.name, self.compression, exc) from None
            raise

    def ready(self) -> bool:
        if self.compression is not None or self._own:
            return True
        try:
            return bool(select.select([self._raw], [], [], 0)[0])
        except (OSError, ValueError, TypeError):  # not a selectable stream (a test's BytesIO)
            return True

    def close(self) -> None:
        for stream in (self._stream, self._raw if self._own else None):
            if stream is not None and hasattr(stream, "close"):
                try:
                    stream.close()
                except Exception:  # noqa: BLE001 - closing a damaged stream may complain again
                    pass


def damaged(name: str, compression: str | None, exc: BaseException) -> InputError:
    what = f"{compression} data is damaged or cut short" if compression else "read failed"
    detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return InputError(f"{name}: {what} ({detail}). Records up to there were written; check the file or device, "
                      "then scan it again.", "damaged")


def _read_head(stream: Readable, size: int, ready: Callable[[], bool] | None = None) -> bytes:
    """Up to `size` first bytes; with `ready`, no waiting for more once some have come (a
    pipe that is quiet for now: `tail -f app.log | repair scan -`)."""
    read = getattr(stream, "read1", None) or stream.read
    head = b""
    while len(head) < size:
        more = read(size - len(head))
        if not more:
            break
        head += more
        if ready is not None and not ready():
            break
    return head
