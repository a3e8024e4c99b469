"""Fuzz inputs for `repair`, and the laws every input must obey.

Two generators, written once against a small `Source` of choices so that the same code
drives both fuzzers:

* `tests/test_fuzz.py` wraps them as hypothesis strategies (`arbitrary_text()`,
  `almost_json()`): every choice is a hypothesis draw, so a failure shrinks;
* `benchmarks/fuzz.py` runs them from a seeded `random.Random`: input `i` of seed `s` is
  `case_for(s, i)`, the same text on every machine, so any finding can be replayed by
  its index.

The generators:

`gen_text`     arbitrary text: any code point (lone surrogates, NUL, C0/C1 controls, BOMs,
               zero-width and odd spaces, astral characters) mixed with the things the
               engine makes decisions on (JSON punctuation, quotes of every style,
               backslashes and escapes, fences, [CONTENT] and XML tags, <think>, comments,
               Python literals, numbers), long runs of one token (deep nesting, ``````,
               ``\\\\\\``), and snippets of real JSON, weighted so that such text is common.

`gen_almost_json`   grammar-based almost-JSON: a JSON value from a grammar, serialized in
               one of several styles (json.dumps with any indent and separators, Python
               repr, single quotes, unquoted keys, Python literals), then 0-4 pieces of
               structural damage at random places: a bracket, quote, comma or colon
               deleted, inserted, doubled or swapped; the text cut off; prose, fences, tags
               or <think> around it; comments inserted; raw newlines in strings; spans
               deleted or repeated; odd characters inserted. The case keeps the original
               value; with no damage and a `faithful` serialization, repair must give it
               back exactly.

`gen_schema_case`   schema mode: a value near one of SCHEMAS (JSON Schema dicts: numbers,
               booleans, enums, nullable fields, nested objects without extras, lists of
               objects, scalar schemas) with the mistakes alignment exists for (keys in
               another case or convention, typos, unknown keys, "1,234", "Yes", "N/A",
               wrappers, one item for a list), written and damaged as above, and repaired
               with `schema=`.

`check(text, expected=...)` states the laws (see its docstring) and raises `Violation`
naming the one broken. The module needs the standard library, `repair` and tests/corruption.py only.
"""

from __future__ import annotations

import json
import random
import re
import sys
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from corruption import same  # equal as JSON values: True is not 1, 1 is not 1.0

import repair

__all__ = [
    "MISSING", "Source", "RandomSource", "DrawSource", "Case", "Violation", "GENERATORS", "SCHEMAS",
    "gen_text", "gen_value", "gen_almost_json", "gen_schema_case", "serialize", "serialize_as", "damage",
    "case_for", "check", "same", "strict_loads",
]

MISSING = object()


# ---------------------------------------------------------------------------------------
# Sources of choices
# ---------------------------------------------------------------------------------------


class Source:
    """The choices a generator makes. Simplest outcome first: hypothesis shrinks a draw
    towards 0, i.e. towards the first item of a table, the low end of a range and False."""

    def int(self, lo: int, hi: int) -> int:  # lo..hi inclusive
        raise NotImplementedError

    def pick(self, seq: Sequence):
        return seq[self.int(0, len(seq) - 1)]

    def chance(self, p: float) -> bool:
        """True with probability p (shrinks to False)."""
        return self.int(0, 999) >= 1000 - int(p * 1000)

    def weighted(self, table: Sequence[tuple[int, Any]]):
        """An item of [(weight, item), ...] (shrinks to the first)."""
        total = sum(w for w, _ in table)
        r = self.int(0, total - 1)
        for w, item in table:
            if r < w:
                return item
            r -= w
        raise AssertionError("unreachable")

    def size(self, hi: int) -> int:
        """A count in 0..hi, small ones more often."""
        return self.int(0, self.int(0, hi))


class RandomSource(Source):
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def int(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)


class DrawSource(Source):
    """Choices drawn by hypothesis (`data.draw` or a composite's `draw`)."""

    def __init__(self, draw: Callable) -> None:
        from hypothesis import strategies as st

        self._draw = draw
        self._st = st

    def int(self, lo: int, hi: int) -> int:
        return self._draw(self._st.integers(lo, hi))


