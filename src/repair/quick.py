"""The quick path: token-level repairs of a whole-text value, done between runs of C.

Most broken model output is JSON with a few kinds of token-level mistakes spread through
it: single-quoted strings, unquoted keys, Python literals, trailing commas, comments,
missing commas between members. For such text the tolerant parser's per-token work is
wasted: one regex (`_RUN`) skips, in C, every stretch that is already JSON, and stops only
where a token needs a decision. Each decision rewrites that token (recording the step the
parser would record), and the rewritten text goes to the C decoder.

The path is only taken when it is certain to agree with the parser: it handles a narrow,
unambiguous form of each defect and gives up (returns None) on anything else: an
apostrophe in a single-quoted string, a missing comma after a string that is not followed
by a key, a number in an odd form, text around the value, a decoder failure. The
parser then does the whole job. tests/test_quick.py checks the agreement (value and every
step) on the fixtures, the corruption corpus and generated text.

Costs are kept linear: text written only in single quotes is swapped in one call
(`_single_quoted_only`); long single-quoted strings leave their control characters to
the decoder; the rewrite stops where the root value closes (`_Out`); and a caller trying
many candidates in one text can ask how far each failed rewrite read (`reach`).
"""

from __future__ import annotations

import re

from .chars import CONTROL_ESCAPES, IDENT_KEY_AHEAD, JSON_RUN, QUOTE_CLOSERS, QUOTED_KEY_AHEAD, SMART_QUOTES, STRING_BODY, STRING_SPECIALS, P
from .decoder import STRICT
from .steps import snippet

# A stretch that is JSON as it stands: whitespace, openers and colons; strings, numbers,
# literals and closers followed by a separator; commas followed by something other than a
# closer. Every alternative starts with a different character, so at each point at most
# one can go on; used with .match only, it reads the text once. (The string alternative
# repeats a group inside the outer repeat: never use it with search or fullmatch.)
_SEP = r"(?=[ \t\r\n]*(?:[,:}\]]|\Z|//|/\*|#))"
_STRING = rf'"[^"\\\x00-\x1f]*{P}(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{{4}})[^"\\\x00-\x1f]*{P})*{P}"'
_NUMBER = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"
_RUN = re.compile(
    rf"(?:[ \t\r\n:\[{{]+|{_STRING}{_SEP}|{_NUMBER}{_SEP}|(?:true|false|null){_SEP}|[}}\]]{_SEP}"
    rf"|,(?=[ \t\r\n]*[^ \t\r\n}}\]/#,]))*{P}"
)
_STRING_RE = re.compile(_STRING)
# Any string, the closing quote optional so that .sub reads each string once (linear).
_ANY_STRING = re.compile(rf'"{STRING_BODY}"?', re.DOTALL)
_NUMBER_RE = re.compile(_NUMBER)
# A single-quoted string with nothing that needs a decision: no quotes, backslashes or
# control characters inside.
_SINGLE = re.compile(r"'([^'\"\\\x00-\x1f]*)'")
_CONTROL = re.compile(r"[\x00-\x1f]")
_TRUST_LENGTH = 256  # a single-quoted string longer than this leaves _CONTROL to the decoder
# After a quote: a word on the same line means the quote is inside the string (`it's`).
_INNER_QUOTE = re.compile(r"[ \t]*[A-Za-z0-9_]")
_CLOSE_OK = re.compile(r"[,:}\]\s]")
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")
# A string in another kind of quote with nothing inside that needs a decision.
_SIMPLE_QUOTED = {
    q: re.compile(re.escape(q) + "([^" + re.escape(closers) + '"\\\\\x00-\x1f]*)[' + re.escape(closers) + "]")
    for q, closers in QUOTE_CLOSERS.items()
}
_ANY_CLOSER = {q: re.compile("[" + re.escape(closers) + "]") for q, closers in QUOTE_CLOSERS.items()}
_OTHER_QUOTES = {
    "'": lambda pos: ("repair_single_quotes", pos, "single-quoted string", "'", '"'),
    "`": lambda pos: ("repair_single_quotes", pos, "backtick-quoted string", "`", '"'),
    **{q: (lambda pos, q=q: ("repair_smart_quotes", pos, f"typographic quote {q!r} used as a string delimiter", q, '"'))
       for q in SMART_QUOTES},
}
_WORD = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")
_KEY_COLON = re.compile(r"[ \t]*:")
_WS = re.compile(r"[ \t\r\n]*")
_LINE_COMMENT = re.compile(r"(?://|#)[^\n]*")
_BLOCK_COMMENT = re.compile(rf"/\*[^*]*{P}(?:\*(?!/)[^*]*{P})*{P}\*/")

