"""A call's arguments, read into a dict by the engine: a string holding JSON (the OpenAI
wire form), JSON encoded twice, fenced, cut off, single-quoted or Python literals. Each
change is a raw step `(code, pos, message, found, put, path)` at an offset of the call's
raw text."""

from __future__ import annotations

from ..core import repair
from ..errors import RepairError
from ..steps import STRING_JSON, UNWRAP_LIST

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any, Iterable

    from ..steps import AnyStep, PathStep

MAX_LAYERS = 3  # JSON inside a string inside a string ...: layers read at most

_MAY_HOLD_JSON = ("{", "[", "`", '"', "'", "<", "\\")


def shift(steps: Iterable[AnyStep], by: int, path_prefix: str = "") -> list[PathStep]:
    """Engine Steps (or raw steps) as raw steps `by` characters further on, their paths
    under `path_prefix`."""
    out: list[PathStep] = []
    for s in steps:
        path = s[7] if len(s) > 7 else (s[5] if len(s) > 5 else "")
        if path_prefix and path.startswith("$"):
            path = path_prefix + path[1:]
        if len(s) > 7:  # a built Step: code pos line col message found put path
            out.append((s[0], s[1] + by, s[4], s[5], s[6], path))
        else:
            out.append((s[0], s[1] + by, s[2], s[3], s[4], path))
    return out


def read_text(text: str, pos: int) -> tuple[object, list[PathStep]]:
    """The value of an arguments string at offset `pos` of the raw text, and its steps.
    An empty string is a call without arguments."""
    if not text.strip():
        return {}, []
    result = repair(text)
    return result.value, shift(result.steps, pos)


def as_object(value: object, pos: int, steps: list[PathStep]) -> dict[str, Any]:
    """The arguments as a dict: JSON written as a string read (each layer a step), a
    one-object list unwrapped; RepairError for anything else."""
    layers = 0
    while isinstance(value, str) and layers < MAX_LAYERS and value.strip().startswith(_MAY_HOLD_JSON):
        try:
            inner = repair(value.strip())
        except RepairError:
            break
        layers += 1
        steps.append((STRING_JSON, pos, "read the arguments from JSON written as a string (encoded twice)",
                      value[:60], "", "$.arguments"))
        # (the inner steps' offsets are in the decoded string: they are placed at its start)
        steps.extend((s.code, pos, s.message + " (inside the string)", s.found, s.put, "$.arguments") for s in inner.steps)
        value = inner.value
    if value is None:
        return {}  # `"arguments": null`: a call without arguments
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
        steps.append((UNWRAP_LIST, pos, "took the arguments object out of a one-item list", "[...]", "{...}", "$.arguments"))
        value = value[0]
    if not isinstance(value, dict):
        kind = {str: "a string", list: "a list", bool: "a boolean", int: "a number", float: "a number"}.get(type(value), type(value).__name__)
        raise RepairError(f"they are {kind}, not an object", "", 0, "validation")
    return value
