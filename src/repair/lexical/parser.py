"""The engine: one tolerant parser that writes repaired JSON text.

`Engine.parse(pos)` reads one value whose first character is at `pos` and returns it with
the offset after it. It works as jsonrepair does: it writes the repaired value as JSON
text and a single C decode at the end turns that text into the value. Three things keep
the Python work to the defects:

- a container that is already JSON is read by the C decoder whole (`try_fast`) and its
  text copied;
- inside a container that is not, `runs.py` matches in C every member that is already
  JSON and the engine copies them; it stops before the first one that needs a decision.
  Where that is one of the commonest defects, read the same way wherever it stands (a
  loose token alone, a comma missing before the next key, doubled commas between
  members), the engine makes the edit with the construct's own step and the match goes
  on (`Engine._chain`);
- any other token is read here, by the function for its construct (strings.py,
  numbers.py, literals.py, trivia.py, brackets.py), which records a Step for what it
  changed.

The state is explicit: a stack of `Frame`s (one per open container), what the machine
expects next (`VALUE`, `KEY`, `COLON` or `AFTER` a value), the cursor and the text
written so far. Nothing is recursive, so there is no depth limit but memory.

What the engine must stop at (a closing fence or tag outside strings) is given to it as
data by extraction (`stop`), never looked up in extraction.
"""

from __future__ import annotations

import re
from json.decoder import scanstring  # type: ignore[attr-defined]  # (public in the module, missing from its stubs)
from json.encoder import encode_basestring
from operator import itemgetter

from ..chars import INVISIBLE, P, STRING_BODY, CLOSERS, IDENT_KEY_AHEAD, QUOTES, SPACES, UNQUOTED_KEY, VALUE_START, WORD, WS
from ..errors import RepairError
from ..steps import (
    REBUILDING, comment, duplicate_key, text_end, extra_bracket, extra_comma, missing_bracket, missing_comma, missing_quote, python_tuple, snippet,
    stray_char, trailing_comma, unquoted_key,
)
from .brackets import SETTLE_DEPTH, SETTLE_WINDOW, DEEPER, EXTRA, MATCH, WRONG, decide_closer
from .decode import STRICT, NonFinite, decode_json, int_text
from .runs import ANY_STRING, CUT_IN_SPAN, KEY_AFTER_VALUE, LOOSE_SPAN, LOOSE_SPAN_IN_ARRAY, LOOSE_TOKEN, LOOSE_WINDOW, SPAN, SPAN_FIRST, SPAN_IN_ARRAY, ARRAY_RUN, CLEAN_NUMBER, LOOSE_ARRAY_RUN, LOOSE_FIRST, LOOSE_OBJECT_RUN, OBJECT_RUN, may_cut, rewrite, rewrite_python_value, span_brackets, splice
from .literals import LITERALS, scan_word
from .numbers import DROP, scan_number, thousands_after
from .strings import openless_item_at, _AHEAD, CTX_ARR, CTX_KEY, CTX_OBJ, CTX_ROOT, scan_fenced, scan_string
from .state import AFTER, ARR, COLON, KEY, OBJ, VALUE, Frame
from .trivia import peek_significant, skip_insignificant
from .truncation import NoValue, close_all

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any

    from ..chars import AlwaysMatches
    from ..steps import RawStep

    # what ends a value: (the first characters of the markers, their pattern)
    Stop = tuple[frozenset[str], re.Pattern[str]]
    # an edit of a span's copy (Engine._chain): text[start:end] becomes `put` with `step`;
    # put None: a loose token, rewritten with its own step (runs.rewrite_token)
    Edit = tuple[int, int, str | None, RawStep | None]


_COMMA_RUN: AlwaysMatches = re.compile(r",(?:[ \t\r\n]*,)*")  # type: ignore[assignment]  # (matched only at a ',', where it always matches)
# after a root object's `}`: a comma and a key with its colon, so the object goes on
_MEMBER_AFTER = re.compile(r'[ \t\r\n]*,[ \t\r\n]*(?:"[^"\\\n]{0,200}"|[A-Za-z_$][A-Za-z0-9_$]{0,100})[ \t]*:')
# after a list: stray closers, a comma and the start of another item
_ITEMS_AFTER_STRAY_CLOSERS = re.compile(r"[ \t\r\n]*+[}\]][}\] \t\r\n]*+,[ \t\r\n]*+(?=[\[{\"'\-0-9tfnTFN])")
# a quoted key and its colon (members where an item is expected: `["a": 1]`)
_KEY_COLON = re.compile(r'"[^"\\\n]{0,200}"[ \t]*:')
# a few bare words before a quoted key and its colon: stray text between members
_STRAY_WORDS = re.compile(r'[A-Za-z_][A-Za-z0-9_-]{0,40}(?:[ \t]+[A-Za-z_][A-Za-z0-9_-]{0,40}){0,2}[ \t\r\n]+"[^"\\\n]{0,200}"[ \t]*:')
# a bare name, spaces, then a quoted value that ends the member: `{name "Bob"}`
_VALUE_AFTER_NAME = re.compile(r'[ \t]+"[^"\\\n]{0,200}"[ \t]*[,}\r\n]')
# a number where an empty object expects its first key: a Python set of numbers
_NUMBER_ITEM = re.compile(r"-?[0-9][0-9.eE+-]{0,40}[ \t]*[,}]")
# An item copied as it is (a strict number or JSON literal), its comma, and doubled commas
# after it; the run of as many as follow one another.
_ITEM_WITH_DOUBLED_COMMAS_TEXT = (
    rf"[ \t\r\n]*{P}(?P<item>-?(?:0|[1-9][0-9]*{P})(?:\.[0-9]+{P})?(?:[eE][-+]?[0-9]+{P})?|true|false|null)"
    rf"[ \t\r\n]*{P}(?P<comma>,)[ \t\r\n]*{P}(?P<doubled>,(?:[ \t\r\n]*{P},)*{P})"
)
_ITEM_WITH_DOUBLED_COMMAS: AlwaysMatches = re.compile(_ITEM_WITH_DOUBLED_COMMAS_TEXT)  # type: ignore[assignment]  # (matched only inside a run the pattern below matched)
_ITEMS_WITH_DOUBLED_COMMAS: AlwaysMatches = re.compile(f"(?:{_ITEM_WITH_DOUBLED_COMMAS_TEXT})*{P}")  # type: ignore[assignment]  # (`*`: matches everywhere)
_SALVAGE_WORTH = 512  # below this, the runs copy the members before a defect for less
_REST_WORTH = 512  # below this, the runs read the rest of a container for less than a C attempt costs
_OBJECT_FIRST = frozenset('"}')
_ARRAY_FIRST = frozenset('"-0123456789tfn[{]')
# Structure inside a stretch C has read as valid: strings removed, then all but brackets and commas.
_STRINGS = re.compile(rf'"{STRING_BODY}"?', re.DOTALL)  # (closing quote optional: each string read once)
_NOT_STRUCTURE = re.compile(r"[^\[\]{},]+")
_NOT_STRUCTURE_BYTES = bytes(b for b in range(128) if b not in b"[]{},")
TRIVIA_FIRST = frozenset(" \t\r\n/#") | INVISIBLE  # what skip_insignificant may skip
RUN_FIRST = frozenset('"-0123456789tfn') | LOOSE_FIRST  # what a run may start with (not a bracket: C tries a container whole first)


def json_text(value: Any) -> str:
    """JSON text for a scalar a construct function returned."""
    cls = value.__class__
    if cls is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if cls is int:
        return int_text(value)
    if value != value:
        return "null"
    if value in (float("inf"), float("-inf")):
        return "1e999" if value > 0 else "-1e999"
    return float.__repr__(value)