_PYTHON_WORDS = {"True": "true", "False": "false", "None": "null"}
_JSON_WORDS = frozenset(["true", "false", "null"])
_ANY_WORD = _JSON_WORDS | frozenset(_PYTHON_WORDS)
_KEY_AHEAD = {'"': QUOTED_KEY_AHEAD, "'": re.compile(r"[^'\n]{0,200}'[ \t]*:")}


# NaN and Infinity are not JSON: every decode here refuses them, so the parser replaces
# them (with a repair_nonfinite_number step) instead of a value holding nan slipping through.
_decode = STRICT.decode
_raw_decode = STRICT.raw_decode
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_CLOSER_OF = str.maketrans("{[", "}]")


class _GiveUp(Exception):
    pass


class _Out(list):
    """The rewritten pieces, and whether the root value has closed by the end of them.

    Asked only before a missing comma after a closing bracket (`{} {}`, `[1] "x"`), where
    a root that has closed means the next value is not part of this one: the parser stops
    there, and rewriting on would redo the rest of the text for every bracket of it. The
    pieces added since the last question are joined and their brackets counted, in C, so
    all questions together read the output once. Brackets inside strings are counted too:
    a wrong count costs time, never an answer (a wrong "closed" ends the rewrite where the
    decoder then finds the value unfinished; a wrong "open" rewrites on, as before, within
    the Extractor's waste budget)."""

    __slots__ = ("counted", "depth")

    def __init__(self) -> None:
        super().__init__()
        self.counted = 0
        self.depth = 0

    def root_closed(self) -> bool:
        new = "".join(self[self.counted:])
        self.counted = len(self)
        self.depth += new.count("{") + new.count("[") - new.count("}") - new.count("]")
        return self.depth <= 0


def quick_repair(text: str, start: int = 0, end: int = -1, prefix: bool = False, reach: list | None = None):
    """(value, raw steps, end of the value) when the token-level rewrite of text[start:end]
    (to the end by default) decodes as one value filling it, or with `prefix` as one
    value followed by text the rewrite stopped at; else None. Offsets are offsets in
    `text`, which is never copied whole (a text may hold many candidates).

    Long single-quoted strings are first taken without looking for control characters in
    them (the C decoder rejects any); when that run gives no answer and such strings were
    taken, the rewrite is done again with every string checked.

    With a `reach` list, the offset each rewrite got to is appended to it: what an
    answer of None cost, for a caller that tries many candidates in one text."""
    trusted: list[int] = []
    found = _quick_repair(text, start, end, prefix, trusted, reach)
    if found is None and trusted:
        found = _quick_repair(text, start, end, prefix, None, reach)
    return found


