"""Choosing among candidates, and the steps for what surrounds the chosen value.

Choice rule (docs/policy.md): the highest rank wins; among equal ranks the last one wins,
because models put the final answer after echoed examples and drafts.
"""

from __future__ import annotations

from ..steps import (
    closed_at, dropped_text, ends_cut_off, extra_bracket, leading_text, snippet, stray_char, text_end, trailing_comma,
    trailing_text,
)
from .candidates import Candidate

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from ..steps import RawStep


def choose(candidates: list[Candidate], text: str = "") -> Candidate:
    """Highest rank; among equal ranks, the last one, unless the last is cut off at the
    end of the text and an earlier one of that rank is whole (a model that began the same
    answer again and was cut: the whole one wins)."""
    best = candidates[0]
    end = text_end(text)
    for cand in candidates[1:]:
        if cand.rank >= best.rank:
            if cand.rank == best.rank and text and cut_off(end, cand) and not cut_off(end, best):
                continue
            best = cand
    return best


def cut_off(end: int, cand: Candidate) -> bool:
    """Did the text (whose last non-blank character ends at `end`) end inside this
    candidate: a token cut, or containers left open?"""
    return cand.end >= end and ends_cut_off(cand.steps, end)  # (text after it: not cut by the end)


def join_values(text: str, candidates: list[Candidate]) -> list[Candidate]:
    """Values in prose written one after another form one list (docs/policy.md §1):
    separated only by commas (`{...}, {...}`: a list missing its brackets), or whole
    values on consecutive lines (NDJSON). A fenced or tagged value is an answer of its own
    and is never joined. Returns the candidates with each such run replaced by one."""
    if len(candidates) < 2:
        return candidates
    out: list[Candidate] = []
    run: list[Candidate] = [candidates[0]]
    end = text_end(text)
    for cand in candidates[1:]:
        if _joins(text, end, run[-1], cand):
            run.append(cand)
        else:
            out.append(_joined(text, run))
            run = [cand]
    out.append(_joined(text, run))
    return out


def _joins(text: str, end: int, a: Candidate, b: Candidate) -> bool:
    if a.wrap_start >= 0 or b.wrap_start >= 0 or a.wrap_steps or b.wrap_steps:
        return False
    gap = text[a.outer_end:b.outer_start]
    bare = gap.strip(" \t\r\n")
    if bare == ",":
        return not cut_off(end, a)
    return bare == "" and "\n" in gap and not cut_off(end, a) and not cut_off(end, b)


def _joined(text: str, run: list[Candidate]) -> Candidate:
    if len(run) == 1:
        return run[0]
    first, last = run[0], run[-1]
    commas = text[first.outer_end:run[1].outer_start].strip() == ","
    how = "separated by commas" if commas else "one per line"
    steps = [("repair_missing_list", first.start, f"{len(run)} values {how}: wrapped in a list", "", "[")]
    for cand in run:
        steps.extend(cand.steps)
    end = last.end
    # `{...}, {...},`: a comma after the last value belongs to the list
    k = end
    while k < len(text) and text[k] in " \t\r\n":
        k += 1
    if commas and k < len(text) and text[k] == ",":
        steps.append(trailing_comma(k))
        end = k + 1
    joined = Candidate(min(c.rank for c in run), first.start, end, [c.value for c in run], steps,
                       label=f"list of {len(run)} values")
    joined.parts = run
    return joined


def extraction_steps(text: str, chosen: Candidate, candidates: list[Candidate], think_spans: list[tuple[int, int]],
                     choice_step: bool = True) -> list[RawStep]:
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
        elif _closed_early(chosen):
            # the engine closed the value before this text because it could not go on:
            # the text may have been part of the value
            steps.append(dropped_text(k, f"dropped text after a value closed early: {snippet(frag.strip())}", frag))
        else:
            steps.append(trailing_text(k, f"dropped text after the value: {snippet(frag.strip())}", frag, ""))
    if len(candidates) > 1 and choice_step:
        others = [c for c in candidates if c is not chosen]
        where = ", ".join(f"{c.label} at offset {c.outer_start}" for c in others[:5])
        more = f" and {len(others) - 5} more" if len(others) > 5 else ""
        why = "highest rank, then last"
        if any(c.rank == chosen.rank and c.outer_start > chosen.outer_start for c in others):
            why = "highest rank; the later one is cut off"
        # what was dropped: the text of the values not chosen
        dropped = " ... ".join(text[c.outer_start:c.outer_end] for c in others)
        steps.append((
            "repair_candidate_choice", chosen.outer_start,
            f"chose the {chosen.label} at offset {chosen.outer_start} out of {len(candidates)} values "
            f"({why}); also found: {where}{more}", dropped if len(dropped) <= 4000 else dropped[:4000], "",
        ))
    return steps


def _closed_early(cand: Candidate) -> bool:
    """Did the engine close containers still open where the value ends (before text that
    could not continue it), rather than meet the value's own last closer?"""
    return closed_at(cand.steps, cand.end)


def _outside(text: str, lo: int, hi: int, think_spans: list[tuple[int, int]]) -> tuple[int, str] | None:
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