# ---------------------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------------------

# Characters the engine treats specially somewhere, and characters that tend to break
# text handling in general.
ODD_CHARS = (
    "\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\x9f",
    "\t", "\r", "\n", "\r\n",
    "\ufeff", "\ufffe", "\uffff", "\ufffd", "\u200b", "\u200c", "\u200d", "\u2060", "\u00a0",
    "\u1680", "\u2000", "\u2007", "\u202f", "\u3000", "\u2028", "\u2029", "\u180e",
    "\u201c", "\u201d", "\u2018", "\u2019", "\u201e", "\u00ab", "\u00bb", "\u2032", "\u00b4",
    "\uff02", "\uff07", "\uff5b", "\uff5d", "\uff3b", "\uff3d", "\uff1a", "\uff0c", "\u3001",
    "\ud800", "\udbff", "\udc00", "\udfff", "\ud83d", "\ude00",
    "\U0001f600", "\U0001f680", "\U0010ffff", "\u0301", "\u202e", "\u00e9", "\u65e5",
    "\u0130", "\u0131", "\u017f", "\u212a", "\u00df", "\ufb01",  # case-mapping oddities
)
PUNCT = tuple("{}[]():,;\"'`\\/*#.-+=<>|~!?@$%^&_ ")
TOKENS = (
    "{", "}", "[", "]", ":", ",", '"', "'", "`", "\\", " ", "\n",
    '"a"', "'b'", "a", "key", "key:", '"k":', "'k':", "1", "-1", "0", "1.5", "-0.0", "1e5",
    "1E-7", ".5", "+3", "1.", "007", "0x1F", "1_000", "1e", "-", "NaN", "Infinity", "-Infinity",
    "true", "false", "null", "True", "False", "None", "TRUE", "NULL", "undefined", "nil",
    "...", "\u2026", "(", ")", "//", "/*", "*/", "#", "// c\n", "/* c */", "# c\n",
    "\\n", "\\t", "\\\"", "\\\\", "\\u", "\\u00", "\\u00e9", "\\ud800", "\\udc00", "\\x41",
    "\\d", "\\'", '"""', "'''",
    "```", "```json\n", "```JSON\n", "```python\n", "~~~", "\n```",
    "[CONTENT]", "[/CONTENT]", "[content]", "[/content]", "[END]", "[CONTENT]\n",
    "<json>", "</json>", "<output>", "</output>", "<answer>", "</answer>", "<tool_call>",
    "</tool_call>", "<think>", "</think>", "<thinking>", "</thinking>", "<reasoning>",
    "</reasoning>", "<result x=1>", "<", ">", "</",
    "Sure! ", "Here is the JSON:\n", " Hope this helps.", "Note: ", "Let me know",
    "hello world", "it's", "don't", "a, b", "x: y",
    "{\\\"a\\\": 1}", '{"a": 1}', "[1, 2]", "{}", "[]", '""', "''",
)
# Tokens worth repeating many times (deep nesting, long runs of one decision)
RUN_TOKENS = (
    "[", "{", "]", "}", '"', "'", "`", "\\", ",", ":", " ", "\n", "[{", '{"a":', "{'a':",
    "[1,", '"a",', "\\\"", "{a:", "a", "1", "-", ".", "/", "/*", "*/", "//", "#", "<think>",
    "</think>", "```", "[CONTENT]", "\ufeff", "\u200b", "\u201c", "\ud800", "(", "...",
    "<json>", '"\\', "\\u", "e", "0", "[]", "{}", ",,", "::", "\u2028", "\x00",
)
WORDS = ("a", "b", "id", "name", "value", "x", "Foo", "bar_baz", "list", "obj", "42", "ok")


def _any_char(src: Source) -> str:
    r = src.int(0, 99)
    if r < 55:
        return chr(src.int(0x20, 0x7E))
    if r < 70:
        return chr(src.int(0, 0x1F))
    if r < 78:
        return chr(src.int(0xD800, 0xDFFF))  # a lone surrogate
    if r < 90:
        return chr(src.int(0x80, 0xFFFF))
    return chr(src.int(0, 0x10FFFF))


