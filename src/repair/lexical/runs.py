"""Runs: stretches of an open container that need no decision, read in C.

Most broken model output is JSON with a few defects. Inside an open container the engine
first tries these patterns: each matches, in C, as many whole members (or items) as need
no decision and stops before the first one that does. The engine copies the matched text
to its output and reads only the token after it in Python.

`OBJECT_RUN` and `ARRAY_RUN` take text that is already JSON; it is copied as it is. The
loose runs also take the three commonest token-level defects in their plainest form
(`'single-quoted'` strings with nothing inside that needs a decision, Python's `True`,
`False`, `None`, and identifier keys before a colon); `rewrite` turns such a stretch into
JSON, one regex pass, and records the same Step the construct's own function would.

A member or item is taken only where the engine's construct functions would read it the
same way: a string followed by a separator that cannot belong to it (a comma and then a
quote, for instance; see strings.is_real_end), a literal or number followed by `,` or a
closer. Brackets are never taken here: an opener is tried in C as a whole value
(`Engine.try_fast`) and a closer needs a decision.

Every repeat is possessive (chars.P) and its alternatives start with different characters,
so each match is linear in what it reads.
"""

from __future__ import annotations

import re
import sys
from itertools import accumulate, count, islice, repeat
from operator import add

from ..chars import LITERALS, STRING_BODY, P
from ..steps import literal, single_quotes, smart_quotes, unquoted_key

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from ..chars import AlwaysMatches
    from ..steps import RawStep

    Edit = tuple[int, int, str | None, RawStep | None]  # (see lexical/parser.py)

_WS = rf"[ \t\r\n]*{P}"


