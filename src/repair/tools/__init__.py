"""Tool calls: read the calls a model asked for, from any source, and repair their arguments.

    parse_tool_calls(source, tools=None, *, strict=False) -> list[ToolCall]
    tool_schema(obj) -> dict                 the OpenAI definition of a model or function
    ToolCallStream(tools=None, *, strict=False)   OpenAI streamed tool-call deltas

Modules, one concern each:

    sources.py      OpenAI responses and messages, lists of calls, bare call objects
    text.py         calls in raw text: Hermes, Mistral, ReAct, Qwen-Agent, bare objects
    members.py      a call object's name and arguments, under the spellings models use
    arguments.py    arguments read into a dict (JSON in a string, encoded twice, ...)
    names.py        a tool name matched to the tools given
    definitions.py  tool_schema and the tools given, with their compiled schemas
    build.py        a found call -> ToolCall: read, matched, aligned, validated
    stream.py       streamed deltas assembled, each call's arguments as they grow

All JSON is read by the engine (`repair.repair`, `repair.repair_all`).
"""

from .call import ToolCall
from .definitions import tool_schema
from .parse import parse_tool_calls
from .stream import CallSnapshot, ToolCallStream

__all__ = ["CallSnapshot", "ToolCall", "ToolCallStream", "parse_tool_calls", "tool_schema"]
