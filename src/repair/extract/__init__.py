"""Extraction: where the values are in raw model text, and which one is the answer.

One left-to-right scan finds markdown fences (fences.py), MetaGPT `[CONTENT]` and
XML-like tags (tags.py), `<think>` blocks (think.py) and plausible bare `{` / `[` starts
in prose (prose.py). Extraction never parses: the pipeline hands it the engine as a
function (`reader`), and it hands the engine the markers a value must stop at as data
(`tags.STOP`). Candidates never overlap and the scan resumes after each one, so the whole
extraction is linear in the text. choose.py picks the answer and says why.
"""

from __future__ import annotations

import re

from ..lexical.trivia import peek_significant
from ..chars import WS
from .candidates import RANK_BARE, RANK_LAST_RESORT, RANK_TAG, RANK_WEAK, Candidate, Scan
from .choose import choose, extraction_steps, join_values
from .fences import fence
from .prose import NO_START, bare, is_subscript, lone_scalar
from .tags import STOP, STOPS, TAG_NAMES, tag
from .think import leading_reasoning, think_block

_SCAN = re.compile(
    r"(?P<fence>`{3,}|~{3,})"
    r"|(?P<tag>\[content\])"
    rf"|(?P<xml><(?P<xname>{TAG_NAMES})(?:\s[^<>\n]{{0,200}})?>)"
    r"|(?P<think><(?:think|thinking|reasoning)>)"
    rf"|(?P<bracket>(?!{NO_START})[\[{{])",
    re.IGNORECASE,
)
# What every match of _SCAN starts with. The regex module tries each of _SCAN's
# alternatives at every offset of a search (50 ns a character of prose); a search for
# these characters skips prose in C, and _SCAN is tried only where one stands.
_SCAN_FIRST = re.compile(r"[`~\[<{]")


def _next_marker(text: str, pos: int, hi: int) -> re.Match[str] | None:
    """_SCAN.search(text, pos, hi), at the cost of a character search."""
    while True:
        f = _SCAN_FIRST.search(text, pos, hi)
        if f is None:
            return None
        m = _SCAN.match(text, f.start(), hi)
        if m is not None:
            return m
        pos = f.start() + 1


class Extractor(Scan):
    """Every candidate value of one text (`scan()`), for the pipeline to choose from."""

    def scan(self, with_reasoning: bool = False) -> list[Candidate]:
        """Every candidate value in the text; with `with_reasoning`, also those inside
        <think> blocks when others were found outside (schema mode scores them all)."""
        text = self.text
        start = leading_reasoning(self)
        self.first = peek_significant(text, start, self.n)
        self.scan_range(start, self.n, rank_cap=RANK_TAG)
        if not self.candidates or with_reasoning:
            for lo, hi in list(self.think_spans):
                self.scan_range(lo, hi, rank_cap=RANK_LAST_RESORT)
        if not self.candidates and self.opening_bracket >= 0:
            cand = self.take(self.opening_bracket, RANK_WEAK, "value", -1, [])
            if cand is not None and WS.match(text, cand.end).end() < self.n:
                self.candidates.pop()  # `{x} is prose`: only the whole text may be such a value
        if not self.candidates:
            lone_scalar(self, start)
        return self.candidates

    def scan_range(self, pos: int, hi: int, rank_cap: int) -> None:
        """Find the candidates in text[pos:hi], none ranked above `rank_cap`."""
        text = self.text
        first = self.first
        while pos < hi:
            m = _next_marker(text, pos, hi)
            if pos <= first < (hi if m is None else m.start()) and text[first] in "{[":
                # (the pattern passed over a bracket that cannot start a value; the one
                # that opens the text is still noted, as prose.bare notes it)
                bare(self, first, rank_cap)
            if m is None:
                return
            kind = m.lastgroup
            if kind == "think":
                pos = think_block(self, m, rank_cap)
            elif kind == "fence":
                pos = fence(self, m, rank_cap)
            elif kind == "tag":
                pos = tag(self, m, "content", rank_cap)
            elif kind == "xml":
                pos = tag(self, m, m.group("xname").lower(), rank_cap)
            else:
                pos = bare(self, m.start(), rank_cap)


__all__ = [
    "RANK_BARE", "RANK_LAST_RESORT", "RANK_TAG", "RANK_WEAK", "STOP", "STOPS", "Candidate", "Extractor",
    "choose", "extraction_steps", "is_subscript", "join_values",
]