class LazyPattern:
    """A pattern compiled on its first `match`: the runs and spans below (each matches
    everywhere) take tens of milliseconds to compile, and a process may never need some."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str]:
        # the compiled pattern's own method takes this one's place on the instance
        match = self.__dict__["match"] = re.compile(self.pattern).match
        return match(string, pos, endpos)  # type: ignore[return-value]  # (see the docstring)


# A string whose own text opens a bracket and that a closer follows (`"f(x"]`) is never
# taken: strings.is_real_end may keep that quote inside the string (`"print("hi")"`).
# (Written as: a string with no bracket inside, or any string that no closer follows. The
# first alternative is the common one and reads the string once.)
_ESC = r'\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})'
_BRACKETS = r"(\[{"


def _quoted(quote: str, quotes: str, escape: str, also: str = "") -> str:
    """A string between two `quote`s: no character of `quotes` or `also`, no backslash or
    control character, but `escape`s between the runs (each possessive, so linear)."""
    plain = rf"[^{quotes}\\\x00-\x1f{also}]*{P}"
    return rf"{quote}{plain}(?:{escape}{plain})*{P}{quote}"


_STRING_NO_BRACKET = _quoted('"', '"', _ESC, _BRACKETS)
_STRING_ANY = _quoted('"', '"', _ESC)
_NOT_BEFORE_CLOSER = rf"(?!{_WS}[}}\])])"
STRING = rf"(?:{_STRING_NO_BRACKET}|{_STRING_ANY}{_NOT_BEFORE_CLOSER})"
NUMBER = r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"
_LITERAL = r"(?:true|false|null)"
# the loose forms: a single-quoted string with no quote or control character inside and no
# backslash but JSON's own escapes (other than `\"`: strings.py copies those as they are);
# Python's literals; an identifier key (its colon on the same line)
_SINGLE_ESC = r"\\(?:[\\/bfnrt]|u[0-9a-fA-F]{4})"
_SINGLE_BARE = _quoted("'", "'\\\"", _SINGLE_ESC)
_SINGLE_NO_BRACKET = _quoted("'", "'\\\"", _SINGLE_ESC, _BRACKETS)
_SINGLE = rf"(?:{_SINGLE_NO_BRACKET}|{_SINGLE_BARE}{_NOT_BEFORE_CLOSER})"
# a string in typographic quotes with no quote, control character or bracket inside and
# no backslash but JSON's own escapes (other than `\"`), as in a single-quoted one (a
# bracket may make a closer after it part of the string: strings.is_real_end)
_SMART = (_quoted("[\u201c\u201d]", '\u201c\u201d"', _SINGLE_ESC, _BRACKETS)
          + "|" + _quoted("[\u2018\u2019]", "\u2018\u2019'\"", _SINGLE_ESC, _BRACKETS))
SMART_QUOTES = "\u201c\u201d\u2018\u2019"
_PYTHON = r"(?:True|False|None)(?![A-Za-z0-9_$])"
_IDENT_KEY = rf"[A-Za-z_$][A-Za-z0-9_$]*{P}(?=[ \t]*:)"


def _object_run(key: str, scalar: str, next_key: str) -> str:
    # whole members, each followed by a comma and the start of the next key; then possibly
    # the last member before a closer (group `last`), or only a key and its colon (group
    # `key`: its value needs the engine)
    next_key = rf"(?={_WS}{next_key})"
    return (
        rf"(?:{_WS}{key}{_WS}:{_WS}{scalar}{_WS},{next_key})*{P}"
        rf"(?:{_WS}(?P<key>{key}){_WS}:{_WS}(?P<last>{scalar}{_WS}(?=[}}\]]))?)?"
    )


# After a string's comma in an array: the start of a value, so that the quote did end the
# string (strings.is_real_end reads the same starts as the end of an item).
_NEXT_ITEM = rf"(?={_WS}(?:[\"'\[{{\-0-9{SMART_QUOTES}]|(?:true|false|null|True|False|None)(?![A-Za-z0-9_$])))"


def _array_run(string: str, other: str, scalar: str) -> str:
    # whole items, each followed by a comma (a string's comma by the start of a value);
    # then possibly the last item before a closer (group `last`)
    return (
        rf"(?:{_WS}(?:{string}{_WS},{_NEXT_ITEM}|{other}{_WS},))*{P}"
        rf"(?P<last>{_WS}{scalar}{_WS}(?=[\]}})]))?"
    )


def _flat(key: str, scalar: str) -> str:
    """A whole container of scalars (no container inside), JSON's grammar exactly: an
    array `[a, b]` or an object `{k: v, ...}`, no trailing comma. A member that is one
    is copied with the run instead of costing the engine an opener and a closer."""
    array = rf"\[{_WS}(?:{scalar}(?:{_WS},{_WS}{scalar})*{P}{_WS})?\]"
    member = rf"{key}{_WS}:{_WS}{scalar}"
    obj = rf"\{{{_WS}(?:{member}(?:{_WS},{_WS}{member})*{P}{_WS})?\}}"
    return rf"{array}|{obj}"


_SCALAR = rf"(?:{STRING}|{NUMBER}|{_LITERAL})"
_FLAT = _flat(STRING, _SCALAR)
_VALUE = rf"(?:{_SCALAR}|{_FLAT})"
# (used with .match only: each run is anchored where the engine stands)
OBJECT_RUN: AlwaysMatches = LazyPattern(_object_run(STRING, _VALUE, '"'))
ARRAY_RUN: AlwaysMatches = LazyPattern(_array_run(STRING, rf"(?:{NUMBER}|{_LITERAL}|{_FLAT})", _VALUE))

_LOOSE_STRING = rf"(?:{STRING}|{_SINGLE}|{_SMART})"
_LOOSE_KEY = rf"(?:{STRING}|{_SINGLE}|{_SMART}|{_IDENT_KEY})"
_LOOSE_SCALAR = rf"(?:{STRING}|{_SINGLE}|{_SMART}|{NUMBER}|{_LITERAL}|{_PYTHON})"
_LOOSE_FLAT = _flat(_LOOSE_KEY, _LOOSE_SCALAR)
_LOOSE_VALUE = rf"(?:{_LOOSE_SCALAR}|{_LOOSE_FLAT})"
LOOSE_OBJECT_RUN: AlwaysMatches = LazyPattern(_object_run(_LOOSE_KEY, _LOOSE_VALUE, rf"(?:[\"']|{_IDENT_KEY})"))
LOOSE_ARRAY_RUN: AlwaysMatches = LazyPattern(_array_run(_LOOSE_STRING, rf"(?:{NUMBER}|{_LITERAL}|{_PYTHON}|{_LOOSE_FLAT})", _LOOSE_VALUE))
LOOSE_FIRST = frozenset("'TFN" + SMART_QUOTES) | frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$")

# In a loose stretch, the next token that may need rewriting (a single-quoted string or a
# word that is not true/false/null), after what needs none, which the match skips in C:
# double-quoted strings (whole, so that nothing inside one is touched), numbers and
# punctuation in one run, an exponent's letter after a digit (`1e5` is no word), JSON's
# literals. The token is optional, so no match ever fails after skipping: finditer reads
# the stretch once. (A double-quoted string's closing quote is optional for the same reason.)
_LOOSE_NEXT = re.compile(
    rf'(?:"{STRING_BODY}"?|[^\'"A-Za-z_${SMART_QUOTES}]+{P}|(?<=[0-9.])[eE]|(?:true|false|null)(?![A-Za-z0-9_$]|[ \t]*:))*{P}'
    rf"(?P<tok>{_SINGLE_BARE}|{_SMART}|[A-Za-z_$][A-Za-z0-9_$]*{P})?",
    re.DOTALL,
)
_PYTHON_WORDS = {"True": "true", "False": "false", "None": "null"}


def _no_smart_quote(text: str) -> bool:
    # (four substring searches in C cost less than one regex search for a class of four)
    return text.isascii() or not ("\u201c" in text or "\u201d" in text or "\u2018" in text or "\u2019" in text)


def rewrite(text: str, start: int, end: int, steps: list[RawStep]) -> str:
    """JSON for the loose stretch text[start:end], recording a Step per rewritten token."""
    stretch = text[start:end]
    if '"' not in stretch and _no_smart_quote(stretch):
        fast = _rewrite_single_quoted(stretch, start, steps)
        if fast is not None:
            return fast
    pieces = []
    last = start
    for m in _LOOSE_NEXT.finditer(text, start, end):
        token = m.group("tok")
        if token is None:
            continue
        k = m.start("tok")
        put = rewrite_token(text, k, m.end(), end, steps)
        if put is None:
            continue
        pieces.append(text[last:k])
        pieces.append(put)
        last = m.end("tok")
    pieces.append(text[last:end])
    return "".join(pieces)


def rewrite_token(text: str, k: int, e: int, end: int, steps: list[RawStep]) -> str | None:
    """JSON for the loose token text[k:e] of a stretch that ends at `end` (a word before a
    colon there is a key), recording its Step; None for JSON's own literal, kept as it is."""
    token = text[k:e]
    c = token[0]
    if c == "'":
        steps.append(single_quotes(k))
        return '"' + token[1:-1] + '"'
    if c in SMART_QUOTES:
        steps.append(smart_quotes(k, c))
        return '"' + token[1:-1] + '"'
    if token in _PYTHON_WORDS and not _before_colon(text, e, end):
        put = _PYTHON_WORDS[token]
        steps.append(literal(k, token, LITERALS[token][1], put))  # type: ignore[arg-type]  # (a Python word's code is never None)
        return put
    if token in ("true", "false", "null") and not _before_colon(text, e, end):
        return None
    steps.append(unquoted_key(k, token))
    return '"' + token + '"'


