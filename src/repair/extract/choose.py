"""Choosing among candidates, and the steps for what surrounds the chosen value.

Choice rule (docs/policy.md): the highest rank wins; among equal ranks the last one wins,
because models put the final answer after echoed examples and drafts.
"""

from __future__ import annotations

from ..steps import extra_bracket, leading_text, snippet, stray_char, trailing_text
from .candidates import Candidate


def choose(candidates: list[Candidate]) -> Candidate:
    """Highest rank; among equal ranks, the last one."""
    best = candidates[0]
    for cand in candidates[1:]:
        if cand.rank >= best.rank:
            best = cand
    return best


def extraction_steps(text: str, chosen: Candidate, candidates: list[Candidate], think_spans, choice_step: bool = True) -> list:
    """Steps for what surrounds the chosen value: wrappers, skipped reasoning, prose."""
    steps = list(chosen.wrap_steps)
    for lo, hi in think_spans:
        if hi <= chosen.outer_start or lo >= chosen.outer_end:
            steps.append(("repair_think_block", lo, f"skipped a reasoning block of {hi - lo} characters", text[lo:min(hi, lo + 40)], ""))
        else:
            steps.append(("repair_think_block", lo, "no value outside the reasoning block; took the one inside it", "", ""))
    lead = _outside(text, 0, chosen.outer_start, think_spans)
    if lead is not None:
        k, frag = lead
        if frag.strip("\ufeff \t\r\n") == "":
            steps.append(stray_char(k, "removed a byte order mark", frag, ""))
        else:
            steps.append(leading_text(k, f"dropped text before the value: {snippet(frag.strip())}", frag, ""))
    tail = _outside(text, chosen.outer_end, len(text), think_spans)
    if tail is not None:
        k, frag = tail
        if frag.strip(" \t\r\n}]") == "":
            steps.append(extra_bracket(k, f"removed extra closing bracket(s) {snippet(frag.strip())} after the value", frag, ""))
        else:
            steps.append(trailing_text(k, f"dropped text after the value: {snippet(frag.strip())}", frag, ""))
    if len(candidates) > 1 and choice_step:
        others = [c for c in candidates if c is not chosen]
        where = ", ".join(f"{c.label} at offset {c.outer_start}" for c in others[:5])
        more = f" and {len(others) - 5} more" if len(others) > 5 else ""
        steps.append((
            "repair_candidate_choice", chosen.outer_start,
            f"chose the {chosen.label} at offset {chosen.outer_start} out of {len(candidates)} values "
            f"(highest rank, then last); also found: {where}{more}", "", "",
        ))
    return steps


def _outside(text: str, lo: int, hi: int, think_spans) -> tuple[int, str] | None:
    """The first non-blank text in [lo, hi) outside reasoning blocks: (offset, the text)."""
    pieces = []
    cur = lo
    for s, e in sorted(think_spans):
        if e <= cur or s >= hi:
            continue
        if s > cur:
            pieces.append((cur, text[cur:s]))
        cur = max(cur, e)
    if cur < hi:
        pieces.append((cur, text[cur:hi]))
    for start, frag in pieces:
        stripped = frag.lstrip(" \t\r\n")
        if stripped:
            first = start + len(frag) - len(stripped)
            joined = "".join(f for _, f in pieces)
            return first, joined.strip(" \t\r\n") if len(joined) < 4000 else stripped[:4000]
    return None
