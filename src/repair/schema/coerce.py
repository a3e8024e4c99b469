"""Coercions: a scalar of the wrong type read as the one the schema expects (docs/policy.md
§6, "Values"): numbers and booleans written as text, null words, enum options named
loosely, markdown around a value, numbers and booleans where text is expected.

The `to_*` functions take the recorder `rec` (the Aligner, `rec.add(...)` records a step)
and return the coerced value, or the value as it was when no reading is certain.
"""

from __future__ import annotations

import json
import re

from typing import Any

from ..steps import MARKDOWN_VALUE, snippet
from .compile import Shape, normalize
from .keys import closest
from .shape import Recorder, one_item

NULL_WORDS = frozenset(["n/a", "na", "none", "null", "nil", "-", "", "not applicable", "unknown", "undefined"])
TRUE_WORDS = frozenset(["true", "yes", "y", "on", "1", "t"])
FALSE_WORDS = frozenset(["false", "no", "n", "off", "0", "f"])

_MARKDOWN_MARKERS = ("**", "__", "*", "_")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")  # one way to split digits
_LEADING_NUMBER = re.compile(r"^([+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?)\s*[A-Za-z\u00b5\u00b0][\w\s./\u00b5\u00b0-]{0,40}$")
_CURRENCY = "$€£¥₹"


def means_null(value: Any, shape: Shape) -> bool:
    """`"N/A"`, `"None"`, `"-"` where null is allowed; `""` too, except where a string is
    expected (there it is a valid string)."""
    if not shape.nullable or not isinstance(value, str):
        return False
    word = value.strip().casefold()
    return word in NULL_WORDS and (word != "" or shape.kind != "string")


def to_string(rec: Recorder, value: Any, shape: Shape, path: str) -> Any:
    value = one_item(rec, value, path)
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (int, float)):
        text = json.dumps(value)
    else:
        return value
    rec.add("repair_coerce_string", path, f"wrote {text} as text", value, text)
    return text


def to_integer(rec: Recorder, value: Any, shape: Shape, path: str) -> Any:
    return to_number(rec, value, shape, path, integer=True)


def to_number(rec: Recorder, value: Any, shape: Shape, path: str, integer: bool = False) -> Any:
    value = one_item(rec, value, path)
    if not isinstance(value, str):
        return value
    text = unmark(rec, value, path)
    number = parse_number(text, shape, integer)
    if number is None:
        return text if text != value.strip() else value
    rec.add("repair_coerce_number", path, f"read {snippet(value)} as {number}", value, number)
    return number


def to_boolean(rec: Recorder, value: Any, shape: Shape, path: str) -> Any:
    value = one_item(rec, value, path)
    if not isinstance(value, str):
        return value
    word = unmark(rec, value, path).strip().rstrip(".!").casefold()
    if word in TRUE_WORDS or word in FALSE_WORDS:
        result = word in TRUE_WORDS
        rec.add("repair_coerce_bool", path, f"read {snippet(value)} as {str(result).lower()}", value, result)
        return result
    return value


def to_enum(rec: Recorder, value: Any, shape: Shape, path: str) -> Any:
    if value in shape.enum and not isinstance(value, bool):
        return value
    value = one_item(rec, value, path)
    if value in shape.enum and not isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and str(value) in shape.enum:
        rec.add("repair_enum_match", path, f"read {value} as {snippet(str(value))}", value, str(value))
        return str(value)
    if not isinstance(value, str):
        return value
    text = unmark(rec, value, path)
    chosen, rule = match_enum(text, shape.enum)
    if chosen is None:
        return value
    if chosen != value:
        rec.add("repair_enum_match", path, f"read {snippet(value)} as {snippet(chosen)} ({rule})", value, chosen)
    return chosen


def unmark(rec: Recorder, value: str, path: str) -> str:
    """`**42**` -> `42`, with a step; the text as it was when it is not marked up."""
    found = markdown(value)
    if found is None:
        return value
    marker, inner = found
    rec.add(MARKDOWN_VALUE, path, f"stripped markdown {marker!r} around {snippet(inner)}", value, inner)
    return inner


def parse_number(text: str, shape: Shape, integer: bool) -> int | float | None:
    """`1,234`, `$12.50`, `3 units`, `15%` (0.15 for a field capped at 1) -> a number."""
    t = text.strip()
    percent = t.endswith("%")
    if percent:
        t = t[:-1].strip()
    t = t.strip(_CURRENCY).strip()
    if not t:
        return None  # `""`, `%`, `$`: no digits at all
    if t[0] in "+-" and len(t) > 1 and t[1] in _CURRENCY:
        t = t[0] + t[2:]
    if _THOUSANDS.match(t):
        t = t.replace(",", "")
    elif not _NUMBER.match(t):
        m = _LEADING_NUMBER.match(t)
        if m is None or percent or any(c.isdigit() for c in t[m.end(1):]):
            return None  # not a number, or `3 or 4 days`: two numbers, and no way to pick
        t = m.group(1).replace(",", "")
    try:
        number = float(t) if any(c in t for c in ".eE") else int(t)
    except ValueError:
        return None
    if percent and shape.maximum is not None and shape.maximum <= 1:
        number = number / 100
    if isinstance(number, float) and number.is_integer() and (integer or "." not in t and "e" not in t.lower()):
        number = int(number)
    return number


def match_enum(text: str, options: list[Any]) -> tuple[str | None, str]:
    """The one option `text` names, and by which rule; (None, "") when none or several."""
    strings = [o for o in options if isinstance(o, str)]
    if not strings:
        return None, ""
    folded = text.strip().casefold()
    rules = (
        ("ignoring case", lambda o: o.casefold() == folded),
        ("ignoring case and punctuation", lambda o: normalize(o) == normalize(text) and normalize(o) != ""),
        ("named in the text", lambda o: _word_pattern(o).search(text) is not None),
    )
    for rule, test in rules:
        hits = [o for o in strings if test(o)]
        if len(hits) == 1:
            return hits[0], rule
        if len(hits) > 1:
            return None, ""  # ambiguous: guess nothing
    word = normalize(text)
    if len(word) >= 4:
        best = closest(word, strings)
        if best is not None:
            return best, "closest spelling"
    return None, ""


def _word_pattern(option: str) -> re.Pattern[str]:
    words = [w for w in re.split(r"[^0-9A-Za-z]+", option) if w]
    if not words:
        return re.compile(r"(?!x)x")
    body = r"[\s_\-]+".join(re.escape(w) for w in words)
    return re.compile(rf"(?<![0-9A-Za-z]){body}(?![0-9A-Za-z])", re.IGNORECASE)


def markdown(value: str) -> tuple[str, str] | None:
    """`**42**`, `_yes_`, `` `P1` ``: (marker, inner text), or None. Plain string checks:
    a pattern with a back-reference here backtracked cubically on runs of backticks."""
    text = value.strip()
    if text.startswith("`"):  # the longest run of backticks that also closes the text
        size = min(len(text) - len(text.lstrip("`")), len(text) - len(text.rstrip("`")), (len(text) - 1) // 2)
        marker = "`" * size
    else:
        marker = next((m for m in _MARKDOWN_MARKERS
                       if text.startswith(m) and text.endswith(m) and len(text) > 2 * len(m)), "")
    if not marker:
        return None
    inner = text[len(marker):len(text) - len(marker)].strip()
    return (marker, inner) if inner else None
