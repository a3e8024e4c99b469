"""Shape: the value's structure bent to the one the schema expects (docs/policy.md §6,
"Shape"): wrapper objects unwrapped, one-item lists unwrapped, a single value wrapped in a
list, an object of objects turned into a list, an object or list written as a JSON string
read back.

Each function takes the recorder `rec` (the Aligner): `rec.add(code, path, message, found,
put)` records a step, and `rec.reparse(text) -> value` is the engine's repair, passed in
by the pipeline so this module never imports it.
"""

from __future__ import annotations

from typing import Any, Callable, Protocol

from ..steps import STRING_JSON, UNWRAP_LIST, snippet
from .compile import Shape
from .keys import count_matching_keys, has_field


class Recorder(Protocol):
    """What the rules here and in coerce.py need of the Aligner."""

    reparse: Callable[[str], Any]

    def add(self, code: str, path: str, message: str, found: Any = "", put: Any = "") -> None: ...

MAX_WRAPPERS = 3  # `{"response": {"data": {...}}}`: wrappers looked through at most


def one_item(rec: Recorder, value: Any, path: str) -> Any:
    """`[5]` where a single value is expected: the value, with a step."""
    if isinstance(value, list) and len(value) == 1 and not isinstance(value[0], (list, dict)):
        rec.add(UNWRAP_LIST, path, "took the one value out of a one-item list", "[...]", "")
        return value[0]
    return value


def one_object(rec: Recorder, value: Any, path: str) -> Any:
    """`[{...}]` where an object is expected: the object, with a step."""
    if isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict):
        rec.add(UNWRAP_LIST, path, "took the one object out of a one-item list", "[...]", "{...}")
        return value[0]
    return value


def one_key_value(rec: Recorder, value: Any, path: str) -> Any:
    """`{"sentiment": "positive"}` where a single value is expected: the value, with a step."""
    if isinstance(value, dict) and len(value) == 1:
        (key, inner), = value.items()
        if not isinstance(inner, (dict, list)):
            rec.add("repair_unwrap", path, f"unwrapped the value from the wrapper key {snippet(key)}", key, "")
            return inner
    return value


def unwrap_object(rec: Recorder, value: dict[str, Any], shape: Shape, path: str) -> dict[str, Any]:
    """`{"result": {...}}` / `{"Person": {...}}`: unwrap while the outer object matches no
    field and exactly one key holds an object that matches some."""
    if count_matching_keys(value, shape):
        return value
    keys, inner = [], value
    for _ in range(MAX_WRAPPERS):
        if not isinstance(inner, dict) or len(inner) != 1:
            return value
        (key, inner), = inner.items()
        keys.append(key)
        if isinstance(inner, list) and len(inner) == 1 and isinstance(inner[0], dict):
            inner = inner[0]
        if isinstance(inner, dict) and count_matching_keys(inner, shape):
            where = " > ".join(snippet(k) for k in keys)
            rec.add("repair_unwrap", path, f"unwrapped the value from the wrapper key(s) {where}", keys[0], "")
            return inner
    return value


def object_to_list(rec: Recorder, value: dict[str, Any], shape: Shape, path: str) -> Any:
    """`{"data": [...]}` -> the list; `{"ann": {"age": 3}}` -> `[{"name": "ann", "age": 3}]`,
    each key moved into the one required string field that no item has."""
    if len(value) == 1:
        (key, inner), = value.items()
        if isinstance(inner, list):
            rec.add("repair_unwrap", path, f"unwrapped the list from the wrapper key {snippet(key)}", key, "")
            return inner
    items = shape.items
    if items is None or items.kind != "object" or not value or not all(isinstance(v, dict) for v in value.values()):
        return value
    if count_matching_keys(value, items):
        return value  # it is one item, not a map of items
    free = [
        name for name in sorted(items.required)
        if items.props[name].kind in ("string", "enum", "any")
        and not any(has_field(v, name, items) for v in value.values())
    ]
    if len(free) != 1:
        return value
    field = free[0]
    rec.add("repair_map_to_list", path, f"turned an object of {len(value)} objects into a list, moving each key into {snippet(field)}", "{...}", "[...]")
    return [{field: key, **item} for key, item in value.items()]


def wrap_list(rec: Recorder, value: Any, path: str) -> list[Any]:
    """A single value where a list is expected: `[value]`, with a step."""
    if isinstance(value, list):
        return value
    rec.add("repair_wrap_list", path, "wrapped a single value in a list", value, "[...]")
    return [value]


def string_json(rec: Recorder, value: str, path: str, kind: type) -> Any:
    """`"{\\"a\\": 1}"` where an object (kind=dict) or a list (kind=list) is expected: the
    value `rec.reparse` reads from the string, when it is of that kind."""
    stripped = value.strip()
    if not stripped or stripped[0] not in "{[":
        return value
    try:
        inner = rec.reparse(stripped)
    except ValueError:  # the engine's RepairError is one
        return value
    if not isinstance(inner, kind):
        return value
    rec.add(STRING_JSON, path, "parsed an object or list written as a JSON string", value, "")
    return inner


def fits(value: Any, shape: Shape, depth: int = 0) -> bool:
    """A cheap structural check: does `value` have the type the shape expects?"""
    if depth > 50:
        return True
    kind = shape.kind
    if value is None:
        return shape.nullable or kind in ("null", "any")
    if kind == "any":
        return True
    if kind == "object":
        return isinstance(value, dict) and all(r in value for r in shape.required)
    if kind == "array":
        return isinstance(value, list) and (shape.items is None or all(fits(v, shape.items, depth + 1) for v in value[:20]))
    if kind == "string":
        return isinstance(value, str)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "enum":
        return value in shape.enum
    if kind == "union":
        return any(fits(value, o, depth + 1) for o in shape.options)
    return False
