"""Strings: quotes of any style, inner quotes, escapes, control characters, truncation.

A well-formed double-quoted string is decoded by the stdlib's C `scanstring`. Anything
else goes through `_scan_tolerant`, which walks from one special character to the next
with a compiled character class (runs of ordinary text are copied in C), builds a valid
JSON string body, and decodes that body with `scanstring` too (so escapes and surrogate
pairs are decoded exactly as `json.loads` does).

The hard question is whether a quote ends the string or belongs inside it. The answer
depends on what follows the quote and on where the string sits (`is_real_end`).
"""

from __future__ import annotations

import re
from json.decoder import scanstring  # type: ignore[attr-defined]  # (public in the module, missing from its stubs)

from ..chars import (
    CONTROL_ESCAPES, HEX, IDENT_KEY_AHEAD, INLINE_KEY, JSON_NUMBER, LITERALS, OPENLESS_KEY_AHEAD, QUOTE_CLOSERS,
    QUOTES, SIMPLE_ESCAPES, SMART_QUOTES, JSON_RUN, SPACES, STRING_SPECIALS, UNQUOTED_VALUE, VALUE_START, WORD, P,
)
from ..steps import missing_quote, single_quotes, smart_quotes, snippet, truncation, unescaped_quote
from .trivia import peek_significant

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Callable

    from ..chars import AlwaysMatches
    from .state import Scanner

# Where a string sits: it decides which characters may follow its closing quote.
CTX_ROOT, CTX_KEY, CTX_OBJ, CTX_ARR = 0, 1, 2, 3

_LITERAL_WORDS = frozenset(["true", "false", "null", "True", "False", "None", "TRUE", "FALSE", "NULL", "Null"])


