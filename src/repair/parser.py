"""The tolerant parser: one JSON value from a start offset, as an explicit stack machine.

No recursion, so no depth limit but memory. The machine has four states (expecting a
value, a key, a colon, or what follows a value) and one frame per open container:

    frame = [kind, container, key, closer, open_pos, comma_pos, rest_floor, rest_fails]

Containers are attached to their parent when they open, so closing one is a pop and a
text cut off at any point still has its whole value built.

Well-formed stretches go to the stdlib's C decoder (`try_fast`): every container is tried
there first, and after a repair, at each comma, so is the rest of the open container
(`{` or `[` put before it). A container that fails in C is walked here and its
well-formed children are tried again, so only the defect's own stretch is read in
Python. The C work lost on failed attempts is counted; past a budget of a few times the
text's length, a failure at offset e forbids any attempt before e, so the total stays
linear even for deep unclosed nesting.
"""

from __future__ import annotations

import re

from .brackets import DEEPER, EXTRA, WRONG, closers_text, decide_closer
from .chars import CLOSERS, IDENT_KEY_AHEAD, QUOTES, SPACES, STRING_BODY, UNQUOTED_KEY, VALUE_START, WORD, WS, P
from .decoder import STRICT, NonFinite
from .scalars import DROP, LITERALS, scan_number, scan_word
from .steps import snippet
from .stray import peek_significant, skip_insignificant
from .strings import _AHEAD, CTX_ARR, CTX_KEY, CTX_OBJ, CTX_ROOT, scan_string

OBJ, ARR = 0, 1
VALUE, KEY, COLON, AFTER = 0, 1, 2, 3

# Markers that end the value when met outside a string: a closing fence or tag.
STOPS = re.compile(
    r"```|~~~|\[/?content\]|\[end\]|</(?:json|output|answer|response|result|tool_call|function_call|think|thinking|reasoning)>",
    re.IGNORECASE,
)
STOP_FIRST = frozenset("`~[<")
_COMMA_RUN = re.compile(rf",(?:[ \t\r\n]*,)*{P}")
# Structure inside a stretch C has read as valid: strings (skipped; group 1 is the closing
# quote, None for a string still open where the stretch ends), brackets and commas. The
# closing quote is optional so that no string is read twice: finditer stays linear.
_STRUCTURE = re.compile(rf'"{STRING_BODY}(")?|[\[\]{{}},]', re.DOTALL)




class NoValue(Exception):
    """The start offset did not begin a value after all."""


