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
from json.decoder import scanstring

from ..chars import (
    CONTROL_ESCAPES, HEX, IDENT_KEY_AHEAD, QUOTE_CLOSERS, QUOTES, SIMPLE_ESCAPES, SMART_QUOTES,
    JSON_RUN, SPACES, STRING_SPECIALS, UNQUOTED_VALUE, VALUE_START, WORD, P,
)
from ..steps import missing_quote, single_quotes, smart_quotes, snippet, truncation
from .trivia import peek_significant

# Where a string sits: it decides which characters may follow its closing quote.
CTX_ROOT, CTX_KEY, CTX_OBJ, CTX_ARR = 0, 1, 2, 3

_LITERAL_WORDS = frozenset(["true", "false", "null", "True", "False", "None", "TRUE", "FALSE", "NULL", "Null"])


def _ahead_pattern(closers: str):
    """After a quote: `key":` / `item",` within one line, escapes read as escapes
    (`"k\\"": 1` is a key). Bounded, and its two alternatives start differently."""
    body = "".join(re.escape(c) for c in closers)
    text = rf"(?:[^{body}\\\n]|\\.){{0,200}}"
    key = re.compile(rf"{text}[{body}][ \t]*:")
    item = re.compile(rf"{text}[{body}][ \t]*[,\]]")
    return key, item


_AHEAD = {q: _ahead_pattern(c) for q, c in QUOTE_CLOSERS.items()}

# Well-formed JSON strings. The escape alternation is unambiguous (an escape starts with
# a backslash, which the plain class excludes), so matching is linear.
_PLAIN_STRING = re.compile(r'"([^"\\\x00-\x1f]*)"')
_ESCAPED_STRING = re.compile(rf'"[^"\\\x00-\x1f]*{P}(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{{4}})[^"\\\x00-\x1f]*{P})*{P}"')


def scan_string(p, pos: int, ctx: int) -> tuple[str, int]:
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
        if m is not None and is_real_end(p, end - 1, ctx):
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


def is_real_end(p, j: int, ctx: int) -> bool:
    """Does the quote at `j` close the string, judging by what follows it?

    `{"a": "He said "no" twice"}`: the quote before `no` is followed by a letter, so it is
    inside the string; the last one is followed by `}`, so it ends it. Comments and
    invisible characters between the quote and what follows are looked through.
    """
    text, n = p.text, p.n
    k = j + 1
    if ctx == CTX_KEY:
        if k < n and (text[k].isalnum() or text[k] == "_"):
            return False  # {"a"b": 1}
        k2 = peek_significant(text, k, n)
        if k2 >= n or p.at_end(k2):
            return True
        c = text[k2]
        if c in ':,}]{[=' or c in QUOTES or c.isdigit() or c == "-":
            return True
        return k2 == k  # `"the "best" one":` -- a space then a word: the quote is inside
    k2 = peek_significant(text, k, n)
    if k2 >= n or p.at_end(k2):
        return True
    c = text[k2]
    if ctx == CTX_ROOT:
        return False
    if c in "}])":
        return True
    if c in ",;":
        k3 = peek_significant(text, k2 + 1, n)
        if k3 >= n or p.at_end(k3):
            return True
        c3 = text[k3]
        if c3 in ",;":
            return True  # a doubled separator
        if ctx == CTX_OBJ:
            return c3 in QUOTES or c3 == "}" or IDENT_KEY_AHEAD.match(text, k3) is not None
        if c3 in VALUE_START or c3 in "[{]":
            return True
        m = WORD.match(text, k3)
        if m is None:
            return False
        if m.group() in _LITERAL_WORDS:
            return True
        # `["apple", banana, "cherry"]`, `["a", n` cut off: a bare item, not more of this
        # string, when it runs to a comma, bracket, line end or the end of the text
        e = UNQUOTED_VALUE.match(text, k3).end()
        return e >= n or text[e] in ",]\r\n"
    if c in QUOTES:
        if k2 == k:
            return False  # `"home""`: two quotes in a row, the first is inside the string
        if ctx == CTX_ARR:
            return True  # ["a" "b"]: a missing comma, not an inner quote
        return _AHEAD[c][0].match(text, k2 + 1) is not None  # "x" "next": ...
    if k2 > k and ctx == CTX_OBJ and "\n" in text[k:k2] and IDENT_KEY_AHEAD.match(text, k2):
        return True  # value, newline, unquoted key: a missing comma
    return False


