"""Bracket balancing: what a closing bracket means when it is not the one expected.

`decide_closer` is a pure function of the text and the stack of expected closers, so it
is tested on its own. Counting open containers per closer kind keeps every decision O(1)
amortized, even on `[[[[...}}}}` (no scan of the stack per bracket).
"""

from __future__ import annotations

import re

from .trivia import peek_significant

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Callable

MATCH, EXTRA, DEEPER, WRONG = "match", "extra", "deeper", "wrong"


def decide_closer(text: str, pos: int, expected: str, open_counts: dict[str, int], root_closer: str, depth: int,
                  closers: Callable[[], tuple[str, int]] | None = None) -> str:
    """Classify the closing bracket at `pos`.

    - MATCH: it closes the innermost container.
    - EXTRA: the next significant character is the expected closer, so this one is surplus:
      `[{"a": 1}}]`.
    - DEEPER: it closes an outer container, so the inner ones lack their closers:
      `{"a": [1, 2}`.
    - WRONG: it stands where the expected closer belongs: `[1, 2}`.

    `open_counts[c]` is how many open containers expect closer `c`; `root_closer` is the
    outermost container's closer and `depth` the number of open containers.

    `closers` gives the closers the open containers expect, innermost first (the innermost
    SETTLE_DEPTH of them), and where the value's text ends at the latest (a closing fence or
    tag, else the end of the text). With it, when the rules' reading leaves the brackets
    after this one unbalanced and another reading balances them exactly (`_settle`), that
    one is taken: `[{"a": [{"b": 1]}, 5]` lacks a `}` before its `]` (DEEPER, not EXTRA:
    read as extra, the 5 would join "a"); `{"a": {"b": [1, 2}, "c": 3}}` has `}` for `]`
    (WRONG, not DEEPER: "c" stays in "a"). A text cut off, or longer than the window, keeps
    the rules' reading.
    """
    c = text[pos]
    if c == expected:
        return MATCH
    k = peek_significant(text, pos + 1, len(text))
    nxt = text[k] if k < len(text) else ""
    if nxt == expected:
        action = EXTRA
    elif open_counts.get(c, 0) > 0:
        # `{"a": [1, 2}, "b": 3}`: closing down to the root would leave the comma with no
        # container to belong to, so the bracket is a typo for the expected one.
        action = WRONG if nxt == "," and open_counts[c] == 1 and c == root_closer else DEEPER
    elif nxt == "," and depth == 1:
        action = EXTRA  # `[{"a": 1}}, {"b": 2}]`: closing the root would orphan the rest
    else:
        action = WRONG
    return action if closers is None else _settle(text, pos, c, *closers(), action)


SETTLE_DEPTH = 64  # open containers the settling reading simulates (the innermost)
SETTLE_WINDOW = 2048  # characters after the bracket whose brackets it reads
# a double-quoted string up to its closing quote, or up to the line's end when it has none
# (the quote optional: each string is read once)
_QUOTED = re.compile(r'"[^"\\\n]*+(?:\\.[^"\\\n]*+)*+"?')
_NOT_BRACKET = re.compile(r"[^\[\]{}]++")
_CLOSER_OF = {"[": "]", "{": "}"}


def _settle(text: str, pos: int, c: str, closers: str, end: int, action: str) -> str:
    """`action` (the rules' reading of the closer `c` at `pos`), unless another reading is
    the one under which the brackets after it (outside double-quoted strings, before `end`,
    within a window) close every open container exactly at the last of them."""
    after = _NOT_BRACKET.sub("", _QUOTED.sub("", text[pos + 1:min(end, pos + 1 + SETTLE_WINDOW)]))
    j = closers.find(c)
    left = {
        EXTRA: closers,  # (the bracket is dropped: every container stays open)
        WRONG: closers[1:],  # (it closes the innermost one)
        DEEPER: closers[j + 1:] if j >= 0 else None,  # (it closes every one down to the one expecting it)
    }
    if left[action] is None or _closes_exactly(left[action], after):  # type: ignore[arg-type]  # (checked first)
        return action
    for reading in (DEEPER, WRONG, EXTRA):
        if reading != action and left[reading] is not None and _closes_exactly(left[reading], after):  # type: ignore[arg-type]
            return reading
    return action


def _closes_exactly(closers: str, brackets: str) -> bool:
    """Do `brackets` close the open containers expecting `closers` (innermost first), each
    where it expects, the last of them the outermost, and nothing after it?"""
    if not closers:
        return not brackets  # (the bracket closed the root)
    stack = list(reversed(closers))  # (innermost last)
    last = len(brackets) - 1
    for i, b in enumerate(brackets):
        if b in _CLOSER_OF:
            stack.append(_CLOSER_OF[b])
        elif stack and stack[-1] == b:
            stack.pop()
            if not stack:
                return i == last  # (closed before the last bracket: more follow)
        else:
            return False
    return False