class Parser:
    """Holds the text and the state shared by every candidate parsed from it."""

    def __init__(self, text: str, fast: bool = True) -> None:
        self.text = text
        self.n = len(text)
        self.steps: list = []
        self.fast_floor = 0 if fast else self.n
        self.fast_budget = 4 * self.n + 65536  # C characters that failed attempts may waste
        self.last_stop = 0  # where the last failed attempt stopped
        self._decoder = STRICT

    def add(self, code: str, pos: int, message: str, found: str = "", put: str = "") -> None:
        self.steps.append((code, pos, message, found, put))

    def at_end(self, pos: int) -> bool:
        """True at the end of the text or at a closing fence/tag outside strings."""
        if pos >= self.n:
            return True
        return self.text[pos] in STOP_FIRST and STOPS.match(self.text, pos) is not None

    def find_stop(self, start: int, end: int) -> int:
        m = STOPS.search(self.text, start, end)
        return -1 if m is None else m.start()

    def try_fast(self, pos: int, opener: str = ""):
        """Decode a well-formed value at `pos` in C: (value, end), or None.

        With `opener` (`{` or `[`), `pos` is inside a container, after a comma, and what is
        decoded is the rest of it: its remaining members and its closing bracket.

        The decoder sees a window of the text that grows eightfold while the value runs
        past its end: a failure's `JSONDecodeError` counts newlines from the start of what
        it was given, so handing it the whole text would make each failure O(pos).
        """
        self.last_stop = -1
        if pos < self.fast_floor:
            return None
        text, n = self.text, self.n
        window = 4096
        shift = len(opener)
        while True:
            limit = pos + window
            if opener:
                chunk = opener + text[pos:limit]
            else:
                chunk = text if pos == 0 and limit >= n else text[pos:limit]
            try:
                value, end = self._decoder.raw_decode(chunk, 0)
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
                self._failed(pos, pos + max(epos - shift, 1))
                return None
            return value, pos + end - shift

    def _failed(self, pos: int, stop: int) -> None:
        self.last_stop = stop
        self.fast_budget -= stop - pos
        if self.fast_budget < 0 or self.fast_floor > pos:
            self.fast_floor = max(self.fast_floor, stop)

    # ------------------------------------------------------------------ the machine
    def parse(self, pos: int):
        """Parse one value whose first character is at `pos`; return (value, end)."""
        text = self.text
        add = self.add
        stack: list = []
        counts = {"}": 0, "]": 0, ")": 0}
        state = VALUE
        while True:
            pos = skip_insignificant(self, pos)
            if self.at_end(pos):
                return self._finish(stack, state, pos, at_end=True)
            c = text[pos]

            if state == AFTER:
                frame = stack[-1]
                if c == ",":
                    frame[5] = pos
                    pos += 1
                    state = KEY if frame[0] == OBJ else VALUE
                    rest = self._rest_fast(frame, pos)
                    if rest is not None:
                        closed, pos = rest
                        state = AFTER
                        if closed:
                            done, value = self._closed_fast(stack, counts)
                            if done:
                                return value, pos
                    continue
                if c in CLOSERS:
                    done, value, pos = self._close(stack, counts, pos)
                    if done:
                        return value, pos
                    continue
                if self._starts_value(pos) if frame[0] == ARR else self._starts_key(pos):
                    add("repair_missing_comma", pos, "inserted a missing ','", "", ",")
                    state = VALUE if frame[0] == ARR else KEY
                    continue
                if _is_stray(c):
                    end = pos + 1
                    while end < self.n and _is_stray(text[end]):
                        end += 1
                    add("repair_stray_char", pos, f"removed stray {snippet(text[pos:end])} between tokens", text[pos:end], "")
                    pos = end
                    continue
                return self._finish(stack, state, pos, at_end=False)

            if state == KEY:
                frame = stack[-1]
                if c in QUOTES:
                    frame[2], pos = scan_string(self, pos, CTX_KEY)
                    state = COLON
                    continue
                if c in CLOSERS:
                    self._trailing_comma(frame)
                    state = AFTER
                    continue
                if c == ",":
                    end = _COMMA_RUN.match(text, pos).end()
                    count = text.count(",", pos, end)
                    add("repair_extra_comma", pos, f"removed {count} doubled ','", text[pos:end], "")
                    pos = end
                    continue
                if text.startswith("...", pos) or c == "\u2026":
                    pos = self._ellipsis(pos)
                    frame[5] = -1
                    state = AFTER
                    continue
                if c == "{" and not frame[1] and frame[5] < 0:
                    add("repair_stray_char", pos, "removed a doubled '{'", "{", "")
                    pos += 1
                    continue
                key_end = self._unquoted_key(frame, pos)
                if key_end >= 0:
                    pos = key_end
                    state = COLON
                    continue
                return self._finish(stack, state, pos, at_end=False)

            if state == COLON:
                frame = stack[-1]
                if c == ":":
                    pos += 1
                    state = VALUE
                    continue
                if c == "=":
                    add("repair_missing_colon", pos, "replaced '=' with ':'", "=", ":")
                    pos += 1
                    state = VALUE
                    continue
                if c == "," or c in CLOSERS:
                    if frame[0] == OBJ and not frame[1] and frame[5] < 0 and c in ",}":
                        self._object_to_set(stack)
                    else:
                        add("repair_missing_value", pos, f"key {snippet(frame[2])} has no value; used null", "", ": null")
                        frame[1][frame[2]] = None
                    state = AFTER
                    continue
                add("repair_missing_colon", pos, f"inserted ':' after key {snippet(frame[2])}", "", ":")
                state = VALUE
                continue

            # state == VALUE
            ctx = CTX_ROOT if not stack else (CTX_OBJ if stack[-1][0] == OBJ else CTX_ARR)
            if c == "{" or c == "[":
                fast = self.try_fast(pos)
                if fast is not None:
                    value, pos = fast
                else:
                    kind = OBJ if c == "{" else ARR
                    stop = self.last_stop
                    self._push(stack, counts, kind, {} if kind == OBJ else [], "}" if kind == OBJ else "]", pos)
                    pos += 1
                    state = KEY if kind == OBJ else VALUE
                    if stop > pos and (kind == OBJ or text[min(peek_significant(text, pos, stop), stop - 1)] not in "{["):
                        stack[-1][6] = stop  # the rest fails there too, until a repair passes it
                        salvaged = self._salvage(stack[-1], pos, stop)
                        if salvaged >= 0:
                            pos = salvaged
                            state = AFTER
                    continue
            elif c in QUOTES:
                value, pos = scan_string(self, pos, ctx)
            elif c == "," or c in CLOSERS:
                frame = stack[-1] if stack else None
                if frame is None:
                    raise NoValue
                if frame[0] == OBJ:
                    add("repair_missing_value", pos, f"key {snippet(frame[2])} has no value; used null", "", "null")
                    frame[1][frame[2]] = None
                    frame[5] = -1
                    state = AFTER
                elif c == ",":
                    end = _COMMA_RUN.match(text, pos).end()
                    count = text.count(",", pos, end)
                    add("repair_extra_comma", pos, f"removed {count} doubled or leading ','", text[pos:end], "")
                    pos = end
                else:
                    self._trailing_comma(frame)
                    state = AFTER
                continue
            elif text.startswith("...", pos) or c == "\u2026":
                if not stack:
                    raise NoValue
                pos = self._ellipsis(pos)
                frame = stack[-1]
                if frame[0] == OBJ:
                    frame[1][frame[2]] = None
                frame[5] = -1
                state = AFTER
                continue
            elif c in "-+.0123456789":
                value, pos = scan_number(self, pos, ctx)
                if value is DROP:
                    continue
            elif c == "(" and stack:
                add("repair_python_tuple", pos, "turned a Python tuple into a list", "(", "[")
                self._push(stack, counts, ARR, [], ")", pos)
                pos += 1
                continue
            elif c == ":":
                add("repair_stray_char", pos, "removed a stray ':'", ":", "")
                pos += 1
                continue
            else:
                value, pos = scan_word(self, pos, ctx)
                if value is DROP:
                    raise NoValue
            # a complete value: hand it to its container
            if not stack:
                return value, pos
            _attach(stack[-1], value)
            state = AFTER

    # ------------------------------------------------------------------ helpers
    def _rest_fast(self, frame, pos: int):
        """After a comma: the rest of the open container, read in C and merged into the
        frame. Returns (closed, offset): (True, after its closing bracket) when all of it
        was well-formed, (False, the comma before a defect ahead) when only the members
        before that defect were; None when C read nothing. Not when the comma is trailing
        or doubled: those are repairs, and C would not see them."""
        if pos < self.fast_floor or pos < frame[6] or frame[3] not in "]}":
            return None
        k = WS.match(self.text, pos).end()
        if k >= self.n or self.text[k] in ",]}":
            return None
        of_containers = frame[0] == ARR and self.text[k] in "{["
        if of_containers and frame[7] >= 2:
            return None  # defects keep coming: each element alone in C wastes less
        got = self.try_fast(pos, "{" if frame[0] == OBJ else "[")
        if got is None:
            frame[6] = self.last_stop  # the rest fails there again until a repair passes it
            frame[7] += 1
            if of_containers:
                return None  # its elements are tried in C one by one
            resume = self._salvage(frame, pos, self.last_stop)
            return None if resume < 0 else (False, resume)
        value, end = got
        _merge(frame, value)
        frame[5] = -1
        return True, end

    def _salvage(self, frame, pos: int, stop: int):
        """C failed at `stop` reading the open container from `pos` (just after its opener
        or a comma): everything before `stop` is well-formed. Decode, in C, the members
        before the last comma of this container ahead of `stop` and merge them into the
        frame; return that comma's offset (the walk resumes there), or -1."""
        text = self.text
        depth = 0
        last = -1
        for m in _STRUCTURE.finditer(text, pos, stop):
            t = text[m.start()]
            if t == '"':
                if m.group(1) is None:
                    break  # a string still open at `stop`
            elif t == ",":
                if depth == 0:
                    last = m.start()
            elif t == "{" or t == "[":
                depth += 1
            else:
                depth -= 1
        if last < 0 or last - pos < 64:  # nothing worth a C call
            return -1
        opener, closer = ("{", "}") if frame[0] == OBJ else ("[", "]")
        try:
            value = self._decoder.decode(opener + text[pos:last] + closer)
        except (ValueError, RecursionError):
            return -1
        _merge(frame, value)
        return last

    def _closed_fast(self, stack, counts):
        """Pop the frame whose rest C just decoded: (root closed?, root value)."""
        closed = stack.pop()
        counts[closed[3]] -= 1
        return (True, closed[1]) if not stack else (False, None)

    def _push(self, stack, counts, kind, container, closer, pos) -> None:
        if stack:
            _attach(stack[-1], container)
        stack.append([kind, container, None, closer, pos, -1, 0, 0])
        counts[closer] += 1

    def _close(self, stack, counts, pos):
        """Apply the closing bracket at `pos`; return (root closed?, root value, new pos)."""
        text = self.text
        c = text[pos]
        frame = stack[-1]
        action = decide_closer(text, pos, frame[3], counts, stack[0][3], len(stack))
        if action == EXTRA:
            self.add("repair_extra_bracket", pos, f"removed an extra {c!r}", c, "")
            return False, None, pos + 1
        if action == DEEPER:
            missing = ""
            while stack[-1][3] != c:
                missing += stack.pop()[3]
                counts[missing[-1]] -= 1
            self.add("repair_missing_bracket", pos, f"inserted missing {missing!r} before {c!r}", "", missing)
        elif action == WRONG:
            self.add("repair_wrong_bracket", pos, f"replaced {c!r} with {frame[3]!r}", c, frame[3])
        closed = stack.pop()
        counts[closed[3]] -= 1
        if not stack:
            return True, closed[1], pos + 1
        return False, None, pos + 1

    def _finish(self, stack, state, pos, at_end: bool):
        """Close everything still open, at the end of the text or before text that cannot
        continue the value (prose after an unclosed object)."""
        if not stack:
            raise NoValue
        frame = stack[-1]
        code = "repair_truncated" if at_end else "repair_missing_value"
        if state == VALUE and frame[0] == OBJ:
            self.add(code, pos, f"key {snippet(frame[2])} has no value; used null", "", "null")
            frame[1][frame[2]] = None
        elif state == COLON:
            self.add(code, pos, f"key {snippet(frame[2])} has no value; used null", "", ": null")
            frame[1][frame[2]] = None
        elif state in (VALUE, KEY) and frame[5] >= 0:
            if at_end:
                self.add("repair_truncated", frame[5], "the text ends after ','", ",", "")
                frame[5] = -1
            else:
                self._trailing_comma(frame)
        closers = closers_text(stack)
        where = "at the end of the text" if at_end else f"before {snippet(self.text[pos:pos + 20])}"
        self.add("repair_missing_bracket", pos, f"inserted missing {closers!r} {where}", "", closers)
        return stack[0][1], pos

    def _trailing_comma(self, frame) -> None:
        if frame[5] >= 0:
            self.add("repair_trailing_comma", frame[5], "removed a trailing ','", ",", "")
            frame[5] = -1

    def _ellipsis(self, pos: int) -> int:
        width = 1 if self.text[pos] == "\u2026" else 3
        self.add("repair_ellipsis", pos, "removed an ellipsis placeholder", self.text[pos:pos + width], "")
        return pos + width

    def _object_to_set(self, stack) -> None:
        """`{"a", "b"}` is a Python set: the object becomes a list."""
        frame = stack[-1]
        items = [frame[2]]
        frame[0], frame[1] = ARR, items
        if len(stack) > 1:
            parent = stack[-2]
            if parent[0] == ARR:
                parent[1][-1] = items
            else:
                parent[1][parent[2]] = items
        self.add("repair_python_set", frame[4], "turned a Python set into a list", "{", "[")

    def _unquoted_key(self, frame, pos: int) -> int:
        """An unquoted key needs a colon on the same line: `{name: 1}`, `{Product Goals: []}`.
        Returns the offset of the colon, or -1."""
        text, n = self.text, self.n
        end = UNQUOTED_KEY.match(text, pos).end()
        key = text[pos:end].strip()
        if not key or len(key) > 200 or end >= n:
            return -1
        if text[end] == ":":
            self.add("repair_unquoted_key", pos, f"quoted the bare key {snippet(key)}", "", '"')
            frame[2] = key
            return end
        if text[end] == '"':
            k = SPACES.match(text, end + 1).end()
            if k < n and text[k] == ":":
                self.add("repair_missing_quote", pos, f"added the missing opening quote of key {snippet(key)}", "", '"')
                frame[2] = key
                return k
        if text[end] in ",}" and WORD.fullmatch(key):
            # `{"a": 1, b, "c": 2}`: a bare name and no value; the COLON state gives it null
            self.add("repair_unquoted_key", pos, f"quoted the bare key {snippet(key)}", "", '"')
            frame[2] = key
            return pos + len(text[pos:end].rstrip())
        return -1

    def _starts_value(self, pos: int) -> bool:
        c = self.text[pos]
        if c in VALUE_START:
            return True
        m = WORD.match(self.text, pos)
        return m is not None and m.group() in LITERALS

    def _starts_key(self, pos: int) -> bool:
        c = self.text[pos]
        if c in QUOTES:
            return _AHEAD[c][0].match(self.text, pos + 1) is not None
        return IDENT_KEY_AHEAD.match(self.text, pos) is not None


def _merge(frame, members) -> None:
    """Add members C decoded (an object's or an array's) to the open container `frame`."""
    if frame[0] == OBJ:
        frame[1].update(members)
    else:
        frame[1].extend(members)


def _attach(frame, value) -> None:
    """Add a value to the open container `frame` (under its pending key, for an object)."""
    if frame[0] == ARR:
        frame[1].append(value)
    else:
        frame[1][frame[2]] = value
    frame[5] = -1


def _is_stray(c: str) -> bool:
    return not (c.isalnum() or c.isspace() or c in "\"'`{}[](),_$\u201c\u201d\u2018\u2019")


__all__ = ["NoValue", "Parser", "STOPS", "WS"]
