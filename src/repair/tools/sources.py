"""Dict sources: an OpenAI chat-completion response or its `message` (`tool_calls`, the
legacy `function_call`, `content` holding calls as text), a list of `tool_calls` items,
and bare call objects `{"name": ..., "arguments": ...}` (`parameters` for Llama's form).
Objects of the official clients are read through their `model_dump()`."""

from __future__ import annotations

import json

from ..errors import RepairError
from .build import Found
from .members import call_members, plain
from .text import from_text

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any


def from_dict(source: dict[str, Any]) -> list[Found]:
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


def from_message(message: dict[str, Any]) -> list[Found]:
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
        return from_text(content)  # a server without a tool parser: the calls are in the text
    return []


def from_list(items: list[Any]) -> list[Found]:
    found: list[Found] = []
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