def _missing_end_boundary(p, start: int, j: int, ctx: int, opener: str) -> int:
    """If the quote at `j` opens the next member while our string never closed, return the
    offset where our string should end (the `,` or newline before `j`); else -1.

    `{"a": "abc, "b": 2}` -> the string ends before the `,`.
    """
    text = p.text
    b = j - 1
    while b >= start and text[b] in " \t":
        b -= 1
    if b < start or text[b] not in ",\n\r":
        return -1
    key_ahead, item_ahead = _AHEAD[opener if opener in _AHEAD else '"']
    ahead = key_ahead if ctx == CTX_OBJ else item_ahead
    if ahead.match(text, j + 1) is None:
        return -1
    return b


def _scan_tolerant(p, pos: int, ctx: int, limit: int, forced: bool, start: int = -1) -> tuple[str, int]:
    """Scan a string that the C decoder refused. With `forced`, the string is known to end
    at `limit`, and every quote before it is content."""
    text = p.text
    q = text[pos]
    closers = QUOTE_CLOSERS[q]
    specials = STRING_SPECIALS[q]
    if start < 0:
        start = pos + 1
        if start + 1 < limit and text[start] == q:
            after = text[start + 1]
            if not (after in ",:}])" or after.isspace()):
                p.steps.append(missing_quote(start, "removed a doubled opening quote", q, ""))
                start += 1
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
        e = run(text, i, limit).end()  # ordinary text and valid escapes, copied as they are
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
            if is_real_end(p, j, ctx):
                end = j + 1
                break
            if ctx == CTX_KEY:
                if first_colon == -2:
                    first_colon = text.find(":", start, limit)
                colon = first_colon
                if 0 <= colon < j:
                    return _end_key_at_colon(p, pos, start, colon, q)
            if ctx in (CTX_OBJ, CTX_ARR):
                b = _missing_end_boundary(p, start, j, ctx, ch)
                if b >= 0:
                    value, _ = _scan_tolerant(p, pos, ctx, b, True, start)
                    p.steps.append(missing_quote(b, "inserted the missing closing quote", "", q))
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
    if end < 0 and not forced and first_eol_quote >= 0:
        # `{"a": "done"\n\nLet me know...`: the quote that ended its line closed the string
        value, _ = _scan_tolerant(p, pos, ctx, first_eol_quote, True, start)
        return value, first_eol_quote + 1
    if end < 0 and not forced:
        # The string runs to the end of the text. A closing fence or tag inside it, or
        # closing brackets at its very end, are structure the string swallowed.
        cut = _cut_unterminated(p, start, limit, ctx)
        if cut < limit:
            value, _ = _scan_tolerant(p, pos, ctx, cut, True, start)
            p.steps.append(missing_quote(cut, "closed a string that ran into the closing brackets", "", q))
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
    if inner:
        p.add("repair_unescaped_quote", first_inner, f"escaped {inner} quote(s) inside a string", q, "\\" + q)
    if controls:
        p.add("repair_control_char", first_control, f"escaped {controls} raw control character(s) inside a string", "", "")
    if escapes:
        p.add("repair_invalid_escape", first_escape, f"kept {escapes} invalid escape(s) as literal backslash(es)", "\\", "\\\\")
    return scanstring("".join(parts) + '"', 0, True)[0], end


def _escape(text: str, j: int, limit: int, closers: str, append) -> tuple[int, str]:
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


def _end_key_at_colon(p, pos: int, start: int, colon: int, q: str) -> tuple[str, int]:
    """`{"a": 1, "b: 2}`: a key that never closed ends at its colon."""
    value, _ = _scan_tolerant(p, pos, CTX_KEY, colon, True, start)
    p.steps.append(missing_quote(colon, "inserted the missing closing quote of a key before ':'", "", q))
    return value.rstrip(), colon


def _cut_unterminated(p, start: int, limit: int, ctx: int) -> int:
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


def _scan_triple(p, pos: int, quote: str) -> tuple[str, int]:
    """A Python triple-quoted string: everything up to the closing triple quote, verbatim."""
    close = p.text.find(quote, pos + 3)
    p.add("repair_triple_quotes", pos, f"triple-quoted string {quote}", quote, '"')
    return p.text[pos + 3:close], close + 3


def scan_unquoted(p, pos: int, ctx: int) -> tuple[str, int]:
    """A value without quotes, up to `,`, `]`, `}` or the end of the line.

    `{"a": hello world}` -> "hello world"; `{"a": b"}` -> "b" (missing opening quote).
    """
    text, n = p.text, p.n
    i = pos
    end = -1
    while True:
        e = _UNQUOTED_RUN.match(text, i).end()
        if ctx == CTX_OBJ and e < n and text[e] == "," and not _member_follows(p, e + 1):
            i = e + 1  # `{"a": yes, no}`: no key after the comma, so it is part of the value
            continue
        if e < n and text[e] == '"':
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


def _member_follows(p, pos: int) -> bool:
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


_UNQUOTED_RUN = re.compile(r"[^,\]}\n\r\"]*")
