"""Truncation: a value still open where the text ends (output cut at max_tokens), or where
text that cannot continue it begins (prose after an unclosed object).

Everything still open is closed; a key left without its value gets null, and a comma
left dangling is dropped, each with its step. (A token cut inside, a string, a number, a
literal, is completed or dropped by its own construct: strings.py, numbers.py,
literals.py.)
"""

from __future__ import annotations

from ..steps import missing_value, snippet, truncation
from .state import COLON, KEY, OBJ, VALUE


class NoValue(Exception):
    """The start offset did not begin a value after all."""


def close_all(engine, stack, state, pos, out, at_end: bool):
    """Close everything still open, at the end of the text or before text that cannot
    continue the value (prose after an unclosed object)."""
    if not stack:
        raise NoValue
    frame = stack[-1]
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
    closers = "".join(f.closer for f in reversed(stack))
    where = "at the end of the text" if at_end else f"before {snippet(engine.text[pos:pos + 20])}"
    engine.add("repair_missing_bracket", pos, f"inserted missing {closers!r} {where}", "", closers)
    while stack:
        engine.end_frame(stack.pop(), stack, out)
    return engine.value_of(out, pos)