# ---------------------------------------------------------------------------------------
# (a) arbitrary text
# ---------------------------------------------------------------------------------------


def gen_text(src: Source, max_pieces: int = 40) -> str:
    """Arbitrary text, weighted towards what the engine has to decide about."""
    parts: list[str] = []
    for _ in range(src.size(max_pieces)):
        kind = src.weighted(_TEXT_PIECES)
        if kind == "token":
            parts.append(src.pick(TOKENS))
        elif kind == "punct":
            parts.append(src.pick(PUNCT))
        elif kind == "odd":
            parts.append(src.pick(ODD_CHARS))
        elif kind == "char":
            parts.append(_any_char(src))
        elif kind == "word":
            parts.append(src.pick(WORDS))
        elif kind == "run":
            tok = src.pick(RUN_TOKENS)
            n = src.pick((2, 3, 8, 40, 200, 1000)) + src.int(0, 9)
            parts.append(tok * n)
        elif kind == "json":
            value = gen_value(src, depth=src.int(1, 3))
            parts.append(json.dumps(value, ensure_ascii=src.chance(0.3), indent=src.pick((None, 2))))
        else:  # "almost"
            parts.append(gen_almost_json(src, max_damage=2).text)
    return "".join(parts)


_TEXT_PIECES = (
    (24, "token"), (14, "punct"), (14, "odd"), (14, "char"), (8, "word"), (10, "run"),
    (8, "json"), (8, "almost"),
)


# ---------------------------------------------------------------------------------------
# (b) grammar-based almost-JSON
# ---------------------------------------------------------------------------------------

# Pieces of generated strings: plain text, and content that looks like syntax
_STRING_PIECES = (
    "a", "b", "hello", " ", "x y", "ab12", "Name", "\u00e9t\u00e9", "\u65e5\u672c",
    "\U0001f680", '"', "'", "`", "\\", "\n", "\t", "\r", "/", "//", "/*", "*/", "#", "{", "}",
    "[", "]", ":", ",", "```", "[/CONTENT]", "[CONTENT]", "</think>", "<think>", "</json>",
    "\\n", "\\u00e9", "true", "null", "None", "1", "-2.5", "007", "C:\\Users\\x", "\\d+",
    "\u201c", "\u201d", "\u2019", "\ufeff", "\u200b", "\u00a0", "\u2028", "\x00", "\x1f",
    "\x7f", "\ud800", "\udfff", "...", "it's", 'say "hi"', "a, b", "k: v",
)
_LITERAL_WORDS = frozenset((
    "true", "false", "null", "none", "nan", "infinity", "inf", "undefined", "yes", "no", "nil",
    "on", "off",
))


def gen_string(src: Source) -> str:
    out = []
    for _ in range(src.size(6)):
        r = src.int(0, 9)
        if r < 6:
            out.append(src.pick(_STRING_PIECES))
        elif r < 8:
            out.append(src.pick(WORDS))
        else:
            out.append(_any_char(src))
    return "".join(out)


def gen_key(src: Source) -> str:
    r = src.int(0, 9)
    if r < 5:
        return src.pick(WORDS[:10]) + ("" if src.chance(0.7) else str(src.int(0, 99)))
    if r < 6:
        return src.pick(("true", "null", "None", "NaN", "yes", "Infinity", "undefined", "nil"))
    return gen_string(src)


def gen_number(src: Source) -> int | float:
    r = src.int(0, 9)
    if r < 4:
        return src.int(-10, 1000)
    if r < 5:
        return src.int(-(10**20), 10**20)
    if r < 6:
        return src.pick((0.0, -0.0, 0.5, 1e-7, 1e16, 1.5e300, 5e-324, -2.5, 1e21, 123.456))
    if r < 8:
        return src.int(-10**6, 10**6) / src.pick((1, 2, 4, 10, 1000, 3))
    m = src.int(-9999, 9999) / 100
    return float(f"{m}e{src.int(-30, 30)}")


