"""Truncation: a value still open where the text ends (output cut at max_tokens), or where
text that cannot continue it begins (prose after an unclosed object).

Everything still open is closed; a key left without its value gets null, and a comma
left dangling is dropped, each with its step. (A token cut inside, a string, a number, a
literal, is completed or dropped by its own construct: strings.py, numbers.py,
literals.py.)
"""

from __future__ import annotations

from operator import attrgetter

from ..steps import missing_bracket, missing_value, snippet, truncation
from .decode import decode_json
from .state import ARR, COLON, KEY, OBJ, VALUE

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any, Protocol

    from ..steps import RawStep
    from .state import Frame

    class Closing(Protocol):
        """The engine as `close_all` sees it (a Protocol: the engine imports this module)."""

        text: str
        steps: list[RawStep]

        def drop_comma(self, frame: Frame, out: list[str]) -> None: ...
        def trailing_comma(self, frame: Frame, out: list[str]) -> None: ...
        def key_of(self, frame: Frame) -> str: ...
        def end_frame(self, frame: Frame, stack: list[Frame], out: list[str]) -> None: ...
        def value_of(self, out: list[str], pos: int) -> tuple[Any, int]: ...


class NoValue(Exception):
    """The start offset did not begin a value after all."""


def close_all(engine: Closing, stack: list[Frame], state: int, pos: int, out: list[str], at_end: bool) -> tuple[Any, int]:
    """Close everything still open, at the end of the text or before text that cannot
    continue the value (prose after an unclosed object)."""
    if not stack:
        raise NoValue
    frame = stack[-1]
    if at_end and state in (COLON, VALUE) and _cut_duplicate_key(engine, stack, out):
        # `{"a": 1, "b": 2, "a` cut off: the cut key would overwrite the complete member
        key: str = frame.key  # type: ignore[assignment]  # (_cut_duplicate_key is true only with a pending key)
        del out[frame.key_at:]
        engine.drop_comma(frame, out)
        engine.steps.append(truncation(pos, f"dropped the cut-off key {snippet(key)}, which would overwrite the member before it", key, ""))
        state = KEY
    # a key left without its value: cut off (at the end) or given up (before prose)
    step = truncation if at_end else missing_value
    if state == VALUE and frame.kind == OBJ:
        engine.steps.append(step(pos, f"key {snippet(engine.key_of(frame))} has no value; used null", "", "null"))
        out.append("null")
    elif state == COLON:
        engine.steps.append(step(pos, f"key {snippet(engine.key_of(frame))} has no value; used null", "", ": null"))
        out.append(":null")
    elif state in (VALUE, KEY):
        if at_end and frame.comma_pos >= 0:
            engine.steps.append(truncation(frame.comma_pos, "the text ends after ','", ",", ""))
        elif frame.comma_pos >= 0:
            engine.trailing_comma(frame, out)
        engine.drop_comma(frame, out)
    closers = "".join(map(_CLOSER, reversed(stack)))
    where = "at the end of the text" if at_end else f"before {snippet(engine.text[pos:pos + 20])}"
    engine.steps.append(missing_bracket(pos, f"inserted missing {closers!r} {where}", "", closers))
    if any(map(_LISTED, stack)):
        while stack:
            engine.end_frame(stack.pop(), stack, out)
    else:
        # (every frame is closed and dropped: no member count matters any more, so the
        # closers are written in one piece, the frames' kinds turned into brackets in C)
        out.append(bytes(map(_KIND, reversed(stack))).translate(_KIND_CLOSER).decode("ascii"))
        stack.clear()
    return engine.value_of(out, pos)


_CLOSER = attrgetter("closer")
_LISTED = attrgetter("listed")
_KIND = attrgetter("kind")
_KIND_CLOSER = bytes.maketrans(bytes((OBJ, ARR)), b"}]")


def _cut_duplicate_key(engine: Closing, stack: list[Frame], out: list[str]) -> bool:
    """Is the pending key of the innermost object (written by the engine, no value yet)
    a key that object already has? Decided on the text written before the key, closed."""
    frame = stack[-1]
    if frame.kind != OBJ or not frame.items:
        return False
    if frame.key is None:
        _take_copied_key(engine, frame, out)
    if frame.key is None or frame.key_at < 0:
        return False
    trial = out[:frame.key_at]
    if 0 <= frame.comma_at < frame.key_at:
        trial[frame.comma_at] = ""
    closers = "".join("}" if f.kind == OBJ else "]" for f in reversed(stack))
    try:
        value = decode_json("".join(trial) + closers)
    except (ValueError, RecursionError):
        return False
    for _ in range(len(stack) - 1):  # every open container is the last member of its parent
        if isinstance(value, dict) and value:
            value = next(reversed(value.values()))
        elif isinstance(value, list) and value:
            value = value[-1]
        else:
            return False
    return isinstance(value, dict) and frame.key in value


def _take_copied_key(engine: Closing, frame: Frame, out: list[str]) -> None:
    """A run or span copied the pending key with its colon at the end of the last piece
    written: split it (and the comma before it) into pieces of their own, so that the key
    can be dropped like one the engine wrote. Nothing changes when the piece is not the
    key's text as it stands (a rewritten single-quoted key)."""
    key = engine.key_of(frame)
    k = frame.key_pos
    if k < 0 or not out:
        return
    colon = engine.text.find(":", k)
    if colon < 0:
        return
    tail = engine.text[k:colon + 1]
    piece = out[-1].rstrip(" \t\r\n")
    if not piece.endswith(tail):
        return
    head = piece[:-len(tail)].rstrip(" \t\r\n")
    if not head.endswith(","):
        return
    out[-1] = head[:-1]
    frame.comma_at = len(out)
    out.append(",")
    frame.key = key
    frame.key_at = len(out)
    out.append(tail)
