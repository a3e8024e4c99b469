"""Streaming: the value while the model writes it, with guarantees a UI can trust.

    p = StreamParser()
    for chunk in chunks:            # str or bytes; a UTF-8 sequence may be split anywhere
        snap = p.feed(chunk)        # snap.value, .complete, .done, .changed, .steps, .tentative
    result = p.close()              # == repair.repair("".join(chunks))

There is one engine. A snapshot is the engine's reading of the text so far, the same
pipeline `repair()` runs on a cut-off answer (extraction, then the engine, which closes
what is open), with the cut end made honest:

- the last token is shown only when it cannot change any more: a number or literal
  that the text may still extend, a key whose value has not started, and the `null`
  truncation gives such a key are left out (no flicker, no phantom members);
- a string cut off at the end is shown as far as it is sure to stay: a dangling `\\` or
  `\\u00` is never shown (the engine drops it), and the characters after a comma or line
  break near the end are held back, since heavy-damage rules may end the string there;
- a path enters `done` when it was complete (closed, and not the open container's last
  scalar) in a reading that ended at least `SETTLE` characters before this one, with the
  same value in both: every lookahead the engine's rules take is shorter than that, so a
  done path never changes again;
- `tentative` is true while it is undecided whether the value is the answer: no fence,
  `[CONTENT]` or answer tag around it, and prose before it.

Linear time: the engine reads the whole text only when it has grown by an eighth since
the last reading (at least RUN_EVERY characters), so the readings cost a small multiple
of the text in all; between them a string growing at the end is extended in place from
the new characters alone. `snap.value` is the live value, updated in place: copy it to
keep it.

Exceptions to the done guarantee, both from the text itself: a later member with a key
already done replaces its value (JSON keeps the last), and a second root value (NDJSON,
`{..}, {..}`) makes the answer a list at `close()`.
"""

from __future__ import annotations

import codecs
import copy
import re
from json.decoder import scanstring  # type: ignore[attr-defined]  # (public in the module, missing from its stubs)
from typing import TYPE_CHECKING, Any, AsyncIterable, AsyncIterator, Iterable, Iterator

from .core import RepairResult, repair
from .errors import RepairError
from .schema.coerce import NULL_WORDS
from .steps import COMMENT, ESCAPED_JSON, LEADING_TEXT, MISSING_BRACKET, TOKEN_LOCAL, TRUNCATED, WRAPPERS, unlogged_steps
from .extract.think import _THINK_OPEN, THINK_CLOSE
from .schema.align import path_join

if TYPE_CHECKING:
    from .chars import AlwaysMatches
    from .core import Text
    from .schema import CompiledSchema, Shape
    from .steps import Step

# A string growing at the end, between readings: [its container (None at the root), its
# key there, its path, its full text so far, whether plain pieces may extend it in place]
_Tail = list[Any]

__all__ = ["Snapshot", "StreamParser", "astream", "stream"]

SETTLE = 512  # characters a reading must lie behind the newest one for its paths to be done
RUN_EVERY = 1  # the fewest new characters that make the engine read the text again
GROWTH = 8  # ... and at least 1/GROWTH of the text: the readings cost about GROWTH + 1 times the text
HOLD = 200  # a comma or line break in a cut string this close to the end holds back what follows it

_QUOTES = frozenset("\"'`\u201c\u201d\u2018\u2019")
# what a growing string may gain between readings without the engine: no quote, no
# backslash but complete standard escapes, no control character, no character a stop
# marker or a heavy-damage rule starts with
_PLAIN: AlwaysMatches = re.compile(r'(?:[^"\'`\\\x00-\x1f\x7f-\xa0\u00ad\u2000-\u206f\u3000\ufeff\u201c\u201d\u2018\u2019,\n<\[\]{}:]|\\["\\/bfnrt]|\\u(?![dD][89abAB])[0-9a-fA-F]{4})*')  # type: ignore[assignment]  # (`*`: matches everywhere)


