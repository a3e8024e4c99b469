"""Markdown code fences: ```` ```json ````, ```` ``` ````, `~~~`, unclosed, other languages.

A fence of a JSON language (or none) ranks as a tag; a fence of another language holds a
value only when its body starts with `{` or `[` (RANK_WEAK); a bash or python block with
no such start is skipped whole.
"""

from __future__ import annotations

import re

from ..chars import WS

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from ..chars import AlwaysMatches
from .candidates import RANK_TAG, RANK_WEAK, Scan
from .prose import value_start

JSON_LANGS = frozenset(["", "json", "json5", "jsonc", "jsonl", "ndjson", "javascript", "js"])
_FENCE_LANG: AlwaysMatches = re.compile(r"[ \t]*([A-Za-z0-9_+.#-]*)")  # type: ignore[assignment]
FENCE_OPEN = re.compile(r"`{3,}|~{3,}")


def fence(scan: Scan, m: re.Match[str], rank_cap: int, wrap_start: int = -1, outer_label: str = "") -> int:
    """The fence opened by match `m`: take its value. Returns where the scan goes on."""
    text, n = scan.text, scan.n
    marker = m.group()
    lang_m = _FENCE_LANG.match(text, m.end())
    lang = lang_m.group(1).lower()
    body = lang_m.end()
    first = WS.match(text, body).end()
    if first < n and text.startswith(marker[:3], first):
        return first + len(marker)  # an empty block
    is_json = lang in JSON_LANGS
    c = text[first] if first < n else ""
    if not is_json and c not in "{[":
        close = text.find(marker[:3], body)
        return n if close < 0 else close + len(marker)  # a bash/python block: not it
    rank = min(rank_cap, RANK_TAG if is_json else RANK_WEAK)
    label = f"```{lang} fence" if lang else "``` fence"
    wrap = [("repair_markdown_fence", m.start(), f"took the value from a {label}", marker + lang, "")]
    if outer_label:
        label = f"{outer_label} with a {label}"
    if first >= n or not value_start(text, first):
        close = text.find(marker[:3], body)
        return n if close < 0 else close + len(marker)
    cand = scan.take(first, rank, label, wrap_start if wrap_start >= 0 else m.start(), wrap)
    if cand is None:
        return first + 1
    after = WS.match(text, cand.end).end()
    if text.startswith(marker[:3], after):
        cand.wrap_end = after + len(marker)
    else:
        close = text.find(marker[:3], after)
        if close < 0:
            cand.wrap_steps.append(("repair_markdown_fence", m.start(), "the fence is never closed", "", ""))
            cand.wrap_end = n if after >= n else -1
        else:
            cand.wrap_end = -1  # the text between value and fence is reported as trailing
    return max(cand.end, cand.wrap_end)