def splice(text: str, start: int, stop: int, edits: list[Edit], steps: list[RawStep]) -> str:
    """JSON for text[start:stop], a plain span's stretch with `edits` (in order, each before
    `stop`) made: text[k:e] becomes `put` and `step` is recorded, or, where `put` is None,
    text[k:e] is a loose token rewritten as `rewrite` writes it, with its step (without
    reading the stretch again to find them)."""
    pieces = []
    last = start
    for k, e, put, step in edits:
        if put is None:
            put = rewrite_token(text, k, e, stop, steps)
            if put is None:
                continue
        else:
            steps.append(step)  # type: ignore[arg-type]  # (an edit with a put has its step)
        pieces.append(text[last:k])
        pieces.append(put)
        last = e
    pieces.append(text[last:stop])
    return "".join(pieces)


def rewrite_python_value(text: str, start: int, end: int, steps: list[RawStep] | None) -> str | None:
    """JSON for text[start:end] when the whole of it is a loose stretch of the simplest kind:
    single-quoted strings (no double quote, typographic quote or escaped quote anywhere)
    and Python's literals outside them, as `repr()` writes a dict or list. None otherwise.
    Whether the result is JSON is for the caller's decode to say. `steps` None: nobody
    reads them (`loads`), so none are recorded."""
    # (one-character searches first: a memchr each, where a two-character one reads slowly)
    if text.find('"', start, end) >= 0 or (text.find("\\", start, end) >= 0 and text.find("\\'", start, end) >= 0):
        return None
    stretch = text[start:end]
    if not _no_smart_quote(stretch):
        return None
    if steps is None:
        return _rewrite_single_quoted_unrecorded(stretch)
    return _rewrite_single_quoted(stretch, start, steps)