def _ahead_pattern(closers: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """After a quote: `key":` / `item",` within one line, escapes read as escapes
    (`"k\\"": 1` is a key). Bounded, and its two alternatives start differently."""
    body = "".join(re.escape(c) for c in closers)
    text = rf"(?:[^{body}\\\n]|\\.){{0,200}}"
    key = re.compile(rf"{text}[{body}][ \t]*(?:[:\uff1a]|=>)")  # (`：`, the full-width colon, and a hash's `=>` too)
    item = re.compile(rf"{text}[{body}][ \t]*(?:[,\]\uff0c]|\r?\n)")  # (a line end: one item per line)
    return key, item


_AHEAD = {q: _ahead_pattern(c) for q, c in QUOTE_CLOSERS.items()}

# Well-formed JSON strings. The escape alternation is unambiguous (an escape starts with
# a backslash, which the plain class excludes), so matching is linear.
_PLAIN_STRING = re.compile(r'"([^"\\\x00-\x1f]*)"')
_ESCAPED_STRING = re.compile(rf'"[^"\\\x00-\x1f]*{P}(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{{4}})[^"\\\x00-\x1f]*{P})*{P}"')


def scan_string(p: Scanner, pos: int, ctx: int) -> tuple[str, int]:
    """Scan the string whose opening quote is at `pos`; return (value, end offset)."""
    text = p.text
    q = text[pos]
    if q == '"':
        if text.startswith('"""', pos) and text.find('"""', pos + 3) >= 0:
            return _scan_triple(p, pos, '"""')
        # A well-formed string is matched in C and never makes scanstring raise (a raised
        # JSONDecodeError counts newlines from the start of the text: O(pos) per string).
        # A string with no quote after it never closes: no pattern is tried (each would
        # read to the end of the text and fail).
        closes = text.find('"', pos + 1) >= 0
        m = _PLAIN_STRING.match(text, pos) if closes else None
        if m is not None:
            value, end = m.group(1), m.end()
        elif closes:
            m = _ESCAPED_STRING.match(text, pos)
            if m is not None:
                end = m.end()
                value = scanstring(text[pos + 1:end], 0, True)[0]
        if m is not None and is_real_end(p, end - 1, ctx, Own(text, pos + 1)):
            return value, end
    elif q == "'":
        if text.startswith("'''", pos) and text.find("'''", pos + 3) >= 0:
            return _scan_triple(p, pos, "'''")
        p.steps.append(single_quotes(pos))
    elif q in SMART_QUOTES:
        p.steps.append(smart_quotes(pos, q))
    elif q == "`":
        p.steps.append(single_quotes(pos, "`"))
    return _scan_tolerant(p, pos, ctx, p.n, False)


class Own:
    """What a string's own text holds so far: how many quotes inside it (`inner`, kept by
    the scanner) and which brackets it opened (counted as the scan goes, so a long string
    costs linear time). `held` is the first quote kept inside because of a bracket."""

    __slots__ = ("text", "upto", "inner", "depth", "held")

    def __init__(self, text: str, start: int) -> None:
        self.text, self.upto, self.inner, self.held = text, start, 0, -1
        self.depth = {"(": 0, "[": 0, "{": 0}

    def opened(self, j: int) -> dict[str, int]:
        if j > self.upto:
            text, a, d = self.text, self.upto, self.depth
            for o, c in _PAIRS:
                d[o] += text.count(o, a, j) - text.count(c, a, j)
            self.upto = j
        return self.depth

    def clean(self, j: int) -> bool:
        """No inner quote left open and no bracket left open before `j`."""
        if self.inner % 2:
            return False
        d = self.opened(j)
        return d["("] <= 0 and d["["] <= 0 and d["{"] <= 0


_PAIRS = (("(", ")"), ("[", "]"), ("{", "}"))
_OPENER_OF = {")": "(", "]": "[", "}": "{"}


def is_real_end(p: Scanner, j: int, ctx: int, own: Own | None = None) -> bool:
    """Does the quote at `j` close the string, judging by what follows it?

    `{"a": "He said "no" twice"}`: the quote before `no` is followed by a letter, so it is
    inside the string; the last one is followed by `}`, so it ends it. Comments and
    invisible characters between the quote and what follows are looked through. `own`
    (the string's own text so far) keeps `"print("x")"` whole and lets a quote glued to
    the next key or item end the string.
    """
    text, n = p.text, p.n
    k = j + 1
    if ctx == CTX_KEY:
        if k < n and (text[k].isalnum() or text[k] == "_"):
            # {"a"b": 1}; but {"retry"3}: a key, then its value without a colon
            return text[k].isdigit() and _scalar_ends(p, k, False)
        k2 = peek_significant(text, k, n)
        if k2 >= n or p.at_end(k2):
            return True
        c = text[k2]
        if c in ':,}]{[=\uff1a\uff0c' or c in QUOTES or c.isdigit() or c == "-":
            return True
        if k2 > k and c.isalpha() and _scalar_ends(p, k2, False):
            return True  # {"valid" true}: a literal value without a colon
        return k2 == k  # `"the "best" one":` -- a space then a word: the quote is inside
    k2 = peek_significant(text, k, n)
    if k2 >= n or p.at_end(k2):
        return True
    c = text[k2]
    if ctx == CTX_ROOT:
        return False
    if c in "}])":
        return not _held(p, own, j, k2, c)
    if c in ",;\uff0c":  # (`，`: the full-width comma)
        k3 = peek_significant(text, k2 + 1, n)
        if k3 >= n or p.at_end(k3):
            return True
        c3 = text[k3]
        if c3 in ",;":
            return True  # a doubled separator
        if ctx == CTX_OBJ:
            # (IDENT_KEY_AHEAD takes `country":` too: a key that lost its opening quote)
            if c3 in QUOTES or c3 == "}" or IDENT_KEY_AHEAD.match(text, k3) is not None:
                return True
            if c3 == "\u2026" or text.startswith("...", k3):
                return True  # `{"a": "x", ...}`: an ellipsis where more members were left out
            if c3 == "{":  # `"alpha",\n {"id": 2`: an object that lost its `}` before the next
                k4 = peek_significant(text, k3 + 1, n)
                return k4 < n and (text[k4] == '"' or text[k4] == "}")
            # `"positive", Confidence "score":` (stray words before the next key);
            # `"Ann", last "Lee"` (a bare key that lost its colon)
            return _WORDS_THEN_KEY.match(text, k3) is not None or _WORD_THEN_VALUE.match(text, k3) is not None
        if c3 in VALUE_START or c3 in "[{](" or c3 in QUOTES:
            return True  # (a `(` opens a Python tuple: `['x', (2, 3)]`)
        m = WORD.match(text, k3)
        if m is None:
            return False
        if m.group() in _LITERAL_WORDS:
            return True
        # `["apple", banana, "cherry"]`, `["a", n` cut off: a bare item, not more of this
        # string, when it runs to a comma, bracket, line end or the end of the text
        e = UNQUOTED_VALUE.match(text, k3).end()
        return e >= n or text[e] in ",]\r\n"
    if c == "{" and ctx == CTX_OBJ:
        # `"v"\n{"k": ...`: on the next line, an object whose key follows; this one lost
        # its `}` (and the comma) before it
        if k2 == k or "\n" not in text[k:k2]:
            # on one line (`[{"k": "v" {"k": "w"}]`): only in an object that is an item of a
            # list, and only before a whole flat object with a quoted key, then `,` or `]`
            # (a quote before `{"k": 1}` inside a string is stringified JSON: it stays)
            return k2 > k and p.object_in_list() and _FLAT_RECORD.match(text, k2) is not None
        k3 = peek_significant(text, k2 + 1, n)
        return k3 < n and text[k3] == '"' and _AHEAD['"'][0].match(text, k3 + 1) is not None
    glued = own is not None and not text[j - 1].isspace() and own.clean(j)
    if c in QUOTES:
        if k2 == k:
            # `"home""`: two quotes in a row, the first is inside the string -- unless a
            # key follows the second: `{"title": "Dune""author": ...}`, a missing comma
            return glued and ctx == CTX_OBJ and c == '"' and _AHEAD[c][0].match(text, k2 + 1) is not None
        if ctx == CTX_ARR:
            return True  # ["a" "b"]: a missing comma, not an inner quote
        return _AHEAD[c][0].match(text, k2 + 1) is not None  # "x" "next": ...
    if glued:
        # the quote ends a word, and what follows cannot be more of this string
        if ctx == CTX_OBJ and OPENLESS_KEY_AHEAD.match(text, k2) is not None:
            return True  # `"The long walk home"pages": 212`: the next key lost its opening quote
        if ctx == CTX_ARR and k2 > k and _scalar_ends(p, k2, True):
            return True  # `["apples" 3, "pears" 5]`: an item with no comma before it
        if ctx == CTX_ARR and k2 > k and openless_item_at(text, k2) and _reads_item(p, k2):
            return True  # `["green" blue", "red"]`: the next item lost its opening quote
    if k2 > k and ctx == CTX_OBJ and "\n" in text[k:k2] and IDENT_KEY_AHEAD.match(text, k2):
        return True  # value, newline, unquoted key: a missing comma
    return False


# A whole object with no container inside, its first key quoted, then what ends a list's
# item: `{"k": "w", "n": 2}]` (bounded, and possessive: its class excludes the braces).
_FLAT_RECORD = re.compile(r'\{[ \t]*"[^"\\\n]{0,200}+"[ \t]*:[^{}\[\]\n]{0,4000}+\}[ \t]*(?:[,\]]|\r?\n|\Z)')


# A bare item that lost its opening quote: words up to a quote, then `,`, `]` or a line end.
_OPENLESS_ITEM = re.compile(r'[^"\\\n,\[\]{}:]{1,200}"[ \t]*(?:[,\]]|\r?\n|\Z)')


# After a member's comma: one to three bare words, then a quoted key (the words are stray
# text the engine drops), or one bare word, then a quoted value that ends the member.
_WORDS_THEN_KEY = re.compile(
    r'[A-Za-z_][A-Za-z0-9_-]{0,40}(?:[ \t]+[A-Za-z_][A-Za-z0-9_-]{0,40}){0,2}[ \t\r\n]+"[^"\\\n]{0,200}"[ \t]*:')
_WORD_THEN_VALUE = re.compile(r'[A-Za-z_$][A-Za-z0-9_$]*[ \t]+"[^"\\\n]{0,200}"[ \t]*[,}\r\n]')


def openless_item_at(text: str, k: int) -> bool:
    """`blue", ...` at `k`: an array item that lost its opening quote."""
    return (text[k].isalnum() or text[k] == "_") and _OPENLESS_ITEM.match(text, k) is not None


def _reads_item(p: Scanner, k: int) -> bool:
    """Will the engine read what is at `k` as the next item of an array (so that ending the
    string here loses nothing)?"""
    starts = getattr(p, "_starts_value", None)
    return starts is not None and starts(k)


def _scalar_ends(p: Scanner, k: int, more: bool) -> bool:
    """Is there a number or a literal at `k` that ends where a value can end (`,`, a closer,
    a line end, the end of the text; with `more`, also a quote or another such scalar)?"""
    text, n = p.text, p.n
    m = JSON_NUMBER.match(text, k)
    if m is None or m.end() == k:
        m = WORD.match(text, k)
        if m is None or m.group() not in LITERALS:
            return False
    e = m.end()
    if e < n and (text[e].isalnum() or text[e] in "_.$"):
        return False
    e = SPACES.match(text, e).end()
    if e >= n or p.at_end(e) or text[e] in ",}]\r\n":
        return True
    if more and e > m.end():
        return text[e] in QUOTES or _scalar_ends(p, e, False)
    return False


def _held(p: Scanner, own: Own | None, j: int, k2: int, c: str) -> bool:
    """`"print("hello")"`, `"data["key"] = 1"`: the quote at `j` is followed by a closer
    that the string's own text opened, and no structure follows that closer: the quote and
    the closer are inside the string."""
    if own is None or own.opened(j)[_OPENER_OF[c]] <= 0:
        return False
    text, n = p.text, p.n
    depth = dict(own.opened(j))
    depth[_OPENER_OF[c]] -= 1
    k3 = peek_significant(text, k2 + 1, n)
    while k3 < n and text[k3] in "}])" and depth[_OPENER_OF[text[k3]]] > 0:
        depth[_OPENER_OF[text[k3]]] -= 1  # `{"a": {"b": "c"}}`: closers the string opened too
        k3 = peek_significant(text, k3 + 1, n)
    if k3 >= n or p.at_end(k3) or text[k3] in "}]):":
        return False
    if text[k3] in QUOTES and _AHEAD[text[k3]][0].match(text, k3 + 1) is not None:
        return False  # `"["\n ]\n "id": ""`: a key follows the closer (its comma is missing)
    if text[k3] == ",":
        k4 = peek_significant(text, k3 + 1, n)
        if k4 >= n or p.at_end(k4):
            return False
        c4 = text[k4]
        if c4 in QUOTES or c4 in "{[]}-" or c4.isdigit():
            return False
        m = WORD.match(text, k4)
        if m is not None:
            e = SPACES.match(text, m.end()).end()
            if e >= n or text[e] in ",:}]\r\n":
                return False  # `}, key: ...`, `], true`: structure
    if own.held < 0:
        own.held = j
    return True


def _missing_end_boundary(p: Scanner, start: int, j: int, ctx: int, opener: str, own: Own) -> int:
    """If the quote at `j` opens the next member while our string never closed, return the
    offset where our string should end (the `,` or newline before `j`); else -1.

    `{"a": "abc, "b": 2}` -> the string ends before the `,`; `{"city": "Berlin, country:
    "DE"}` -> before the `,` of an unquoted key whose quoted value closes on its line.
    """
    text = p.text
    b = j - 1
    while b >= start and text[b] in " \t":
        b -= 1
    if b < start:
        return -1
    d = own.opened(j)
    if d["{"] > 0 or d["["] > 0:
        return -1  # `"got {"a": "b", "c": 1}"`: the members of JSON the string quotes
    if text[b] in "\n\r":
        c = b
        while c > start and text[c - 1] in " \t\r\n":
            c -= 1
        if c > start and text[c - 1] == ",":
            b = c - 1  # `"left,\n  "b": ...`: the comma before the line end was the separator
    if text[b] == ":" and ctx == CTX_OBJ and opener == '"' and own.clean(j):
        comma = text.rfind(",", max(start, b - 120), b)
        if comma >= 0 and INLINE_KEY.fullmatch(text, comma, j) and _MEMBER_VALUE.match(text, j + 1):
            return comma
        return -1
    if text[b] not in ",\n\r":
        return -1
    key_ahead, item_ahead = _AHEAD[opener if opener in _AHEAD else '"']
    ahead = key_ahead if ctx == CTX_OBJ else item_ahead
    m = ahead.match(text, j + 1)
    if m is None:
        return -1
    if ctx == CTX_ARR:
        # the next item's closing quote must end it, by what follows: in `["Then, "carefully",
        # do Y."]` the words after `"carefully",` are no item, so both quotes are inside
        close = m.end() - 1
        closers = QUOTE_CLOSERS[opener if opener in QUOTE_CLOSERS else '"']
        while text[close] not in closers:
            close -= 1
        if not is_real_end(p, close, CTX_ARR):
            return -1
    return b


# After `key: "`: a quoted value that closes on its line, then `,`, `}`, a line end or the end.
_MEMBER_VALUE = re.compile(r'[^"\\\n]{0,200}"[ \t]*(?:[,}]|\r?\n|\Z)')


def _inline_member(p: Scanner, start: int, limit: int) -> int:
    """In a string that never closed: the first `, key: value` inside it (an identifier key
    and a value that starts like one), or -1. `{name: "Widget, price: 9.99}`."""
    text = p.text
    i = start
    while True:
        c = text.find(",", i, limit)
        if c < 0:
            return -1
        m = INLINE_KEY.match(text, c, limit)
        if m is not None:
            k = m.end()
            if k < limit and (text[k] in "\"'[{-" or text[k].isdigit()):
                return c
            w = WORD.match(text, k, limit)
            if w is not None and w.group() in LITERALS:
                return c
        i = c + 1


def _close_inferred(p: Scanner, pos: int, start: int, ctx: int, cut: int, q: str, message: str) -> str:
    """The value of a string whose closing quote is inferred at `cut`: trailing whitespace
    before `cut` is not content, and a typographic `”` there was the closing quote."""
    text = p.text
    k = cut
    while k > start and text[k - 1] in " \t\r\n":
        k -= 1
    if q == '"' and k > start and text[k - 1] == "\u201d" and "\u201c" not in text[start:k - 1]:
        value, _ = _scan_tolerant(p, pos, ctx, k - 1, True, start)
        p.add("repair_smart_quotes", k - 1, "a typographic closing quote closed a double-quoted string", "\u201d", '"')
        return value
    value, _ = _scan_tolerant(p, pos, ctx, k, True, start)
    p.steps.append(missing_quote(cut, message, "", q))
    return value


def _scan_tolerant(p: Scanner, pos: int, ctx: int, limit: int, forced: bool, start: int = -1) -> tuple[str, int]:
    """Scan a string that the C decoder refused. With `forced`, the string is known to end
    at `limit`, and every quote before it is content."""
    text = p.text
    q = text[pos]
    closers = QUOTE_CLOSERS[q]
    specials = STRING_SPECIALS[q]
    doubled = False
    if start < 0:
        start = pos + 1
        if start + 1 < limit and text[start] == q:
            after = text[start + 1]
            if not (after in ",:}])" or after.isspace()):
                p.steps.append(missing_quote(start, "removed a doubled opening quote", q, ""))
                start += 1
                doubled = True
    own = Own(text, start)
    parts: list[str] = []
    append = parts.append
    inner = controls = escapes = 0
    first_inner = first_control = first_escape = -1
    i = start
    end = -1
    truncated_escape = False
    first_colon = -2  # for keys: offset of the first ':' inside, found lazily
    first_eol_quote = -1  # first inner quote that ends its line: the end if none closes
    run = JSON_RUN[q].match
    while True:
        e = run(text, i, limit).end()  # type: ignore[union-attr]  # (JSON_RUN's `*`: matches everywhere)  # ordinary text and valid escapes, copied as they are
        if e > i:
            append(text[i:e])
            i = e
        m = specials.search(text, i, limit)
        if m is None:
            append(text[i:limit])
            break
        j = m.start()
        if j > i:
            append(text[i:j])
        ch = text[j]
        if ch in closers and not forced:
            own.inner = inner
            if doubled and j + 1 < limit and text[j + 1] == q and is_real_end(p, j + 1, ctx, own):
                # `{""name"": ""Ann""}`: CSV-style doubled quotes, opening and closing
                p.steps.append(missing_quote(j, "removed a doubled closing quote", q, ""))
                end = j + 2
                break
            if is_real_end(p, j, ctx, own):
                end = j + 1
                break
            if ctx == CTX_KEY:
                if first_colon == -2:
                    first_colon = text.find(":", start, limit)
                colon = first_colon
                if 0 <= colon < j:
                    return _end_key_at_colon(p, pos, start, colon, q)
            if ctx in (CTX_OBJ, CTX_ARR):
                b = _missing_end_boundary(p, start, j, ctx, ch, own)
                if b >= 0:
                    value = _close_inferred(p, pos, start, ctx, b, q, "inserted the missing closing quote")
                    return value.rstrip(), b
        if ch in closers or ch == '"':
            if ch in closers:
                inner += 1
                if first_inner < 0:
                    first_inner = j
                if first_eol_quote < 0 and not forced:
                    k = SPACES.match(text, j + 1).end()
                    if k < limit and text[k] in "\r\n":
                        first_eol_quote = j
            append('\\"' if ch == '"' else ch)
            i = j + 1
            continue
        if ch == "\\":
            i, kind = _escape(text, j, limit, closers, append)
            if kind == "truncated":
                truncated_escape = True
                break
            if kind == "bad" or (kind == "quote" and q == '"'):
                escapes += 1
                if first_escape < 0:
                    first_escape = j
            continue
        # a raw control character
        append(CONTROL_ESCAPES[ch])
        controls += 1
        if first_control < 0:
            first_control = j
        i = j + 1

    if end < 0 and not forced and ctx == CTX_KEY:
        colon = p.text.find(":", start, limit)
        if colon >= 0:
            return _end_key_at_colon(p, pos, start, colon, q)
    if end < 0 and not forced and (first_eol_quote >= 0 or own.held >= 0):
        # `{"a": "done"\n\nLet me know...`: the quote that ended its line closed the string;
        # so did a quote kept inside for a bracket (`"(x"]`) when no later one closes it
        close = min(x for x in (first_eol_quote, own.held) if x >= 0)
        value, _ = _scan_tolerant(p, pos, ctx, close, True, start)
        return value, close + 1
    if end < 0 and not forced:
        # The string runs to the end of the text. A closing fence or tag inside it, or
        # closing brackets at its very end, are structure the string swallowed.
        cut = _cut_unterminated(p, start, limit, ctx)
        if cut < limit:
            if ctx == CTX_OBJ:
                member = _inline_member(p, start, cut)
                if member >= 0:  # `{name: "Widget, price: 9.99}`: the next member was inside it
                    value = _close_inferred(p, pos, start, ctx, member, q, "inserted the missing closing quote before the next member")
                    return value.rstrip(), member
            value = _close_inferred(p, pos, start, ctx, cut, q, "closed a string that ran into the closing brackets")
            return value, cut
        p.steps.append(truncation(limit, f"closed a string cut off at the end of the text: {snippet(text[max(pos, limit - 30):limit])}", "", q))
        k = limit
        while k > start and text[k - 1] in " \t\n\r":
            k -= 1
        if k < limit and not truncated_escape:
            value, _ = _scan_tolerant(p, pos, ctx, k, True, start)  # drop the trailing whitespace
            return value, limit
        end = limit
    elif end < 0:
        end = limit
    if ctx == CTX_KEY and controls and not forced:
        # `{"label\n": "x"}`: a raw line break at the end of a key is not part of its name
        close = end - 1 if end > start and text[end - 1] in closers else end
        k = close
        while k > start and text[k - 1] in " \t\r\n":
            k -= 1
        if "\n" in text[k:close] or "\r" in text[k:close]:
            value, _ = _scan_tolerant(p, pos, ctx, k, True, start)
            p.add("repair_control_char", k, "removed a raw line break at the end of a key", text[k:close], "")
            return value, end
    if inner:
        p.steps.append(unescaped_quote(first_inner, f"escaped {inner} quote(s) inside a string", q, "\\" + q))
    if controls:
        p.add("repair_control_char", first_control, f"escaped {controls} raw control character(s) inside a string", "", "")
    if escapes:
        p.add("repair_invalid_escape", first_escape, f"kept {escapes} invalid escape(s) as literal backslash(es)", "\\", "\\\\")
    return scanstring("".join(parts) + '"', 0, True)[0], end


def _escape(text: str, j: int, limit: int, closers: str, append: Callable[[str], None]) -> tuple[int, str]:
    """Handle the backslash at `j`; append the JSON form; return (next offset, kind)."""
    if j + 1 >= limit:
        return limit, "truncated"  # the text ends on a backslash: drop it
    nx = text[j + 1]
    if nx in SIMPLE_ESCAPES:
        append(text[j:j + 2])
        return j + 2, "ok"
    if nx == "u":
        digits = text[j + 2:min(j + 6, limit)]
        if len(digits) == 4 and all(c in HEX for c in digits):
            append(text[j:j + 6])
            return j + 6, "ok"
        if j + 2 + len(digits) >= limit and all(c in HEX for c in digits):
            return limit, "truncated"  # `\u00` cut off: drop the partial escape
        append("\\\\u")
        return j + 2, "bad"
    if nx in closers or nx == "'":
        append(nx)  # \' inside a single-quoted string, or an escaped smart quote
        return j + 2, "quote"
    if nx == "\n":
        append("\\n")  # backslash-newline continuation
        return j + 2, "bad"
    append("\\\\")  # \d, \U, \_ ...: keep the backslash as text
    return j + 1, "bad"


def _end_key_at_colon(p: Scanner, pos: int, start: int, colon: int, q: str) -> tuple[str, int]:
    """`{"a": 1, "b: 2}`: a key that never closed ends at its colon."""
    value, _ = _scan_tolerant(p, pos, CTX_KEY, colon, True, start)
    p.steps.append(missing_quote(colon, "inserted the missing closing quote of a key before ':'", "", q))
    return value.rstrip(), colon


def _cut_unterminated(p: Scanner, start: int, limit: int, ctx: int) -> int:
    """Where an unterminated string should end: before a closing fence or tag inside it,
    or before a run of closing brackets at its end. `limit` if neither."""
    text = p.text
    cut = limit
    stop = p.find_stop(start, limit)
    if stop >= 0:
        cut = stop
    if ctx in (CTX_OBJ, CTX_ARR, CTX_KEY):
        k = cut
        while k > start and text[k - 1] in " \t\n\r":
            k -= 1
        run = k
        while run > start and text[run - 1] in "}]":
            run -= 1
        if run < k:
            cut = run
    return cut


def _scan_triple(p: Scanner, pos: int, quote: str) -> tuple[str, int]:
    """A Python triple-quoted string: everything up to the closing triple quote, verbatim."""
    close = p.text.find(quote, pos + 3)
    p.add("repair_triple_quotes", pos, f"triple-quoted string {quote}", quote, '"')
    return p.text[pos + 3:close], close + 3


# A markdown code block written as a member's or item's value: the fence line (a language
# name allowed), then the block, then a line that closes it.
_FENCE_OPEN = re.compile(r"```[A-Za-z0-9_+.#-]*+[ \t]*+\r?\n")
_AFTER_FENCED = re.compile(r"[ \t]*+(?:\r?\n[ \t]*+)?[,}\]]")


def scan_fenced(p: Scanner, pos: int) -> tuple[str, int] | None:
    """`{"code": ```python\nprint(1)\n```, "lang": "py"}`: a fenced code block where a
    value is expected, and a separator or closer after its closing fence: the block's
    text (without its fence lines) as a string. None when the text is not that (the fence
    may then close the answer)."""
    text = p.text
    m = _FENCE_OPEN.match(text, pos)
    if m is None:
        return None
    close = text.find("```", m.end())
    while close >= 0:
        line = text.rfind("\n", m.end() - 1, close)
        if line >= 0 and not text[line + 1:close].strip(" \t"):
            break  # (a fence at the start of a line closes the block)
        close = text.find("```", close + 3)
    if close < 0 or _AFTER_FENCED.match(text, close + 3) is None:
        return None
    body = text[m.end():line].rstrip("\r")
    p.add("repair_unquoted_string", pos, f"quoted a fenced code block written as the value: {snippet(body)}",
          text[pos:m.end()], '"')
    return body, close + 3


def scan_unquoted(p: Scanner, pos: int, ctx: int) -> tuple[str, int]:
    """A value without quotes, up to `,`, `]`, `}` or the end of the line.

    `{"a": hello world}` -> "hello world"; `{"a": b"}` -> "b" (missing opening quote).
    """
    text, n = p.text, p.n
    i = pos
    end = -1
    counted = pos
    opened = {"{": 0, "[": 0}
    while True:
        e = _UNQUOTED_RUN.match(text, i).end()
        if e < n and text[e] in "}]" and ctx != CTX_ROOT:
            # `{template: Hello {name}!}`: a closer whose opener is inside the value is content
            for o, c in (("{", "}"), ("[", "]")):
                opened[o] += text.count(o, counted, e) - text.count(c, counted, e)
            counted = e
            if opened[_OPENER_OF[text[e]]] > 0:
                opened[_OPENER_OF[text[e]]] -= 1
                counted = i = e + 1
                continue
        if ctx == CTX_OBJ and e < n and text[e] == "," and not _member_follows(p, e + 1):
            i = e + 1  # `{"a": yes, no}`: no key after the comma, so it is part of the value
            continue
        if e < n and text[e] == '"':
            if ctx == CTX_OBJ and e > pos and text[e - 1] in " \t" and _AHEAD['"'][0].match(text, e + 1):
                end = e  # `{"status": ok "code": 200}`: the next key starts here
                break
            k = SPACES.match(text, e + 1).end()
            if k >= n or text[k] in ",]}\n\r" or p.at_end(k):
                raw = text[pos:e]
                p.steps.append(missing_quote(pos, f"added the missing opening quote of {snippet(raw)}", "", '"'))
                return raw.strip(), e + 1
            i = e + 1
            continue
        end = e
        break
    raw = text[pos:end]
    cut = _comment_in(raw)
    stop = p.find_stop(pos, end)
    if stop >= 0:
        cut = min(cut, stop - pos)
    raw = raw[:cut].rstrip()
    p.add("repair_unquoted_string", pos, f"quoted the bare value {snippet(raw)}", "", '"')
    return raw, pos + len(raw)


def stray_quote_after(p: Scanner, e: int) -> bool:
    """`{"count": 42", ...}`, `true"]`: is the quote at `e`, right after a number or a
    literal, a stray one (what follows it can only follow a value)?"""
    text, n = p.text, p.n
    if e >= n or text[e] != '"':
        return False
    k = SPACES.match(text, e + 1).end()
    return k >= n or text[k] in ",}]\r\n" or p.at_end(k)


def _member_follows(p: Scanner, pos: int) -> bool:
    """After a comma in an object: does a key, a closer or the end come next?"""
    text, n = p.text, p.n
    k = peek_significant(text, pos, n)
    if k >= n or p.at_end(k) or text[k] in "}]":
        return True
    c = text[k]
    if c in QUOTES:
        return _AHEAD[c][0].match(text, k + 1) is not None
    return IDENT_KEY_AHEAD.match(text, k) is not None


def _comment_in(raw: str) -> int:
    cut = len(raw)
    for marker in (" //", "\t//", " #", "\t#", "/*"):
        k = raw.find(marker)
        if 0 <= k < cut:
            cut = k
    if raw.startswith("//") or raw.startswith("#"):
        cut = 0
    return cut


_UNQUOTED_RUN: AlwaysMatches = re.compile(r"[^,\]}\n\r\"]*")  # type: ignore[assignment]  # (`*`: matches everywhere)
