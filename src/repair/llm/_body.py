"""The response body without the I/O: undoing its Content-Encoding piece by piece, and
bounding its size once decoded.

A small compressed body can expand a thousandfold (a gzip "bomb"), so the drivers read the
raw bytes and decode them here, never more than `_PIECE` bytes of output at a time, and a
body that passes `max_response_bytes` once decoded is refused at that point. Only gzip and
deflate are asked for (`ACCEPT_ENCODING`), as these are the ones the standard library
decodes with a bound on the output; a body in any other encoding is refused with a message
saying so.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

MAX_RESPONSE_BYTES = 32 * 1024 * 1024  # the default bound on a response body, once decoded
ACCEPT_ENCODING = "gzip, deflate"
_PIECE = 64 * 1024  # bytes of decoded output produced at a time


class _BodyError(Exception):
    """The body is over the size bound, in an encoding we did not ask for, or corrupt
    (internal; the adapter turns it into an LLMError)."""

    def __init__(self, message: str, *, status: int, retryable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable


class _Inflate:
    """One gzip or deflate layer, fed compressed bytes, giving decoded pieces of at most
    `_PIECE` bytes. "deflate" is zlib-wrapped by the standard, raw in some servers: the
    first bytes say which."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._gzip = encoding in ("gzip", "x-gzip")
        self._z = zlib.decompressobj(16 + zlib.MAX_WBITS if self._gzip else zlib.MAX_WBITS)
        # deflate: the input so far, until output shows the wrapping was right (None: known)
        self._before_output: bytes | None = None if self._gzip else b""

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._before_output is not None:
            self._before_output += data
        while not self._z.eof:
            try:
                piece = self._z.decompress(data, _PIECE)
            except zlib.error:
                if self._before_output is None:
                    raise
                # not zlib-wrapped: read all of it so far again as raw deflate
                self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                data, self._before_output = self._before_output, None
                continue
            if piece:
                self._before_output = None
                yield piece
            data = self._z.unconsumed_tail
            if not data and len(piece) < _PIECE:
                return  # the input is used up and no output is pending


class _Decoder:
    """The raw body in, the decoded body out, `limit` bytes at most (None: no bound).

    `feed(raw)` and, at the end of the body, `end()` return the decoded bytes so far;
    both raise _BodyError once the decoded body passes the limit, for an encoding that is
    not decoded here, or for corrupt compressed data."""

    def __init__(self, content_encoding: str, limit: int | None, status: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",")]
        codings = [c for c in codings if c and c != "identity"]
        self.encoding = ", ".join(codings)
        self.limit = limit
        self.status = status
        self.size = 0  # decoded bytes so far
        self._error: _BodyError | None = None
        unknown = [c for c in codings if c not in ("gzip", "x-gzip", "deflate")]
        if unknown:
            self._error = _BodyError(
                f"the server sent a body with Content-Encoding {unknown[0]!r}, which was not asked for "
                f"(Accept-Encoding: {ACCEPT_ENCODING}) and is not decoded here; check what stands between "
                "the client and the server (a proxy, a gateway)", status=status)
        self._layers = [_Inflate(c) for c in reversed(codings)] if not unknown else []
        self._ended = False

    def feed(self, data: bytes) -> bytes:
        if self._error is not None:
            raise self._error
        pieces: Iterable[bytes] = [data]
        for layer in self._layers:
            pieces = self._through(layer, pieces)
        out = bytearray()
        for piece in pieces:
            self.size += len(piece)
            if self.limit is not None and self.size > self.limit:
                raise self._too_large()
            out += piece
        return bytes(out)

    def end(self) -> bytes:
        """What is left once the raw body has ended (b"" when called again)."""
        if self._ended:
            return b""
        self._ended = True
        return self.feed(b"")

    def _through(self, layer: _Inflate, pieces: Iterable[bytes]) -> Iterator[bytes]:
        for piece in pieces:
            try:
                yield from layer.feed(piece)
            except zlib.error as exc:
                raise _BodyError(f"the {layer.encoding} body is corrupt ({exc})", status=self.status,
                                 retryable=True) from None

    def _too_large(self) -> _BodyError:
        decoded = f" once decompressed ({self.encoding})" if self.encoding else ""
        hint = (" (a small compressed body that expands this far is a decompression bomb)"
                if self.encoding else "")
        return _BodyError(
            f"the response body passed max_response_bytes={self.limit:,} bytes{decoded}{hint}; raise "
            "max_response_bytes (or set it to None) if answers this large are expected", status=self.status)
