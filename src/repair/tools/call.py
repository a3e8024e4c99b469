"""`ToolCall`: one call a model asked for, read and repaired."""

from __future__ import annotations

import json

from ..steps import CODES, Step

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any


class ToolCall:
    """One tool call: `.id`, `.name`, `.arguments` (a dict), `.steps` and `.raw`.

    `.raw` is the text the call came from: the `arguments` string of an OpenAI tool call,
    or the call's block in raw model text (`<tool_call>...</tool_call>`, `Action: ...`).
    Every step's `.pos`, `.line` and `.col` are in `.raw`; `.span` is where `.raw` lies
    in the text given (None for a dict source). `.parsed` is what the tool's validator
    returned: the model instance for a pydantic tool, the keyword arguments for a typed
    function, the arguments for an OpenAI definition; None without `tools`.
    """

    __slots__ = ("id", "name", "arguments", "steps", "raw", "span", "parsed")

    def __init__(self, id: str, name: str, arguments: dict[str, Any], steps: tuple[Step, ...] = (), raw: str = "",
                 span: tuple[int, int] | None = None, parsed: Any = None) -> None:
        self.id = id
        self.name = name
        self.arguments = arguments
        self.steps = steps
        self.raw = raw
        self.span = span
        self.parsed = parsed

    @property
    def changed(self) -> bool:
        return bool(self.steps)

    @property
    def lossy(self) -> bool:
        return any(CODES[s.code].lossy for s in self.steps)

    def to_dict(self) -> dict[str, Any]:
        """The call as an OpenAI `tool_calls` item, with the repaired arguments (to send
        back in the conversation)."""
        return {"id": self.id, "type": "function",
                "function": {"name": self.name, "arguments": json.dumps(self.arguments, ensure_ascii=False)}}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ToolCall):
            return NotImplemented
        return (self.id, self.name, self.arguments, self.steps, self.raw) == \
            (other.id, other.name, other.arguments, other.steps, other.raw)

    # mutable, like the dict it holds (the ignore: mypy expects a method where Python
    # documents `__hash__ = None` as the way to say so)
    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        codes = ", ".join(s.code for s in self.steps[:4]) + (", ..." if len(self.steps) > 4 else "")
        args = json.dumps(self.arguments, ensure_ascii=False)
        return f"ToolCall(id={self.id!r}, name={self.name!r}, arguments={args[:60]}, steps=[{codes}])"
