"""Values in prose: bare `{` / `[` starts, stringified JSON, and a lone scalar.

A bracket in prose starts a value only when what follows it can: `{"`, `{name:`, `[{`,
`["`, `[1, 2]`. Subscripts (`worker[2]`, `row["id"]`) and log brackets (`[12:00:01]`,
`[v1.2.3]`) are not values (docs/policy.md §1).
"""

from __future__ import annotations

import re

from ..chars import IDENT_KEY_AHEAD, INVISIBLE, LITERAL_WORDS, QUOTES, WORD, WS
from ..lexical.decode import STRICT
from ..lexical.trivia import peek_significant
from ..steps import TUPLE_REPAIRS, trailing_comma
from .candidates import RANK_BARE, RANK_LAST_RESORT, RANK_WEAK, Candidate, Scan

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any

_LOOSE_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?")
_ITEM_END = frozenset(",] \t\r\n")
_ESCAPED_START = re.compile(r"[{\[]\s*\\\"")
_UNESCAPES = {'"': '"', "\\": "\\", "/": "/", "n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}
_ESCAPE_SEQ = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)


# A bracket that bare_rank refuses whatever follows: a `{` right before a character that
# can start no key and no trivia (no quote, letter, digit, `{`, `}`, `,`, `/`, `#`,
# whitespace), and a `[` right before such a `{`. The scan passes over them in C, so that
# text made of brackets (`[{[{...`) costs no Python step per bracket.
_NO_KEY = r"[\[\]()<>=;:!?*+.|&%@^~-]"
NO_START = rf"\{{{_NO_KEY}|\[\{{{_NO_KEY}"


def bare(scan: Scan, pos: int, rank_cap: int) -> int:
    """A `{` or `[` found in prose: take the value it starts, if it plausibly starts one.
    Returns where the scan goes on."""
    rank = bare_rank(scan.text, pos)
    if rank < 0:
        if pos == scan.first:
            scan.opening_bracket = pos  # `[tr`, `[.5]`: tried if nothing better is found
        return pos + 1
    if _ESCAPED_START.match(scan.text, pos):
        return escaped(scan, pos, min(rank_cap, RANK_BARE))
    cand = scan.take(pos, min(rank_cap, rank), "value", -1, [])
    return pos + 1 if cand is None else cand.end


def bare_rank(text: str, pos: int) -> int:
    """How plausible a bare `{` or `[` is as the start of a value (-1: not at all)."""
    n = len(text)
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
    if c == "{":  # `[{`: a list of objects, when that `{` can start one (`'[{' * n` is not)
        return RANK_BARE if bare_rank(text, k) >= 0 else -1
    if c == "[":
        return RANK_BARE
    if is_subscript(text, pos):
        return -1
    if c in QUOTES or c == "\\":
        return RANK_BARE
    if c == "]":
        return RANK_WEAK
    # a number or literal item must end where an item can end: `[3/5]`, `[12:00:01]`,
    # `[2026-11-21 10:00]`, `[v1.2.3]`, `[--verbose]`, `[true/false]` are log text
    numeric = c in "-0123456789"
    m = _LOOSE_NUMBER.match(text, k) if numeric else WORD.match(text, k)
    if m is None or (not numeric and m.group() not in LITERAL_WORDS):
        return -1
    e = m.end()
    return RANK_WEAK if e >= n or text[e] in _ITEM_END else -1


def is_subscript(text: str, pos: int) -> bool:
    """`worker[2]`, `row["id"]`, `f()[0]`: a `[` right after a name or a closer is a
    subscript in code or log text, not a value."""
    return pos > 0 and (text[pos - 1].isalnum() or text[pos - 1] in "_)]")


def value_start(text: str, pos: int, in_tag: bool = False) -> bool:
    """Can a value start at `pos` (inside a fence or tag)?"""
    c = text[pos]
    if c in "{[":
        return not in_tag or bare_rank(text, pos) >= 0 or c == "{"
    if c in QUOTES or c in "-0123456789":
        return True
    m = WORD.match(text, pos)
    return m is not None and m.group() in LITERAL_WORDS


