"""Streaming without the I/O: the framing of a streamed answer (Server-Sent Events for
OpenAI, newline-delimited JSON for Ollama), fed bytes as they arrive and giving whole
events, and the streaming exchange (`_Streaming._stream_exchange`), a generator like the
one-shot `_Adapter._exchange` that _drive.py runs sync or async.

The exchange retries exactly as the one-shot call does, but only until the first byte of
a streamed body has arrived: after that, part of the answer may have been handed out,
and a failure ends the stream with an LLMError instead. What an event means (a text
piece, the finish reason, the usage) is the adapter's `_stream_piece`; the framing and
the rules on how a stream must end are here.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any, Union

from ._protocol import JSONObject, LLMError, Messages, Reply, Wait, _Adapter, _excerpt, _Failure, _messages, logger
from ._body import _BodyError
from ._secrets import _mask_secrets

__all__ = ["Done", "Fail", "Open", "Read", "ReadAll", "ToolCallDelta", "Wait"]

_LINE_SLACK = 64 * 1024  # bytes an event may carry beside its text (ids, model name, logprobs)


# ------------------------------------------------------------------ the steps of the exchange
@dataclass(frozen=True)
class Open:
    """POST `body` and send back (status, headers) once the response head has arrived, or
    the transport exception it failed with."""

    body: JSONObject


@dataclass(frozen=True)
class ReadAll:
    """Read the rest of the body (an error, or an answer that was not streamed) and send
    back its bytes, or the transport exception."""


@dataclass(frozen=True)
class Read:
    """Hand `pieces` to the caller, then read the next piece of the body and send back its
    bytes (b"" at its end), or the transport exception."""

    pieces: tuple[Piece, ...] = ()


@dataclass(frozen=True)
class Done:
    """Hand out the last `pieces`; the answer is complete. `tool_calls` is the list of the
    tool calls the stream made, assembled from their deltas (None when it made none)."""

    pieces: tuple[Piece, ...]
    finish_reason: str | None
    usage: dict[str, int] | None
    tool_calls: list[JSONObject] | None = None


@dataclass(frozen=True)
class ToolCallDelta:
    """Among the `pieces` of a step: a piece of a tool call as the stream sent it (OpenAI:
    an entry of `choices[0].delta.tool_calls`, with its `index`; Ollama: a whole call), in
    order with the text pieces. The drivers give it to the caller's `on_tool_call_delta`
    rather than iterate it as text."""

    delta: JSONObject


# a piece the exchange hands out: text, or a tool call's piece
Piece = Union[str, ToolCallDelta]


@dataclass(frozen=True)
class Fail:
    """Hand out `pieces` (what arrived intact before the failure), then raise `error`."""

    pieces: tuple[Piece, ...]
    error: LLMError


# what the exchange yields (see `_Streaming._stream_exchange`)
Step = Union[Open, ReadAll, Read, Wait, Done, Fail]


# ------------------------------------------------------------------ framing
class _Malformed(Exception):
    """The stream broke its protocol: `problem` says where, `quoted` is the offending data
    when there is some to show (kept whole, so that credentials are masked before it is cut
    to an excerpt) (internal)."""

    def __init__(self, problem: str, quoted: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.quoted = quoted

    def __str__(self) -> str:
        if self.quoted is None:
            return self.problem
        return f"{self.problem}: {_excerpt(_mask_secrets(self.quoted))!r}"


class _ServerSaid(Exception):
    """An error object sent inside the stream (internal)."""


class _Lines:
    """Bytes in, whole lines out: split at \\n, \\r\\n or \\r (a \\r ending one chunk and a
    \\n starting the next are one line break), each line decoded as UTF-8 once it is whole,
    so a character split between chunks is never cut. `max_line` bounds the bytes held for
    a line that has not ended (None: no bound)."""

    def __init__(self, max_line: int | None = None) -> None:
        self._pending = bytearray()
        self._after_cr = False
        self._max_line = max_line
        self.number = 0  # lines given out so far

    def feed(self, data: bytes) -> list[tuple[int, str]]:
        if not data:
            return []
        if self._after_cr and data[:1] == b"\n":
            data = data[1:]
        self._after_cr = False
        # look for the last line break in the new bytes only: linear however the text is cut
        last = max(data.rfind(b"\n"), data.rfind(b"\r"))
        if last < 0:
            self._pending += data
            if self._max_line is not None and len(self._pending) > self._max_line:
                raise _Malformed(f"line {self.number + 1} passed {self._max_line:,} bytes without ending")
            return []
        whole = bytes(self._pending) + data[:last + 1]
        self._pending = bytearray(data[last + 1:])
        self._after_cr = last == len(data) - 1 and data.endswith(b"\r")  # its \n may come next
        return self._decode(whole.splitlines())  # bytes.splitlines splits at \n, \r\n and \r only

    def end(self) -> list[tuple[int, str]]:
        """The last line, when the body ended without a line break."""
        rest, self._pending = bytes(self._pending), bytearray()
        return self._decode([rest]) if rest else []

    def _decode(self, lines: list[bytes]) -> list[tuple[int, str]]:
        out = []
        for raw in lines:
            self.number += 1
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _Malformed(f"line {self.number} is not UTF-8 (byte {exc.start + 1}: {raw[exc.start:exc.start + 4]!r})") from None
            if self.number == 1 and line.startswith("\ufeff"):
                line = line[1:]  # a byte order mark before the first line
            out.append((self.number, line))
        return out


@dataclass(frozen=True)
class _Unit:
    """One framed unit of a stream: an SSE event's data, or one NDJSON line."""

    where: str  # "event 3 (line 7)", "line 7": for error messages
    data: str
    event: str = ""  # the SSE `event:` type, when one was given