class Snapshot:
    """What is known after a feed. `value` is the live value (updated in place by later
    feeds); `done` and `changed` are sets of paths written as schema steps write them
    (`$`, `$.key`, `$[0]`, `$["a b"]`)."""

    __slots__ = ("value", "complete", "done", "changed", "steps", "tentative", "started")

    def __init__(self, value: Any, complete: bool, done: frozenset[str], changed: frozenset[str],
                 steps: tuple[Step, ...], tentative: bool, started: bool) -> None:
        self.value = value
        self.complete = complete  # the root value is closed
        self.done = done  # paths whose value will not change again
        self.changed = changed  # paths whose value changed since the previous snapshot
        self.steps = steps  # the Steps so far (those of the cut end left out)
        self.tentative = tentative  # undecided whether this value is the answer
        self.started = started  # a value has been found

    def __repr__(self) -> str:
        return (f"Snapshot(value={self.value!r:.60}, complete={self.complete}, done={len(self.done)} paths, "
                f"changed={sorted(self.changed)[:4]}, tentative={self.tentative})")


class _Reading:
    """One run of the engine over the text so far: where it ended, and the complete paths
    with their values (compared with a later reading before they are called done)."""

    __slots__ = ("end", "complete")

    def __init__(self, end: int, complete: dict[str, Any]) -> None:
        self.end, self.complete = end, complete