def _quick_repair(text: str, start: int, end: int, prefix: bool, trusted: list | None, reach: list | None):
    n = len(text) if end < 0 else end
    if end >= 0:  # a fence or tag: most hold valid JSON
        try:
            value = _decode(text[start:n])
        except (ValueError, RecursionError):
            pass
        else:
            value_end = _value_end(text, start, n)
            return None if value_end < 0 else (value, [], value_end)
    # (only on a bounded range or the text's first value: a find to the end of the text for
    # each candidate in prose would make prose full of brackets quadratic)
    if trusted is not None and (end >= 0 or _WS.match(text).end() == start) \
            and text.find("'", start, n) >= 0 and text.find('"', start, n) < 0 and text.find("\\", start, n) < 0:
        found = _single_quoted_only(text, start, n)
        if found is not None:
            return found
    rewritten, steps, last, whole = _rewrite(text, start, n, trusted)
    if reach is not None:
        reach.append(n if whole else last)
    if not whole:
        if not prefix:
            return None
        try:  # the value may have ended before the text the rewrite stopped at
            value, stop = _raw_decode(rewritten)
        except (ValueError, RecursionError):
            return None
        if _WS.match(rewritten, stop).end() != len(rewritten):
            return None
        return (value, steps, last) if _ends_value(text, start, last, steps) else None
    try:
        value = _decode(rewritten)
    except RecursionError:
        return None
    except ValueError as exc:
        # cut off after a complete value (`{"a": [1, 2`): close what is open, as the parser does
        if not str(exc).startswith("Expecting ',' delimiter") or getattr(exc, "pos", -1) < len(rewritten):
            return None
    else:
        return (value, steps, last) if steps and _ends_value(text, start, last, steps) else None
    closers = _closers(rewritten)
    if not closers:
        return None
    steps.append(("repair_missing_bracket", n, f"inserted missing {closers!r} at the end of the text", "", closers))
    try:
        return _decode(rewritten + closers), steps, n
    except (ValueError, RecursionError):
        return None


def _single_quoted_only(text: str, start: int, n: int):
    """text[start:n] holds no `"` and no backslash: when turning every `'` into `"` gives
    JSON, each `'` was a string delimiter and each string needs no other change, so the
    answer is the one the rewrite would give, for one copy of the text instead of a slice
    per token (a Python repr of a dict of strings, a long quoted document)."""
    segment = text if start == 0 and n == len(text) else text[start:n]
    try:
        value = _decode(segment.replace("'", '"'))
    except (ValueError, RecursionError):
        return None
    last = _value_end(text, start, n)
    if last < 0:
        return None
    steps = []
    i = text.find("'", start, n)
    while i >= 0:  # each string's opening quote: every other quote
        steps.append(_OTHER_QUOTES["'"](i))
        i = text.find("'", text.find("'", i + 1, n) + 1, n)
    return value, steps, last


def _ends_value(text: str, start: int, last: int, steps: list) -> bool:
    """Does the value end at `last` as the parser reads it: on a closing bracket, with no
    comment after it (the parser stops at the bracket; what follows is not the value's)?"""
    if last <= start or text[last - 1] not in "}]":
        return False
    return not any(step[0] == "repair_comment" and step[1] >= last for step in steps)


def _value_end(text: str, start: int, n: int) -> int:
    """Where a value that fills text[start:n] ends: before trailing whitespace; -1 when
    a comment follows it (the parser stops before the comment, which is then prose)."""
    end = n
    while end > start and text[end - 1] in " \t\r\n":
        end -= 1
    return end if end > start and text[end - 1] in "}]" else -1


def _closers(json_prefix: str) -> str:
    """The closers of the containers still open at the end of a strict JSON prefix, in
    C: strings and everything but brackets deleted, then matched pairs removed."""
    brackets = _NOT_BRACKET.sub("", _ANY_STRING.sub("", json_prefix))
    for _ in range(64):
        shorter = brackets.replace("{}", "").replace("[]", "")
        if shorter == brackets:
            break
        brackets = shorter
    else:
        return ""  # deeper than a quick path should go
    if "}" in brackets or "]" in brackets:
        return ""
    return brackets[::-1].translate(_CLOSER_OF)