class _SSE:
    """Server-Sent Events: `field: value` lines, a blank line ends an event, `:` lines are
    comments (keep-alives). Only `data` (joined by newlines when repeated) and `event` matter
    here; `id`, `retry` and unknown fields are ignored, as the SSE standard says."""

    def __init__(self, max_line: int | None = None) -> None:
        self._lines = _Lines(max_line)
        self._data: list[str] = []
        self._event = ""
        self._first = 0  # the line the pending event's data began on
        self.events = 0

    def feed(self, data: bytes) -> list[_Unit]:
        return self._take(self._lines.feed(data))

    def end(self) -> list[_Unit]:
        units = self._take(self._lines.end())
        if self._data:  # the last event lacked its blank line: take it rather than lose it
            units.append(self._dispatch())
        return units

    def _take(self, lines: list[tuple[int, str]]) -> list[_Unit]:
        units = []
        for number, line in lines:
            if not line:
                if self._data:
                    units.append(self._dispatch())
                self._event = ""
            elif line.startswith(":"):
                continue
            else:
                name, _, value = line.partition(":")
                if value.startswith(" "):
                    value = value[1:]
                if name == "data":
                    if not self._data:
                        self._first = number
                    self._data.append(value)
                elif name == "event":
                    self._event = value
        return units

    def _dispatch(self) -> _Unit:
        self.events += 1
        unit = _Unit(f"event {self.events} (line {self._first})", "\n".join(self._data), self._event)
        self._data, self._event = [], ""
        return unit


class _NDJSON:
    """Newline-delimited JSON: one value a line; blank lines are skipped."""

    def __init__(self, max_line: int | None = None) -> None:
        self._lines = _Lines(max_line)

    def feed(self, data: bytes) -> list[_Unit]:
        return self._take(self._lines.feed(data))

    def end(self) -> list[_Unit]:
        return self._take(self._lines.end())

    @staticmethod
    def _take(lines: list[tuple[int, str]]) -> list[_Unit]:
        return [_Unit(f"line {number}", line) for number, line in lines if line.strip()]


def _json_object(unit: _Unit) -> JSONObject:
    """The unit's data as a JSON object, or _Malformed saying where and why."""
    try:
        value = json.loads(unit.data)
    except ValueError as exc:
        why = f"{exc.msg} at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else str(exc)
        raise _Malformed(f"{unit.where} is not JSON ({why})", unit.data) from None
    if not isinstance(value, dict):
        raise _Malformed(f"{unit.where} is JSON but not an object", unit.data)
    return value


@dataclass
class _Progress:
    """What a stream has said so far, beside its text."""

    finish_reason: str | None = None
    usage: dict[str, int] | None = None
    finished: bool = False  # the protocol's end mark ([DONE], "done": true) has arrived
    refusal: str = ""  # an OpenAI refusal, in pieces
    chars: int = 0  # characters of text handed out
    pieces: list[Piece] = field(default_factory=list)  # this chunk's pieces, not yet handed out
    deltas: list[JSONObject] = field(default_factory=list)  # the tool-call deltas of the event being read
    tool_calls: dict[int, JSONObject] = field(default_factory=dict)  # index: the tool call assembled so far

    def assembled_tool_calls(self) -> list[JSONObject] | None:
        return [self.tool_calls[i] for i in sorted(self.tool_calls)] or None