class StreamParser:
    """Feed text as it arrives; read the value as it grows; `close()` for the result."""

    def __init__(self, schema: Any = None, *, strict: bool = False) -> None:
        self.schema = schema
        self.strict = strict
        self._compiled: CompiledSchema | None = None
        if schema is not None:
            from .schema import compile_schema

            self._compiled = compile_schema(schema)
        self._decoder = codecs.getincrementaldecoder("utf-8")("strict")
        self._bytes = 0  # bytes decoded so far (for the position of a bad byte)
        self._pieces: list[str] = []
        self._n = 0  # characters received
        self._next_run = 1
        self._readings: list[_Reading] = []
        self._value: Any = None
        self._started = False
        self._complete = False
        self._tentative = True
        self._done: set[str] = set()
        self._done_view: frozenset[str] = frozenset()  # (rebuilt when done grows, not at every feed)
        self._steps: tuple[Step, ...] = ()
        self._tail: _Tail | None = None  # a string growing at the end: (container, key, path, full text so far)
        self._closed = False
        self._read_chars = 0  # characters the engine has read, over all readings
        self._prompt_chars = 0  # ... in readings out of schedule
        # before the value starts, or inside reasoning, what in a new piece asks for a reading now
        self._waiting = _VALUE_MAY_START

    # ------------------------------------------------------------------ feeding
    def feed(self, chunk: Text) -> Snapshot:
        """Add `chunk` (str, or bytes of UTF-8) and return the snapshot after it."""
        if self._closed:
            raise RepairError("the stream is closed: feed() after close()", self._joined(), self._n, "option")
        piece = self._decode(chunk)
        if not piece:
            return self._snapshot(frozenset())
        self._pieces.append(piece)
        self._n += len(piece)
        if self._n >= self._next_run:
            return self._snapshot(self._read())
        if self._waiting and self._waiting.search(piece) is not None \
                and self._prompt_chars + self._n <= PROMPT_BUDGET * self._n:
            self._prompt_chars += self._n
            return self._snapshot(self._read())
        return self._snapshot(self._grow(piece))

    def close(self) -> RepairResult:
        """The result for the whole text: what `repair.repair` returns for it (with the
        schema and strictness given), or the RepairError it raises."""
        if not self._closed:
            self._closed = True
            try:
                rest = self._decoder.decode(b"", final=True)
            except UnicodeDecodeError as exc:
                raise self._bad_byte(exc) from None
            if rest:
                self._pieces.append(rest)
                self._n += len(rest)
        text = self._joined()
        result = repair(text, schema=self.schema, strict=self.strict)
        self._value, self._complete, self._started, self._steps = result.value, True, True, result.steps
        self._done.update(_paths(result.value))
        return result

    def snapshot(self) -> Snapshot:
        """The state now, with no change reported."""
        return self._snapshot(frozenset())

    # ------------------------------------------------------------------ text
    def _decode(self, chunk: object) -> str:
        if isinstance(chunk, str):
            return chunk
        if isinstance(chunk, (bytes, bytearray, memoryview)):
            data = bytes(chunk)
            try:
                text = self._decoder.decode(data)
            except UnicodeDecodeError as exc:
                raise self._bad_byte(exc) from None
            self._bytes += len(data)
            return text
        raise TypeError(f"feed expects str or bytes, not {type(chunk).__name__}")

    def _bad_byte(self, exc: UnicodeDecodeError) -> RepairError:
        return RepairError(f"input is not UTF-8: byte 0x{exc.object[exc.start]:02x} cannot be decoded "
                           f"(byte {self._bytes + exc.start} of the stream)", self._joined(), self._n, "encoding")

    def _joined(self) -> str:
        if len(self._pieces) > 1:
            self._pieces = ["".join(self._pieces)]
        return self._pieces[0] if self._pieces else ""

    # ------------------------------------------------------------------ readings
    def _read(self) -> frozenset[str]:
        """Run the engine over the whole text; returns the changed paths."""
        text = self._joined()
        self._next_run = self._n + max(RUN_EVERY, self._n // GROWTH)
        marker = _MARKER_START.search(text, max(0, len(text) - 12))
        if marker is not None and (not self._started or (self._tail is None and marker.group() in _CLOSING_STARTS)):
            # the text may be starting a fence, a tag or [CONTENT]: read it when that is clear
            self._waiting = _ANY
            return frozenset()
        self._waiting = _CLOSER  # (a closer may end the value: read it at once)
        inside, last_closer = _reasoning(text)
        if inside:
            self._waiting = _THINK_END
            return frozenset()  # (a draft inside <think> is not the answer)
        self._tail = None
        self._read_chars += len(text)
        try:
            with unlogged_steps():  # (a reading of a partial text: close() logs the whole text's steps once)
                result = repair(text)
        except RepairError:
            self._waiting = _VALUE_MAY_START
            return frozenset()  # no value yet (prose so far)
        if result.value.__class__ is str and _MAY_BE_KEY.match(text) is not None:
            # `"name"` may be the first key of an object whose `{` is missing (`"name": "x"`):
            # a string that opens the text is shown once what follows it says it is no key
            self._waiting = _ANY
            return frozenset()
        steps = result.steps
        codes = {s.code for s in steps}
        was_decided = self._started and not self._tentative
        # the value is the answer for sure when it is wrapped, or nothing but reasoning comes before it
        self._tentative = not (codes & WRAPPERS) and LEADING_TEXT in codes
        if text[result.span[1]:].strip():
            self._tentative = True  # text after a closed value: a second answer may follow
        if result.span[0] < last_closer:
            self._waiting = _VALUE_MAY_START
            return frozenset()  # (a draft inside the reasoning: the answer has not begun)
        value, open_path, cut, tail = _honest_end(result, text)
        if any(s.code not in TOKEN_LOCAL and s.pos >= len(text) - SETTLE for s in cut):
            # a structural repair near the end: what follows may still change how it reads,
            # so the snapshot stays as it was until that repair lies SETTLE characters back
            return frozenset()
        self._steps = cut
        old = self._value if self._started else _NOTHING
        # paths complete now, with their values (found on the value as read: alignment may
        # rename, unwrap or reorder, so with a schema a path counts only where it is the same
        # path in the aligned value)
        complete = _complete_paths(value, open_path) if value is not _NOTHING else {}
        if self._compiled is not None and value is not _NOTHING:
            value = self._aligned(value, tail)
            tail = None  # (a growing string is shown at readings only: alignment may coerce it)
        if was_decided and not _extends(self._value, value):
            # (a safety net: a reading that would take back what a decided snapshot showed,
            # as a schema's shape repairs may while the value is incomplete, is not shown)
            return frozenset()
        self._started = value is not _NOTHING
        self._value = None if value is _NOTHING else value
        self._complete = self._started and not open_path
        if tail is not None:
            self._tail = tail
        if self._compiled is not None and complete:
            aligned = dict(_walk(self._value))
            complete = {p: aligned[p] for p in complete if p in aligned}
        # done = complete both now and in a reading at least SETTLE characters older, with the same value
        reading = _Reading(len(text), complete)
        older = None
        for r in self._readings:
            if r.end <= reading.end - SETTLE:
                older = r
        if older is not None and not self._tentative:
            for path, v in complete.items():
                if path not in self._done and path in older.complete and _same(older.complete[path], v):
                    self._done.add(path)
            self._readings = [r for r in self._readings if r.end >= older.end]
        self._readings.append(reading)
        return frozenset(_diff(old, self._value if self._started else _NOTHING, "$"))

    def _grow(self, piece: str) -> frozenset[str]:
        """Between readings: extend a string growing at the end by `piece`, when nothing
        in it needs the engine."""
        tail = self._tail
        if tail is None:
            return frozenset()
        container, key, path, full, plain = tail
        if not plain:
            return frozenset()
        m = _PLAIN.match(piece)
        if m.end() != len(piece):
            tail[4] = False  # something for the engine: the string waits for the next reading
            piece = piece[:m.end()]
            if not piece:
                return frozenset()
        if "\\" in piece:
            piece = scanstring('"' + piece + '"', 1, True)[0]
        full += piece
        tail[3] = full
        shown = _held_back(full)
        if container is None:
            if shown == self._value:
                return frozenset()
            self._value = shown
        else:
            if container[key] == shown:
                return frozenset()
            container[key] = shown
        return frozenset(_ancestors(path))

    def _aligned(self, value: Any, tail: _Tail | None) -> Any:
        """The value aligned to the schema (not validated: it is not complete). A string
        still growing is kept only where the schema expects a string and alignment keeps
        it as it is: `"age": "3` would become 3 and then 36, `"n/` may become "n/a", which
        a nullable field reads as null."""
        if tail is None:
            return self._align(value)
        assert self._compiled is not None  # (called only with a schema)
        container, key = tail[0], tail[1]
        shown = value if container is None else container[key]
        maybe_null = any(word.startswith(shown.strip().casefold()) for word in NULL_WORDS)
        if container is None:
            aligned = self._align(value)
            fits = _shape_at(self._compiled.shape, aligned, "$") in ("string", "any")
            return aligned if aligned == shown and fits and not maybe_null else _NOTHING
        with_tail = self._align(copy.deepcopy(value))  # (alignment may hand back parts of its input)
        if isinstance(container, dict):
            del container[key]
        else:
            container.pop()
        without = self._align(value)
        if maybe_null:
            return without
        changed = list(_diff(without, with_tail, "$"))
        deepest = max(changed, key=len) if changed else None
        if deepest is not None and _at(with_tail, deepest) == shown and all(deepest.startswith(p) for p in changed) \
                and _shape_at(self._compiled.shape, with_tail, deepest) in ("string", "any"):
            return with_tail
        return without

    def _align(self, value: Any) -> Any:
        from .schema.align import Aligner

        assert self._compiled is not None  # (called only with a schema)
        try:
            return Aligner(0).align(value, self._compiled.shape)
        except (ValueError, TypeError, RecursionError):
            return value

    def _snapshot(self, changed: frozenset[str]) -> Snapshot:
        if len(self._done_view) != len(self._done):
            self._done_view = frozenset(self._done)
        return Snapshot(self._value, self._complete, self._done_view, changed, self._steps,
                        self._tentative, self._started)


_NOTHING = object()
PROMPT_BUDGET = 4  # readings out of schedule stop once the engine has read this many times the text
_VALUE_MAY_START = re.compile(r"[{\[\"'`<(]")
_THINK_END = re.compile(">")
_CLOSER = re.compile(r"[}\]]")
_ANY = re.compile(r"[\s\S]")
# A text that opens with a string not yet followed by anything but spaces (or by its colon,
# or that has not closed yet): it may be an object's first key (repair: the missing `{`)
_MAY_BE_KEY = re.compile(r'[ \t\r\n]*+"(?:[^"\\\n]|\\.)*+(?:"[ \t]*+:?[ \t\r\n]*+)?\Z')
_CLOSING_STARTS = frozenset(["`", "``", "[/", "</"])
# the start of a fence, a tag or a [CONTENT] marker at the very end of the text
_MARKER_START = re.compile(r"(?:`{1,2}|\[/?[A-Za-z]{0,8}|</?[A-Za-z_]{0,10})\Z")


def _honest_end(result: RepairResult, text: str) -> tuple[Any, list[str], tuple[Step, ...], _Tail | None]:
    """The reading of a cut-off text with its cut end made honest (see the module
    docstring): (value or _NOTHING, the open containers' paths, the steps before the cut,
    the growing string's tail record or None)."""
    end = len(text.rstrip(" \t\r\n"))
    steps = result.steps
    if any(s.code == ESCAPED_JSON for s in steps):
        end = 0  # (stringified JSON: every step is placed at the value's start)
    cut = [s for s in steps if s.pos >= end - 1 and s.code in (TRUNCATED, MISSING_BRACKET)]
    # the truncation steps of the cut token sit at its start: include them by their found text
    cut += [s for s in steps if s.code == TRUNCATED and s not in cut and s.found and s.pos + len(str(s.found)) >= end]
    kept = tuple(s for s in steps if s not in cut)
    value = result.value
    depth = 0
    for s in cut:
        if s.code == MISSING_BRACKET and s.pos >= end - 1:
            depth = len(str(s.put))
    if result.span[1] < end:
        depth = 0  # (the value closed before the end: text after it is not part of it)
    cut_string = any(s.code == TRUNCATED and s.put in _QUOTES for s in cut)
    no_value = any(s.code == TRUNCATED and s.put in ("null", ": null") for s in cut)
    # (a comma the text ends on is dropped with a truncation step too: that cuts no token)
    # (a number or literal completed at the end; one dropped leaves its key without a value)
    cut_token = any(s.code == TRUNCATED and s.found and s.put and s.found != "," and s.put not in _QUOTES
                    for s in cut)
    last = text[-1:]
    in_comment = any(s.code == COMMENT and s.pos + len(str(s.found)) >= end for s in steps)
    open_token = result.span[1] >= len(text) and (last.isalnum() or last in "._+-") and not cut_string \
        and not in_comment
    # the rightmost path: the containers still open at the end
    open_path: list[tuple[str, Any]] = []
    key: str | int
    path = "$"
    node = value
    for level in range(depth):
        open_path.append((path, node))
        if level == depth - 1:
            break
        if isinstance(node, dict) and node:
            key = next(reversed(node))
        elif isinstance(node, list) and node:
            key = len(node) - 1
        else:
            break
        node, path = node[key], path_join(path, key)
    tail = None
    if depth == 0:
        if result.span[1] >= len(text) and not isinstance(value, (dict, list)):
            # a root scalar at the very end: a string grows; anything else may go on
            if cut_string and isinstance(value, str) and text[result.span[0]:result.span[0] + 1] == '"':
                full = value + text[end:]  # (the engine leaves the whitespace it ends on outside the string)
                return _held_back(full), [], kept, [None, None, "$", full, not _ends_in_escape(text)]
        if not isinstance(value, (dict, list)):
            # a number or word at the root may be prose (`1. Parse the file`): shown at close
            return _NOTHING, [], kept, None
        return value, [], kept, None
    inner = open_path[-1][1]
    inner_path = open_path[-1][0]
    paths = [p for p, _ in open_path]
    if not isinstance(inner, (dict, list)):
        return value, paths, kept, None
    if inner:
        value, tail = _honest_leaf(value, inner, inner_path, text, end, cut_string, no_value, cut_token, open_token)
        if inner or value is _NOTHING:
            return value, paths, kept, tail
    # a container with nothing decided in it yet: `[ "a": 1 }` is an object and `{5, 9}`
    # a list, so it waits for its first member
    if len(open_path) == 1:
        return _NOTHING, [], kept, None
    parent = open_path[-2][1]
    if isinstance(parent, dict):
        del parent[next(reversed(parent))]
    else:
        parent.pop()
    return value, paths[:-1], kept, None


def _honest_leaf(value: Any, inner: dict[Any, Any] | list[Any], inner_path: str, text: str, end: int, cut_string: bool,
                 no_value: bool, cut_token: bool, open_token: bool) -> tuple[Any, _Tail | None]:
    """The last member of the innermost open container, made honest: dropped, or held
    back as a growing string (then also the tail record)."""
    tail = None
    last_key = next(reversed(inner)) if isinstance(inner, dict) else len(inner) - 1
    leaf = inner[last_key]
    # `["a": 1]` is an object: a list's first string is not shown before what follows it says
    maybe_key = isinstance(inner, list) and last_key == 0 and isinstance(leaf, str) and \
        (cut_string or text[end - 1:end] in _QUOTES)
    if no_value or cut_token or maybe_key or (open_token and not isinstance(leaf, (dict, list))):
        # a key with no value yet, or a number or literal the text may extend: not shown
        if isinstance(inner, dict):
            del inner[last_key]
        else:
            inner.pop()
    elif isinstance(leaf, str) and (cut_string or text[end - 1:end] in _QUOTES):
        # cut, or closed by the text's last character (which may yet prove to be inside it)
        full = leaf + text[end:]
        inner[last_key] = _held_back(full)
        # (after a dangling `\` or `\u00`, which the engine dropped, only a reading can go on)
        tail = [inner, last_key, path_join(inner_path, last_key), full, cut_string and not _ends_in_escape(text)]
    return value, tail


def _ends_in_escape(text: str) -> bool:
    """Does the text end in the middle of an escape (a dangling `\\`, or `\\u` and up to
    three hex digits)?"""
    end = len(text)
    digits = 0
    while digits < 3 and end > 0 and text[end - 1] in _HEX:
        end -= 1
        digits += 1
    if end > 0 and text[end - 1] == "u":
        end -= 1
    else:
        end = len(text)  # (no `\u`: only a dangling backslash counts)
    run = 0
    while run < end and text[end - 1 - run] == "\\":
        run += 1
    return run % 2 == 1


_HEX = frozenset("0123456789abcdefABCDEF")


def _reasoning(text: str) -> tuple[bool, int]:
    """(does the text end inside a reasoning block, `<think>` not yet closed; where the
    last reasoning closer starts, or -1)"""
    opener = closer = None
    for opener in _THINK_OPEN.finditer(text):
        pass
    for closer in THINK_CLOSE.finditer(text):
        pass
    last_closer = -1 if closer is None else closer.start()
    return opener is not None and last_closer < opener.end(), last_closer


def _held_back(s: str) -> str:
    """A cut string as far as it is sure to stay: up to the first comma, colon, line
    break or typographic quote in its last HOLD characters (a rule may yet end the string
    there), without trailing whitespace."""
    m = _RISKY.search(s, max(0, len(s) - HOLD))
    if m is not None:
        s = s[:m.start()]
    s = s.rstrip(" \t\r\n")  # (an inferred closing quote goes before trailing whitespace)
    if s and "\ud800" <= s[-1] <= "\udbff":
        s = s[:-1]  # (half a surrogate pair: the other half joins it into one character)
    return s


_RISKY = re.compile("[,:\n\u201c\u201d\u2018\u2019\u00b4`]")


def _complete_paths(value: Any, open_path: list[str]) -> dict[str, Any]:
    """Every path of `value` whose text is complete: not an open container, and not the
    last scalar of the innermost open one (it may be revised by what follows)."""
    open_set = set(open_path)
    out: dict[str, Any] = {}
    last_scalar = None
    if open_path:
        node = value
        for p in open_path[1:]:
            node = node[next(reversed(node))] if isinstance(node, dict) else node[-1]
        if isinstance(node, (dict, list)) and node:
            k = next(reversed(node)) if isinstance(node, dict) else len(node) - 1
            if not isinstance(node[k], (dict, list)):
                last_scalar = path_join(open_path[-1], k)
    for path, node in _walk(value):
        if path not in open_set and path != last_scalar:
            out[path] = node
    return out


def _shape_at(shape: Shape | None, value: Any, path: str) -> str:
    """The kind the schema expects at `path` of `value` ("any" where it does not say; ""
    where it names no single kind, as in a union)."""
    stack = [("$", value, shape)]
    while stack:
        here, node, sh = stack.pop()
        if here == path:
            return "any" if sh is None else sh.kind
        if sh is None or sh.kind == "any":
            continue
        if isinstance(node, dict) and sh.kind == "object":
            stack.extend((path_join(here, k), v, sh.props.get(k, sh.additional)) for k, v in node.items())
        elif isinstance(node, list) and sh.kind == "array":
            stack.extend((path_join(here, i), v, sh.items) for i, v in enumerate(node))
    return "any"


def _at(value: Any, path: str) -> Any:
    """The value at `path` (as _paths writes it), or _NOTHING."""
    for p, node in _walk(value):
        if p == path:
            return node
    return _NOTHING


def _walk(value: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    stack = [(path, value)]
    while stack:
        path, node = stack.pop()
        yield path, node
        if isinstance(node, dict):
            stack.extend((path_join(path, k), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((path_join(path, i), v) for i, v in enumerate(node))


def _paths(value: Any, path: str = "$") -> Iterator[str]:
    return (p for p, _ in _walk(value, path))


def _extends(old: Any, new: Any) -> bool:
    """Does `new` keep everything `old` shows: strings only grown, other scalars equal,
    containers of the same kind holding at least the same keys or items?"""
    if new is _NOTHING:
        return False
    stack = [(old, new)]
    while stack:
        a, b = stack.pop()
        if isinstance(a, str):
            if not isinstance(b, str) or not b.startswith(a):
                return False
        elif isinstance(a, dict):
            if not isinstance(b, dict) or any(k not in b for k in a):
                return False
            stack.extend((v, b[k]) for k, v in a.items())
        elif isinstance(a, list):
            if not isinstance(b, list) or len(b) < len(a):
                return False
            stack.extend(zip(a, b))
        elif not _same(a, b):
            return False
    return True


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON values (1, 1.0 and true differ)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same, a, b))
    return bool(a == b)  # (a scalar's == is a bool already: this only tells the type checker)


def _diff(old: Any, new: Any, path: str) -> Iterator[str]:
    """The paths whose value differs between two readings (ancestors included)."""
    if old is _NOTHING and new is _NOTHING:
        return
    if old is _NOTHING or new is _NOTHING or type(old) is not type(new):
        yield path
        if new is not _NOTHING:
            yield from (p for p in _paths(new, path) if p != path)
        return
    if isinstance(new, dict):
        changed = False
        for k, v in new.items():
            sub = path_join(path, k)
            before = old.get(k, _NOTHING)
            for p in _diff(before, v, sub):
                changed = True
                yield p
        if changed or len(old) != len(new):
            yield path
    elif isinstance(new, list):
        changed = False
        for i, v in enumerate(new):
            for p in _diff(old[i] if i < len(old) else _NOTHING, v, path_join(path, i)):
                changed = True
                yield p
        if changed or len(old) != len(new):
            yield path
    elif old != new:
        yield path


def _ancestors(path: str) -> list[str]:
    """`path` and every path above it (`$.a[0].b` -> itself, `$.a[0]`, `$.a`, `$`)."""
    out = [path]
    while path != "$":
        cut = max(path.rfind("."), path.rfind("["))
        # (a bracketed key may hold '.' or '[': cut at the bracket that opens it)
        if path.endswith('"]'):
            cut = path.rfind('["', 0, len(path) - 1)
            while cut > 0 and path[cut - 1] == "\\":
                cut = path.rfind('["', 0, cut - 1)
        path = path[:cut]
        out.append(path)
    return out


def stream(chunks: Iterable[Text], schema: Any = None, *, strict: bool = False) -> Iterator[Snapshot]:
    """Snapshots of the value as `chunks` (str or bytes) arrive; the last one is the
    closed result's. Raises what `repair.repair` raises for the whole text."""
    parser = StreamParser(schema, strict=strict)
    for chunk in chunks:
        yield parser.feed(chunk)
    yield _final(parser)


async def astream(chunks: AsyncIterable[Text], schema: Any = None, *, strict: bool = False) -> AsyncIterator[Snapshot]:
    """`stream` for an async iterable of chunks."""
    parser = StreamParser(schema, strict=strict)
    async for chunk in chunks:
        yield parser.feed(chunk)
    yield _final(parser)


def _final(parser: StreamParser) -> Snapshot:
    old = parser._value if parser._started else _NOTHING
    result = parser.close()
    snap = parser._snapshot(frozenset(_diff(old, result.value, "$")))
    snap.tentative = False
    return snap
