"""Streamed tool calls: OpenAI's `choices[0].delta.tool_calls[]` deltas (each with an
`index`, the first with `id` and `function.name`, then `function.arguments` pieces)
assembled per call, each call's arguments read as they grow by a `StreamParser`.

    calls = ToolCallStream(tools)
    for chunk in chunks:                 # chunk dicts, deltas, or tool_calls items
        for snap in calls.feed(chunk):   # the calls this chunk touched
            snap.arguments               # the arguments so far (live, grows in place)
            snap.call                    # the finished ToolCall once its arguments closed
    finished = calls.close()             # == parse_tool_calls of the assembled message
"""

from __future__ import annotations

from ..errors import RepairError
from ..streaming import StreamParser
from .build import Found, build_call
from .call import ToolCall
from .definitions import Registry
from .members import plain

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any

    from .definitions import Tools


class CallSnapshot:
    """One call as far as it has arrived. `arguments` is the arguments value so far (the
    StreamParser's live value: copy it to keep it; None before the object starts),
    `complete` says the arguments object has closed, and `call` is then the finished
    `ToolCall` (repaired and, with tools, aligned; None until complete). `error` is the
    RepairError the complete call raised, if any (close() raises it)."""

    __slots__ = ("index", "id", "name", "arguments", "complete", "text", "call", "error")

    def __init__(self, index: int) -> None:
        self.index = index
        self.id: str | None = None
        self.name = ""
        self.arguments: Any = None
        self.complete = False
        self.text = ""  # the arguments text so far
        self.call: ToolCall | None = None
        self.error: RepairError | None = None

    def __repr__(self) -> str:
        return (f"CallSnapshot(index={self.index}, name={self.name!r}, arguments={self.arguments!r:.60}, "
                f"complete={self.complete})")


class ToolCallStream:
    """Feed OpenAI streaming chunks (or their `delta`s, or `tool_calls` items); read each
    call as it grows; `close()` for the finished calls."""

    def __init__(self, tools: Tools | None = None, *, strict: bool = False) -> None:
        self._registry = None if tools is None else Registry(tools)
        self._strict = strict
        self._snaps: dict[int, CallSnapshot] = {}
        self._parsers: dict[int, StreamParser] = {}
        self._last: int | None = None  # the call the last delta went to (for deltas without an index)
        self._chunks = 0
        self._closed = False

    @property
    def calls(self) -> list[CallSnapshot]:
        """Every call so far, by index."""
        return [self._snaps[i] for i in sorted(self._snaps)]

    def feed(self, chunk: object) -> list[CallSnapshot]:
        """Add one chunk; the snapshots of the calls it touched."""
        if self._closed:
            raise RepairError("the tool-call stream is closed: feed() after close()", "", 0, "option")
        self._chunks += 1
        touched: list[CallSnapshot] = []
        for item in self._items(plain(chunk)):
            snap = self._apply(item)
            if snap not in touched:
                touched.append(snap)
        return touched

    def close(self) -> list[ToolCall]:
        """The finished calls, in index order, each as `parse_tool_calls` gives it; the
        first call's RepairError (a cut-off call is repaired, a lossy repair under
        strict=True is refused)."""
        self._closed = True
        calls: list[ToolCall] = []
        for snap in self.calls:
            if snap.call is None or snap.call.raw != snap.text:
                self._finish(snap)
            if snap.error is not None:
                raise snap.error
            assert snap.call is not None  # (_finish sets the call or the error)
            calls.append(snap.call)
        return calls

    # ------------------------------------------------------------------ deltas
    def _where(self) -> str:
        return f"chunk {self._chunks}"

    def _items(self, chunk: object) -> list[object]:
        if isinstance(chunk, list):
            return [plain(x) for x in chunk]
        if not isinstance(chunk, dict):
            raise RepairError(f"{self._where()} is a {type(chunk).__name__}, not a chunk, delta or tool call dict", "", 0, "option")
        if "choices" in chunk:
            choices = chunk["choices"] or []
            delta = choices[0].get("delta") if choices and isinstance(choices[0], dict) else None
            return self._delta_items(delta if isinstance(delta, dict) else {})  # (a usage-only chunk has none)
        if "function" in chunk or "index" in chunk:
            return [chunk]  # one tool_calls item
        return self._delta_items(chunk)

    def _delta_items(self, delta: dict[str, Any]) -> list[object]:
        if isinstance(delta.get("function_call"), dict):  # the legacy form: one call
            return [{"index": 0, "function": delta["function_call"]}]
        items = delta.get("tool_calls") or []
        if not isinstance(items, list):
            raise RepairError(f"{self._where()}: 'tool_calls' is a {type(items).__name__}, not a list", "", 0, "option")
        return [plain(x) for x in items]

    def _apply(self, item: object) -> CallSnapshot:
        if not isinstance(item, dict):
            raise RepairError(f"{self._where()}: a tool call delta is a {type(item).__name__}, not an object", "", 0, "option")
        index = self._index(item)
        snap = self._snaps.get(index)
        if snap is None:
            snap = self._snaps[index] = CallSnapshot(index)
            self._parsers[index] = StreamParser()
        self._last = index
        if isinstance(item.get("id"), str) and item["id"]:
            snap.id = item["id"]
        nested = item.get("function")
        function = nested if isinstance(nested, dict) else item
        name = function.get("name")
        if name is not None:
            if not isinstance(name, str):
                raise RepairError(f"{self._where()}: the name of call {index} is a {type(name).__name__}", "", 0, "option")
            if name != snap.name:  # (some servers repeat the whole name in every delta)
                snap.name += name
        piece = function.get("arguments")
        if piece is not None and piece != "":
            if not isinstance(piece, str):
                raise RepairError(f"{self._where()}: the arguments of call {index} are a {type(piece).__name__}, "
                                  f"not a string piece", snap.text, len(snap.text), "option")
            self._grow(snap, piece)
        return snap

    def _index(self, item: dict[str, Any]) -> int:
        index = item.get("index")
        if isinstance(index, int) and not isinstance(index, bool) and index >= 0:
            return index
        if index is not None:
            raise RepairError(f"{self._where()}: a tool call index must be a whole number, not {index!r}", "", 0, "option")
        # no index (some servers): a new id starts a new call, anything else continues the last
        new_id = item.get("id")
        if self._last is None or new_id and new_id != self._snaps[self._last].id:
            return len(self._snaps)
        return self._last

    def _grow(self, snap: CallSnapshot, piece: str) -> None:
        if snap.complete and not piece.strip():
            snap.text += piece
            return
        snap.text += piece
        got = self._parsers[snap.index].feed(piece)
        snap.arguments = got.value
        if got.complete and not snap.complete:
            snap.complete = True
            self._finish(snap)

    def _finish(self, snap: CallSnapshot) -> None:
        found = Found(snap.name, snap.id, snap.text, snap.text, None, [], 0, True)
        try:
            snap.call = build_call(found, snap.index, self._registry, self._strict)
            snap.error = None
        except RepairError as exc:
            snap.call, snap.error = None, exc