class Engine:
    """Holds the text and the state shared by every value read from it."""

    stop_first: frozenset[str]
    stop: re.Pattern[str]

    def __init__(self, text: str, stop: Stop | None = None, fast: bool = True, max_depth: int | None = None,
                 valid_until: int = 0, quiet: bool = False) -> None:
        self.text = text
        self.n = len(text)
        self.steps: list[RawStep] = []
        # stop: (first characters, compiled pattern) of the markers that end a value
        self.stop_first, self.stop = stop if stop is not None else (frozenset(), None)  # type: ignore[assignment]  # (None only with no first characters: never matched)
        self.max_depth = max_depth
        self.fast_floor = 0 if fast else self.n
        self.fast_budget = 4 * self.n + 65536  # C characters that failed attempts may waste
        self.last_stop = 0  # where the last failed attempt stopped
        self.valid_until = valid_until  # where the last failed attempt found a defect
        self.streak = 0  # failed attempts in a row
        self.spans = max_depth is None  # copy spans across brackets (off: read without them)
        self.spanned = False
        self.retry_at = 0  # after a streak, no attempt before this offset
        self.settle_budget = 2 * self.n + 65536  # characters brackets.decide_closer may read to settle closers
        self.quiet = quiet  # nobody reads the steps of a whole-text value (`loads`): bulk rewrites may skip them
        self.stack: list[Frame] = []  # the open containers of the value being read (Engine._parse)

    def add(self, code: str, pos: int, message: str, found: str = "", put: str = "") -> None:
        self.steps.append((code, pos, message, found, put))

    def at_end(self, pos: int) -> bool:
        """True at the end of the text or at a stop marker (outside strings)."""
        if pos >= self.n:
            return True
        return self.text[pos] in self.stop_first and self.stop.match(self.text, pos) is not None

    def object_in_list(self) -> bool:
        """Is the innermost open container an object that is an item of a list?"""
        stack = self.stack
        return len(stack) > 1 and stack[-1].kind == OBJ and stack[-2].kind == ARR

    def find_stop(self, start: int, end: int) -> int:
        if self.stop is None:
            return -1
        m = self.stop.search(self.text, start, end)
        return -1 if m is None else m.start()

    def try_fast(self, pos: int, opener: str = "") -> tuple[Any, int] | None:
        """Decode a well-formed value at `pos` in C: (value, end), or None.

        With `opener` (`{` or `[`), `pos` is inside a container, after a comma, and what is
        decoded is the rest of it: its remaining members and its closing bracket.

        The decoder sees a window of the text that grows eightfold while the value runs
        past its end: a failure's `JSONDecodeError` counts newlines from the start of what
        it was given, so handing it the whole text would make each failure O(pos). The C
        work lost on failed attempts is counted; past a budget of a few times the text's
        length, a failure at offset e forbids any attempt before e, so the total stays
        linear even for deep unclosed nesting.
        """
        self.last_stop = -1
        if pos < self.fast_floor or pos < self.valid_until or pos < self.retry_at:
            return None  # (before a defect C found already, or in a stretch of defects: the runs copy that text)
        text, n = self.text, self.n
        window = 4096
        while True:
            limit = pos + window
            chunk = opener + text[pos:limit] if opener else (text if pos == 0 and limit >= n else text[pos:limit])
            try:
                value, end = STRICT.raw_decode(chunk, 0)
            except RecursionError:
                self.fast_floor = n
                return None
            except NonFinite:  # NaN/Infinity: not JSON, so the fast path must not take it
                self._failed(pos, pos + 1)
                return None
            except ValueError as exc:
                epos = getattr(exc, "pos", 1)
                if limit < n and (epos >= len(chunk) - 16 or str(exc).startswith("Unterminated string")):
                    window *= 8  # the window cut the value: look further
                    continue
                self._failed(pos, pos + max(epos - len(opener), 1))
                return None
            self.streak = 0
            return value, pos + end - len(opener)

    def _failed(self, pos: int, stop: int) -> None:
        self.last_stop = stop
        # a streak of failures (a Python repr: a literal in every record) backs off: C is
        # not tried again for a stretch that doubles with each failure in a row
        self.streak += 1
        if self.streak >= 2:
            self.retry_at = stop + (128 << min(self.streak, 16))
        if stop > self.valid_until:
            self.valid_until = stop  # text[pos:stop] is a valid JSON prefix: no need to try C in it again
        self.fast_budget -= stop - pos
        if self.fast_budget < 0 or self.fast_floor > pos:
            self.fast_floor = max(self.fast_floor, stop)

    # ------------------------------------------------------------------ the machine
    def parse(self, pos: int) -> tuple[Any, int]:
        """Read one value whose first character is at `pos`; return (value, end).

        When the text written does not decode, a span copied a stretch whose grammar is
        wrong (`{"a": "b": 1}`): the value is read again without spans, and spans stay off
        for this text (each candidate in prose full of brackets would otherwise read to the
        end of the text twice: quadratic)."""
        mark = len(self.steps)
        try:
            return self._parse(pos)
        except _SpanMiss:
            del self.steps[mark:]
            self.spans = False
            return self._parse(pos)

    def _parse(self, pos: int) -> tuple[Any, int]:
        self.spanned = False  # did a span copy text into this value?
        self.mark, self.start = len(self.steps), pos  # this value's first step and offset
        text = self.text
        add = self.add
        stack: list[Frame] = []
        self.stack = stack  # (the same list: object_in_list reads it for the construct functions)
        out: list[str] = []
        counts = {"}": 0, "]": 0, ")": 0}
        state = VALUE
        n = self.n
        stop_first = self.stop_first
        frame: Frame | None  # (the innermost open container; None at the root)
        while True:
            if pos < n and text[pos] in TRIVIA_FIRST:
                pos = skip_insignificant(self, pos)
            if pos >= n or (text[pos] in stop_first and self.stop.match(text, pos) is not None):
                fenced = scan_fenced(self, pos) if state == VALUE and stack and text.startswith("```", pos) else None
                if fenced is None:
                    return close_all(self, stack, state, pos, out, at_end=True)
                # (a code block written as a member's or item's value: its text, as a string)
                out.append(json_text(fenced[0]))
                pos = fenced[1]
                stack[-1].member_done()
                state = AFTER
                continue
            c = text[pos]
            if c == '"' and state == VALUE and stack and not stack[-1].items and stack[-1].kind == ARR \
                    and _KEY_COLON.match(text, pos) is not None and self._list_of_members(stack[-1], out):
                state = KEY
                continue
            if stack and self.spans and c in SPAN_FIRST and (c != "," or state != AFTER or stack[-1].items):
                # (a comma before the first member is a leading one: the engine drops it below)
                got = self._span(stack, counts, pos, state, out)
                if got is not None:
                    pos, state = got
                    continue
            if stack and (state == KEY or (state == VALUE and stack[-1].kind == ARR)) and c in RUN_FIRST:
                end, state = self._run(stack[-1], pos, state, out)
                if end != pos:
                    pos = end
                    continue

            if state == AFTER:
                frame = stack[-1]
                if c == "," and not frame.items:
                    # no member before it (`[... 1]`, `[},2]` once the `}` is gone): a leading comma
                    end = _COMMA_RUN.match(text, pos).end()
                    self.steps.append(extra_comma(pos, "removed a leading ','", text[pos:end]))
                    pos = end
                    state = KEY if frame.kind == OBJ else VALUE
                    continue
                if c == "," or (c == "\uff0c" and frame.items):
                    if c != ",":  # `1，"b"`: the full-width comma
                        add("repair_missing_comma", pos, "replaced '\uff0c' with ','", c, ",")
                    frame.comma_pos = pos
                    frame.comma_at = len(out)
                    out.append(",")
                    pos += 1
                    state = KEY if frame.kind == OBJ else VALUE
                    if pos >= self.valid_until and frame.fails < 2 and self.n - pos > _REST_WORTH:
                        rest = self._rest_fast(stack, counts, pos, out)
                        if rest is not None:
                            pos, state = rest
                            if not stack:
                                if self._goes_on(pos, out):
                                    pos = self._reopen_root(stack, counts, pos - 1, out)
                                    state = AFTER
                                    continue
                                return self.value_of(out, pos)
                    continue
                if c in CLOSERS:
                    done, pos = self._close(stack, counts, pos, out)
                    if done:
                        if self._goes_on(pos, out):
                            pos = self._reopen_root(stack, counts, pos - 1, out)
                            continue
                        return self.value_of(out, pos)
                    continue
                if c == '"' and text[pos - 1].isalnum() and self._stray_quote(pos):
                    self.steps.append(stray_char(pos, "removed a stray '\"' after a value", '"', ""))
                    pos += 1
                    continue
                if c == "{" and frame.kind == OBJ and frame.items and len(stack) > 1 and stack[-2].kind == ARR:
                    # `[{"a": 1 {"a": 2}]`: the object before lacks its `}` (and the comma after it)
                    state = self._next_object(stack, counts, pos, out)
                    self.steps.append(missing_comma(pos))
                    continue
                if frame.kind == ARR and frame.bare_end >= 0 and self._bare_item_line(frame, pos):
                    add("repair_missing_comma", pos, "inserted a missing ',' between items on separate lines", "", ",")
                    frame.comma_at = len(out)
                    out.append(",")
                    state = VALUE
                    continue
                if self._starts_value(pos) if frame.kind == ARR else self._starts_key(pos):
                    if frame.items:  # (after a placeholder with no member before it, no comma is missing)
                        self.steps.append(missing_comma(pos))
                        frame.comma_at = len(out)  # pending like a real comma, with no step of its own
                        out.append(",")
                    state = VALUE if frame.kind == ARR else KEY
                    continue
                if _is_stray(c):
                    end = pos + 1
                    while end < self.n and _is_stray(text[end]):
                        end += 1
                    self.steps.append(stray_char(pos, f"removed stray {snippet(text[pos:end])} between tokens", text[pos:end], ""))
                    pos = end
                    continue
                return close_all(self, stack, state, pos, out, at_end=False)

            if state == KEY:
                frame = stack[-1]
                if c in QUOTES:
                    key, pos = scan_string(self, pos, CTX_KEY)
                    self._key(frame, key, out)
                    state = COLON
                    continue
                if c in CLOSERS:
                    self.trailing_comma(frame, out)
                    state = AFTER
                    continue
                if c == ",":
                    end = _COMMA_RUN.match(text, pos).end()
                    self.steps.append(_doubled_commas(text, pos, end))
                    pos = end
                    continue
                if text.startswith("...", pos) or c == "\u2026":
                    pos = self._ellipsis(pos)
                    self.drop_comma(frame, out)
                    state = AFTER
                    continue
                if c == "{" and not frame.items and frame.comma_pos < 0:
                    self.steps.append(stray_char(pos, "removed a doubled '{'", "{", ""))
                    pos += 1
                    continue
                if c == "{" and frame.items and len(stack) > 1 and stack[-2].kind == ARR:
                    # `[{"a": 1, {"a": 2}]`: the object before lacks its `}`; its comma is the list's
                    state = self._next_object(stack, counts, pos, out)
                    continue
                if c == "[" and frame.items and frame.comma_at >= 0:
                    got = self._reopen_list(stack, counts, pos, out)
                    if got is not None:
                        pos, state = got
                        continue
                if c in "0123456789" and frame.comma_pos == pos - 1 and frame.comma_at == len(out) - 1 and frame.comma_at > 0:
                    groups = thousands_after(self, pos, out[frame.comma_at - 1])
                    if groups is not None:
                        # `{"price": 1,299.99}`: the comma separated thousands of the number before it
                        out[frame.comma_at] = groups[0]
                        frame.comma_pos = frame.comma_at = -1
                        pos, state = groups[1], AFTER
                        continue
                if not frame.items and frame.comma_pos < 0 and frame.open_at >= 0 and c in "-0123456789" \
                        and _NUMBER_ITEM.match(text, pos) is not None:
                    # `{5, 9}`: a Python set of numbers
                    frame.kind = ARR
                    out[frame.open_at] = "["
                    add("repair_python_set", frame.open_pos, "turned a Python set into a list", "{", "[")
                    state = VALUE
                    continue
                if c.isalpha() or c == "_":
                    m = _STRAY_WORDS.match(text, pos)
                    if m is not None:
                        end = text.rfind('"', pos, m.end() - 1)
                        end = text.rfind('"', pos, end)
                        word = text[pos:end].strip()
                        self.steps.append(("repair_stray_text", pos, f"dropped stray text {snippet(word)} before a key", word, ""))
                        pos = end
                        continue
                key_end = self._unquoted_key(frame, pos, out)
                if key_end >= 0:
                    pos = key_end
                    state = COLON
                    continue
                return close_all(self, stack, state, pos, out, at_end=False)

            if state == COLON:
                frame = stack[-1]
                if c == ":":
                    out.append(":")
                    pos += 1
                    state = VALUE
                    continue
                if c == "=" or c == "\uff1a":
                    # (`"a" => 1`: a hash's arrow; `"a"：1`: the full-width colon)
                    mark = "=>" if text.startswith("=>", pos) else c
                    add("repair_missing_colon", pos, f"replaced {mark!r} with ':'", mark, ":")
                    out.append(":")
                    pos += len(mark)
                    state = VALUE
                    continue
                if c == "," or c in CLOSERS:
                    if frame.kind == OBJ and not frame.items and frame.comma_pos < 0 and c in ",}":
                        self._object_to_set(stack, out)
                    else:
                        add("repair_missing_value", pos, f"key {snippet(self.key_of(frame))} has no value; used null", "", ": null")
                        out.append(":null")
                        frame.member_done()
                    state = AFTER
                    continue
                add("repair_missing_colon", pos, f"inserted ':' after key {snippet(self.key_of(frame))}", "", ":")
                out.append(":")
                state = VALUE
                continue

            # state == VALUE
            frame = stack[-1] if stack else None
            ctx = CTX_ROOT if frame is None else (CTX_OBJ if frame.kind == OBJ else CTX_ARR)
            if c == "{" or c == "[":
                k = WS.match(text, pos + 1).end()
                # C only where the first token can be JSON: `{'a'`, `[True` fail at once
                first = text[k] if k < n else ""
                fast = self.try_fast(pos) if first in (_OBJECT_FIRST if c == "{" else _ARRAY_FIRST) else None
                if fast is not None:
                    if frame is None:
                        if (_MEMBER_AFTER.match(text, fast[1]) is not None) if c == "{" else self._list_goes_on(fast[1]):
                            # `{"a": 1}, "b": 2}`: the object goes on after its `}` (a list after
                            # stray closers: `[{"a": 1}]},\n{"b": 2}]`)
                            out.append(text[pos:fast[1]])
                            pos = self._reopen_root(stack, counts, fast[1] - 1, out)
                            state = AFTER
                            continue
                        return fast
                    out.append(text[pos:fast[1]])
                    pos = fast[1]
                else:
                    if frame is None and self.spans and WS.match(text).end() == pos:
                        whole = self._python_value(pos)
                        if whole is not None:
                            return whole
                    self._push(stack, counts, OBJ if c == "{" else ARR, "}" if c == "{" else "]", pos, out)
                    pos += 1
                    state = KEY if c == "{" else VALUE
                    # C read this container as far as a defect: copy the members before the
                    # one that holds it. (The defect may have been found by an attempt that
                    # began elsewhere, whose reading of this stretch the engine need not
                    # share: the members are decoded once more, here, before they are copied.)
                    stop = self.valid_until
                    if stop - pos > _SALVAGE_WORTH and first in (_OBJECT_FIRST if c == "{" else _ARRAY_FIRST):
                        comma = _last_top_comma(text, pos, stop)
                        if comma > pos and _members_decode(c, text, pos, comma):
                            pos, state = self._copy_members(stack[-1], pos, comma, out)
                    continue
            elif c in QUOTES:
                if frame is None and c == '"' and self._members_open_text(pos):
                    # `"name": "x", "age": 3}`: the text opens with a key and its colon, the
                    # object's `{` missing (an answer whose `{` was in the prompt)
                    self._push(stack, counts, OBJ, "}", pos, out)
                    self.steps.append(missing_bracket(pos, "inserted the missing '{' before the first key", "", "{"))
                    state = KEY
                    continue
                value, pos = scan_string(self, pos, ctx)
                if frame is None:
                    return value, pos
                out.append(json_text(value))
            elif c == "," or c in CLOSERS:
                if frame is None:
                    raise NoValue
                if c == "]" and frame.kind == OBJ and self._value_after(pos + 1):
                    # `{"b":] 2}`: a `]` no list opened, between a key's colon and its value
                    self.steps.append(extra_bracket(pos, "removed a stray ']' before the value", c, ""))
                    pos += 1
                    continue
                if frame.kind == OBJ:
                    add("repair_missing_value", pos, f"key {snippet(self.key_of(frame))} has no value; used null", "", "null")
                    out.append("null")
                    frame.member_done()
                    state = AFTER
                elif c == ",":
                    pos = self._extra_commas(frame, pos, out)
                else:
                    self.trailing_comma(frame, out)
                    state = AFTER
                continue
            elif text.startswith("...", pos) or c == "\u2026":
                if frame is None:
                    raise NoValue
                pos = self._ellipsis(pos)
                if frame.kind == OBJ:
                    out.append("null")
                    frame.member_done()
                else:
                    self.drop_comma(frame, out)
                state = AFTER
                continue
            elif c in "-+.0123456789":
                m = CLEAN_NUMBER.match(text, pos) if frame is not None else None
                if m is not None:  # a strict number before a separator: copied as it is
                    out.append(m.group())
                    pos = m.end()
                else:
                    value, pos = scan_number(self, pos, ctx)
                    if value is DROP:
                        continue
                    if frame is None:
                        return value, pos
                    out.append(json_text(value))
            elif c == "(":  # (at the root only when extraction found nothing but it: `(1, 2)`)
                self.steps.append(python_tuple(pos, "turned a Python tuple into a list", "(", "["))
                self._push(stack, counts, ARR, ")", pos, out)
                pos += 1
                continue
            elif c == ":":
                self.steps.append(stray_char(pos, "removed a stray ':'", ":", ""))
                pos += 1
                continue
            else:
                value, pos = scan_word(self, pos, ctx)
                if value is DROP:
                    raise NoValue
                if frame is None:
                    return value, pos
                out.append(json_text(value))
                if ctx == CTX_ARR and value.__class__ is str:
                    frame.bare_end = pos
            # a complete value was written into its container
            frame.member_done()  # type: ignore[union-attr]  # (a clean number is copied only inside a container)
            state = AFTER

    # ------------------------------------------------------------------ runs
    def _run(self, frame: Frame, pos: int, state: int, out: list[str]) -> tuple[int, int]:
        """Copy the members ahead that need no decision (runs.py); (new offset, state)."""
        text = self.text
        m = OBJECT_RUN.match(text, pos) if frame.kind == OBJ else ARRAY_RUN.match(text, pos)
        end = m.end()
        loose = False
        if end == pos:
            if text[pos] not in LOOSE_FIRST:
                return pos, state
            m = LOOSE_OBJECT_RUN.match(text, pos) if frame.kind == OBJ else LOOSE_ARRAY_RUN.match(text, pos)
            end = m.end()
            if end == pos:
                return pos, state
            loose = True
        if m.group("last") is not None:
            out.append(rewrite(text, pos, end, self.steps) if loose else text[pos:end])
            frame.member_done()
            return end, AFTER
        if frame.kind == OBJ and m.group("key") is not None:
            # members, then a key whose value needs the engine: copied with its colon
            key_pos = m.start("key")
            out.append(rewrite(text, pos, end, self.steps) if loose else text[pos:end])
            if text[pos:key_pos].strip(" \t\r\n"):
                frame.member_done()
            frame.key, frame.key_pos = None, key_pos
            frame.comma_pos = frame.comma_at = -1
            return end, VALUE
        # whole members, each with its comma: the last comma stays pending on its own
        comma = text.rfind(",", pos, end)
        out.append(rewrite(text, pos, comma, self.steps) if loose else text[pos:comma])
        frame.comma_pos = comma
        frame.comma_at = len(out)
        out.append(",")
        frame.items += 1
        return end, state

    def _extra_commas(self, frame: Frame, pos: int, out: list[str]) -> int:
        """Doubled commas at `pos`, where an item is expected: removed, with their step.
        When plain items (a number or literal, the one kind of item the spans and runs copy
        as it is), each with its comma and doubled ones again, follow (`1,,2,,3,,`), the
        whole run is read by one match: the items are copied, a step is recorded for each
        doubled run as if it were met on its own, and the last item's comma stays pending.
        Returns the offset after the last doubled run read."""
        text = self.text
        end = _COMMA_RUN.match(text, pos).end()
        self.steps.append(extra_comma(pos, _removed_commas(text.count(",", pos, end)), text[pos:end]))
        stop = _ITEMS_WITH_DOUBLED_COMMAS.match(text, end).end()
        if stop == end:
            return end
        items = []
        steps = self.steps
        match = _ITEM_WITH_DOUBLED_COMMAS.match
        p = end
        while p < stop:
            m = match(text, p)
            items.append(m.group("item"))
            doubled = m.group("doubled")
            steps.append(extra_comma(m.start("doubled"), _removed_commas(doubled.count(",")), doubled))
            p = m.end()
        out.append(",".join(items))
        if self.spans:
            self.spanned = True  # (each item is what a span would have copied)
        frame.items += len(items)
        frame.comma_pos = m.start("comma")
        frame.comma_at = len(out)
        out.append(",")
        return stop

    def _rest_fast(self, stack: list[Frame], counts: dict[str, int], pos: int, out: list[str]) -> tuple[int, int] | None:
        """After a comma: the rest of the open container, read in C. All of it well-formed:
        copied with its closer, the frame closed; (offset after it, AFTER). Only the
        members before a defect ahead: those copied up to the comma before the member
        that holds the defect; (offset after that comma, KEY or VALUE). Else None."""
        frame = stack[-1]
        opener = "{" if frame.kind == OBJ else "["
        if frame.closer != ("}" if frame.kind == OBJ else "]"):
            return None  # a tuple, or a set written with braces: its closer is a repair
        text = self.text
        k = WS.match(text, pos).end()
        if k >= self.n or text[k] not in (_OBJECT_FIRST if frame.kind == OBJ else _ARRAY_FIRST) or text[k] in "]}":
            return None  # the next member needs a decision (or the comma is trailing)
        got = self.try_fast(pos, opener)
        if got is not None:
            end = got[1]
            out.append(text[pos:end])  # the members and the closer C read
            closed = stack.pop()
            counts[closed.closer] -= 1
            if stack:
                stack[-1].member_done()
            return end, AFTER
        if self.last_stop <= pos:
            return None  # C was not tried (a budget or back-off): nothing is known to be JSON
        frame.fails += 1
        comma = _last_top_comma(text, pos, self.last_stop)
        if comma < 0 or comma - pos < 64:
            return None  # nothing worth copying
        return self._copy_members(frame, pos, comma, out)

    def _copy_members(self, frame: Frame, pos: int, comma: int, out: list[str]) -> tuple[int, int]:
        """text[pos:comma] is whole members of `frame` that C read as JSON, `comma` the one
        after them: copy them; (offset after that comma, the state there)."""
        out.append(self.text[pos:comma])
        frame.items += 1
        frame.comma_pos = comma
        frame.comma_at = len(out)
        out.append(",")
        return comma + 1, KEY if frame.kind == OBJ else VALUE

    # ------------------------------------------------------------------ spans
    def _span(self, stack: list[Frame], counts: dict[str, int], pos: int, state: int, out: list[str]) -> tuple[int, int] | None:
        """Copy the span of JSON tokens ahead (runs.SPAN) and replay its brackets on the
        stack; (new offset, state), or None when there is none to take."""
        c = self.text[pos]
        # a span starts only where its first token is grammatical in this state
        if state == AFTER:
            if c not in ",}]":
                return None
        elif state == KEY:
            if c not in "\"'" and not c.isalpha() and c not in "_$":
                return None
        elif state == COLON:
            if c != ":":
                return None
        elif c in ",:}]":
            return None
        text = self.text
        loose: bool | list[Edit] = False  # (True: a loose span; a list: the chain's edits)
        residue = ""  # the brackets of text[pos:known], outside strings, matched pairs removed
        known = pos
        in_array = stack[-1].kind == ARR
        m = SPAN_IN_ARRAY.match(text, pos) if in_array else SPAN.match(text, pos)
        end = m.end()
        if end < self.n and text[end] in _CHAIN_FIRST:
            chained = self._chain(stack, pos, end)
            if chained is not None:
                loose, end, residue, known = chained
        if not loose and (end <= pos or (end < self.n and text[end] in LOOSE_FIRST and end - pos < 64)):
            # none, or a short one that a loose token ends (`, key: 'v'`): a loose span
            if end <= pos and c not in LOOSE_FIRST:
                return None
            limit = pos + LOOSE_WINDOW
            lm = LOOSE_SPAN_IN_ARRAY.match(text, pos, limit) if in_array else LOOSE_SPAN.match(text, pos, limit)
            if lm.end() > end:
                m, end = lm, lm.end()
                loose = True
            if end <= pos:
                return None
        stretch = text[pos:end]
        # comments in it are read as the engine reads them between tokens: removed, a step each
        comments = _cuts(text, pos, end) if may_cut(stretch) else None
        if comments:
            stretch = _without(text, pos, end, comments)
        body = stretch.rstrip(" \t\r\n")
        if not body:
            return None
        # the brackets of the stretch, outside strings, with matched pairs removed: what is
        # left closes containers open before it, then opens new ones
        rest = stretch if known == pos else text[known:end]  # (a chain holds no comment)
        if _ANY_BRACKET.search(rest) is not None:
            matched = _matched_out(residue + span_brackets(rest))
            if matched is None:
                return self._no_spans()
            residue = matched
        closing = len(residue) - len(residue.lstrip("]}"))
        closers, openers = residue[:closing], residue[closing:]
        if "]" in openers or "}" in openers or closing >= len(stack):
            return self._no_spans()  # brackets that do not match, or the root closed in it
        for i, ch in enumerate(closers, 1):
            frame = stack[-i]
            if frame.closer != ch or (frame.kind == OBJ) != (ch == "}"):
                return self._no_spans()  # a closer that needs a decision (or a tuple, a set)
        last = body[-1]
        at = pos + len(body) - 1 if not comments else _last_significant(text, end, comments)
        k = WS.match(text, at + 1).end() if last == "," else self.n
        trailing = k < self.n and text[k] in "}]"
        if trailing:
            # a trailing comma: the closer after it must be its container's (runs.SPAN)
            kind, closer = _innermost_after(stack, residue)  # type: ignore[misc]  # (not None: `closing < len(stack)` above)
            if text[k] != closer or kind != (OBJ if closer == "}" else ARR) or (at == pos and not stack[-1].items):
                return self._no_spans()
        self.spanned = True
        # (a loose span's single quotes, Python literals and bare keys are rewritten;
        # a plain span is JSON tokens only, copied as they are)
        for ch in closers:
            stack.pop()
            counts[ch] -= 1
            stack[-1].member_done()
        for ch in openers:
            frame = Frame(OBJ if ch == "{" else ARR, "}" if ch == "{" else "]", -1, -1)
            frame.items = 1  # (each has a member under way; the innermost is settled below)
            stack.append(frame)
            counts[frame.closer] += 1
        frame = stack[-1]
        if trailing:  # dropped, with the engine's step; the closer is read next
            out.append(self._copy(pos, at, at + 1, loose, comments))
            self.steps.append(trailing_comma(at))
            if at > pos:
                frame.member_done()
            return at + 1, AFTER
        if last == ",":
            out.append(self._copy(pos, at, end, loose, comments))
            if not frame.items and body[:-1].strip(" \t\r\n,"):
                frame.items = 1  # (members before the comma: `items` is nonzero once one is written)
            frame.comma_pos = at
            frame.comma_at = len(out)
            out.append(",")
            return end, KEY if frame.kind == OBJ else VALUE
        if last in "[{" and openers:
            # a container opened last: its opener is a piece of its own (a Python set
            # rewrites it) and it has no member yet
            out.append(self._copy(pos, at, end, loose, comments))
            frame.open_pos, frame.open_at, frame.items = at, len(out), 0
            out.append(last)
            return end, KEY if last == "{" else VALUE
        out.append(self._copy(pos, end, end, loose, comments) if loose or comments else stretch)
        if last == ":":
            if not frame.items and "," in ANY_STRING.sub("", stretch):
                frame.items = 1  # (members before the key)
            if state != COLON or body.strip() != ":":  # (only the colon: the engine wrote the key)
                frame.key, frame.key_pos = None, -1
            frame.colon_pos = at
            frame.comma_pos = frame.comma_at = -1
            return end, VALUE
        frame.member_done()
        return end, AFTER

    def _chain(self, stack: list[Frame], pos: int, end: int) -> tuple[list[Edit], int, str, int] | None:
        """A plain span from `pos` stopped at `end`, before a defect the engine would read
        the same way wherever it stands, in a member: a loose token that is one alone
        (runs.LOOSE_TOKEN), a missing comma before the next key (the span took the value
        before it last: runs._BEFORE_KEY), or doubled commas after a member's comma and
        before the next key. Each is an edit of the copy with the engine's step, and the
        plain span goes on after it, for as long as they follow one another.

        Returns (the edits, the end, the brackets of text[pos:known] with matched pairs
        removed, known), or None when there is none (or a comment lies in the stretch:
        the loose span reads those)."""
        text, n = self.text, self.n
        edits: list[Edit] = []
        residue, known = "", pos
        while end < n:
            c = text[end]
            if c in LOOSE_FIRST:
                t = LOOSE_TOKEN.match(text, end)
                if t is None:
                    break
                edits.append((end, t.end(), None, None))
                go = t.end()
            elif c == ",":
                d = _DOUBLED_COMMAS.match(text, end)
                if d is None or _before_blanks(text, end) not in _VALUE_LAST:
                    break
                # a member's comma? (the brackets so far say which container is open)
                part = text[known:end]
                if _ANY_BRACKET.search(part) is not None:
                    got = _matched_out(residue + span_brackets(part))
                    if got is None:
                        break
                    residue = got
                known = end
                if _innermost_after(stack, residue) != (OBJ, "}"):
                    break
                run, go = d.start("run"), d.end("run")
                edits.append((run, go, "", _doubled_commas(text, run, go)))
            else:  # (whitespace: the span took the value before a key last)
                k = KEY_AFTER_VALUE.match(text, end)
                if k is None:
                    break
                go = k.end()  # (the key's quote)
                edits.append((end, end, ",", missing_comma(go)))
            after = SPAN.match(text, go).end()
            if after <= go:
                del edits[-1]  # (nothing after it to take: the engine reads it)
                break
            end = after
        if not edits or may_cut(text[pos:end]):
            return None
        return edits, end, residue, known

    def _copy(self, start: int, stop: int, resume: int, loose: bool | list[Edit],
              comments: list[tuple[int, int]] | None) -> str:
        """The JSON text of a span's text[start:stop] (a loose one's tokens rewritten, or the
        chain's edits `loose` lists made), its comments left out; a step for each before
        `resume`, where the engine goes on. (A chain holds no comment: Engine._chain.)"""
        text, steps = self.text, self.steps
        if loose and loose is not True:
            return splice(text, start, stop, loose, steps)
        if not comments:
            return rewrite(text, start, stop, steps) if loose else text[start:stop]
        pieces = []
        for a, b in comments:
            if a >= resume:
                break
            if a < stop:
                pieces.append(rewrite(text, start, a, steps) if loose else text[start:a])
                start = b
            steps.append(comment(a, text[a:b]))
        if start < stop:
            pieces.append(rewrite(text, start, stop, steps) if loose else text[start:stop])
        return "".join(pieces)

    def _python_value(self, pos: int) -> tuple[Any, int] | None:
        """A text that is one value written as `repr()` writes a dict or list (single-quoted
        strings, Python's literals, nothing else to repair): the whole of it is one loose
        span, rewritten in C (runs.rewrite_python_value, the spans' own rule and steps) and
        decoded once. (value, end), or None to read it token by token."""
        text = self.text
        end = text_end(text)
        if text[end - 1] not in "]}":
            return None
        mark = len(self.steps)
        written = rewrite_python_value(text, pos, end, None if self.quiet else self.steps)
        if written is not None:
            try:
                return STRICT.decode(written), end  # (not decode_json: this text may not be JSON)
            except (ValueError, RecursionError):
                pass
        del self.steps[mark:]
        return None

    def _no_spans(self) -> tuple[int, int] | None:
        """A span needed a decision after all: read the rest of this text without spans."""
        self.spans = False
        return None

    # ------------------------------------------------------------------ structure
    def _goes_on(self, pos: int, out: list[str]) -> bool:
        """The root closed at `pos - 1`; does it go on? An object when more members follow
        (`}, "b": 2}`); a list when stray closers, a comma and more items follow and the
        text ends with `]` (`[{"a": 1}]},\n{"b": 2}]`)."""
        if out[-1].endswith("}"):
            return _MEMBER_AFTER.match(self.text, pos) is not None
        return out[-1].endswith("]") and self._list_goes_on(pos)

    def _list_goes_on(self, pos: int) -> bool:
        if _ITEMS_AFTER_STRAY_CLOSERS.match(self.text, pos) is None:
            return False
        stop = self.find_stop(pos, self.n)
        end = text_end(self.text, stop)  # (-1 when there is no stop: the whole text)
        return self.text[end - 1] == "]"

    def _reopen_root(self, stack: list[Frame], counts: dict[str, int], at: int, out: list[str]) -> int:
        """`{"a": 1}, "b": 2}`: the closer at `at` closed the root early; open it again (its
        text, written last, loses the closer); returns where to read on (for a list, past
        the stray closers before its comma)."""
        closer = out[-1][-1]
        empty = _empty_written(out)
        out[-1] = out[-1][:-1]
        frame = Frame(OBJ, "}", -1, -1) if closer == "}" else Frame(ARR, "]", -1, -1)
        frame.items = 0 if empty else 1  # (`{}, "a": 1}`: the comma after it is a leading one)
        stack.append(frame)
        counts[closer] += 1
        more = "members" if closer == "}" else "items"
        self.steps.append(extra_bracket(at, f"removed an early {closer!r}: more {more} follow it", closer, ""))
        if closer == "}":
            return at + 1
        comma = self.text.index(",", at + 1)  # (_list_goes_on found it after the stray closers)
        stray = self.text[at + 1:comma].strip()
        self.steps.append(extra_bracket(at + 1 + self.text[at + 1:comma].index(stray[0]), f"removed stray {stray!r} after it", stray, ""))
        return comma

    def _stray_quote(self, pos: int) -> bool:
        """`42",` / `true"}`: a quote glued to a number or literal, with a separator after it."""
        k = SPACES.match(self.text, pos + 1).end()
        return k >= self.n or self.text[k] in ",}]\r\n"

    def _next_object(self, stack: list[Frame], counts: dict[str, int], pos: int, out: list[str]) -> int:
        """`[{"a": 1, {"a": 2}]`: the object open in a list lacks its `}` where the next
        object opens; close it (a comma pending in it becomes the list's); returns VALUE."""
        frame = stack[-1]
        comma = frame.comma_pos
        self.drop_comma(frame, out)
        self.steps.append(missing_bracket(pos, "inserted a missing '}' before the next '{'", "", "}"))
        stack.pop()
        counts[frame.closer] -= 1
        self.end_frame(frame, stack, out)
        parent = stack[-1]
        parent.comma_pos = comma
        parent.comma_at = len(out)
        out.append(",")
        return VALUE

    def _bare_item_line(self, frame: Frame, pos: int) -> bool:
        """`[\n red\n green\n]`: after a bare word read as an item, the next line starts
        another one (one line break between them, no blank line: prose after a list that
        is left open is set off by a blank line)."""
        text = self.text
        end = frame.bare_end
        if not (text[pos].isalpha() or text[pos] == "_") or text.count("\n", end, pos) != 1 or text[end:pos].strip():
            return False
        eol = text.find("\n", pos, pos + 200)
        line = text[pos:eol if eol >= 0 else pos + 200]
        if "," in line or "]" in line:
            return True
        # a line of its own: an item is a few words, not a sentence (`Thanks!` after a list)
        line = line.rstrip()
        return len(line.split()) <= 5 and not line.endswith((".", "!", "?", ":"))

    def _reopen_list(self, stack: list[Frame], counts: dict[str, int], pos: int, out: list[str]) -> tuple[int, int] | None:
        """`{"a": ["x"], ["y"], "b": 1}`: a `[` where a key is expected, after a member whose
        value is a list. The list was closed early: it is opened again, and the new
        bracket's items are its items (or, when its items are lists, the new bracket is one
        more item). Returns (offset, VALUE), or None when the member before is no list."""
        frame = stack[-1]
        text = self.text
        j = frame.comma_pos - 1
        while j >= 0 and text[j] in " \t\r\n":
            j -= 1
        if j < 1 or text[j] != "]":
            return None
        i = j - 1
        while i >= 0 and text[i] in " \t\r\n":
            i -= 1
        if i < 0 or text[i] == "[":
            return None  # an empty list: nothing says what the items are
        k = frame.comma_at - 1
        while k >= 0 and not out[k].strip():
            k -= 1
        piece = out[k].rstrip() if k >= 0 else ""
        if not piece.endswith("]") or _empty_written(out[:k] + [piece]):
            return None  # (no list before the comma, or an empty one as written: `[:]`)
        out[k] = piece[:-1]
        nested = text[i] == "]"
        items = Frame(ARR, "]", -1, -1)
        items.items = 1
        items.comma_pos, items.comma_at = frame.comma_pos, frame.comma_at
        frame.comma_pos = frame.comma_at = -1
        stack.append(items)
        counts["]"] += 1
        if nested:
            what = "the list after it is one more of its items"
        else:
            what = "the items of the '[' after it are its items"
        self.add("repair_misplaced_bracket", j, f"reopened the list closed early at ']': {what}", "]", "")
        return (pos if nested else pos + 1), VALUE

    def _list_of_members(self, frame: Frame, out: list[str]) -> bool:
        """`["a": 1, "b": 2]`: members where a list's first item is expected. The list holds
        one object (`[{"a": 1, "b": 2}]`); closed by `}` instead, the `[` was the object's
        opener (`[ "a": 1 }` -> `{"a": 1}`)."""
        if frame.open_at < 0 or frame.closer != "]" or frame.comma_pos >= 0:
            return False
        frame.kind = OBJ
        frame.listed = True
        out[frame.open_at] = "{"
        self.add("repair_misplaced_bracket", frame.open_pos, "members inside '[ ]': read as an object", "[", "{")
        return True

    # ------------------------------------------------------------------ helpers
    def value_of(self, out: list[str], pos: int) -> tuple[Any, int]:
        """The value of the text written for a root container that has closed."""
        text = "".join(out)
        out.clear()  # (the pieces are not needed once joined: the decode's peak is the text and the value)
        # repairs that rebuild structure may bring two members with one key into one
        # object: the earlier value is lost, and that is a lossy step
        # (a quiet engine's caller reads no steps: the check would only add some)
        check = not self.quiet and not REBUILDING.isdisjoint(map(_CODE, self.steps[self.mark:]))
        duplicates: list[tuple[str, Any]] | None = [] if check else None
        try:
            value = decode_json(text, duplicates)
            for key, lost in duplicates or ():
                self.steps.append(duplicate_key(self.start, key, json_text_of(lost)))
            return value, pos
        except ValueError as exc:
            if self.spanned:  # (a span copied text into this value: read it again without)
                raise _SpanMiss from None
            raise RepairError(
                f"internal error: the repaired text is not JSON ({exc}); please report this input",
                self.text, pos, "internal") from None

    def _push(self, stack: list[Frame], counts: dict[str, int], kind: int, closer: str, pos: int, out: list[str]) -> None:
        if self.max_depth is not None and len(stack) >= self.max_depth:
            raise RepairError(
                f"the value nests more than {self.max_depth} containers deep, over max_depth={self.max_depth}; "
                "raise max_depth (or leave it unset) if such nesting is expected", self.text, pos, "limit")
        frame = Frame(kind, closer, pos, len(out))
        out.append("{" if kind == OBJ else "[")
        stack.append(frame)
        counts[closer] += 1

    def _close(self, stack: list[Frame], counts: dict[str, int], pos: int, out: list[str]) -> tuple[bool, int]:
        """Apply the closing bracket at `pos`; return (root closed?, new pos)."""
        text = self.text
        c = text[pos]
        frame = stack[-1]
        if frame.listed and c == "}":
            frame.listed = False  # `[ "a": 1 }`: the `[` opened this object
            action = MATCH
        else:
            settle = (lambda: self._settling(stack, pos)) if self.settle_budget > 0 else None
            action = decide_closer(text, pos, frame.closer, counts, stack[0].closer, len(stack), settle)
        if action == EXTRA:
            self.steps.append(extra_bracket(pos, f"removed an extra {c!r}", c, ""))
            return False, pos + 1
        if action == DEEPER:
            missing = ""
            while stack[-1].closer != c:
                inner = stack.pop()
                counts[inner.closer] -= 1
                missing += inner.closer
                self.end_frame(inner, stack, out)
            self.steps.append(missing_bracket(pos, f"inserted missing {missing!r} before {c!r}", "", missing))
        elif action == WRONG:
            self.add("repair_wrong_bracket", pos, f"replaced {c!r} with {frame.closer!r}", c, frame.closer)
        closed = stack.pop()
        counts[closed.closer] -= 1
        if c == ")" and closed.closer == ")" and closed.open_at >= 0 and closed.items and stack \
                and pos - closed.open_pos < 4096 and self._one_value(closed, pos, out):
            # `(3)`: parentheses around one value, no comma: that value, not a tuple
            out[closed.open_at] = ""
            self.steps.append(python_tuple(pos, "parentheses around one value without a comma: the value itself", "()", ""))
            stack[-1].member_done()
            return False, pos + 1
        self.end_frame(closed, stack, out)
        return not stack, pos + 1

    def _settling(self, stack: list[Frame], pos: int) -> tuple[str, int]:
        """What brackets.decide_closer reads to settle a closer at `pos`: the closers the
        innermost open containers expect, innermost first, and where the value must end."""
        stop = self.find_stop(pos, min(self.n, pos + SETTLE_WINDOW))
        self.settle_budget -= SETTLE_WINDOW  # (what it may read: a text full of stray closers stays linear)
        return "".join([f.closer for f in stack[:-SETTLE_DEPTH - 1:-1]]), self.n if stop < 0 else stop

    def _one_value(self, frame: Frame, pos: int, out: list[str]) -> bool:
        """Does the tuple closing at `pos` hold one value and no comma (`(3)`, `((1, 2))`)?"""
        j = pos - 1
        while j > frame.open_pos and self.text[j] in " \t\r\n":
            j -= 1
        if self.text[j] == ",":
            return False  # `(3,)`: a one-item tuple
        try:
            decode_json("".join(out[frame.open_at + 1:]))
        except ValueError:
            return False
        return True

    @staticmethod
    def end_frame(frame: Frame, stack: list[Frame], out: list[str]) -> None:
        """Write the closer of `frame` and count it as a member of its parent."""
        if frame.listed:  # `["a": 1]`: one object in the list
            out[frame.open_at] = "[{"
            out.append("}]")
        else:
            out.append("}" if frame.kind == OBJ else "]")
        if stack:
            parent = stack[-1]
            parent.member_done()

    def _key(self, frame: Frame, key: str, out: list[str]) -> None:
        frame.key = key
        frame.key_at = len(out)
        out.append(encode_basestring(key))

    def key_of(self, frame: Frame) -> str:
        """The pending key, for messages; a key a run copied is decoded here."""
        if frame.key is None and frame.key_pos < 0 and frame.colon_pos >= 0:
            frame.key_pos = _key_before(self.text, frame.colon_pos)
        if frame.key is None and frame.key_pos >= 0:
            k = frame.key_pos
            if self.text[k] == '"':
                frame.key = STRICT.raw_decode(self.text, k)[0]
            elif self.text[k] == "'":  # (JSON's escapes only, and no double quote: runs.py)
                frame.key = scanstring(self.text[k + 1:self.text.index("'", k + 1)] + '"', 0, True)[0]
            elif self.text[k] in _SMART_PAIR:  # (no quote of its pair inside, JSON's escapes only: runs.py)
                frame.key = scanstring(self.text[k + 1:_smart_close(self.text, k)] + '"', 0, True)[0]
            else:
                frame.key = UNQUOTED_KEY.match(self.text, k).group().strip()
        return frame.key if frame.key is not None else ""

    def drop_comma(self, frame: Frame, out: list[str]) -> None:
        """Take back the comma written last, real or inserted, with no step."""
        if frame.comma_at >= 0:
            out[frame.comma_at] = ""
        frame.comma_pos = frame.comma_at = -1

    def trailing_comma(self, frame: Frame, out: list[str]) -> None:
        if frame.comma_pos >= 0:
            self.steps.append(trailing_comma(frame.comma_pos))
        self.drop_comma(frame, out)

    def _ellipsis(self, pos: int) -> int:
        width = 1 if self.text[pos] == "\u2026" else 3
        self.add("repair_ellipsis", pos, "removed an ellipsis placeholder", self.text[pos:pos + width], "")
        return pos + width

    def _object_to_set(self, stack: list[Frame], out: list[str]) -> None:
        """`{"a", "b"}` is a Python set: the object becomes a list."""
        frame = stack[-1]
        frame.kind = ARR
        out[frame.open_at] = "["
        self.add("repair_python_set", frame.open_pos, "turned a Python set into a list", "{", "[")
        frame.member_done()

    def _unquoted_key(self, frame: Frame, pos: int, out: list[str]) -> int:
        """An unquoted key needs a colon on the same line: `{name: 1}`, `{Product Goals: []}`.
        Returns the offset of the colon, or -1."""
        text, n = self.text, self.n
        end = UNQUOTED_KEY.match(text, pos).end()
        key = text[pos:end].strip()
        if not key or len(key) > 200 or end >= n:
            return -1
        if text[end] == ":":
            self.steps.append(unquoted_key(pos, key))
            self._key(frame, key, out)
            return end
        if text[end] == '"':
            k = SPACES.match(text, end + 1).end()
            if k < n and text[k] == ":":
                self.steps.append(missing_quote(pos, f"added the missing opening quote of key {snippet(key)}", "", '"'))
                self._key(frame, key, out)
                return k
        if text[end] == '"' and WORD.fullmatch(key) and _VALUE_AFTER_NAME.match(text, pos + len(key)) is not None:
            # `{name "Bob"}`: a bare name, then a quoted value; the COLON state inserts the colon
            self.steps.append(unquoted_key(pos, key))
            self._key(frame, key, out)
            return pos + len(key)
        if text[end] in ",}" and WORD.fullmatch(key):
            # `{"a": 1, b, "c": 2}`: a bare name and no value; the COLON state gives it null
            self.steps.append(unquoted_key(pos, key))
            self._key(frame, key, out)
            return pos + len(text[pos:end].rstrip())
        return -1

    def _starts_value(self, pos: int) -> bool:
        c = self.text[pos]
        if c in VALUE_START:
            return True
        m = WORD.match(self.text, pos)
        # a literal, or an item that lost its opening quote (`["green" blue", ...]`)
        return (m is not None and m.group() in LITERALS) or openless_item_at(self.text, pos)

    def _members_open_text(self, pos: int) -> bool:
        """Does the text open, at `pos`, with a quoted key, its colon and a value?"""
        text = self.text
        if WS.match(text).end() != pos:
            return False
        m = _KEY_COLON.match(text, pos)
        return m is not None and self._value_after(m.end())

    def _value_after(self, pos: int) -> bool:
        """Does a value (not a key and its colon) start at the next significant character?"""
        k = peek_significant(self.text, pos, self.n)
        return k < self.n and self._starts_value(k) and not (self.text[k] in QUOTES and self._starts_key(k))

    def _starts_key(self, pos: int) -> bool:
        c = self.text[pos]
        if c in QUOTES:
            return _AHEAD[c][0].match(self.text, pos + 1) is not None
        return IDENT_KEY_AHEAD.match(self.text, pos) is not None