# ------------------------------------------------------------------ the exchange
class _Streaming(_Adapter):
    """The streaming exchange shared by both protocols; subclasses say what an event means."""

    _accept = ""  # the Accept header of a streaming request

    # what subclasses provide
    def _stream_body(self, messages: list[JSONObject]) -> JSONObject:  # pragma: no cover - abstract
        raise NotImplementedError

    def _framing(self, max_line: int | None) -> _SSE | _NDJSON:  # pragma: no cover - abstract
        raise NotImplementedError

    def _stream_piece(self, unit: _Unit, progress: _Progress) -> str | None:  # pragma: no cover - abstract
        """The text `unit` carries (None for none); records finish reason, usage and the end
        mark in `progress`; raises _Malformed or _ServerSaid."""
        raise NotImplementedError

    def _stream_exchange(self, messages: Messages) -> Generator[Step, Any, None]:
        """The streaming request without the I/O, run by _drive.py.

        Yields `Open(body)` first (bad messages raise before that), then `ReadAll()` or
        `Read(pieces)` as the answer arrives, `Wait(seconds)` between attempts, and ends
        with `Done` or `Fail`; a failure before the first byte that is not retried raises
        the final LLMError instead.
        """
        body = self._stream_body(_messages(messages))
        attempt = 0
        while True:
            attempt += 1
            self._log_send(attempt)
            head = yield Open(body)
            outcome: Reply | _Failure
            if isinstance(head, BaseException):
                outcome = self._transport_failure(head, attempt)
            else:
                status, headers = head
                content_type = str(headers.get("content-type", "")).lower()
                if not 200 <= status < 300 or content_type.startswith("application/json"):
                    # an error, or a server that answered in one piece: read it as the one-shot call does
                    content = yield ReadAll()
                    if isinstance(content, BaseException):
                        outcome = self._transport_failure(content, attempt)
                    else:
                        outcome = self._response(status, content, attempt, headers)
                        if isinstance(outcome, Reply):
                            yield self._whole(outcome, status, attempt)
                            return
                else:
                    first = yield Read()
                    if isinstance(first, BaseException):  # nothing arrived: this attempt may be retried
                        outcome = self._transport_failure(first, attempt)
                    else:
                        yield from self._relay(first, status, attempt)
                        return
            yield Wait(self._next(outcome, attempt))

    def _whole(self, reply: Reply, status: int, attempt: int) -> Done | Fail:
        """Done (or Fail, when over max_size) for an answer that came in one piece."""
        self._next(reply, attempt)  # logs it
        if self.max_size is not None and len(reply.text) > self.max_size:
            return Fail((), self._oversize(status, attempt))
        calls = tuple(ToolCallDelta(c) for c in reply.tool_calls or () if isinstance(c, dict))
        return Done(((reply.text,) if reply.text else ()) + calls, reply.finish_reason, reply.usage,
                    reply.tool_calls)

    def _relay(self, chunk: bytes | BaseException, status: int, attempt: int) -> Generator[Step, Any, None]:
        """Decode the streamed body chunk by chunk (the first is `chunk`), handing out the text
        pieces; no retry from here on."""
        # an event carries at most max_size characters, each at most 12 bytes of JSON (\ud83d\ude00)
        max_line = None if self.max_size is None else 12 * self.max_size + _LINE_SLACK
        framing = self._framing(max_line)
        progress = _Progress()
        while True:
            if isinstance(chunk, BaseException):
                yield Fail((), self._broken(chunk, status, attempt, progress))
                return
            try:
                try:
                    units = framing.feed(chunk) if chunk else framing.end()
                except _Malformed as exc:
                    raise _Failed(self._malformed(exc, status, attempt, progress)) from None
                for unit in units:
                    self._take(unit, progress, status, attempt)
                    if progress.finished:
                        break  # anything after the end mark is not part of the answer
                if progress.finished or not chunk:
                    self._check_end(progress, status, attempt)
            except _Failed as failed:
                yield Fail(tuple(progress.pieces), failed.error)
                return
            pieces, progress.pieces = tuple(progress.pieces), []
            if progress.finished or not chunk:
                logger.debug("%s streamed %d characters: finish_reason=%s usage=%s",
                             self.url, progress.chars, progress.finish_reason, progress.usage)
                yield Done(pieces, progress.finish_reason, progress.usage, progress.assembled_tool_calls())
                return
            chunk = yield Read(pieces)

    def _take(self, unit: _Unit, progress: _Progress, status: int, attempt: int) -> None:
        """Read one unit into `progress`, or raise _Failed with the LLMError to end on."""
        try:
            piece = self._stream_piece(unit, progress)
        except _Malformed as exc:
            raise _Failed(self._malformed(exc, status, attempt, progress)) from None
        except _ServerSaid as exc:
            msg = (f"{self.url}: the server reported an error in the stream at {unit.where}: {self._quote(str(exc))} "
                   f"({self._so_far(progress)})")
            raise _Failed(LLMError(self._redact(msg), status=status, attempts=attempt)) from None
        if piece:
            progress.chars += len(piece)
            if self.max_size is not None and progress.chars > self.max_size:
                raise _Failed(self._oversize(status, attempt))
            progress.pieces.append(piece)
        progress.pieces += [ToolCallDelta(d) for d in progress.deltas]
        progress.deltas.clear()

    def _check_end(self, progress: _Progress, status: int, attempt: int) -> None:
        """A stream must end with its end mark (or at least a finish reason), and an empty
        answer with a refusal is the model refusing, as in the one-shot call."""
        if not progress.finished and progress.finish_reason is None:
            msg = (f"{self.url}: the stream ended before the model finished, with no end mark and no "
                   f"finish reason ({self._so_far(progress)}; not retried, as the answer had begun to "
                   "arrive): the connection was cut or the server stopped; ask again, and check the "
                   "server's log if it keeps happening")
            raise _Failed(LLMError(self._redact(msg), status=status, attempts=attempt, retryable=True))
        if progress.refusal and not progress.chars:
            msg = (f"{self.url}: the model refused to answer: {self._quote(progress.refusal)}; "
                   "rephrase the request or use another model")
            raise _Failed(LLMError(self._redact(msg), status=status, attempts=attempt))

    # ------------------------------------------------------------------ the errors
    def _so_far(self, progress: _Progress) -> str:
        return f"{progress.chars:,} characters of the answer had arrived"

    def _malformed(self, exc: _Malformed, status: int, attempt: int, progress: _Progress) -> LLMError:
        problem = exc.problem if exc.quoted is None else f"{exc.problem}: {self._quote(exc.quoted)!r}"
        msg = f"{self.url}: the {self._protocol} stream is malformed: {problem} ({self._so_far(progress)})"
        if not progress.chars:  # nothing readable yet: perhaps not the endpoint it should be
            msg += f"; is base_url the {self._protocol} endpoint ({self._hint})?"
        return LLMError(self._redact(msg), status=status, attempts=attempt)

    def _broken(self, exc: BaseException, status: int, attempt: int, progress: _Progress) -> LLMError:
        """The connection failed, stalled or ran out of time once the body had begun: worth
        asking again (`.retryable`), but not retried here; or the body passed
        max_response_bytes, or was corrupt."""
        import httpx

        if isinstance(exc, _BodyError):
            msg = f"{self.url}: {exc} ({self._so_far(progress)})"
            return LLMError(self._redact(msg), status=status, attempts=attempt, retryable=exc.retryable)

        detail = str(exc) or type(exc).__name__
        if isinstance(exc, httpx.TimeoutException):
            brief = f"timed out after {self.timeout:g} s" + (f" ({detail})" if detail != "timed out" else "")
            advice = ("raise timeout= (it bounds the wait for each piece, and the time spent "
                      "waiting for the whole answer)")
        else:
            brief = f"the connection failed ({detail})"
            advice = "check the server's log: it may have crashed or run out of memory on this request"
        msg = (f"{self.url}: the stream broke off: {brief} ({self._so_far(progress)}; not retried, "
               f"as the answer had begun to arrive); {advice}")
        return LLMError(self._redact(msg), status=status, attempts=attempt, retryable=True)


class _Failed(Exception):
    """Carries the LLMError a stream ends on, out of the decoding loop (internal)."""

    def __init__(self, error: LLMError) -> None:
        super().__init__(str(error))
        self.error = error