def gen_value(src: Source, depth: int = 3, top: bool = False, width: int = 5) -> Any:
    """A JSON value from a small grammar (containers up to `depth` deep; with a `width`
    over 5, containers are wide as often as narrow, so documents run to kilobytes)."""
    table = _TOP if top else (_VALUE if depth > 0 else _SCALAR)
    kind = src.weighted(table)
    if kind in ("object", "array"):
        n = src.size(width) if width <= 5 else src.int(0, width)
        if kind == "object":
            return {gen_key(src): gen_value(src, depth - 1, width=width) for _ in range(n)}
        return [gen_value(src, depth - 1, width=width) for _ in range(n)]
    if kind == "string":
        return gen_string(src)
    if kind == "number":
        return gen_number(src)
    return src.pick((None, True, False))


_SCALAR = ((4, "string"), (3, "number"), (2, "literal"))
_VALUE = ((3, "object"), (3, "array"), (4, "string"), (3, "number"), (2, "literal"))
_TOP = ((8, "object"), (5, "array"), (1, "string"), (1, "number"), (1, "literal"))


# -- serialization ----------------------------------------------------------------------

STYLES = ("json", "repr", "custom")


def serialize(value: Any, src: Source) -> tuple[str, str, bool]:
    """(text, style, faithful): the value written as JSON or in a looser style. `faithful`
    says the docs promise this text repairs to exactly `value` (policy.md §0 and §2)."""
    return serialize_as(value, src, src.pick(STYLES))


def serialize_as(value: Any, src: Source, style: str) -> tuple[str, str, bool]:
    """`serialize` in a given style."""
    if style == "json":
        text = json.dumps(
            value,
            indent=src.pick((None, 2, 0, 4, "\t", " ")),
            separators=src.pick((None, (",", ":"), (", ", ": "), (" , ", " : "))),
            ensure_ascii=src.chance(0.5),
        )
        return text, "json", _no_split_pairs(value)
    if style == "repr":
        # Python's repr: single quotes, True/False/None; \x.. and \U........ escapes are
        # not JSON and are kept as text (policy: invalid escape), so not faithful then.
        return repr(value), "repr", _repr_faithful(value) and _container(value) and _no_split_pairs(value)
    em = _Emitter(src)
    return em.emit(value), "custom", em.faithful and _container(value) and _no_split_pairs(value)


def _no_split_pairs(value: Any) -> bool:
    """False when a string holds a high surrogate right before a low one: written as
    `\\ud83d\\ude00` (json.dumps, repr) that reads back as one astral character, in
    json.loads as much as anywhere, so no writing gives the two characters back."""
    for v in _walk(value):
        if isinstance(v, str):
            for a, b in zip(v, v[1:]):
                if "\ud800" <= a <= "\udbff" and "\udc00" <= b <= "\udfff":
                    return False
    return True


def _container(value: Any) -> bool:
    # A lone scalar that is not JSON (`'a [b'`) is a candidate only when nothing in it
    # looks like a value (policy §1: a bracket inside it ranks higher); nothing promised.
    return isinstance(value, (dict, list))


def _walk(value: Any):
    stack = [value]
    while stack:
        v = stack.pop()
        yield v
        if isinstance(v, dict):
            stack.extend(v.keys())
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


def _repr_faithful(value: Any) -> bool:
    for v in _walk(value):
        if isinstance(v, str):
            for ch in v:
                if not ch.isprintable() and (ord(ch) < 0x100 or ord(ch) > 0xFFFF) and ch not in "\n\r\t":
                    return False  # repr writes \xNN or \UNNNNNNNN
    return True


_BARE_VALUE = re.compile(r"[A-Za-z]+(?: [A-Za-z]+)*")
_IDENT_FIRST = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_IDENT_REST = _IDENT_FIRST | frozenset("0123456789")


def _bare_key_ok(key: str) -> bool:
    return (bool(key) and key[0] in _IDENT_FIRST and all(c in _IDENT_REST for c in key)
            and key.lower() not in _LITERAL_WORDS)