def _rewrite(text: str, start: int, n: int, trusted: list | None):
    """(rewritten text[start:n], steps, offset after the last token, whether all of it
    was rewritten). When a token cannot be decided, the rewrite stops before it. The
    offset after the last token (not counting comments and whitespace) is where the
    value ends when it decodes. `trusted`: see _simple_quoted."""
    out = _Out()
    steps: list = []
    add_step = steps.append
    run = _RUN.match
    pos = last = start
    while True:
        end = run(text, pos, n).end()
        if end > pos:
            segment = text[pos:end]
            out.append(segment)
            kept = len(segment.rstrip(" \t\r\n"))
            if kept:
                last = pos + kept
            pos = end
        if pos >= n:
            return "".join(out), steps, last, True
        mark, step_mark = len(out), len(steps)
        comment = text[pos] in "/#"
        try:
            pos = _token(text, pos, n, out, add_step, trusted)
        except _GiveUp as stop:
            if stop.args:  # after a whole token: keep it
                return "".join(out), steps, stop.args[0], False
            del out[mark:], steps[step_mark:]
            return "".join(out), steps, last, False
        if not comment:
            last = pos
        elif last > start and pos < n and text[pos] not in ",:}]" and text[last - 1] in _VALUE_END:
            # `1 // note` then the next member: the missing comma, decided as right after the value
            try:
                _after_value(text, n, last, _kind_of(text[last - 1]), out, add_step)
            except _GiveUp:
                return "".join(out), steps, last, False


_VALUE_END = frozenset("}]0123456789eElL") | frozenset("".join(QUOTE_CLOSERS.values()))


def _kind_of(last_char: str) -> str:
    """What kind of value ends with this character, for `_after_value`."""
    if last_char in "}]":
        return "closer"
    if last_char.isdigit():
        return "number"
    return "word" if last_char.isalpha() else "string"


def _token(text: str, pos: int, n: int, out: list, add_step, trusted: list | None) -> int:
    """Rewrite the token at `pos` that the run stopped before; the offset after it."""
    c = text[pos]
    if c == '"':
        m = _STRING_RE.match(text, pos, n) if text.find('"', pos + 1, n) >= 0 else None
        if m is not None:
            out.append(m.group())
            end = m.end()
        else:
            end = _tolerant_string(text, n, pos, out, add_step)
        pos = _after_value(text, n, end, "string", out, add_step)
    elif c in _OTHER_QUOTES:
        add_step(_OTHER_QUOTES[c](pos))
        end = _simple_quoted(text, n, pos, c, trusted)
        if end > 0 and _INNER_QUOTE.match(text, end, n) is None:
            out += ('"', text[pos + 1:end - 1], '"')  # nothing inside needs a decision (no copy of a copy)
        else:
            end = _tolerant_string(text, n, pos, out, add_step)
        pos = _after_value(text, n, end, "string", out, add_step)
    elif c == "-" or "0" <= c <= "9":
        m = _NUMBER_RE.match(text, pos, n)
        if m is None:
            raise _GiveUp
        out.append(m.group())
        pos = _after_value(text, n, m.end(), "number", out, add_step)
    elif c == "}" or c == "]":
        out.append(c)
        pos = _after_value(text, n, pos + 1, "closer", out, add_step)
    elif c == ",":
        k = _skip_comments(text, n, pos + 1, None)
        if k < n and text[k] in "}]":
            add_step(("repair_trailing_comma", pos, "removed a trailing ','", ",", ""))
            pos += 1
        elif k < n and text[k] != ",":
            out.append(",")  # a comma before a comment: record the comments now
            pos = _skip_comments(text, n, pos + 1, add_step)
        else:
            raise _GiveUp
    elif c == "/" or c == "#":
        start = pos
        pos = _skip_comments(text, n, pos, add_step)
        if pos == start:
            raise _GiveUp
    else:
        m = _WORD.match(text, pos, n)
        if m is None:
            raise _GiveUp
        word, e = m.group(), m.end()
        colon = _KEY_COLON.match(text, e, n)
        if colon is not None:
            add_step(("repair_unquoted_key", pos, f"quoted the bare key {snippet(word)}", "", '"'))
            out.append('"' + word + '"')
            pos = e
        elif word in _PYTHON_WORDS:
            json_word = _PYTHON_WORDS[word]
            add_step(("repair_python_literal", pos, f"{word} written as {json_word}", word, json_word))
            out.append(json_word)
            pos = _after_value(text, n, e, "word", out, add_step)
        elif word in _JSON_WORDS:
            out.append(word)
            pos = _after_value(text, n, e, "word", out, add_step)
        else:
            raise _GiveUp
    return pos


