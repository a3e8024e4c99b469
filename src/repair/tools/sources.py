"""Dict sources: an OpenAI chat-completion response or its `message` (`tool_calls`, the
legacy `function_call`, `content` holding calls as text), a list of `tool_calls` items,
and bare call objects `{"name": ..., "arguments": ...}` (`parameters` for Llama's form).
Objects of the official clients are read through their `model_dump()`."""

from __future__ import annotations

import json

from ..errors import RepairError
from ..schema.compile import Shape
from ..schema.keys import match_keys
from ..steps import snippet
from .build import Found

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


def plain(source):
    """A client's pydantic object as plain data."""
    dump = getattr(source, "model_dump", None)
    return dump() if callable(dump) and not isinstance(source, type) else source


def call_members(obj: dict, pos: int = 0):
    """(name, arguments, whether an arguments member is there, raw steps) of a call
    object, or None when it has no name."""
    if isinstance(obj.get("function"), dict):  # {"type": "function", "function": {...}}
        obj = obj["function"]
    matched = match_keys([k for k in obj if isinstance(k, str)], _CALL)
    by_prop = {prop: (key, code) for key, (prop, code) in matched.items()}
    if "name" not in by_prop or not isinstance(obj[by_prop["name"][0]], str):
        return None
    steps = [
        (code, pos, f"key {snippet(key)} of the call read as {snippet(prop)}", key, prop, f"$.{prop}")
        for prop, (key, code) in by_prop.items() if code is not None and key not in ARGUMENT_KEYS
    ]
    name = obj[by_prop["name"][0]]
    if "arguments" in by_prop:
        return name, obj[by_prop["arguments"][0]], True, steps
    return name, None, False, steps


def from_dict(source: dict) -> list[Found]:
    """The calls of a response, a message or a bare call object."""
    if "choices" in source:
        choices = source["choices"]
        if not isinstance(choices, list):
            raise RepairError("the response's 'choices' is not a list", "", 0, "no_value")
        found: list[Found] = []
        for choice in choices:
            message = choice.get("message") if isinstance(choice, dict) else None
            if isinstance(message, dict):
                found += from_message(message)
        return found
    if "tool_calls" in source or "function_call" in source or "role" in source or "content" in source:
        return from_message(source)
    return from_list([source])


def from_message(message: dict) -> list[Found]:
    calls = message.get("tool_calls")
    if calls:
        if not isinstance(calls, list):
            raise RepairError(f"the message's 'tool_calls' is a {type(calls).__name__}, not a list", "", 0, "no_value")
        return from_list(calls)
    legacy = message.get("function_call")
    if isinstance(legacy, dict):
        return from_list([legacy])
    content = message.get("content")
    if isinstance(content, str) and content.strip():
        from .text import from_text  # a server without a tool parser: the calls are in the text

        return from_text(content)
    return []


def from_list(items: list) -> list[Found]:
    found = []
    for i, item in enumerate(items):
        item = plain(item)
        if not isinstance(item, dict):
            raise RepairError(f"tool call {i} is a {type(item).__name__}, not an object", "", 0, "no_value")
        members = call_members(item)
        if members is None:
            keys = ", ".join(repr(k) for k in list(item)[:8])
            raise RepairError(f"tool call {i} has no name: its keys are {keys}", "", 0, "no_value")
        name, arguments, _, steps = members
        call_id = item.get("id")
        if isinstance(arguments, str):
            found.append(Found(name, call_id, arguments, arguments, None, steps, 0, True))
        else:
            raw = json.dumps(arguments, ensure_ascii=False) if arguments is not None else ""
            found.append(Found(name, call_id, arguments, raw, None, steps, 0, False))
    return found