class _Emitter:
    """A loose writer: per value, double or single quotes, bare identifier keys, Python or
    JSON literals, any whitespace. Everything it writes is documented to repair to the value."""

    def __init__(self, src: Source) -> None:
        self.src = src
        self.faithful = True
        self.single = src.chance(0.5)
        self.bare_keys = src.chance(0.5)
        self.py_literals = src.chance(0.5)
        self.raw_unicode = src.chance(0.5)
        self.mixed = src.chance(0.3)  # choose per string instead of per document
        self.bare_values = src.chance(0.3)  # `{"a": hello world}` (policy §2: unquoted value)
        self.indent = src.pick((None, "  ", "\t", ""))

    def string(self, s: str, key: bool) -> str:
        single = self.single if not self.mixed else self.src.chance(0.5)
        if key and self.bare_keys and _bare_key_ok(s) and (not self.mixed or self.src.chance(0.7)):
            return s
        out = []
        for ch in s:
            if ch == "'" and single:
                out.append("\\'")
            elif ch == '"' and single:
                out.append('"')
            else:
                out.append(json.dumps(ch, ensure_ascii=not self.raw_unicode)[1:-1])
        q = "'" if single else '"'
        return q + "".join(out) + q

    def scalar(self, v: Any, in_object: bool = False) -> str:
        if in_object and self.bare_values and isinstance(v, str) and _BARE_VALUE.fullmatch(v) \
                and not any(w.lower() in _LITERAL_WORDS for w in v.split()):
            return v
        if v is None or isinstance(v, bool):
            if self.py_literals:
                return repr(v)
            return json.dumps(v)
        if isinstance(v, (int, float)):
            return json.dumps(v)
        return self.string(v, False)

    def emit(self, value: Any, level: int = 0, in_object: bool = False) -> str:
        if not isinstance(value, (dict, list)):
            return self.scalar(value, in_object)
        is_dict = isinstance(value, dict)
        opener, closer = "{}" if is_dict else "[]"
        if not value:
            return opener + closer
        ind = self.indent
        nl = (lambda lvl: "\n" + ind * lvl) if ind is not None else (lambda lvl: "")
        sep = self.src.pick((", ", ",", " ,  ")) if ind is None else ","
        items = []
        for k, v in (value.items() if is_dict else ((None, x) for x in value)):
            head = self.string(k, True) + self.src.pick((": ", ":", " : ")) if is_dict else ""
            items.append(nl(level + 1) + head + self.emit(v, level + 1, is_dict))
        return opener + sep.join(items) + nl(level) + closer


# -- damage -----------------------------------------------------------------------------

STRUCTURAL = "{}[]\"',:"
DAMAGE_OPS = (
    "delete_struct", "insert_struct", "double_struct", "swap_bracket", "truncate", "wrap",
    "comment", "raw_newline", "delete_span", "repeat_span", "odd_char",
)
_PROSE = (
    "Sure! Here is the JSON:", "Here's the result:", "Output:", "The answer is", "Note: done.",
    "Hope this helps!", "Let me know if you need more.", "I've checked it twice.",
)
_WRAPS = (
    ("```json\n", "\n```"), ("```\n", "\n```"), ("```json\n", ""), ("~~~\n", "\n~~~"),
    ("[CONTENT]\n", "\n[/CONTENT]"), ("[CONTENT]", "[CONTENT]"), ("[CONTENT]\n", ""),
    ("<json>", "</json>"), ("<answer>\n", "\n</answer>"), ("<tool_call>", ""),
    ("<think>\nlet me see {maybe}\n</think>\n", ""), ("</think>\n", ""),
    ("```python\n", "\n```"),
)
_COMMENTS = ("// note\n", "/* c */", "# c\n", "/* multi\nline */", "//", "/*", "#")


def _positions_of(text: str, chars: str) -> list[int]:
    return [i for i, c in enumerate(text) if c in chars]