def escaped(scan: Scan, pos: int, rank: int) -> int:
    """`{\\"a\\": 1}`: JSON that was stringified once. Unescape and read that.

    The unescaped text is built for a window that doubles while the value runs to its
    end, so each such value costs time in proportion to its own length, not the rest of
    the text (prose full of stringified values stays linear)."""
    text = scan.text
    window = 256
    while True:
        limit = min(scan.n, pos + window)
        inner = unescape(text[pos:limit])
        got = scan.reader(inner)(0)
        if got is None:
            return pos + 1
        if got[1] < len(inner.rstrip()) or limit >= scan.n:
            break
        window *= 4  # the window cut the value: look further
    value, end, inner_steps = got
    steps = [("repair_escaped_json", pos, "unescaped stringified JSON", "\\\"", '"')]
    steps += [(code, pos, message, found, put) for code, _, message, found, put in inner_steps]
    consumed = pos + len(_escape_back(inner[:end]))
    cand = Candidate(rank, pos, min(consumed, scan.n), value, steps, -1, -1, [], "stringified value")
    scan.candidates.append(cand)
    return cand.end


def lone_scalar(scan: Scan, pos: int) -> None:
    """A scalar is the answer only when it is the whole text: `"abc`, `2.`, `True`; also
    with a comma after it (`7,`), a Python tuple at the root (`(1, 2)`, `(3)`), and a string
    that was escaped whole (`\\"ok\\"`)."""
    text = scan.text
    k = WS.match(text, pos).end()
    while k < scan.n and text[k] in INVISIBLE:
        k = WS.match(text, k + 1).end()
    if k >= scan.n:
        return
    c = text[k]
    if c == "\\" and _escaped_whole(scan, k):
        return
    if not (c in QUOTES or c in "-+.0123456789(" or WORD.match(text, k)):
        return
    if c == "(":
        first = peek_significant(text, k + 1, scan.n)
        while first < scan.n and text[first] == "(":  # `((1, 2), (3, 4))`
            first = peek_significant(text, first + 1, scan.n)
        if first >= scan.n or not value_start(text, first):
            return  # `(see the docs)`, `((a) b` are prose; `(1, 2)` is a tuple
    got = scan.read(k)
    if got is None:
        return
    value, end, steps = got
    if c == "(" and (text.rstrip()[-1:] != ")" or any(s[0] not in TUPLE_REPAIRS for s in steps)):
        return  # a whole-text tuple is one as Python writes it: `(3.5 "q" [tr` is log text
    rest = WS.match(text, end).end()
    if rest < scan.n and text[rest] == "," and WS.match(text, rest + 1).end() == scan.n:
        steps = steps + [trailing_comma(rest)]
        end = rest + 1  # `7,`: a value with a comma after it, and nothing else
    elif rest < scan.n:
        return  # `42 is the answer` is prose, not a value
    scan.candidates.append(Candidate(RANK_LAST_RESORT, k, end, value, steps))


_WHOLE_ESCAPED = re.compile(r'\\"((?:[^"\\]|\\.)*)\\"[ \t\r\n]*\Z', re.DOTALL)


def _escaped_whole(scan: Scan, k: int) -> bool:
    """`\\"ok\\"`: the whole text is one JSON string that was escaped again. Read its
    unescaped form; True when that gave the answer."""
    m = _WHOLE_ESCAPED.match(scan.text, k)
    if m is None:
        return False
    inner = '"' + m.group(1).replace('\\"', '"') + '"'
    got = scan.reader(inner)(0)
    if got is None or WS.match(inner, got[1]).end() < len(inner):
        return False
    steps = [("repair_escaped_json", k, "unescaped a string escaped as a whole", '\\"', '"')]
    steps += [(code, k, message, found, put) for code, _, message, found, put in got[2]]
    scan.candidates.append(Candidate(RANK_LAST_RESORT, k, m.end(), got[0], steps, label="escaped string"))
    return True


def unescape(s: str) -> str:
    """The text with JSON's escapes read once, left to right: `\\"` -> `"`, `\\n` -> a
    newline, `\\uXXXX` -> its character, `\\\\` -> one backslash; any other backslash
    stays with the character after it."""
    if "\\" not in s:
        return s
    if "\x00" in s or "\\u0000" in s:  # (NUL stands for an escaped backslash below: none may be there or be made)
        return _ESCAPE_SEQ.sub(_unescape_one, s)
    # With the escaped backslashes out of the way (pairs from the left, as the reading
    # pairs them), every backslash left escapes the character after it, which is not a
    # backslash: each escape is replaced on its own, in C. `\\uXXXX` comes last, so that
    # a backslash it makes is not read again.
    s = s.replace("\\\\", "\x00")
    for escape, char in _SIMPLE:
        if escape in s:
            s = s.replace(escape, char)
    if "\\u" in s:
        s = _UNICODE_ESCAPE.sub(_unescape_one, s)
    return s.replace("\x00", "\\")