# The same stretch as a whole (for _rewrite_single_quoted_unrecorded): strings, and outside
# them only what is no bare key (see _OTHER_PY_WORD): punctuation and digits, letters
# right after a word character, a digit or a point, and the literals.
_PY_STRETCH = re.compile(
    r"(?:'[^']*+'|[^'A-Za-z_$]++|(?<=[A-Za-z0-9_$.])[A-Za-z_$]++"
    r"|(?:true|false|null|True|False|None)(?![A-Za-z0-9_$]|[ \t]*:))*+")


def _rewrite_single_quoted_unrecorded(stretch: str) -> str | None:
    """What _rewrite_single_quoted writes, without its steps: a match in C checks that every
    `'` pairs and that no bare key lies outside the strings; then one replace for the
    quotes, and the Python literals outside strings rewritten where finditer finds them.
    No string is made per piece of the text: a repr of many short strings stays linear in
    memory traffic too."""
    if _PY_STRETCH.match(stretch).end() != len(stretch):  # type: ignore[union-attr]  # (`*`: matches everywhere)
        return None
    if "T" in stretch or "F" in stretch or "N" in stretch:  # (memchr: a word search reads slowly)
        pieces = []
        last = 0
        for m in _NEXT_PY_LITERAL.finditer(stretch):
            word = m.group("lit")
            if word is not None:
                pieces.append(stretch[last:m.start("lit")])
                pieces.append(_PYTHON_WORDS[word])
                last = m.end("lit")
        if pieces:
            pieces.append(stretch[last:])
            stretch = "".join(pieces)
    return stretch.replace("'", '"')


def _rewrite_single_quoted(stretch: str, start: int, steps: list[RawStep]) -> str | None:
    """A stretch with no double quote: every `'` is a string delimiter (a loose span takes
    only strings with no quote inside, and no escaped one), so the text splits on `'` into what lies outside
    strings (even pieces) and their insides (odd pieces). When the outside holds no word
    but JSON's and Python's literals, the rewrite is done with C string operations: one
    replace for the quotes, three for the literals (outside strings only), and the steps
    are built without a Python call per string. None when a bare key needs the token loop."""
    if "\x00" in stretch:
        return None  # (a whole-text repr may hold a NUL, which the join below uses as its mark)
    pieces = stretch.split("'")
    if len(pieces) % 2 == 0:
        return None
    outside = "\x00".join(pieces[0::2])  # (no NUL in the stretch: checked above)
    if _OTHER_PY_WORD.search(outside) is not None:
        return None
    # the i-th quote is at start + (length of the pieces before it) + i; strings open at every other one
    quotes = map(add, accumulate(map(len, pieces[:-1])), count(start))
    code, _, message, found, put = single_quotes(0)  # (the step's words, written once in steps.py)
    steps.extend(zip(repeat(code), islice(quotes, 0, None, 2), repeat(message), repeat(found), repeat(put)))
    if "True" in outside or "False" in outside or "None" in outside:
        for m in _NEXT_PY_LITERAL.finditer(stretch):
            word = m.group("lit")
            if word is not None:
                steps.append(literal(start + m.start("lit"), word, LITERALS[word][1], _PYTHON_WORDS[word]))  # type: ignore[arg-type]  # (a Python word's code is never None)
        outside = outside.replace("True", "true").replace("False", "false").replace("None", "null")
        pieces[0::2] = outside.split("\x00")
    return '"'.join(pieces)


# In the text outside strings: a word that is not a literal (a bare key), outside numbers.
# (Each pattern starts with the characters it can start with, so that a search skips to
# them in C; the checks on the characters before are lookbehinds after them.)
_OTHER_PY_WORD = re.compile(
    r"[A-Za-z_$](?<![A-Za-z0-9_$.][A-Za-z_$])"
    r"(?!(?:(?<=[tT])rue|(?<=[fF])alse|(?<=n)ull|(?<=N)one)(?![A-Za-z0-9_$]|[ \t]*:))")