def damage(text: str, src: Source, op: str) -> str:
    """Apply one piece of structural damage `op` at a random place."""
    n = len(text)
    if op in ("delete_struct", "double_struct", "swap_bracket"):
        where = _positions_of(text, "{}[]" if op == "swap_bracket" else STRUCTURAL)
        if not where:
            return text
        i = src.pick(where)
        if op == "delete_struct":
            return text[:i] + text[i + 1:]
        if op == "double_struct":
            return text[:i + 1] + text[i] + text[i + 1:]
        other = src.pick([b for b in "{}[]()" if b != text[i]])
        return text[:i] + other + text[i + 1:]
    i = src.int(0, n)
    if op == "insert_struct":
        return text[:i] + src.pick(STRUCTURAL) + text[i:]
    if op == "truncate":
        return text[:i]
    if op == "wrap":
        r = src.int(0, 2)
        if r == 0:
            o, c = src.pick(_WRAPS)
            return o + text + c
        before = src.pick(_PROSE) + src.pick((" ", "\n", "\n\n")) if r != 2 or src.chance(0.5) else ""
        after = src.pick((" ", "\n", "\n\n")) + src.pick(_PROSE) if r != 1 or src.chance(0.5) else ""
        return before + text + after
    if op == "comment":
        return text[:i] + src.pick(_COMMENTS) + text[i:]
    if op == "raw_newline":
        esc = [k for k in range(n - 1) if text[k] == "\\" and text[k + 1] in "nrt"]
        if esc and src.chance(0.5):
            k = src.pick(esc)
            raw = {"n": "\n", "r": "\r", "t": "\t"}[text[k + 1]]
            return text[:k] + raw + text[k + 2:]
        quotes = _positions_of(text, "\"'")
        if quotes and src.chance(0.7):
            i = min(n, src.pick(quotes) + 1 + src.int(0, 3))
        return text[:i] + src.pick(("\n", "\r\n", "\t", "\n\n")) + text[i:]
    if op == "delete_span":
        j = min(n, i + src.int(1, 12))
        return text[:i] + text[j:]
    if op == "repeat_span":
        j = min(n, i + src.int(1, 12))
        return text[:j] + text[i:j] + text[j:]
    # "odd_char"
    return text[:i] + src.pick(ODD_CHARS) + text[i:]


@dataclass
class Case:
    """One fuzz input. `value` is the value the text was made from (almost-JSON only);
    `expected` is it when the laws say repair must give it back exactly."""

    generator: str
    text: str
    value: Any = MISSING
    style: str = ""
    damage: list[str] = field(default_factory=list)
    faithful: bool = False
    schema: int | None = None  # index into SCHEMAS: repaired with schema=SCHEMAS[schema]

    @property
    def schema_obj(self):
        return None if self.schema is None else SCHEMAS[self.schema]

    @property
    def expected(self):
        if self.value is not MISSING and not self.damage and self.faithful:
            return self.value
        return MISSING


def gen_almost_json(src: Source, max_damage: int = 4) -> Case:
    big = src.chance(0.25)
    value = gen_value(src, depth=src.int(1, 5 if big else 4), top=True, width=12 if big else 5)
    text, style, faithful = serialize(value, src)
    text, ops = _damaged(text, src, max_damage, 0.85)
    return Case("almost_json", text, value, style, ops, faithful)


def _damaged(text: str, src: Source, max_damage: int, chance: float) -> tuple[str, list[str]]:
    """With probability `chance`, up to `max_damage` damage operations on `text`: (the
    damaged text, the operations in order)."""
    ops: list[str] = []
    for _ in range(src.size(max_damage) if src.chance(chance) else 0):
        op = src.pick(DAMAGE_OPS)
        text = damage(text, src, op)
        ops.append(op)
    return text, ops


def gen_text_case(src: Source) -> Case:
    return Case("text", gen_text(src))


# -- (c) schema mode: values near a schema, with the mistakes alignment is for ----------

_MOOD = {"enum": ["positive", "negative", "neutral"]}
SCHEMAS: tuple[dict, ...] = (
    {"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string"}, "age": {"type": ["integer", "null"]}, "score": {"type": "number"},
        "ok": {"type": "boolean"}, "mood": _MOOD, "tags": {"type": "array", "items": {"type": "string"}}}},
    {"type": "object", "additionalProperties": False, "properties": {
        "user_name": {"type": "string"},
        "address": {"type": "object", "required": ["city"], "additionalProperties": False,
                    "properties": {"city": {"type": "string"}, "zip_code": {"type": "string"}}},
        "items": {"type": "array", "items": {"type": "object", "required": ["sku"], "properties": {
            "sku": {"type": "string"}, "qty": {"type": "integer"}, "ratio": {"type": "number", "maximum": 1}}}}}},
    {"type": "array", "items": {"type": "object", "required": ["id"], "properties": {
        "id": {"type": "integer"}, "status": {"enum": ["in_progress", "done", "todo"]},
        "note": {"type": ["string", "null"]}}}},
    {"enum": ["yes", "no"]},
    {"type": "number"},
    {"type": "object", "properties": {"flags": {"type": "array", "items": {"type": "boolean"}},
                                      "data": {"type": "object", "properties": {"mood": _MOOD}}}},
)


