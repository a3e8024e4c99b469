"""Bracket balancing: what a closing bracket means when it is not the one expected.

`decide_closer` is a pure function of the text and the stack of expected closers, so it
is tested on its own. Counting open containers per closer kind keeps every decision O(1)
amortized, even on `[[[[...}}}}` (no scan of the stack per bracket).
"""

from __future__ import annotations

from .trivia import peek_significant

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any, Sequence

MATCH, EXTRA, DEEPER, WRONG = "match", "extra", "deeper", "wrong"


def decide_closer(text: str, pos: int, expected: str, open_counts: dict[str, int], root_closer: str, depth: int) -> str:
    """Classify the closing bracket at `pos`.

    - MATCH: it closes the innermost container.
    - EXTRA: the next significant character is the expected closer, so this one is surplus:
      `[{"a": 1}}]`.
    - DEEPER: it closes an outer container, so the inner ones lack their closers:
      `{"a": [1, 2}`.
    - WRONG: it stands where the expected closer belongs: `[1, 2}`.

    `open_counts[c]` is how many open containers expect closer `c`; `root_closer` is the
    outermost container's closer and `depth` the number of open containers.
    """
    c = text[pos]
    if c == expected:
        return MATCH
    k = peek_significant(text, pos + 1, len(text))
    nxt = text[k] if k < len(text) else ""
    if nxt == expected:
        return EXTRA
    if open_counts.get(c, 0) > 0:
        # `{"a": [1, 2}, "b": 3}`: closing down to the root would leave the comma with no
        # container to belong to, so the bracket is a typo for the expected one.
        if nxt == "," and open_counts[c] == 1 and c == root_closer:
            return WRONG
        return DEEPER
    if nxt == "," and depth == 1:
        return EXTRA  # `[{"a": 1}}, {"b": 2}]`: closing the root would orphan the rest
    return WRONG


def closers_text(stack: Sequence[Sequence[Any]]) -> str:
    """The closers that would close every open container, innermost first."""
    return "".join(frame[3] for frame in reversed(stack))