def _unescape_one(m: re.Match[str]) -> str:
    g: str = m.group(1)
    if g[0] == "u" and len(g) == 5:
        return chr(int(g[1:], 16))
    whole: str = m.group()
    return _UNESCAPES.get(g, whole)


_SIMPLE = tuple(("\\" + c, v) for c, v in _UNESCAPES.items() if c != "\\")
_UNICODE_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4})")


def _escape_back(s: str) -> str:
    """Approximate length bookkeeping: the raw (escaped) form of an unescaped prefix."""
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


# ---------------------------------------------------------------------- log lines
# `repair scan` reads logs line by line; these two answer, cheaply, what extraction would
# find in one line, so that most lines never reach the pipeline.

def _value_start_pattern() -> re.Pattern[bytes]:
    """Where extraction could start a value in a line (bytes): `{`, a fence, a tag (`<`,
    `~~~`), or a `[` that is neither followed by a bare word (`[worker-2]`, `[docs]`) nor a
    subscript (`queue[3]`); a `[` before a literal (`[true]`, `[None]`) or `content` counts."""
    words = sorted({w for w in LITERAL_WORDS if re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", w)}, key=len, reverse=True)
    lits = "|".join(re.escape(w) for w in words).encode()
    word = rb"[ \t]*(?!(?:" + lits + rb"|(?i:content))(?![A-Za-z0-9_$]))[A-Za-z_$]"
    # the subscript rule of is_subscript, for bytes: `[` right after a name, `)` or `]`, and
    # right before no bracket, blank, comma, comment or invisible character
    not_sub = rb"(?:(?<![A-Za-z0-9_)\]]\[)|(?![A-Za-z0-9\"'_$.+\-]))"
    return re.compile(rb"[{`<~]|\[(?i:content)\]|\[(?!" + word + rb")" + not_sub)


_VALUE_START = _value_start_pattern()
# A line starting (after blanks) with one of these cannot be one lone value as a whole
# (no quote, bracket, comment, byte order mark or invisible character).
_PLAIN_FIRST = re.compile(rb"[ \t\r]*[A-Za-z0-9!$%&()*+,\-.:;=>?@\]^_|}]")
_RUN_END = re.compile(rb"[,\]}]")


def may_hold_value(raw: bytes) -> bool:
    """False when extraction can find no value in this line: its brackets are all prose
    (`[worker-2] picked up`, `see [docs]`) and it does not start like a value. (A line
    that starts like a number and holds no `,`, `]` or `}` may be one unquoted string as a
    whole, `2024-05-01 [y`: the pipeline decides those.)"""
    if b"{" in raw:
        return True
    m = _PLAIN_FIRST.match(raw)
    if m is None or (raw[m.end() - 1] in b"+-.0123456789" and _RUN_END.search(raw) is None):
        return True
    return _VALUE_START.search(raw) is not None


_QUOTE_FIRST = re.compile(r'[ \t\r\n]*"')
_TAIL_NOT_FAST = re.compile(r'[\[\]{}"#/]')


def valid_value_in_line(text: str) -> Any:
    """The value the pipeline finds in a log line, when it is the valid JSON at the line's
    first bracket with only plain text around it; None when only the pipeline can tell.

    Why that is the pipeline's answer: the line's one candidate is the value at the first
    bracket (no other bracket, fence or tag; a valid `{`/`[` is a plausible start unless
    it is a subscript), the engine reads valid JSON as the C decoder does, with no steps,
    and the text around it gives only repair_leading_text / repair_trailing_text.
    """
    if "`" in text or "<" in text or "~" in text or "\ufeff" in text:
        return None  # fences, tags, think blocks, a byte order mark: the pipeline's to read
    p = text.find("{")
    q = text.find("[", 0, p if p >= 0 else len(text))
    if q >= 0:
        p = q
    if p < 0 or _QUOTE_FIRST.match(text) is not None:
        return None  # (a line that starts with a quote may be one JSON string as a whole)
    try:
        value, end = STRICT.raw_decode(text, p)
    except (ValueError, RecursionError):
        return None
    if p and type(value) is list and (not value or type(value[0]) not in (dict, list)) and is_subscript(text, p):
        return None  # `row[1, 2]`: a subscript is log text
    if _TAIL_NOT_FAST.search(text, end) is not None:
        return None  # another value, an extra closing bracket or a comment after this one
    return value
