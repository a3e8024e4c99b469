"""Steps: the record of every change, and the closed vocabulary of step codes.

The parser records raw tuples ``(code, pos, message, found, put)`` while it works; only
the steps of the value finally returned become `Step` objects, with line and column
computed in one sweep over the text (so many steps cost O(n), not O(n * steps)).
"""

from __future__ import annotations

import logging
from collections import namedtuple
from contextvars import ContextVar
from operator import itemgetter

# `typing` is imported for type checkers only: at run time it would cost more than the
# engine's own imports (the same idiom in every module on the repair path).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, NamedTuple, Protocol, Sequence, Union

logger = logging.getLogger("repair")
logger.addHandler(logging.NullHandler())  # a library logs; the application decides where it goes


# One code of the vocabulary: the stage that fixes it, whether it may change or drop data,
# a summary, and a before/after example. (A plain namedtuple: `typing` costs import time.)
if TYPE_CHECKING:
    class Code(NamedTuple):
        pass_name: str
        lossy: bool
        summary: str
        before: str
        after: str
else:
    Code = namedtuple("Code", "pass_name lossy summary before after")


# The closed vocabulary. Each code names the defect; `pass_name` is the stage that fixes
# it; `lossy` codes may change or drop data and are refused by strict=True.
CODES: dict[str, Code] = {
    # extraction: finding the value in the text
    "repair_markdown_fence": Code("extract", False, "value taken from a markdown code fence", '```json\\n{"a": 1}\\n```', '{"a": 1}'),
    "repair_content_tag": Code("extract", False, "value taken from MetaGPT [CONTENT] tags (any case, broken closer)", '[CONTENT]{"a": 1}[CONTENT]', '{"a": 1}'),
    "repair_xml_tag": Code("extract", False, "value taken from an XML-like tag", '<json>{"a": 1}</json>', '{"a": 1}'),
    "repair_think_block": Code("extract", False, "reasoning block skipped", '<think>maybe {"a": 0}</think>{"a": 1}', '{"a": 1}'),
    "repair_leading_text": Code("extract", False, "text before the value dropped", 'Sure! {"a": 1}', '{"a": 1}'),
    "repair_trailing_text": Code("extract", False, "text after the value dropped", '{"a": 1} Hope this helps', '{"a": 1}'),
    "repair_dropped_text": Code("extract", True, "text after a value the engine had to close early dropped: it may have been data", '{"a": 1, "b": 2\\nLet me know', '{"a": 1, "b": 2}'),
    "repair_candidate_choice": Code("extract", True, "one of several values chosen (the last of the best-wrapped)", '[CONTENT]{"a": "example"}[/CONTENT] [CONTENT]{"a": 2}[/CONTENT]', '{"a": 2}'),
    "repair_missing_list": Code("extract", False, "values one after another (comma-separated, or one per line) wrapped in a list", '{"a": 1}, {"a": 2}', '[{"a": 1}, {"a": 2}]'),
    "repair_escaped_json": Code("extract", False, "stringified JSON unescaped", '{\\"a\\": 1}', '{"a": 1}'),
    # stray characters
    "repair_stray_char": Code("stray", False, "BOM, zero-width or odd space, or a stray character between tokens removed", '\\ufeff{"a":\\u00a01 ;}', '{"a": 1}'),
    "repair_stray_text": Code("stray", True, "a stray word between members dropped", '{"a": 1, NOTE "b": 2}', '{"a": 1, "b": 2}'),
    "repair_comment": Code("comments", False, "comment outside strings removed", '{"a": 1 // one\\n}', '{"a": 1}'),
    # quotes and strings
    "repair_single_quotes": Code("quotes", False, "single-quoted string", "{'a': 'b'}", '{"a": "b"}'),
    "repair_triple_quotes": Code("quotes", False, "Python triple-quoted string", '{"a": """x"""}', '{"a": "x"}'),
    "repair_smart_quotes": Code("quotes", False, "typographic quotes used as delimiters", "{\u201ca\u201d: \u201cb\u201d}", '{"a": "b"}'),
    "repair_unquoted_key": Code("quotes", False, "key without quotes", "{a: 1}", '{"a": 1}'),
    "repair_unquoted_string": Code("quotes", False, "string value without quotes", '{"a": hello world}', '{"a": "hello world"}'),
    "repair_missing_quote": Code("quotes", False, "opening or closing quote missing, or doubled", '{"a": b"}', '{"a": "b"}'),
    "repair_unescaped_quote": Code("quotes", False, "quote inside a string escaped", '{"a": "say "hi""}', '{"a": "say \\"hi\\""}'),
    "repair_control_char": Code("strings", False, "raw newline, tab or control character in a string escaped", '{"a": "x<newline>y"}', '{"a": "x\\ny"}'),
    "repair_invalid_escape": Code("strings", False, "invalid escape kept as a literal backslash", '{"a": "\\d"}', '{"a": "\\\\d"}'),
    # separators
    "repair_trailing_comma": Code("commas", False, "trailing comma removed", "[1, 2,]", "[1, 2]"),
    "repair_missing_comma": Code("commas", False, "missing comma inserted (or the full-width `，` where it belongs)", '{"a": 1 "b": 2}', '{"a": 1, "b": 2}'),
    "repair_extra_comma": Code("commas", False, "doubled or leading comma removed", "[1,,2]", "[1, 2]"),
    "repair_missing_colon": Code("commas", False, "missing colon inserted (or `=`, `=>`, the full-width `：` where it belongs)", '{"a" 1}', '{"a": 1}'),
    "repair_missing_value": Code("commas", True, "member without a value given null", '{"a": , "b": 1}', '{"a": null, "b": 1}'),
    # brackets
    "repair_missing_bracket": Code("brackets", False, "missing closing bracket inserted (or the `{` of a text that opens with a key)", '{"a": [1, 2', '{"a": [1, 2]}'),
    "repair_extra_bracket": Code("brackets", False, "extra closing bracket removed", '{"a": "b"}}', '{"a": "b"}'),
    "repair_wrong_bracket": Code("brackets", False, "wrong closing bracket replaced", "[1, 2}", "[1, 2]"),
    "repair_duplicate_key": Code("brackets", True, "two members with one key in one object after a structural repair: the earlier value was lost", '{"id": 1, "tags": ["a"}, "id": 2}', '{"id": 2, "tags": ["a"]}'),
    "repair_misplaced_bracket": Code("brackets", True, "a container closed early reopened, or members in [ ] made an object", '{"a": [1], [2]}', '{"a": [1, 2]}'),
    "repair_python_tuple": Code("brackets", False, "Python tuple turned into a list", '{"a": (1, 2)}', '{"a": [1, 2]}'),
    "repair_python_set": Code("brackets", False, "Python set turned into a list", '{"a", "b"}', '["a", "b"]'),
    # literals and numbers
    "repair_python_literal": Code("literals", False, "Python True/False/None", "[True, None]", "[true, null]"),
    "repair_literal": Code("literals", False, "other literal spelling (TRUE, NULL, undefined)", "[TRUE, undefined]", "[true, null]"),
    "repair_nonfinite_number": Code("literals", True, "NaN or Infinity, which JSON cannot hold, became null", "[NaN]", "[null]"),
    "repair_number": Code("numbers", False, "number spelling normalised (.5, +3, 1., 1_000, 0x1F, 1,299 in an object; 007 kept as text)", "[.5, +3, 1_000]", "[0.5, 3, 1000]"),
    "repair_ellipsis": Code("numbers", False, "ellipsis placeholder removed", "[1, 2, ...]", "[1, 2]"),
    # truncation
    "repair_truncated": Code("truncation", True, "text ends inside a token; the token was completed or dropped", '{"a": "hel', '{"a": "hel"}'),
    # schema alignment (value level: each step carries the JSON path it changed)
    "repair_key_case": Code("schema", False, "key matched a field ignoring case", '{"original requirements": 1}', '{"Original Requirements": 1}'),
    "repair_key_convention": Code("schema", False, "key matched a field in another naming convention", '{"userName": 1}', '{"user_name": 1}'),
    "repair_key_alias": Code("schema", False, "key matched a declared alias of a field", '{"mail": 1}', '{"email": 1}'),
    "repair_key_typo": Code("schema", True, "key matched the one field within a small edit distance", '{"ctiy": 1}', '{"city": 1}'),
    "repair_extra_key": Code("schema", True, "key the schema does not know dropped", '{"name": "a", "junk": 1}', '{"name": "a"}'),
    "repair_coerce_number": Code("schema", False, "number written as text (\"1,234\", \"$12.50\", \"3 units\", \"15%\")", '{"n": "1,234"}', '{"n": 1234}'),
    "repair_coerce_bool": Code("schema", False, "boolean written as a word", '{"ok": "Yes"}', '{"ok": true}'),
    "repair_coerce_null": Code("schema", False, "null written as a word, for an optional field", '{"x": "N/A"}', '{"x": null}'),
    "repair_coerce_string": Code("schema", False, "number or boolean where text is expected", '{"zip": 2100}', '{"zip": "2100"}'),
    "repair_markdown_value": Code("schema", False, "inline markdown around a scalar stripped", '{"n": "**42**"}', '{"n": 42}'),
    "repair_enum_match": Code("schema", False, "enum or Literal value matched by case, punctuation, substring or spelling", '{"s": "In Progress"}', '{"s": "in_progress"}'),
    "repair_wrap_list": Code("schema", False, "single value where a list is expected, wrapped", '{"tags": "x"}', '{"tags": ["x"]}'),
    "repair_unwrap_list": Code("schema", False, "one-item list where a single value is expected, unwrapped", '{"n": [5]}', '{"n": 5}'),
    "repair_string_json": Code("schema", False, "object or list written as a JSON string, parsed", '{"o": "{\\"a\\": 1}"}', '{"o": {"a": 1}}'),
    "repair_unwrap": Code("schema", False, "value wrapped in an outer object ({\"result\": ...}), unwrapped", '{"result": {"name": "a"}}', '{"name": "a"}'),
    "repair_map_to_list": Code("schema", False, "object of objects where a list is expected; keys moved into a field", '{"ann": {"age": 3}}', '[{"name": "ann", "age": 3}]'),
    "repair_schema_choice": Code("schema", True, "one of several values chosen because it fits the schema best", '{"a": "x"} {"name": "a"}', '{"name": "a"}'),
}

