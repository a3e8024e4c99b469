"""Limits on what `repair` accepts: input size and nesting depth.

Both are off by default: the engine is linear in the input and has no recursion, so a
deep or large input costs memory in proportion to its size and nothing worse. A service
that takes text from strangers sets them (`repair(text, max_size=..., max_depth=...)`,
`repair fix --max-size/--max-depth`) to bound that memory per request. Going over a limit
raises `RepairError` saying where and what to change.
"""

from __future__ import annotations

import re

from .chars import STRING_BODY
from .errors import RepairError

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any

# To find where a depth limit is first crossed: the next bracket or quote, and the rest of
# a string after its opening quote (each string is read once, so the scan is linear).
_BRACKET_OR_QUOTE = re.compile(r'[\[\]{}"]')
_STRING_REST = re.compile(STRING_BODY + '"')


def check_options(**options: object) -> None:
    """A limit is None (off) or a whole number >= 1; anything else is refused, saying which."""
    for name, value in options.items():
        if value is None:
            continue
        if type(value) is not int:
            raise RepairError(f"{name} must be a whole number or None, not {type(value).__name__} {value!r}", "", 0, "option")
        if value < 1:
            raise RepairError(f"{name} must be at least 1, not {value}", "", 0, "option")


def check_size(text: str, max_size: int | None) -> None:
    """max_size counts characters of the text (for bytes, after UTF-8 decoding)."""
    if max_size is not None and len(text) > max_size:
        raise RepairError(
            f"input is {len(text):,} characters, over max_size={max_size:,}; raise max_size "
            "(or leave it unset) if inputs this large are expected", text, max_size, "limit")


def check_depth(text: str, value: Any, max_depth: int | None) -> None:
    """Raise when `value` nests deeper than `max_depth` containers."""
    if max_depth is None:
        return
    depth = _depth(value, max_depth)
    if depth > max_depth:
        raise RepairError(
            f"the value nests {'more than ' if depth > max_depth + 1 else ''}{max_depth + 1} containers deep, "
            f"over max_depth={max_depth}; raise max_depth (or leave it unset) if such nesting is expected",
            text, _where_too_deep(text, max_depth), "limit")


def _depth(value: Any, max_depth: int) -> int:
    """The nesting depth of `value`, counted without recursion; stops past max_depth + 1."""
    deepest = 0
    todo = [(value, 1)]
    while todo:
        node, depth = todo.pop()
        if isinstance(node, (dict, list)):
            if depth > deepest:
                deepest = depth
                if deepest > max_depth + 1:
                    return deepest
            children = node.values() if isinstance(node, dict) else node
            todo.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def _where_too_deep(text: str, max_depth: int) -> int:
    depth = 0
    pos = 0
    while True:
        m = _BRACKET_OR_QUOTE.search(text, pos)
        if m is None:
            return 0
        c, pos = m.group(), m.end()
        if c == '"':
            rest = _STRING_REST.match(text, pos)
            if rest is None:
                return 0  # a string that never closes
            pos = rest.end()
        elif c in "[{":
            depth += 1
            if depth > max_depth:
                return m.start()
        else:
            depth = max(0, depth - 1)
