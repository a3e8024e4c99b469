"""Answer tags: MetaGPT's `[CONTENT]` (any case, broken closers) and XML-like tags
(`<json>`, `<output>`, `<answer>`, `<response>`, `<result>`, `<tool_call>`, `<function_call>`).

`STOP` is the table of closing markers (fences and tags) that end a value when met outside
a string. Extraction hands it to the engine as data; the engine never asks extraction.
"""

from __future__ import annotations

import re

from ..chars import WS
from .candidates import RANK_TAG, Candidate, Scan
from .fences import FENCE_OPEN, fence
from .prose import bare_rank, value_start
from ..steps import XML_TAG, leading_text

STOPS = re.compile(
    r"```|~~~|\[/?content\]|\[end\]|</(?:json|output|answer|response|result|tool_call|function_call|think|thinking|reasoning)>",
    re.IGNORECASE,
)
STOP = (frozenset("`~[<"), STOPS)  # (first characters, pattern), as the engine takes it

TAG_NAMES = "json|output|answer|response|result|tool_call|function_call"
CONTENT_CLOSE = re.compile(r"\[/content\]|\[content\]|\[end\]|\[/end\]", re.IGNORECASE)
_OPENER = re.compile(r"[\[{]")
# per XML tag name: its closer, and (to find a value after prose inside the tag) its
# closer or a new opener; compiled at import, one per name
_CLOSERS = {name: re.compile(rf"</{name}>", re.IGNORECASE) for name in TAG_NAMES.split("|")}
_BOUNDS = {name: re.compile(rf"</{name}>|<{name}\b", re.IGNORECASE) for name in TAG_NAMES.split("|")}


def at_marker(text: str, pos: int) -> bool:
    return text[pos] in STOP[0] and STOPS.match(text, pos) is not None


def tag(scan: Scan, m: re.Match[str], name: str, rank_cap: int) -> int:
    """The tag opened by match `m` (`name`: "content" or the XML name): take its value.
    Returns where the scan goes on."""
    text, n = scan.text, scan.n
    first = WS.match(text, m.end()).end()
    if first >= n or at_marker(text, first) and not text.startswith("```", first):
        return m.end()  # `[CONTENT][/CONTENT]` mentioned in prose
    code = "repair_content_tag" if name == "content" else XML_TAG
    label = "[CONTENT] tag" if name == "content" else f"<{name}> tag"
    tag_close = _closer(name)
    cand: Candidate | None
    wrap = [(code, m.start(), f"took the value from a {label}", m.group(), "")]
    if name == "content" and m.group() != "[CONTENT]":
        wrap.append((code, m.start(), f"tag written as {m.group()}", m.group(), "[CONTENT]"))
    inner_fence = FENCE_OPEN.match(text, first)
    if inner_fence is not None:
        before = len(scan.candidates)
        pos = fence(scan, inner_fence, rank_cap, wrap_start=m.start(), outer_label=label)
        if len(scan.candidates) == before:
            return pos
        cand = scan.candidates[-1]
        cand.wrap_steps[:0] = wrap
    else:
        if not value_start(text, first, in_tag=True):
            first = _value_in_tag(scan, first, name)
            if first < 0:
                return m.end()  # a prose mention of the tag
            wrap.append(leading_text(WS.match(text, m.end()).end(),
                                     "dropped text inside the tag before the value", text[m.end():first].strip()))
        cand = scan.take(first, min(rank_cap, RANK_TAG), label, m.start(), wrap)
        if cand is None:
            return m.end()
        pos = cand.end
    after = WS.match(text, max(pos, cand.end)).end()
    closer = tag_close.match(text, after)
    if closer is not None:
        got = closer.group()
        if name == "content" and got != "[/CONTENT]":
            what = "closing tag without '/'" if got.upper() == "[CONTENT]" else f"closing tag written as {got}"
            cand.wrap_steps.append((code, after, what, got, "[/CONTENT]"))
        cand.wrap_end = closer.end()
    else:
        cand.wrap_steps.append((code, after, f"the {label} is never closed", "", ""))
    return max(cand.end, cand.wrap_end, pos)


def _closer(name: str) -> re.Pattern[str]:
    return CONTENT_CLOSE if name == "content" else _CLOSERS[name]


def _value_in_tag(scan: Scan, pos: int, name: str) -> int:
    """`[CONTENT]\\nHere is the JSON:\\n{...}`: the first plausible value before the tag
    closes or another tag opens; -1 if there is none."""
    text = scan.text
    bound = CONTENT_CLOSE if name == "content" else _BOUNDS[name]
    m = bound.search(text, pos)
    limit = scan.n if m is None else m.start()
    for b in _OPENER.finditer(text, pos, limit):
        if bare_rank(text, b.start()) >= 0:
            return b.start()
    return -1


def last_content_block(text: str) -> str | None:
    """The inside of the last closed [CONTENT]...[/CONTENT] block as it stands, else None
    (ActionNode without local repair: the block must be JSON as it is). Found with
    str.find, so many unclosed tags cost one pass, not one pass each."""
    last = None
    pos = 0
    while True:
        start = text.find("[CONTENT]", pos)
        if start < 0:
            return last
        end = text.find("[/CONTENT]", start + 9)
        if end < 0:
            return last
        last = text[start + 9:end]
        pos = end + 10