# the codes that may change or drop data
LOSSY_CODES = frozenset(code for code, info in CODES.items() if info.lossy)


class Step(tuple[str, int, int, int, str, str, str, str]):
    """One change made to the model's text.

    `pos` is an offset in the raw text given to `repair`; `line` and `col` are 1-based.
    `found` is what was there and `put` what replaced it (either may be empty). Schema
    alignment steps also carry `path`, the JSON path they changed (`$.items[0].name`),
    and the offset of the value they belong to.
    `str(step)` is one log line that starts with the code.
    """

    __slots__ = ()
    _fields = ("code", "pos", "line", "col", "message", "found", "put", "path")

    def __new__(cls, code: str, pos: int, line: int, col: int, message: str, found: str = "",
                put: str = "", path: str = "") -> Step:
        # a tuple underneath: building one costs a quarter of a frozen dataclass, and a
        # document with a step per string builds many
        return tuple.__new__(cls, (code, pos, line, col, message, found, put, path))

    def __getnewargs__(self) -> tuple[str, int, int, int, str, str, str, str]:
        return tuple(self)  # type: ignore[return-value]  # (a Step is that 8-tuple; mypy sees tuple[str | int, ...])

    if TYPE_CHECKING:  # the fields below, as a type checker sees them
        @property
        def code(self) -> str: ...
        @property
        def pos(self) -> int: ...
        @property
        def line(self) -> int: ...
        @property
        def col(self) -> int: ...
        @property
        def message(self) -> str: ...
        @property
        def found(self) -> str: ...
        @property
        def put(self) -> str: ...
        @property
        def path(self) -> str: ...
    else:  # (itemgetter: a C call, as fast as a namedtuple's fields)
        code = property(itemgetter(0), doc="the repair_<kind> code")
        pos = property(itemgetter(1), doc="offset in the raw text")
        line = property(itemgetter(2), doc="1-based line")
        col = property(itemgetter(3), doc="1-based column")
        message = property(itemgetter(4))
        found = property(itemgetter(5))
        put = property(itemgetter(6))
        path = property(itemgetter(7), doc="JSON path, for schema steps")

    def __repr__(self) -> str:
        return "Step(" + ", ".join(f"{name}={value!r}" for name, value in zip(self._fields, self)) + ")"

    @property
    def pass_name(self) -> str:
        return CODES[self.code].pass_name

    @property
    def lossy(self) -> bool:
        return CODES[self.code].lossy

    def __str__(self) -> str:
        where = f" ({self.path})" if self.path else ""
        return f"{self.code} at line {self.line}, column {self.col}{where}: {self.message}"

    def to_dict(self) -> dict[str, str | int | bool]:
        return {
            "code": self.code, "pass": self.pass_name, "pos": self.pos, "line": self.line,
            "col": self.col, "message": self.message, "found": self.found, "put": self.put,
            "lossy": self.lossy, "path": self.path,
        }


