"""What extraction produces: candidate values, their ranks, and the scan state.

A `Scan` holds one text and the candidates found in it so far. Each finder (fences.py,
tags.py, think.py, prose.py) is a function over a Scan: it looks for where a value starts
and what wraps it, and asks `Scan.read` for the value there. `read` is the engine, handed
down by the pipeline; extraction never parses.
"""

from __future__ import annotations

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any, Callable, Optional

    from ..steps import RawStep

    # The engine as extraction sees it: `read(pos)` -> (value, end, raw steps) of the value
    # starting at `pos`, or None; a Reader gives the `read` of a text.
    Read = Callable[[int], Optional[tuple[Any, int, list[RawStep]]]]
    Reader = Callable[[str], Read]

RANK_TAG = 3  # [CONTENT], <json>, ```json and bare ``` fences
RANK_BARE = 2  # an object, or an array of containers/strings, in prose
RANK_WEAK = 1  # an array of scalars in prose; a fence of another language
RANK_LAST_RESORT = 0  # inside <think>, or a lone scalar that is the whole text


class Candidate:
    """One value found in the text: its rank, where it is, the value and the engine's
    steps; the fence or tag around it and the steps for that; a label for messages."""

    __slots__ = ("rank", "start", "end", "value", "steps", "wrap_start", "wrap_end", "wrap_steps", "label", "parts")

    def __init__(self, rank: int, start: int, end: int, value: Any, steps: list[RawStep], wrap_start: int = -1,
                 wrap_end: int = -1, wrap_steps: list[RawStep] | None = None, label: str = "value") -> None:
        self.rank = rank
        self.start = start  # offset of the value's first character
        self.end = end  # offset after the value
        self.value = value
        self.steps = steps
        self.wrap_start = wrap_start  # offset of the fence or tag, if any
        self.wrap_end = wrap_end  # offset after the closing fence or tag
        self.wrap_steps = [] if wrap_steps is None else wrap_steps
        self.label = label
        self.parts: list[Candidate] | None = None  # the values a joined list was made of (choose.join_values)

    def __repr__(self) -> str:
        return f"Candidate({self.label}, rank={self.rank}, span={self.span}, value={self.value!r:.60})"

    @property
    def outer_start(self) -> int:
        return self.wrap_start if self.wrap_start >= 0 else self.start

    @property
    def outer_end(self) -> int:
        return max(self.end, self.wrap_end)

    @property
    def span(self) -> tuple[int, int]:
        """(start, end) of the value with its fence or tag, in the raw text."""
        return self.outer_start, self.outer_end


class Scan:
    """One text being searched for values.

    `reader(text)` gives the engine for a text, as the pipeline runs it: a function
    `read(pos)` -> the value that starts at `pos` as (value, end, raw steps), or None when
    no value starts there. `read`: the reader for this text, when the caller has one.
    """

    def __init__(self, text: str, reader: Reader, read: Read | None = None) -> None:
        self.text = text
        self.n = len(text)
        self.reader = reader
        self.read = read if read is not None else reader(text)
        self.candidates: list[Candidate] = []
        self.think_spans: list[tuple[int, int]] = []
        self.first = 0  # offset of the first significant character
        self.opening_bracket = -1  # an implausible `{`/`[` that opens the text

    def take(self, pos: int, rank: int, label: str, wrap_start: int, wrap: list[RawStep]) -> Candidate | None:
        """The candidate value at `pos`, added to the list; None when there is none."""
        got = self.read(pos)
        if got is None:
            return None
        value, end, steps = got
        cand = Candidate(rank, pos, end, value, steps, wrap_start, -1, list(wrap), label)
        self.candidates.append(cand)
        return cand
