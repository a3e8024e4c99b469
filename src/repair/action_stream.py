"""Streaming a fill: the events `ActionNode.stream` and `astream` yield, and one answer
read as it arrives (a StreamParser with the node's schema; a continuation of a cut-off
answer is joined to it on the fly).

No I/O here and no import of action.py (which imports this module): the drivers there
make the calls and run the retry loop that `fill` runs.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .errors import RepairError
from .steps import unlogged_steps
from .streaming import _NOTHING, Snapshot, StreamParser, _diff, _paths

if TYPE_CHECKING:
    from .steps import Step

if TYPE_CHECKING:
    from .errors import ErrorDetail
    from .tools import ToolCallStream

_R = TypeVar("_R")  # what the last event carries: the fill's FillResult (action.py's, not imported here)

__all__ = ["StreamEvent"]

# characters of a continuation held back before it is joined to what it continues: enough
# for join_continuation's decision (a re-opened fence or tag, an overlap of up to 200
# characters) to be the one it makes on the whole continuation, but for odd cases that
# the end of the call corrects
JOIN_LOOKAHEAD = 256


@dataclass
class StreamEvent(Generic[_R]):
    """One step of a streaming fill.

    - `attempt`: the number of the call it belongs to, counted as `FillResult.attempts`
      and `FillFailed.attempts` count them (1 for the first ask; a re-ask, a retry after a
      failed call and a continuation are calls too), so `attempts[event.attempt - 1]` is
      that call's record once the fill is over;
    - `kind`: that call's kind, "ask", "reask" or "continue";
    - `snapshot`: the answer's value so far, a `repair.Snapshot` read with the node's
      schema (for a continuation: the value of the answer joined with what it continues).
      `snapshot.value` is live, updated in place by later events of the same answer: copy
      it to keep it;
    - `errors`: set on the last event of a call that is followed by a new ask: why (the
      answer's validation errors, "the answer was empty", "the call failed: ..."), in the
      shape of `Attempt.errors`; empty otherwise (when the fill fails, the last answer's
      errors are `FillFailed.errors`: no event comes before it is raised);
    - `result`: set on the very last event only: the `FillResult` (its snapshot then holds
      the validated value, complete, every path done).
    """

    attempt: int
    kind: str
    snapshot: Snapshot
    errors: list[ErrorDetail] = field(default_factory=list)
    result: _R | None = None  # the FillResult, on the last event

    @property
    def value(self) -> Any:
        """The value so far (`snapshot.value`; the validated value on the last event)."""
        return self.snapshot.value

    @property
    def final(self) -> bool:
        """Is this the last event (the one carrying `result`)?"""
        return self.result is not None

    def __repr__(self) -> str:
        what = "result" if self.result is not None else f"{len(self.errors)} error(s)" if self.errors else "partial"
        return f"StreamEvent(attempt={self.attempt}, kind={self.kind!r}, {what}, value={self.value!r:.60})"


class _Answer:
    """The answer being streamed: its parser, and the text of the current call.

    `begin` starts a call: a fresh parser for an ask or re-ask; for a continuation, the
    same parser goes on, its first JOIN_LOOKAHEAD characters held back until `join`
    (action.join_continuation, passed in) can drop a re-opened fence and the overlap.
    `feed` reads a piece; `end` makes sure the parser has read exactly the text the retry
    loop will check. The readings log no steps: the loop logs those of its check, once.
    """

    def __init__(self, schema: Any, join: Callable[[str, str], str]) -> None:
        self._schema = schema
        self._join = join
        self._parser: StreamParser | None = None
        self._read: list[str] = []  # what the parser has read in all
        self._head: str | None = None  # the text a continuation continues (None: not a continuation)
        self._held: str | None = None  # a continuation's first characters, while the join is undecided
        self._pieces: list[str] = []  # this call's text
        self._decoder: codecs.IncrementalDecoder | None = None
        self.snapshot = StreamParser().snapshot()  # (nothing yet)

    def begin(self, continuing: bool) -> None:
        self._pieces = []
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        if continuing and self._parser is not None:
            self._head, self._held = "".join(self._read), ""
            self._read = [self._head]
        else:
            self._parser, self._read, self._head, self._held = StreamParser(self._schema), [], None, None
            self.snapshot = self._parser.snapshot()

    @property
    def text(self) -> str:
        """The text of the current call (bytes pieces decoded as UTF-8, bad bytes replaced)."""
        return "".join(self._pieces)

    def feed(self, piece: str | bytes | bytearray | None) -> Snapshot | None:
        """Read one piece (str or bytes; None is nothing); the snapshot when the value changed."""
        if piece is None:
            return None
        if isinstance(piece, (bytes, bytearray)):
            if self._decoder is None:  # (`begin` makes one: a piece before it is read on its own)
                self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
            piece = self._decoder.decode(bytes(piece))
        elif not isinstance(piece, str):
            raise TypeError(f"a streamed answer gave a {type(piece).__name__}; its pieces must be str or bytes")
        if not piece:
            return None
        self._pieces.append(piece)
        if self._held is not None and self._head is not None:
            self._held += piece
            if len(self._held) <= JOIN_LOOKAHEAD:
                return None
            piece, self._held = self._join(self._head, self._held)[len(self._head):], None
        return self._read_more(piece)

    def end(self) -> Snapshot | None:
        """The call's text is complete: the snapshot of exactly what the loop will check
        (when it differs from the last one)."""
        rest = self._decoder.decode(b"", final=True) if self._decoder is not None else ""
        if rest:
            self._pieces.append(rest)
        if self._head is None:
            return self._read_more(rest) if rest else None
        whole = self._join(self._head, self.text)
        if self._held is not None:  # a short continuation: join it now
            self._held = None
            return self._read_more(whole[len(self._head):])
        if rest:
            self._read_more(rest)
        if "".join(self._read) == whole:
            return None
        # the early join differs from the one on the whole continuation: read that afresh
        before = self.snapshot
        self._parser, self._read = StreamParser(self._schema), [whole]
        with unlogged_steps():
            self.snapshot = self._parser.feed(whole)
        self.snapshot.changed = frozenset(_diff(before.value if before.started else _NOTHING,
                                                self.snapshot.value if self.snapshot.started else _NOTHING, "$"))
        return self.snapshot

    def _read_more(self, text: str) -> Snapshot | None:
        if not text or self._parser is None:
            return None
        self._read.append(text)
        with unlogged_steps():  # (a partial reading: the fill logs the steps of the answer's check)
            snap = self._parser.feed(text)
        self.snapshot = snap
        return snap if snap.changed else None

    def settled(self, value: Any, steps: tuple[Step, ...]) -> Snapshot:
        """The snapshot of the validated value the fill ends with."""
        before = self.snapshot.value if self.snapshot.started else _NOTHING
        return Snapshot(value, True, frozenset(_paths(value)), frozenset(_diff(before, value, "$")), tuple(steps),
                        False, True)


class _ToolArguments:
    """A streamed answer in mode "tools": what the answer reads is the first tool call's
    arguments as they arrive. Text the model writes is read until a call begins (a model
    that answers in text rather than calling); then the answer starts afresh with the
    arguments. OpenAI's deltas come in pieces, with an `index`; Ollama's calls come whole,
    their arguments an object: both are assembled by a `repair.tools.ToolCallStream`.

    `delta` is the stream's `on_tool_call_delta`: it runs inside the stream's `next()`, so
    the snapshots it makes wait in `pending` until the driver hands them out (`text`,
    `drain`), in the order they came.
    """

    def __init__(self, answer: _Answer) -> None:
        self._answer = answer
        self._calls: ToolCallStream | None = None  # once a call has begun
        self._fed = 0  # characters of the first call's arguments read so far
        self._whole = 0  # calls that came whole (Ollama), each its own index
        self._before = ""  # the text read before the call began
        self._after: list[str] = []  # text that came after it (kept, not read)
        self._pending: list[Snapshot] = []

    @property
    def said(self) -> str:
        """The text of the answer, beside its tool calls."""
        if self._calls is None:
            return self._answer.text
        return self._before + "".join(self._after)

    def text(self, piece: str | bytes | bytearray | None) -> Iterator[Snapshot]:
        """The snapshots of the deltas that came before `piece`, then `piece`'s own."""
        yield from self.drain()
        if self._calls is None:
            snap = self._answer.feed(piece)
            if snap is not None:
                yield snap
        elif isinstance(piece, (bytes, bytearray)):
            self._after.append(bytes(piece).decode("utf-8", errors="replace"))
        elif isinstance(piece, str):
            self._after.append(piece)

    def delta(self, delta: dict[str, Any]) -> None:
        from .tools import ToolCallStream

        if self._calls is None:
            self._before = self._answer.text
            self._calls = ToolCallStream()
            self._answer.begin(continuing=False)
        calls = self._calls
        item = delta
        if isinstance(delta, dict) and "index" not in delta:  # a whole call
            function = delta.get("function")
            if isinstance(function, dict) and not isinstance(function.get("arguments"), (str, type(None))):
                function = {**function, "arguments": json.dumps(function["arguments"], ensure_ascii=False)}
            item = {**delta, "function": function, "index": self._whole}
            self._whole += 1
        try:
            calls.feed(item)
        except RepairError:
            return  # a malformed delta: the check of the call, once it is done, says what is wrong
        first = calls.calls[0] if calls.calls else None
        if first is None or len(first.text) <= self._fed:
            return
        piece, self._fed = first.text[self._fed:], len(first.text)
        snap = self._answer.feed(piece)
        if snap is not None:
            self._pending.append(snap)

    def drain(self, tool_calls: list[dict[str, Any]] | None = None) -> list[Snapshot]:
        """The snapshots waiting; `tool_calls` are the stream's calls when it is done (read
        here when none came as deltas: a stream of your own that has only `.tool_calls`)."""
        if self._calls is None and tool_calls:
            for call in tool_calls:
                if isinstance(call, dict):
                    self.delta(call)
        pending, self._pending = self._pending, []
        return pending