if TYPE_CHECKING:
    # What the engine and extraction record: (code, pos, message, found, put)
    RawStep = tuple[str, int, str, str, str]
    # ... and schema alignment, with the JSON path it changed: (code, pos, message, found, put, path)
    PathStep = tuple[str, int, str, str, str, str]
    # raw or built: code first, offset second
    AnyStep = Union[RawStep, PathStep, Step]


def build_steps(doc: str, raw: Sequence[RawStep | PathStep]) -> tuple[Step, ...]:
    """Turn raw step tuples into `Step`s, in text order, computing line/column in one sweep."""
    if not raw:
        return ()
    ordered = sorted(raw, key=_by_pos)  # stable: same-position steps keep their order
    steps = []
    line, line_start, last = 1, 0, 0
    count, rfind, size = doc.count, doc.rfind, len(doc)
    for r in ordered:
        pos = r[1]
        if pos < 0 or pos > size:
            pos = 0 if pos < 0 else size
        if pos > last:
            added = count("\n", last, pos)
            if added:
                line += added
                line_start = rfind("\n", last, pos) + 1
            last = pos
        steps.append(_new_step(Step, (r[0], pos, line, pos - line_start + 1, r[2], r[3], r[4], r[5] if len(r) > 5 else "")))
    return tuple(steps)


