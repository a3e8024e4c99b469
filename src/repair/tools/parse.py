"""`parse_tool_calls`: the calls in any source, repaired, and aligned to the tools given."""

from __future__ import annotations

from ..core import _as_text
from ..errors import RepairError
from .build import build_call
from .call import ToolCall
from .definitions import Registry
from .members import plain
from .sources import from_dict, from_list
from .text import from_text

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from .build import Found
    from .definitions import Tools


def parse_tool_calls(source: object, tools: Tools | None = None, *, strict: bool = False) -> list[ToolCall]:
    """The tool calls in `source`, in order, each a `ToolCall` with repaired arguments.

    `source` is an OpenAI chat-completion response or its `message` (a dict, or the
    official client's object), a list of `tool_calls` items or call objects, or raw
    model text (str or UTF-8 bytes) holding Hermes `<tool_call>` blocks, Mistral
    `[TOOL_CALLS]`, ReAct `Action:`/`Action Input:` steps or bare `{"name": ...,
    "arguments": ...}` objects. A text or message without calls gives [].

    With `tools` (OpenAI definitions, pydantic models or typed functions), each call's
    name is matched to a tool (case, naming convention, a unique close spelling) and its
    arguments are aligned to the tool's parameters and validated: `ValidationFailed`
    when they do not fit, `RepairError` (kind "validation") for a name that matches no
    tool. `strict=True` refuses any lossy repair (kind "lossy_refused").
    """
    registry = None if tools is None else Registry(tools)
    source = plain(source)
    found: list[Found]
    if isinstance(source, dict):
        found = from_dict(source)
    elif isinstance(source, list):
        found = from_list(source)
    elif isinstance(source, (str, bytes, bytearray, memoryview)):
        text = _as_text(source)
        found = from_text(text) if text.strip() else []
    else:
        raise TypeError(f"parse_tool_calls expects a response or message dict, a list of calls or text, not {type(source).__name__}")
    calls = [build_call(f, i, registry, strict) for i, f in enumerate(found)]
    _check_ids(calls)
    return calls


def _check_ids(calls: list[ToolCall]) -> None:
    seen: dict[str, int] = {}
    for i, call in enumerate(calls):
        if call.id in seen:
            raise RepairError(f"tool calls {seen[call.id]} and {i} have the same id {call.id!r}", call.raw, 0, "validation")
        seen[call.id] = i