def _simple_quoted(text: str, n: int, pos: int, q: str, trusted: list | None) -> int:
    """The offset after the closing quote of a string in quote `q` at `pos` whose inside
    needs no decision (not empty; no quote, backslash or control character), else -1.

    In a one-character quote the closing quote and any `"` or `\\` are found by str.find
    (memchr speed). A regex reads a character at a time, several times slower than the C
    decoder, so with a `trusted` list a long string is taken without the control-character
    check and its offset recorded: the decoder will reject the rewrite if one is there."""
    closers = QUOTE_CLOSERS[q]
    if len(closers) == 1:
        close = text.find(q, pos + 1, n)
        if close <= pos + 1 or text.find('"', pos + 1, close) >= 0 or text.find("\\", pos + 1, close) >= 0:
            return -1
        if trusted is not None and close - pos > _TRUST_LENGTH:
            trusted.append(pos)
            return close + 1
        return -1 if _CONTROL.search(text, pos + 1, close) else close + 1
    m = _SIMPLE_QUOTED[q].match(text, pos, n)
    return m.end() if m is not None and m.end() - pos > 2 else -1


def _tolerant_string(text: str, n: int, pos: int, out: list, add_step) -> int:
    """A string in the parser's tolerant form, in the cases where its reading is certain:
    inner quotes followed by a word (`'it's'`), raw control characters, `\\'` and unknown
    escapes, `"` inside another kind of quote. Appends the JSON string, records the
    parser's steps; returns the offset after the closing quote."""
    q = text[pos]
    closers = QUOTE_CLOSERS[q]
    specials = STRING_SPECIALS[q]
    start = i = pos + 1
    if start < n and text[start] in closers and not _CLOSE_OK.match(text, start + 1, n):
        raise _GiveUp  # a doubled opening quote
    if _ANY_CLOSER[q].search(text, start, n) is None:
        raise _GiveUp  # never closes: truncation is the parser's business (found in C)
    parts = ['"']
    inner = controls = escapes = 0
    first_inner = first_control = first_escape = -1
    run = JSON_RUN[q].match
    while True:
        e = run(text, i, n).end()  # ordinary text and valid escapes, copied as they are
        if e > i:
            parts.append(text[i:e])
            i = e
        m = specials.search(text, i, n)
        if m is None:
            raise _GiveUp  # runs to the end: truncation is the parser's business
        j = m.start()
        if j > i:
            parts.append(text[i:j])
        ch = text[j]
        if ch in closers:
            if _INNER_QUOTE.match(text, j + 1, n) is None:
                break  # the end; _after_value checks what follows
            before = text[start:j].rstrip(" \t")
            if not before or before[-1] in ",\n\r" or ":" in before:
                raise _GiveUp  # the parser may split the string or end a key here
            inner += 1
            if first_inner < 0:
                first_inner = j
            parts.append('\\"' if ch == '"' else ch)
            i = j + 1
        elif ch == '"':
            parts.append('\\"')
            i = j + 1
        elif ch == "\\":
            nx = text[j + 1:min(j + 2, n)]
            if nx and nx in '"\\/bfnrt':
                parts.append(text[j:j + 2])
                i = j + 2
            elif nx == "u" and _HEX4.match(text, j + 2, n):
                parts.append(text[j:j + 6])
                i = j + 6
            elif nx and (nx in closers or nx == "'"):
                parts.append(nx)
                if q == '"':
                    escapes += 1
                    first_escape = j if first_escape < 0 else first_escape
                i = j + 2
            elif nx and nx not in "u\n" and nx != "\r":
                parts.append("\\\\")
                escapes += 1
                first_escape = j if first_escape < 0 else first_escape
                i = j + 1
            else:
                raise _GiveUp
        else:
            parts.append(CONTROL_ESCAPES[ch])
            controls += 1
            first_control = j if first_control < 0 else first_control
            i = j + 1
    parts.append('"')
    out.append("".join(parts))
    if inner:
        add_step(("repair_unescaped_quote", first_inner, f"escaped {inner} quote(s) inside a string", q, "\\" + q))
    if controls:
        add_step(("repair_control_char", first_control, f"escaped {controls} raw control character(s) inside a string", "", ""))
    if escapes:
        add_step(("repair_invalid_escape", first_escape, f"kept {escapes} invalid escape(s) as literal backslash(es)", "\\", "\\\\"))
    return j + 1