_by_pos = itemgetter(1)
_new_step = tuple.__new__


def step_codes(raw: Sequence[RawStep | PathStep]) -> list[str]:
    """The codes of raw steps in the order `build_steps` gives them, without the Steps."""
    return [r[0] for r in sorted(raw, key=_by_pos)]


def log_steps(steps: tuple[Step, ...]) -> None:
    """Emit every step on the `repair` logger at INFO, each line starting with its code.

    Each record also carries the step as fields (`extra=`), for JSON log formatters:
    `repair_code`, `repair_pos`, `repair_line`, `repair_col`, `repair_lossy` and
    `repair_path` ("" unless a schema step). Nothing is logged inside `unlogged_steps()`.
    """
    if steps and logger.isEnabledFor(logging.INFO) and not _unlogged.get():
        for step in steps:
            logger.info("%s", step, extra=log_fields(step))


def log_fields(step: Step) -> dict[str, object]:
    """The fields a step's log record carries (see `log_steps`)."""
    return {"repair_code": step.code, "repair_pos": step.pos, "repair_line": step.line, "repair_col": step.col,
            "repair_lossy": CODES[step.code].lossy, "repair_path": step.path}


_unlogged: ContextVar[bool] = ContextVar("repair_unlogged_steps", default=False)


class unlogged_steps:
    """`with unlogged_steps():` repairs made inside log no steps. For a caller that repairs
    the same text more than once (ActionNode re-reads a cut-off answer joined with its
    continuation, and a streamed answer at every piece) and logs the steps of the
    reading it keeps itself, so that each step is logged once. Per thread and per task."""

    def __enter__(self) -> None:
        self._token = _unlogged.set(True)

    def __exit__(self, *exc: object) -> None:
        _unlogged.reset(self._token)


def snippet(text: str, limit: int = 40) -> str:
    """A short printable excerpt for step messages."""
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    return repr(text)


def text_end(text: str, end: int = -1) -> int:
    """The offset after the text's last non-blank character (found from the end: no copy);
    with `end`, the last before that offset."""
    if end < 0:
        end = len(text)
    while end and text[end - 1] in " \t\r\n":
        end -= 1
    return end


def closed_at(steps: Iterable[AnyStep], end: int) -> bool:
    """Did these steps (raw or built: code first, offset second) close containers still
    open at offset `end` or after, rather than meet their own closers?"""
    return any(s[0] == "repair_missing_bracket" and s[1] >= end for s in steps)


def ends_cut_off(steps: Iterable[AnyStep], end: int) -> bool:
    """Did the text, whose last non-blank character ends at `end` (`text_end`), end inside
    the value these steps repaired? A token was cut (repair_truncated) or a container was
    still open there (ActionNode asks for a continuation; extraction prefers a whole value
    to a cut copy)."""
    return any(s[0] == "repair_truncated" for s in steps) or closed_at(steps, end)


# ---------------------------------------------------------------------- step constructors
# One function per step that more than one construct records, so that its message is
# written once: the engine's runs (lexical/runs.py) and the construct functions call these.

def single_quotes(pos: int, quote: str = "'") -> RawStep:
    what = "backtick-quoted string" if quote == "`" else "single-quoted string"
    return ("repair_single_quotes", pos, what, quote, '"')


def literal(pos: int, word: str, code: str, json_word: str) -> RawStep:
    """`True` -> `true` (repair_python_literal), `NULL` -> `null` (repair_literal)."""
    return (code, pos, f"{word} written as {json_word}", word, json_word)


def unquoted_key(pos: int, key: str) -> RawStep:
    return ("repair_unquoted_key", pos, f"quoted the bare key {snippet(key)}", "", '"')