def _key_variant(src: Source, key: str) -> str:
    parts = key.split("_")
    r = src.int(0, 9)
    if r < 5:
        return key
    if r == 5:
        return key.upper()
    if r == 6:
        return parts[0] + "".join(p.title() for p in parts[1:])  # camelCase
    if r == 7:
        return " ".join(p.title() for p in parts)  # Title Case
    if r == 8 and len(key) > 3:
        i = src.int(0, len(key) - 2)
        return key[:i] + key[i + 1] + key[i] + key[i + 2:]  # a typo
    return gen_key(src)  # an unknown key


def _for_type(src: Source, schema: dict, depth: int) -> Any:
    if "enum" in schema:
        opt = src.pick(schema["enum"])
        return src.pick((opt, opt.upper(), opt.replace("_", " ").title(), f"the answer is {opt}",
                         opt[:-1] + "x", gen_string(src), 1))
    t = schema.get("type")
    if isinstance(t, list):
        t = src.pick(t)
    if t == "null":
        return src.pick((None, "N/A", "", "null", "none", "-"))
    if t == "object":
        out: dict = {}
        for k, sub in schema.get("properties", {}).items():
            if src.chance(0.85):
                out[_key_variant(src, k)] = _for_type(src, sub, depth + 1)
        if src.chance(0.2):
            out[gen_key(src)] = gen_value(src, depth=1)
        if src.chance(0.1):
            out = {src.pick(("result", "data", "response", "output")): out}
        return out
    if t == "array":
        items = schema.get("items", {})
        if src.chance(0.15):
            return _for_type(src, items, depth + 1)  # one item where a list is expected
        return [_for_type(src, items, depth + 1) for _ in range(src.size(4 if depth < 3 else 1))]
    if t in ("number", "integer"):
        return src.pick((gen_number(src), src.int(0, 99), "1,234", "$12.50", "15%", "**42**", "3 units",
                         "3 or 4", "N/A", "1e3", "0x1F", "1" * src.int(1, 40) + "x", "`" * src.int(1, 40), [7],
                         gen_string(src), True))
    if t == "boolean":
        return src.pick((True, False, "Yes", "no", "TRUE", "y", "on", "1", 1, "maybe", None, [False]))
    if t == "string":
        return src.pick((gen_string(src), gen_number(src), True, None, ["one"], "**bold**"))
    return gen_value(src, depth=1)


def gen_schema_case(src: Source, max_damage: int = 2) -> Case:
    """A value near one of SCHEMAS (keys in other cases and conventions, typos, numbers and
    booleans as words, wrappers, one item for a list), written and damaged as above."""
    n = src.int(0, len(SCHEMAS) - 1)
    value = _for_type(src, SCHEMAS[n], 0)
    text, style, _ = serialize(value, src)
    text, ops = _damaged(text, src, max_damage, 0.5)
    return Case("schema", text, value, style, ops, False, schema=n)


GENERATORS: dict[str, Callable[[Source], Case]] = {
    "text": gen_text_case,
    "almost_json": gen_almost_json,
    "schema": gen_schema_case,
}
_ORDER = ("text", "almost_json", "schema")


def case_for(seed: int, index: int) -> Case:
    """Input `index` of a seeded run: arbitrary text, almost-JSON and schema-mode cases
    in turn (index % 3)."""
    src = RandomSource(random.Random(f"{seed}:{index}"))
    return GENERATORS[_ORDER[index % 3]](src)


# ---------------------------------------------------------------------------------------
# The laws
# ---------------------------------------------------------------------------------------