_PY_LITERAL = r"(?:True(?<![A-Za-z0-9_$]True)|False(?<![A-Za-z0-9_$]False)|None(?<![A-Za-z0-9_$]None))(?![A-Za-z0-9_$])"
# In a stretch of single-quoted strings: what lies before the next Python literal outside
# them (skipped in C), and that literal (optional, so finditer reads the stretch once)
_NEXT_PY_LITERAL = re.compile(rf"(?:'[^']*{P}'|[^'TFN]+{P}|(?!{_PY_LITERAL})[TFN])*{P}(?P<lit>{_PY_LITERAL})?")


def _before_colon(text: str, pos: int, end: int) -> bool:
    """Is the word that ends at `pos` a key (a colon follows on its line)?"""
    while pos < end and text[pos] in " \t":
        pos += 1
    return pos < end and text[pos] == ":"


# A strict JSON number that ends right there: the engine copies it as it is.
CLEAN_NUMBER = re.compile(rf"{NUMBER}(?=[,\]}}])")


# A span: a stretch of JSON tokens across brackets, read without knowing the containers
# (the engine replays its brackets afterwards, with C string operations). Each token is
# taken only where the construct functions would read it the same way: a string followed
# by `:`, a closer, or a comma and the next quote; a number or literal followed by a
# separator; a closer followed by a separator (never the root's last closer: that ends the
# value); a comma not followed by a closer or another comma. A `[` before a letter or `/`
# is left alone (`[/CONTENT]`, `[end]` may end the value). Right after a `[` (or where the
# engine stands in an array: `SPAN_IN_ARRAY`) the span does know its container, and takes
# the items there as the array run does (a string followed by a comma and any value).
# A span may end with a trailing comma right after a value (a closer follows it): the
# engine drops it when the closer matches the container (Engine._span), which is where a
# string before it ends whatever its container.
# Grammar the span does not check (`{"a" "b"}` is not taken, but `{"a": "b": 1}` is)
# makes the final decode fail, and the engine then reads the value again without spans.
# The loose forms of the runs are taken too (`rewrite` turns them into JSON).
# Comments between tokens, as trivia.py reads them: a `//` or `#` comment that a line end
# follows (not the document's last line: there it may hold closers, see
# trivia.line_comment_end), or a closed `/* */` comment. The engine copies a span without
# them, with a step each (Engine._span); what follows a token is judged through them, as
# strings.is_real_end does.
_LINE_COMMENT = r"(?://|#)[^\n]*+(?=\n(?![ \t\r\n]*+(?:```|~~~|</|\[/|$)))"
_BLOCK_COMMENT = r"/\*[^*]*+(?:\*++[^*/][^*]*+)*+\*++/"
_COMMENT = rf"(?:{_LINE_COMMENT}|{_BLOCK_COMMENT})"
_GAP = rf"[ \t\r\n]*+(?:{_COMMENT}[ \t\r\n]*+)*+"  # whitespace and comments


def _ahead(what: str) -> str:
    """A look-ahead for `what` after whitespace, or after whitespace and comments (the
    common case first: it costs the span nothing when there is no comment)."""
    return rf"(?=[ \t\r\n]*+{what}|{_GAP}{what})"


_NEXT_KEY_START = rf"(?:[\"'{SMART_QUOTES}]|{_IDENT_KEY})"
_SEP = _ahead(r"[,:}\]]")
_AFTER_STRING = rf"(?:[:}}\]]|,[ \t\r\n]*+{_NEXT_KEY_START})"  # a colon, a closer, or a comma and the next key
_AFTER_STRING_GAP = rf",{_GAP}{_NEXT_KEY_START}"
_STRING_END = rf"(?:{_ahead(_AFTER_STRING)}|{_ahead(_AFTER_STRING_GAP)}|(?=,[ \t\r\n]*[}}\],]))"  # (a trailing or doubled comma)
_TRAILING = rf"(?:(?<=[\"'0-9el\]}}{SMART_QUOTES}]),(?=[ \t\r\n]*[}}\]]))?"  # (after a value's last character)
_COMMA = "," + _ahead(r"[^ \t\r\n}\]/#,]")


