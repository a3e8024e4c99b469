"""Reasoning blocks: `<think>`, `<thinking>`, `<reasoning>`, and a lone `</think>`.

Their content is skipped; a value inside one is a last resort (RANK_LAST_RESORT), taken
only when none is found outside.
"""

from __future__ import annotations

import re

from ..chars import WS
from .candidates import RANK_LAST_RESORT, Scan

THINK_CLOSE = re.compile(r"</(?:think|thinking|reasoning)>", re.IGNORECASE)
_THINK_OPEN = re.compile(r"<(?:think|thinking|reasoning)>", re.IGNORECASE)
_QUOTE_OR_ESCAPE = re.compile(r"""\\.|["']""", re.DOTALL)


def leading_reasoning(scan: Scan) -> int:
    """`...reasoning</think>{...}`: a closing tag whose opener was in the prompt. Records
    the block from the start of the text and returns where the answer starts (0 if none)."""
    text = scan.text
    m = THINK_CLOSE.search(text)
    if m is None or quoted(text, m.start(), m.end()):
        return 0
    if _THINK_OPEN.search(text, 0, m.start()) is not None:
        return 0
    scan.think_spans.append((0, m.end()))
    return m.end()


def think_block(scan: Scan, m: re.Match[str], rank_cap: int) -> int:
    """A `<think>` opener found by the scan: skip to after its closer (or the end)."""
    if rank_cap <= RANK_LAST_RESORT:
        return m.end()  # already inside a reasoning block: look through the tag
    close = THINK_CLOSE.search(scan.text, m.end())
    end = close.end() if close else scan.n
    scan.think_spans.append((m.start(), end))
    return end


def quoted(text: str, start: int, end: int) -> bool:
    """`{"a": "</think>"}`, `{'a': 'x</think>y'}`: string content, not a tag. Either a
    quote is right beside it, or the text before it opens a JSON value and leaves a
    string open: its quotes read in turn, escapes skipped, each `"` or `'` opening a
    string that only the same quote closes. (An apostrophe inside a double-quoted string
    is content; one inside a single-quoted string, `'it's'`, would mislead it.)"""
    if (start > 0 and text[start - 1] in "\"'") or (end < len(text) and text[end] in "\"'"):
        return True
    first = WS.match(text).end()
    if first >= start or text[first] not in "{[":
        return False
    open_quote = ""
    for m in _QUOTE_OR_ESCAPE.finditer(text, first, start):
        q = m.group()
        if q[0] == "\\":
            continue
        if not open_quote:
            open_quote = q
        elif q == open_quote:
            open_quote = ""
    return bool(open_quote)