class Violation(AssertionError):
    """A broken law: `kind` is one of KINDS, `detail` says what happened."""

    KINDS = ("exception", "invalid_json", "text_value_mismatch", "not_idempotent", "wrong_value", "slow")

    def __init__(self, kind: str, detail: str, where: str = "") -> None:
        super().__init__(f"{kind}: {detail}" + (f" [{where}]" if where else ""))
        self.kind = kind
        self.detail = detail
        self.where = where  # for exceptions: the innermost frame in repair, as file:line


def _no_constants(name: str):
    raise ValueError(f"{name} is not JSON")


@contextmanager
def _deep_enough(limit: int = 20_000):
    """The C decoder recurses per nesting level; let it check outputs a few thousand deep."""
    old = sys.getrecursionlimit()
    if old < limit:
        sys.setrecursionlimit(limit)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


def strict_loads(text: str):
    """json.loads without Python's NaN/Infinity extension."""
    with _deep_enough():
        return json.loads(text, parse_constant=_no_constants)


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    inside = [f for f in frames if "/repair/" in f.filename.replace("\\", "/")]
    f = (inside or frames or [None])[-1]
    if f is None:
        return ""
    return f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} in {f.name}"


def _short(s: str, n: int = 200) -> str:
    r = repr(s)
    return r if len(r) <= n else r[: n - 20] + f"...' ({len(s)} chars)"


def _call(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs), None
    except repair.RepairError as err:
        return None, err
    except Exception as exc:  # noqa: BLE001 - the law under test
        raise Violation("exception", f"{fn.__name__} raised {type(exc).__name__}: {exc}"[:300], _where(exc)) from exc


def check(text: str, expected: Any = MISSING, time_limit: float | None = None, schema: Any = None) -> str:
    """Check every law on one input; return "repaired", "unchanged" or "refused", or raise
    `Violation`:

    * `repair.repair` returns a RepairResult or raises RepairError, nothing else
      (`repair_json` too, and both agree on refusing);
    * the output of `repair_json` (and `.text`) is valid JSON (no NaN/Infinity) holding
      `.value`;
    * repairing that output again takes zero steps and gives the same value;
    * with `expected`, the value is exactly it;
    * with `time_limit`, the first repair took less than that many seconds;
    * with `schema`, all of it with that schema (ValidationFailed is a RepairError).
    """
    kw = {} if schema is None else {"schema": schema}
    t0 = time.perf_counter()
    result, err = _call(repair.repair, text, **kw)
    took = time.perf_counter() - t0
    if time_limit is not None and took > time_limit:
        raise Violation("slow", f"repair took {took:.2f} s (limit {time_limit} s) on {len(text)} chars")
    out, err2 = _call(repair.repair_json, text, **kw)
    if (err is None) != (err2 is None):
        raise Violation("exception", f"repair {'raised' if err else 'returned'} but repair_json "
                                     f"{'raised' if err2 else 'returned'}: {err or err2}")
    if err is not None:
        if expected is not MISSING:
            raise Violation("wrong_value", f"refused ({err}), expected {_short(json.dumps(expected))}")
        return "refused"
    for name, s in (("repair_json", out), (".text", result.text)):
        try:
            parsed = strict_loads(s)
        except RecursionError:
            continue  # deeper than the C decoder goes even with a raised limit: not judged
        except ValueError as exc:
            raise Violation("invalid_json", f"{name} output is not JSON ({exc}): {_short(s)}") from None
        if not same(parsed, result.value):
            raise Violation("text_value_mismatch", f"{name} output {_short(s)} does not hold .value")
    again, err3 = _call(repair.repair, out, **kw)
    if err3 is not None:
        raise Violation("not_idempotent", f"repairing the output {_short(out)} was refused: {err3}")
    if again.steps:
        raise Violation("not_idempotent", f"repairing the output {_short(out)} took steps: "
                                          f"{[str(s) for s in again.steps[:3]]}")
    if not same(again.value, result.value):
        raise Violation("not_idempotent", f"repairing the output {_short(out)} changed the value")
    if expected is not MISSING and not same(result.value, expected):
        raise Violation("wrong_value", f"got {_short(json.dumps(result.value, ensure_ascii=False))}, "
                                       f"expected {_short(json.dumps(expected, ensure_ascii=False))}")
    return "repaired" if result.steps else "unchanged"