def _skip_comments(text: str, n: int, pos: int, add_step) -> int:
    """Skip whitespace and comments from `pos`; record each comment when `add_step` is given."""
    while True:
        pos = _WS.match(text, pos, n).end()
        if pos >= n:
            return pos
        c = text[pos]
        if c == "#" or text.startswith("//", pos, n):
            m = _LINE_COMMENT.match(text, pos, n)
        elif text.startswith("/*", pos, n):
            m = _BLOCK_COMMENT.match(text, pos, n)
            if m is None:
                raise _GiveUp  # unclosed: the parser's business
        else:
            return pos
        if add_step is not None:
            body = m.group()
            add_step(("repair_comment", pos, f"removed comment {snippet(body)}", body, ""))
        pos = m.end()


def _after_value(text: str, n: int, pos: int, prev: str, out: list, add_step) -> int:
    """After a value (`prev`: "string", "word", "number" or "closer"): fine before a
    separator. Before another token, a missing comma in the forms the parser reads the
    same way; the decoder then checks the result is JSON. Anything else gives up."""
    k = _WS.match(text, pos, n).end()
    if k >= n or text[k] in ",:}]":  # the common case, without the comment check
        return pos
    k = _skip_comments(text, n, k, None)
    if k >= n or text[k] in ",:}]":
        return pos
    if k == pos and prev != "closer":
        raise _GiveUp(pos)  # `"a""b"`, `1x`, `truex`: the parser reads these as one token
    c = text[k]
    newline = "\n" in text[pos:k]
    if c == '"' or c == "'":
        # an array item, or a key the parser also sees as one (on the same line as its colon)
        m = (_STRING_RE if c == '"' else _SINGLE).match(text, k, n)
        if m is None:
            raise _GiveUp(pos)
        colon = _WS.match(text, m.end(), n).end()
        if colon < n and text[colon] == ":" and _KEY_AHEAD[c].match(text, k + 1, n) is None:
            raise _GiveUp(pos)
    elif prev == "string":
        if not newline or IDENT_KEY_AHEAD.match(text, k, n) is None:
            raise _GiveUp(pos)  # the parser would read on inside the string
    elif c in "{[" or c == "-" or "0" <= c <= "9":
        pass  # another array item
    else:
        m = _WORD.match(text, k, n)
        if m is None:
            raise _GiveUp(pos)
        if m.group() not in _ANY_WORD:  # a bare key
            if IDENT_KEY_AHEAD.match(text, k, n) is None or (prev == "word" and not newline):
                raise _GiveUp(pos)
    if prev == "closer" and out.root_closed():
        raise _GiveUp(pos)  # the root value has closed: what follows is not part of it
    add_step(("repair_missing_comma", k, "inserted a missing ','", "", ","))
    out.append(",")
    return pos
