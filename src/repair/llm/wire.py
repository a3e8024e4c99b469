"""The text of a model stream captured or piped as it went over the wire: OpenAI's
Server-Sent Events (`data: {chunk}` lines, `data: [DONE]`) or Ollama's NDJSON, fed bytes
as they arrive. `repair fix --stream` reads `curl -N` output with it; the adapters use
the same framing and the same event readers (_stream_protocol.py, openai.py, ollama.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._protocol import LLMError
from ._stream_protocol import _NDJSON, _SSE, _Malformed, _Progress, _ServerSaid, _Unit

__all__ = ["WireText", "sniff"]


def sniff(head: bytes) -> str:
    """"sse", "ndjson" or "text": what the first bytes of a stream look like."""
    first = head.lstrip()
    if first.startswith((b"data:", b"event:", b":")):
        return "sse"
    if first.startswith(b"{") and b'"done"' in head.split(b"\n", 1)[0] and (
            b'"message"' in head or b'"response"' in head):
        return "ndjson"
    return "text"


class WireText:
    """Feed bytes of a framed stream; get the model's text pieces. `finish_reason` and
    `usage` are what the stream said, once it said them."""

    def __init__(self, kind: str) -> None:
        # an adapter's event reader, called unbound: the readers use no adapter state
        self._piece: Callable[[Any, _Unit, _Progress], str | None]
        self._framing: _SSE | _NDJSON
        if kind == "sse":
            from .openai import OpenAICompatible

            self._framing, self._piece = _SSE(), OpenAICompatible._stream_piece
        elif kind == "ndjson":
            from .ollama import Ollama

            self._framing, self._piece = _NDJSON(), Ollama._stream_piece
        else:
            raise ValueError(f"unknown stream format {kind!r}: use 'sse' or 'ndjson'")
        self._progress = _Progress()

    @property
    def finish_reason(self) -> str | None:
        return self._progress.finish_reason

    @property
    def usage(self) -> dict[str, int] | None:
        return self._progress.usage

    def feed(self, data: bytes) -> str:
        return self._text(self._framing.feed(data))

    def end(self) -> str:
        return self._text(self._framing.end())

    def _text(self, units: list[_Unit]) -> str:
        out = []
        for unit in units:
            try:
                piece = self._piece(None, unit, self._progress)  # (the readers use no adapter state)
            except (_Malformed, _ServerSaid) as exc:
                raise LLMError(str(exc)) from None
            if piece:
                out.append(piece)
        return "".join(out)
