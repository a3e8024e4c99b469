"""Extraction: find the JSON value in raw model text, and choose among candidates.

One left-to-right scan finds markdown fences, MetaGPT `[CONTENT]` tags, XML-like tags,
`<think>` blocks and plausible bare `{` / `[` starts. Each wrapper's value is parsed by
the tolerant parser, which stops at the closing fence or tag *outside strings* (so a
fence inside a JSON string does not cut the value). Candidates never overlap and the scan
resumes after each one, so the whole extraction is linear in the text.

Choice rule (documented in docs/policy.md): the highest rank wins; among equal ranks the
last one wins, because models put the final answer after echoed examples and drafts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .chars import IDENT_KEY_AHEAD, INVISIBLE, QUOTES, WORD, WS
from .lexical.scalars import LITERALS
from .lexical.trivia import peek_significant
from .steps import snippet

RANK_TAG = 3  # [CONTENT], <json>, ```json and bare ``` fences
RANK_BARE = 2  # an object, or an array of containers/strings, in prose
RANK_WEAK = 1  # an array of scalars in prose; a fence of another language
RANK_LAST_RESORT = 0  # inside <think>, or a lone scalar that is the whole text

# Markers that end a value when met outside a string: a closing fence or tag. Extraction
# hands them to the engine as data (`STOP`); the engine never asks extraction.
STOPS = re.compile(
    r"```|~~~|\[/?content\]|\[end\]|</(?:json|output|answer|response|result|tool_call|function_call|think|thinking|reasoning)>",
    re.IGNORECASE,
)
STOP = (frozenset("`~[<"), STOPS)


def _at_marker(text: str, pos: int) -> bool:
    return text[pos] in STOP[0] and STOPS.match(text, pos) is not None
_LOOSE_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?")
_ITEM_END = frozenset(",] \t\r\n")

JSON_LANGS = frozenset(["", "json", "json5", "jsonc", "jsonl", "ndjson", "javascript", "js"])

_SCAN = re.compile(
    r"(?P<fence>`{3,}|~{3,})"
    r"|(?P<tag>\[content\])"
    r"|(?P<xml><(?P<xname>json|output|answer|response|result|tool_call|function_call)(?:\s[^<>\n]{0,200})?>)"
    r"|(?P<think><(?:think|thinking|reasoning)>)"
    r"|(?P<bracket>[\[{])",
    re.IGNORECASE,
)
_THINK_CLOSE = re.compile(r"</(?:think|thinking|reasoning)>", re.IGNORECASE)
_FENCE_LANG = re.compile(r"[ \t]*([A-Za-z0-9_+.#-]*)")
_TAG_CLOSE = re.compile(r"\[/content\]|\[content\]|\[end\]|\[/end\]", re.IGNORECASE)
_ESCAPED_START = re.compile(r"[{\[]\s*\\\"")


@dataclass
class Candidate:
    rank: int
    start: int  # offset of the value's first character
    end: int  # offset after the value
    value: object
    steps: list
    wrap_start: int = -1  # offset of the fence or tag, if any
    wrap_end: int = -1  # offset after the closing fence or tag
    wrap_steps: list = field(default_factory=list)
    label: str = "value"

    @property
    def outer_start(self) -> int:
        return self.wrap_start if self.wrap_start >= 0 else self.start

    @property
    def outer_end(self) -> int:
        return max(self.end, self.wrap_end)


class Extractor:
    def __init__(self, text: str, reader, read=None) -> None:
        """`reader(text)` gives the engine for a text, as the pipeline runs it: a function
        `read(pos)` -> the value that starts at `pos` as (value, end, raw steps), or None
        when no value starts there. Extraction finds where values start and what wraps
        them; it never parses. `read`: the reader for this text, when the caller has one."""
        self.text = text
        self.n = len(text)
        self.reader = reader
        self.read = read if read is not None else reader(text)
        self.candidates: list[Candidate] = []
        self.think_spans: list[tuple[int, int]] = []
        self.first = 0  # offset of the first significant character
        self.opening_bracket = -1  # an implausible `{`/`[` that opens the text

    # ------------------------------------------------------------------ scanning
    def scan(self, with_reasoning: bool = False) -> list[Candidate]:
        """Every candidate value in the text; with `with_reasoning`, also those inside
        <think> blocks when others were found outside (schema mode scores them all)."""
        text = self.text
        start = 0
        m = _THINK_CLOSE.search(text)
        if m is not None and not _quoted(text, m.start(), m.end()):
            opener = re.search(r"<(?:think|thinking|reasoning)>", text[: m.start()], re.IGNORECASE)
            if opener is None:  # `...reasoning</think>{...}`: the opener was in the prompt
                self.think_spans.append((0, m.end()))
                start = m.end()
        self.first = peek_significant(text, start, self.n)
        self._scan_range(start, self.n, rank_cap=RANK_TAG)
        if not self.candidates or with_reasoning:
            for lo, hi in list(self.think_spans):
                self._scan_range(lo, hi, rank_cap=RANK_LAST_RESORT)
        if not self.candidates and self.opening_bracket >= 0:
            cand = self._parse(self.opening_bracket, RANK_WEAK, "value", -1, [])
            if cand is not None and WS.match(text, cand.end).end() < self.n:
                self.candidates.pop()  # `{x} is prose`: only the whole text may be such a value
        if not self.candidates:
            self._lone_scalar(start)
        return self.candidates

    def _scan_range(self, pos: int, hi: int, rank_cap: int) -> None:
        text = self.text
        while pos < hi:
            m = _SCAN.search(text, pos, hi)
            if m is None:
                return
            kind = m.lastgroup
            if kind == "think":
                if rank_cap > RANK_LAST_RESORT:
                    close = _THINK_CLOSE.search(text, m.end())
                    end = close.end() if close else self.n
                    self.think_spans.append((m.start(), end))
                    pos = end
                else:
                    pos = m.end()  # already inside a reasoning block: look through the tag
            elif kind == "fence":
                pos = self._fence(m, rank_cap)
            elif kind == "tag":
                pos = self._tag(m, "content", rank_cap)
            elif kind == "xml":
                pos = self._tag(m, m.group("xname").lower(), rank_cap)
            else:
                pos = self._bare(m.start(), rank_cap)

    def _fence(self, m: re.Match, rank_cap: int, wrap_start: int = -1, outer_label: str = "") -> int:
        text = self.text
        marker = m.group()
        lang_m = _FENCE_LANG.match(text, m.end())
        lang = lang_m.group(1).lower()
        body = lang_m.end()
        first = WS.match(text, body).end()
        if first < self.n and text.startswith(marker[:3], first):
            return first + len(marker)  # an empty block
        is_json = lang in JSON_LANGS
        c = text[first] if first < self.n else ""
        if not is_json and c not in "{[":
            close = text.find(marker[:3], body)
            return self.n if close < 0 else close + len(marker)  # a bash/python block: not it
        rank = min(rank_cap, RANK_TAG if is_json else RANK_WEAK)
        label = f"```{lang} fence" if lang else "``` fence"
        wrap = [("repair_markdown_fence", m.start(), f"took the value from a {label}", marker + lang, "")]
        if outer_label:
            label = f"{outer_label} with a {label}"
        if first >= self.n or not self._value_start(first):
            close = text.find(marker[:3], body)
            return self.n if close < 0 else close + len(marker)
        cand = self._parse(first, rank, label, wrap_start if wrap_start >= 0 else m.start(), wrap)
        if cand is None:
            return first + 1
        after = WS.match(text, cand.end).end()
        if text.startswith(marker[:3], after):
            cand.wrap_end = after + len(marker)
        else:
            close = text.find(marker[:3], after)
            if close < 0:
                cand.wrap_steps.append(("repair_markdown_fence", m.start(), "the fence is never closed", "", ""))
                cand.wrap_end = self.n if after >= self.n else -1
            else:
                cand.wrap_end = -1  # the text between value and fence is reported as trailing
        return max(cand.end, cand.wrap_end)

    def _tag(self, m: re.Match, name: str, rank_cap: int) -> int:
        text = self.text
        first = WS.match(text, m.end()).end()
        if first >= self.n or _at_marker(text, first) and not text.startswith("```", first):
            return m.end()  # `[CONTENT][/CONTENT]` mentioned in prose
        code = "repair_content_tag" if name == "content" else "repair_xml_tag"
        label = "[CONTENT] tag" if name == "content" else f"<{name}> tag"
        tag_close = _TAG_CLOSE if name == "content" else re.compile(rf"</{name}>", re.IGNORECASE)
        wrap = [(code, m.start(), f"took the value from a {label}", m.group(), "")]
        if name == "content" and m.group() != "[CONTENT]":
            wrap.append((code, m.start(), f"tag written as {m.group()}", m.group(), "[CONTENT]"))
        fence = re.compile(r"`{3,}|~{3,}").match(text, first)
        if fence is not None:
            before = len(self.candidates)
            pos = self._fence(fence, rank_cap, wrap_start=m.start(), outer_label=label)
            if len(self.candidates) == before:
                return pos
            cand = self.candidates[-1]
            cand.wrap_steps[:0] = wrap
        else:
            if not self._value_start(first, in_tag=True):
                first = self._value_in_tag(first, name)
                if first < 0:
                    return m.end()  # a prose mention of the tag
                wrap.append(("repair_leading_text", WS.match(text, m.end()).end(),
                             "dropped text inside the tag before the value", text[m.end():first].strip(), ""))
            cand = self._parse(first, min(rank_cap, RANK_TAG), label, m.start(), wrap)
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

    def _value_in_tag(self, pos: int, name: str) -> int:
        """`[CONTENT]\nHere is the JSON:\n{...}`: the first plausible value before the tag
        closes or another tag opens; -1 if there is none."""
        text = self.text
        closer = _TAG_CLOSE if name == "content" else re.compile(rf"</{name}>|<{name}\b", re.IGNORECASE)
        m = closer.search(text, pos)
        limit = self.n if m is None else m.start()
        for b in re.compile(r"[\[{]").finditer(text, pos, limit):
            if self._bare_rank(b.start()) >= 0:
                return b.start()
        return -1

    def _bare(self, pos: int, rank_cap: int) -> int:
        rank = self._bare_rank(pos)
        if rank < 0:
            if pos == self.first:
                self.opening_bracket = pos  # `[tr`, `[.5]`: tried if nothing better is found
            return pos + 1
        if _ESCAPED_START.match(self.text, pos):
            return self._escaped(pos, min(rank_cap, RANK_BARE))
        cand = self._parse(pos, min(rank_cap, rank), "value", -1, [])
        return pos + 1 if cand is None else cand.end

    # ------------------------------------------------------------------ candidates
    def _parse(self, pos: int, rank: int, label: str, wrap_start: int, wrap: list):
        """Read the candidate value at `pos` with the engine; None when there is none."""
        got = self.read(pos)
        if got is None:
            return None
        value, end, steps = got
        cand = Candidate(rank, pos, end, value, steps, wrap_start, -1, list(wrap), label)
        self.candidates.append(cand)
        return cand

    def _value_start(self, pos: int, in_tag: bool = False) -> bool:
        c = self.text[pos]
        if c in "{[":
            return not in_tag or self._bare_rank(pos) >= 0 or c == "{"
        if c in QUOTES or c in "-0123456789":
            return True
        m = WORD.match(self.text, pos)
        return m is not None and m.group() in LITERALS

    def _bare_rank(self, pos: int) -> int:
        """How plausible a bare `{` or `[` is as the start of a value (-1: not at all)."""
        text, n = self.text, self.n
        k = peek_significant(text, pos + 1, n)
        while k < n and text[k] == ",":  # `[, 1]`, `{ ,"a": 1}`: a leading comma
            k = peek_significant(text, k + 1, n)
        if k >= n:
            return RANK_WEAK if text[pos] == "{" else -1
        c = text[k]
        if text[pos] == "{":
            if c == "{":  # `{{"a": 1}}`: braces doubled as in a format template
                k = peek_significant(text, k + 1, n)
                c = text[k] if k < n else ""
            if c in QUOTES or c == "\\":
                return RANK_BARE
            if c == "}":
                return RANK_WEAK
            return RANK_BARE if IDENT_KEY_AHEAD.match(text, k) else -1
        if c in "{[":
            return RANK_BARE
        if pos > 0 and (text[pos - 1].isalnum() or text[pos - 1] in "_)]"):
            return -1  # `worker[2]`, `row["id"]`, `f()[0]`: a subscript in code or log text, not a value
        if c in QUOTES or c == "\\":
            return RANK_BARE
        if c == "]":
            return RANK_WEAK
        # a number or literal item must end where an item can end: `[3/5]`, `[12:00:01]`,
        # `[2026-11-21 10:00]`, `[v1.2.3]`, `[--verbose]`, `[true/false]` are log text
        numeric = c in "-0123456789"
        m = _LOOSE_NUMBER.match(text, k) if numeric else WORD.match(text, k)
        if m is None or (not numeric and m.group() not in LITERALS):
            return -1
        e = m.end()
        return RANK_WEAK if e >= n or text[e] in _ITEM_END else -1

    def _escaped(self, pos: int, rank: int) -> int:
        """`{\\"a\\": 1}`: JSON that was stringified once. Unescape and parse that."""
        text = self.text
        stop = STOPS.search(text, pos)
        end = self.n if stop is None else stop.start()
        inner_text = _unescape(text[pos:end])
        sub = Extractor(inner_text, self.reader)
        sub._scan_range(0, sub.n, RANK_TAG)
        if not sub.candidates:
            return pos + 1
        best = sub.candidates[0]
        steps = [("repair_escaped_json", pos, "unescaped stringified JSON", "\\\"", '"')]
        steps += [(code, pos, message, found, put) for code, _, message, found, put in best.steps]
        consumed = pos + len(_escape_back(inner_text[: best.end]))
        cand = Candidate(rank, pos, min(consumed, end), best.value, steps, -1, -1, [], "stringified value")
        self.candidates.append(cand)
        return cand.end

    def _lone_scalar(self, pos: int) -> None:
        """A scalar is the answer only when it is the whole text: `"abc`, `2.`, `True`."""
        text = self.text
        k = WS.match(text, pos).end()
        while k < self.n and text[k] in INVISIBLE:
            k = WS.match(text, k + 1).end()
        if k >= self.n:
            return
        c = text[k]
        if not (c in QUOTES or c in "-+.0123456789" or WORD.match(text, k)):
            return
        got = self.read(k)
        if got is None:
            return
        value, end, steps = got
        rest = WS.match(text, end).end()
        if rest < self.n:
            return  # `42 is the answer` is prose, not a value
        self.candidates.append(Candidate(RANK_LAST_RESORT, k, end, value, steps))


_UNESCAPES = {'"': '"', "\\": "\\", "/": "/", "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}
_ESCAPE_SEQ = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)


def _unescape(s: str) -> str:
    def sub(m: re.Match) -> str:
        g = m.group(1)
        if g[0] == "u" and len(g) == 5:
            return chr(int(g[1:], 16))
        return _UNESCAPES.get(g, m.group())

    return _ESCAPE_SEQ.sub(sub, s)


def _escape_back(s: str) -> str:
    """Approximate length bookkeeping: the raw (escaped) form of an unescaped prefix."""
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _quoted(text: str, start: int, end: int) -> bool:
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


_QUOTE_OR_ESCAPE = re.compile(r"""\\.|["']""", re.DOTALL)


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
            steps.append(("repair_stray_char", k, "removed a byte order mark", frag, ""))
        else:
            steps.append(("repair_leading_text", k, f"dropped text before the value: {snippet(frag.strip())}", frag, ""))
    tail = _outside(text, chosen.outer_end, len(text), think_spans)
    if tail is not None:
        k, frag = tail
        if frag.strip(" \t\r\n}]") == "":
            steps.append(("repair_extra_bracket", k, f"removed extra closing bracket(s) {snippet(frag.strip())} after the value", frag, ""))
        else:
            steps.append(("repair_trailing_text", k, f"dropped text after the value: {snippet(frag.strip())}", frag, ""))
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