def _items(string: str, other: str) -> str:
    # items of an array, each with its comma (a string's comma before the start of a value)
    return rf"(?:{_WS}(?:{string}{_WS},{_NEXT_ITEM}|{other}{_WS}{_COMMA}))*{P}"


# A member's string value before a line that opens the next object (`"v"\n{"k": ...`):
# the quote ends the string (strings.is_real_end) and the object lacks its `}`, which the
# engine inserts; so a span takes such a string only last, and ends after it.
_VALUE_BEFORE_OBJECT_LINE = (
    rf'(?:(?<=:)|(?<=:[ \t])){STRING}(?=[ \t]*\r?\n[ \t\r\n]*\{{[ \t\r\n]*"[^"\\\n]{{0,200}}"[ \t]*:)')

# A member's value before the next key with no comma between them (`"a": "x" "b": 1`): a
# quote after whitespace, then a key and its colon, ends the string (strings.is_real_end)
# and follows a number or literal as the engine reads them; the engine inserts the comma.
# So a span takes such a value only last, and ends after it.
_KEY_AHEAD = r'"[^"\\\n]{0,200}+"[ \t]*+:'
_BEFORE_KEY = rf"(?=[ \t\r\n]++{_KEY_AHEAD})"
# (Engine._chain: the blanks between such a value and the next key, which it lacks a comma before)
KEY_AFTER_VALUE: re.Pattern[str] = re.compile(rf"[ \t\r\n]++(?={_KEY_AHEAD})")


def _value_before_key(string: str, literal: str) -> str:
    return rf"(?:(?<=:)|(?<=:[ \t]))(?:{string}|{NUMBER}|{literal}){_BEFORE_KEY}"


# The commonest runs of tokens as single alternatives, tried first: a member of plain JSON
# with its comma before the next key (`"k": "v", "`) or with the closer after it; a key and
# its colon before a container; a closer and its comma before the next key or item. Each
# takes exactly what the token alternatives of _span would take one by one (a string
# before a colon, the colon, a value before a comma or closer, the comma before a key...),
# for one trip through the alternation instead of up to five. (Tested against the span
# without them: tests/test_engine.py.)
_KEY_COLON = rf"{_STRING_NO_BRACKET}[ \t\r\n]*+:[ \t\r\n]*+"
_PLAIN_SCALAR = rf"(?:{_STRING_NO_BRACKET}|{NUMBER}|true|false|null)"
_PLAIN_MEMBER = (
    rf'{_KEY_COLON}(?:{_PLAIN_SCALAR}[ \t\r\n]*+(?:,[ \t\r\n]*+(?=")|\}}(?=[ \t\r\n]*+[,:}}\]]))'
    rf"|(?=[\[{{]))"  # (a member's key and colon before a container: the `[` or `{{` is taken next)
    rf"|[}}\]][ \t\r\n]*+,[ \t\r\n]*+(?=[\"{{\[])"  # a closer and its comma before a key or item
)


def _span(string: str, literal: str, more: str, shortcuts: bool = True) -> tuple[str, str]:
    """(the span's pattern, the same where the engine stands in an array); `more` adds
    token alternatives (the loose span's identifier keys); `shortcuts`: _PLAIN_MEMBER's."""
    items = _items(string, rf"(?:{NUMBER}|{literal})")
    first = f"{_PLAIN_MEMBER}|" if shortcuts else ""
    tokens = (
        rf"(?:{first}[ \t\r\n:{{]+|\[(?![A-Za-z/]){items}|{string}{_STRING_END}"
        rf"|{NUMBER}{_SEP}|{literal}{_SEP}{more}"
        rf"|[}}\]]{_SEP}|{_COMMA}|{_COMMENT})*{P}{_TRAILING}"
        rf"(?:{_VALUE_BEFORE_OBJECT_LINE}|{_value_before_key(string, literal)})?"
    )
    return tokens, rf"(?:{_COMMA})?{items}{tokens}"