_CODE = itemgetter(0)  # a raw step's code


def _doubled_commas(text: str, pos: int, end: int) -> RawStep:
    """The step for the commas text[pos:end] after a member's comma (not after an item's:
    Engine._extra_commas)."""
    return extra_comma(pos, f"removed {text.count(',', pos, end)} doubled ','", text[pos:end])


def _removed_commas(count: int) -> str:
    return f"removed {count} doubled or leading ','"


def json_text_of(value: Any) -> str:
    """Compact JSON for a value that a repair dropped (a step's `found`)."""
    from ..serialize import dumps

    text = dumps(value)
    return text if len(text) <= 4000 else text[:4000]


def _cuts(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The comments in a span's text[start:end], outside its strings: (start, end) each."""
    return [m.span("c") for m in CUT_IN_SPAN.finditer(text, start, end) if m.start("c") >= 0]


def _without(text: str, start: int, end: int, comments: list[tuple[int, int]]) -> str:
    """text[start:end] with the comments left out."""
    pieces = []
    for a, b in comments:
        pieces.append(text[start:a])
        start = b
    pieces.append(text[start:end])
    return "".join(pieces)


def _last_significant(text: str, end: int, comments: list[tuple[int, int]]) -> int:
    """The offset of the last character before `end` that is neither whitespace nor in one
    of `comments` (a span's, in order; the span holds such a character)."""
    j = end - 1
    i = len(comments) - 1
    while True:
        if i >= 0 and comments[i][0] <= j < comments[i][1]:
            j = comments[i][0] - 1
            i -= 1
        elif i >= 0 and j < comments[i][0]:
            i -= 1
        elif text[j] in " \t\r\n":
            j -= 1
        else:
            return j


def _matched_out(residue: str) -> str | None:
    """Brackets with matched pairs removed (None past 64 rounds: a span needs a decision)."""
    for _ in range(64):
        shorter = residue.replace("[]", "").replace("{}", "")
        if shorter == residue:
            return residue
        residue = shorter
    return None


def _innermost_after(stack: list[Frame], residue: str) -> tuple[int, str] | None:
    """(kind, closer) of the innermost container open after a span's stretch whose brackets,
    matched pairs removed, are `residue`; None when the stretch closes all that is open."""
    closing = len(residue) - len(residue.lstrip("]}"))
    if closing < len(residue):
        return (OBJ, "}") if residue[-1] == "{" else (ARR, "]")
    if closing >= len(stack):
        return None
    frame = stack[-1 - closing]
    return frame.kind, frame.closer


def _before_blanks(text: str, pos: int) -> str:
    """The last character before `pos` that is no whitespace ("" when there is none)."""
    j = pos - 1
    while j >= 0 and text[j] in " \t\r\n":
        j -= 1
    return text[j] if j >= 0 else ""


class _SpanMiss(Exception):
    """The text written with spans does not decode: read the value again without them."""


_ANY_BRACKET = re.compile(r"[\[\]{}]")
# Engine._chain: what a plain span may stop before (a loose token's first character, a
# comma, whitespace); doubled commas after a comma, before a key; the last character of a
# member's value or of a container (a string, a number, a literal, a closer)
_CHAIN_FIRST = LOOSE_FIRST | frozenset(", \t\r\n")
_DOUBLED_COMMAS = re.compile(r'[ \t\r\n]*+,[ \t\r\n]*+(?P<run>,(?:[ \t\r\n]*+,)*+)(?=[ \t\r\n]*+")')
_VALUE_LAST = frozenset("\"'0123456789el}]")


def _empty_written(out: list[str]) -> bool:
    """Is the container whose closer was written last empty (only blanks back to its opener)?"""
    last = out[-1][:-1]
    for piece in reversed(out[:-1]):
        if last.strip():
            break
        last = piece
    return last.rstrip()[-1:] in ("[", "{")


def _members_decode(opener: str, text: str, pos: int, end: int) -> bool:
    """Is text[pos:end] whole members of a container opened with `opener`, as C reads them?"""
    try:
        STRICT.decode(opener + text[pos:end] + ("}" if opener == "{" else "]"))
    except (ValueError, RecursionError):
        return False
    return True


def _key_before(text: str, colon: int) -> int:
    """The offset of the key that ends before the colon at `colon` (a span copied it):
    a double-quoted key's opening quote (escaped quotes skipped), a single-quoted or
    typographic one's, or the first character of a bare identifier."""
    j = colon - 1
    while j >= 0 and text[j] in " \t\r\n":
        j -= 1
    if j < 0:
        return -1
    q = text[j]
    if q == "'":
        return text.rfind("'", 0, j)
    if q in _SMART_PAIR:  # (either quote of the pair may open it: runs._SMART)
        pair = _SMART_PAIR[q]
        return max(text.rfind(pair[0], 0, j), text.rfind(pair[1], 0, j))
    if q != '"':
        while j > 0 and (text[j - 1].isalnum() or text[j - 1] in "_$"):
            j -= 1
        return j
    k = j
    while k > 0:
        k = text.rfind('"', 0, k)
        slashes = 0
        while k - 1 - slashes >= 0 and text[k - 1 - slashes] == "\\":
            slashes += 1
        if slashes % 2 == 0:
            return k
    return -1


_SMART_PAIR = {"\u201c": "\u201c\u201d", "\u201d": "\u201c\u201d", "\u2018": "\u2018\u2019", "\u2019": "\u2018\u2019"}


def _smart_close(text: str, k: int) -> int:
    """The offset of the quote that closes the typographic string opened at `k`."""
    pair = _SMART_PAIR[text[k]]
    return min(i for i in (text.find(pair[0], k + 1), text.find(pair[1], k + 1)) if i >= 0)


def _last_top_comma(text: str, pos: int, stop: int) -> int:
    """The offset of the last comma in text[pos:stop] outside any bracket that opens in it;
    -1 if there is none. text[pos:stop] is valid JSON as far as it goes (C read it), so its
    structure is found with C string operations (strings emptied, then all but brackets and
    commas removed); Python walks only the end of that remainder, back to the comma."""
    if stop <= pos:
        return -1
    window = text[pos:stop]
    bare, lost = _empty_strings(window)
    if bare.isascii():  # (it is: C read it as JSON, and outside strings JSON is ASCII)
        structure = bare.encode().translate(None, _NOT_STRUCTURE_BYTES).decode()
    else:
        structure = _NOT_STRUCTURE.sub("", bare)
    total = structure.count("[") + structure.count("{") - structure.count("]") - structure.count("}")
    if total < 0:
        return -1
    depth = 0  # openers minus closers after the point reached
    commas = 0
    for ch in reversed(structure):
        if ch == ",":
            commas += 1
            if depth == total:
                break
        elif ch == "[" or ch == "{":
            depth += 1
        else:
            depth -= 1
    else:
        return -1
    k = len(bare)
    for _ in range(commas):
        k = bare.rfind(",", 0, k)
    # back to the window: the strings after the comma are the last ones, emptied
    emptied = bare.count('""', k)
    tail = len(bare) - k + sum(lost[len(lost) - emptied:]) if emptied else len(bare) - k
    return pos + len(window) - tail


def _empty_strings(window: str) -> tuple[str, list[int]]:
    """(window with each string replaced by `""`, how many characters each one lost).
    Where no quote is escaped and every string closes, each `"` delimits one, so the
    window splits on them; else the strings are read by a pattern."""
    if '\\"' not in window:
        pieces = window.split('"')
        if len(pieces) % 2:
            return '""'.join(pieces[0::2]), list(map(len, pieces[1::2]))
    return _STRINGS.sub('""', window), [len(x) - 2 for x in _STRINGS.findall(window)]


def _is_stray(c: str) -> bool:
    return not (c.isalnum() or c.isspace() or c in "\"'`{}[](),_$\u201c\u201d\u2018\u2019")


__all__ = ["Engine", "Frame", "NoValue", "json_text"]
