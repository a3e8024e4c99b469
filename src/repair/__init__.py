"""repair: turn almost-JSON from language models into valid JSON, logging every step.

    >>> import repair
    >>> repair.loads('Sure! ```json\n{"a": 1, "b": [True, None,],}\n```')
    {'a': 1, 'b': [True, None]}

`repair.repair(text)` returns a `RepairResult` with the value, valid JSON text and the
`Step`s taken; `repair.repair_json(text)` returns the JSON text. Every step is also logged
on the `repair` logger at INFO, each line starting with its `repair_<kind>` code.
"""

from .core import RepairResult, loads, parse, repair, repair_json
from .errors import RepairError, ValidationFailed
from .steps import CODES, Step

__version__ = "0.1.0"

__all__ = [
    "CODES", "ActionNode", "Attempt", "FillFailed", "FillResult", "RepairError", "RepairResult",
    "Step", "ValidationFailed", "llm", "loads", "parse", "repair", "repair_json", "__version__",
]

_LAZY = {"ActionNode": "action", "Attempt": "action", "FillFailed": "action", "FillResult": "action"}


def __getattr__(name: str):
    """ActionNode and the LLM adapters load on first use, so `import repair` stays light."""
    import importlib

    if name == "llm":
        return importlib.import_module(".llm", __name__)
    if name in _LAZY:
        return getattr(importlib.import_module("." + _LAZY[name], __name__), name)
    raise AttributeError(f"module 'repair' has no attribute {name!r}")
