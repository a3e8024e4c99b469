"""repair: turn almost-JSON from language models into valid JSON, logging every step.

    >>> import repair
    >>> repair.loads('Sure! ```json\n{"a": 1, "b": [True, None,],}\n```')
    {'a': 1, 'b': [True, None]}

`repair.repair(text)` returns a `RepairResult` with the value, valid JSON text and the
`Step`s taken; `repair.repair_json(text)` returns the JSON text. Every step is also logged
on the `repair` logger at INFO, each line starting with its `repair_<kind>` code.
"""

from __future__ import annotations

from .errors import RepairError, ValidationFailed

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any

    # the lazy names below, as a type checker sees them
    from . import llm
    from .action import ActionNode, Attempt, FillFailed, FillResult
    from .core import RepairResult, loads, loads_all, parse, repair, repair_all, repair_json
    from .steps import CODES, Step
    from .streaming import Snapshot, StreamParser, astream, stream
    from . import tools
    from .tools import ToolCall, parse_tool_calls, tool_schema

__version__ = "0.1.0"

__all__ = [
    "CODES", "ActionNode", "Attempt", "FillFailed", "FillResult", "RepairError", "RepairResult",
    "Snapshot", "Step", "StreamParser", "ToolCall", "ValidationFailed", "astream", "llm", "loads", "loads_all", "parse",
    "parse_tool_calls", "repair", "repair_all", "repair_json", "stream", "tool_schema", "tools", "__version__",
]

# Everything else loads on first use (PEP 562), so `import repair` costs almost nothing:
# the engine's patterns are compiled when the first text is repaired, ActionNode, the
# LLM adapters and the tool-call readers when they are first named.
_LAZY = {
    "loads": "core", "repair": "core", "repair_json": "core", "parse": "core", "RepairResult": "core",
    "repair_all": "core", "loads_all": "core",
    "CODES": "steps", "Step": "steps",
    "StreamParser": "streaming", "Snapshot": "streaming", "stream": "streaming", "astream": "streaming",
    "ToolCall": "tools", "parse_tool_calls": "tools", "tool_schema": "tools",
    "ActionNode": "action", "Attempt": "action", "FillFailed": "action", "FillResult": "action",
}


def __getattr__(name: str) -> Any:
    import importlib

    if name in ("llm", "tools"):
        return importlib.import_module("." + name, __name__)
    if name in _LAZY:
        value = getattr(importlib.import_module("." + _LAZY[name], __name__), name)
        globals()[name] = value  # later lookups are plain module attributes
        return value
    raise AttributeError(f"module 'repair' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
