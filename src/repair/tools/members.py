"""A call object's members: its name and its arguments, under the spellings models use
(`name`/`arguments` as OpenAI writes them, `parameters` as Llama 3 does; others matched as
keys are, with a step)."""

from __future__ import annotations

from ..schema.compile import Shape
from ..schema.keys import match_keys
from ..steps import snippet

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any, Optional

    from ..steps import PathStep

    # (name, arguments or None, whether an arguments member is there, raw steps)
    Members = Optional[tuple[str, Any, bool, list[PathStep]]]

# The spellings of a call's two members: `name` and `arguments` are OpenAI's, `parameters`
# Llama 3's; other spellings are matched as keys are, with a step.
ARGUMENT_KEYS = ("arguments", "parameters")
_CALL = Shape("object")
_CALL.props = {"name": Shape("string"), "arguments": Shape()}
_CALL.synonyms = {
    "parameters": "arguments", "args": "arguments", "params": "arguments", "input": "arguments",
    "argument": "arguments", "kwargs": "arguments", "function_name": "name", "tool_name": "name",
    "tool": "name", "api_name": "name",
}


def plain(source: object) -> object:
    """A client's pydantic object as plain data."""
    dump = getattr(source, "model_dump", None)
    return dump() if callable(dump) and not isinstance(source, type) else source


def call_members(obj: dict[str, Any], pos: int = 0) -> Members:
    """(name, arguments, whether an arguments member is there, raw steps) of a call
    object, or None when it has no name."""
    if isinstance(obj.get("function"), dict):  # {"type": "function", "function": {...}}
        obj = obj["function"]
    matched = match_keys([k for k in obj if isinstance(k, str)], _CALL)
    by_prop = {prop: (key, code) for key, (prop, code) in matched.items()}
    if "name" not in by_prop or not isinstance(obj[by_prop["name"][0]], str):
        return None
    steps: list[PathStep] = [
        (code, pos, f"key {snippet(key)} of the call read as {snippet(prop)}", key, prop, f"$.{prop}")
        for prop, (key, code) in by_prop.items() if code is not None and key not in ARGUMENT_KEYS
    ]
    name = obj[by_prop["name"][0]]
    if "arguments" in by_prop:
        return name, obj[by_prop["arguments"][0]], True, steps
    return name, None, False, steps