_PLAIN_SPAN = _span(STRING, r"(?:true|false|null)", "")
SPAN: AlwaysMatches = LazyPattern(_PLAIN_SPAN[0])
SPAN_IN_ARRAY: AlwaysMatches = LazyPattern(_PLAIN_SPAN[1])
# The same with the loose forms, which `rewrite` turns into JSON token by token in
# Python: the engine gives it a window of LOOSE_WINDOW characters at a time (a cut there
# only ends the span early: every token needs what follows it).
_LOOSE_SPAN = _span(rf"(?:{STRING}|{_SINGLE}|{_SMART})", r"(?:true|false|null|True|False|None)", rf"|{_IDENT_KEY}")
LOOSE_SPAN: AlwaysMatches = LazyPattern(_LOOSE_SPAN[0])
LOOSE_SPAN_IN_ARRAY: AlwaysMatches = LazyPattern(_LOOSE_SPAN[1])
LOOSE_WINDOW = 4096
# One loose token where a plain span stopped, with what must follow it, as the loose span
# takes it (Engine._chain chains them: a plain span, a loose token, a plain span...; the
# loose span would read the whole stretch again, and `rewrite` once more to find them).
LOOSE_TOKEN: re.Pattern[str] = LazyPattern(  # type: ignore[assignment]  # (its match may fail: a Pattern's signature)
    rf"(?:{_SINGLE}|{_SMART}){_STRING_END}|(?:True|False|None){_SEP}|{_IDENT_KEY}")
SPAN_FIRST = frozenset("\"'-0123456789tfnTFN[{]},: \t\r\n" + SMART_QUOTES) | frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$")
# In a span's stretch: what lies before the next comment, strings skipped whole (read in
# C; a closing quote optional, so each is read once), and that comment (optional too, so
# that finditer reads the stretch once). Engine._span leaves them out of the copy.
# (Trailing commas inside a span were tried too: finding them costs a pass over every
# stretch that holds one, 10% more time on a 5 MB document with one per 4 KB.)
CUT_IN_SPAN = re.compile(
    rf'(?:"{STRING_BODY}"?|{_SINGLE_BARE}|{_SMART}|[^"\'/#{SMART_QUOTES}]++|[\'{SMART_QUOTES}]|/(?![/*]))*+'
    rf"(?P<c>(?://|#)[^\n]*+|/\*[^*]*+(?:\*++[^*/][^*]*+)*+(?:\*++/)?)?",  # (a span's comments are closed)
    re.DOTALL,
)

def may_cut(stretch: str) -> bool:
    """A quick test, in C: may a span's stretch hold a comment?"""
    # (a one-character test first: it is a memchr; a two-character one reads every character)
    return ("/" in stretch and ("//" in stretch or "/*" in stretch)) or "#" in stretch


# Strings of both kinds, for the span's bracket replay (a double-quoted string's closing
# quote is optional, so each is read once even where one never closes).
ANY_STRING = re.compile(rf'"{STRING_BODY}"?|{_SINGLE_BARE}|{_SMART}', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
# what span_brackets keeps of a stretch's UTF-8 bytes: quotes, brackets, and the first byte
# of the typographic quotes (E2, shared with the rest of U+2000..U+2FFF)
_NOT_MARK_BYTES = bytes(b for b in range(256) if b not in b"\"'[]{}\xe2")
_QUOTE_ESCAPE = re.compile(rb'\\["\\]')


def span_brackets(stretch: str) -> str:
    """The brackets of a span's stretch that lie outside its strings, in order."""
    # Only quotes and brackets matter: keep those (in C, on the UTF-8 bytes).
    data = stretch.encode("utf-8", "surrogatepass")
    if b"\\" in data:
        # a span holds backslashes only in its strings' escapes: with `\\` and `\"` taken out
        # (pairs read from the left, as JSON does), no quote is escaped
        data = _QUOTE_ESCAPE.sub(b"", data)
    # Every `"` now delimits a string (no other kind of string holds one), so what lies
    # outside them is every other piece. Taking out two quotes in a row first (an empty
    # remainder of a string, or the end of one and the start of the next) keeps every
    # piece on its side, and leaves few.
    marks = data.translate(None, _NOT_MARK_BYTES).decode("latin-1").replace('""', "")
    outside = "".join(marks.split('"')[0::2]) if '"' in marks else marks
    if "\xe2" not in outside:
        # no typographic quote outside them: every `'` there delimits a string (a span's
        # single-quoted strings hold no quote)
        return "".join(outside.replace("''", "").split("'")[0::2]) if "'" in outside else outside
    return _NOT_BRACKET.sub("", ANY_STRING.sub("", stretch))