def missing_comma(pos: int) -> RawStep:
    """A comma inserted before the member or item that starts at `pos`."""
    return ("repair_missing_comma", pos, "inserted a missing ','", "", ",")


def comment(pos: int, text: str) -> RawStep:
    """A `//`, `#` or `/* */` comment between tokens (trivia.py, and the spans of runs.py)."""
    return ("repair_comment", pos, f"removed comment {snippet(text)}", text, "")


# The steps that more than one construct records: the code is written here once, the
# message says what was done in that construct. Each recorder takes (pos, message, found,
# put) and returns the raw step.

if TYPE_CHECKING:
    class Recorder(Protocol):
        def __call__(self, pos: int, message: str, found: str = ..., put: str = ...) -> RawStep: ...


def _recorder(code: str, found: str = "") -> Recorder:
    def record(pos: int, message: str, found: str = found, put: str = "") -> RawStep:
        return (code, pos, message, found, put)

    record.__qualname__ = record.__name__ = code[len("repair_"):]
    return record


truncation = _recorder("repair_truncated")  # the text ends inside a token: completed or dropped (lossy)
missing_value = _recorder("repair_missing_value")
missing_quote = _recorder("repair_missing_quote")
missing_bracket = _recorder("repair_missing_bracket")
stray_char = _recorder("repair_stray_char")
extra_bracket = _recorder("repair_extra_bracket")
extra_comma = _recorder("repair_extra_comma", ",")
leading_text = _recorder("repair_leading_text")
trailing_text = _recorder("repair_trailing_text")
dropped_text = _recorder("repair_dropped_text")  # text after a value closed early (lossy: it may have been data)
python_tuple = _recorder("repair_python_tuple")
unescaped_quote = _recorder("repair_unescaped_quote")


def trailing_comma(pos: int) -> RawStep:
    return ("repair_trailing_comma", pos, "removed a trailing ','", ",", "")


def nonfinite_number(pos: int, word: str) -> RawStep:
    """`NaN`, `Infinity`: JSON cannot hold them; null instead (lossy)."""
    return ("repair_nonfinite_number", pos, f"{word} is not a JSON number; used null", word, "null")


# Codes that a construct asks about (read, not written, elsewhere), alone or in groups.
NONFINITE = "repair_nonfinite_number"
PYTHON_LITERAL = "repair_python_literal"
# repairs that may rebuild structure, so that two members with one key meet in one object
REBUILDING = frozenset(["repair_missing_bracket", "repair_extra_bracket", "repair_wrong_bracket",
                        "repair_missing_quote", "repair_unescaped_quote", "repair_missing_comma"])
# schema codes that the tool-call reader writes too (tools/), and extraction's tag code it reads
UNWRAP_LIST = "repair_unwrap_list"
STRING_JSON = "repair_string_json"
KEY_CONVENTION = "repair_key_convention"
MARKDOWN_VALUE = "repair_markdown_value"
XML_TAG = "repair_xml_tag"
# what the stream reader asks of a reading's steps (streaming.py)
TRUNCATED = "repair_truncated"
MISSING_BRACKET = "repair_missing_bracket"
COMMENT = "repair_comment"
ESCAPED_JSON = "repair_escaped_json"
LEADING_TEXT = "repair_leading_text"
# extraction's wrappers: a value inside one is the answer for sure
WRAPPERS = frozenset(["repair_markdown_fence", "repair_content_tag", "repair_xml_tag"])
# repairs of one token (and extraction's own) that no later text reads differently; any
# other repair may be read again once more text comes
TOKEN_LOCAL = WRAPPERS | frozenset([
    "repair_think_block", "repair_leading_text", "repair_trailing_text", "repair_single_quotes",
    "repair_triple_quotes", "repair_smart_quotes", "repair_unquoted_key", "repair_python_literal",
    "repair_literal", "repair_comment", "repair_trailing_comma", "repair_invalid_escape", "repair_number",
    "repair_stray_char",
])
# what a Python tuple written as a whole text may need: its parentheses, quotes, literals, a comma
TUPLE_REPAIRS = frozenset(["repair_python_tuple", "repair_single_quotes", "repair_python_literal",
                           "repair_trailing_comma"])


def duplicate_key(pos: int, key: str, lost: str) -> RawStep:
    """A key that came twice into one object: the earlier value (`found`) was replaced."""
    return ("repair_duplicate_key", pos, f"key {snippet(key)} appears twice in one object; kept the later value", lost, "")


def smart_quotes(pos: int, quote: str) -> RawStep:
    return ("repair_smart_quotes", pos, f"typographic quote {quote!r} used as a string delimiter", quote, '"')
