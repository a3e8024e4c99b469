"""Schema alignment: bend a parsed value toward what the schema expects, one recorded
step per change, each with the JSON path it changed.

Works on values, never on text: a key is renamed only where it is a key, and a value that
merely contains a field's name is left alone. Nothing is guessed when two readings are
equally good (two fields equally close to a typo, two enum options in one answer).

This module walks the value and dispatches on the kind the schema expects; the rules
themselves live in keys.py (key matching), shape.py (structure) and coerce.py (scalars).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Callable

from ..steps import CODES, snippet
from .coerce import means_null, to_boolean, to_enum, to_integer, to_number, to_string
from .shape import Recorder, fits, object_to_list, one_item, one_key_value, one_object, string_json, unwrap_object, wrap_list
from .compile import Shape
from .keys import match_keys

if TYPE_CHECKING:
    from ..steps import PathStep

MAX_DEPTH = 120

_SCALAR_KINDS = frozenset(["string", "integer", "number", "boolean", "enum"])


def path_join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def _strict_json(text: str) -> Any:
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("nested too deeply") from None


class Aligner:
    """Aligns one value and records its steps as raw tuples
    `(code, pos, message, found, put, path)`.

    `reparse(text) -> value` reads an object or list written as a JSON string; it raises
    ValueError when the text holds no value. The pipeline passes its own repair, so
    alignment never imports the engine above it; alone, the Aligner reads strict JSON.
    """

    def __init__(self, pos: int = 0, reparse: Callable[[str], Any] | None = None) -> None:
        self.pos = pos  # where the value starts in the raw text: the offset value steps carry
        self.reparse = reparse or _strict_json
        self.steps: list[PathStep] = []

    def add(self, code: str, path: str, message: str, found: Any = "", put: Any = "") -> None:
        self.steps.append((code, self.pos, message, _short(found), _short(put), path))

    # ------------------------------------------------------------------ dispatch
    def align(self, value: Any, shape: Shape, path: str = "$", depth: int = 0) -> Any:
        # Alignment recurses with the value (about three frames a level); below MAX_DEPTH
        # the value is left as it is and the validator has the last word.
        if depth > MAX_DEPTH or shape.kind == "any":
            return value
        if value is None:
            return value
        if shape.nullable and shape.kind in _SCALAR_KINDS and isinstance(value, list):
            value = one_item(self, value, path)  # `["N/A"]`: unwrapped first, so the null word is seen
        if means_null(value, shape):
            self.add("repair_coerce_null", path, f"{snippet(value)} means no value; used null", value, None)
            return None
        if shape.kind in _SCALAR_KINDS:
            value = one_key_value(self, value, path)
            return _COERCE[shape.kind](self, value, shape, path)
        if shape.kind == "object":
            return self._object(value, shape, path, depth)
        if shape.kind == "array":
            return self._array(value, shape, path, depth)
        if shape.kind == "union":
            return self._union(value, shape, path, depth)
        return value  # null: the validator judges

    # ------------------------------------------------------------------ containers
    def _object(self, value: Any, shape: Shape, path: str, depth: int) -> Any:
        if isinstance(value, str):
            value = string_json(self, value, path, dict)
        value = one_object(self, value, path)
        if not isinstance(value, dict):
            return value
        if shape.props:
            value = unwrap_object(self, value, shape, path)
            return self._object_keys(value, shape, path, depth)
        if shape.additional is not None:
            return {k: self.align(v, shape.additional, path_join(path, k), depth + 1) for k, v in value.items()}
        return value

    def _object_keys(self, value: dict[str, Any], shape: Shape, path: str, depth: int) -> dict[str, Any]:
        target = match_keys(list(value), shape)
        out: dict[str, Any] = {}
        for key, item in value.items():
            prop, code = target.get(key, (None, None))
            if prop is None:
                if shape.drop_extra:
                    self.add("repair_extra_key", path_join(path, key), f"dropped the key {snippet(key)}, which the schema does not know", key, "")
                    continue
                out[key] = item
                continue
            if code:
                self.add(code, path_join(path, prop), f"key {snippet(key)} read as {snippet(prop)}", key, prop)
            out[prop] = self.align(item, shape.props[prop], path_join(path, prop), depth + 1)
        return out

    def _array(self, value: Any, shape: Shape, path: str, depth: int) -> Any:
        if isinstance(value, str):
            value = string_json(self, value, path, list)
        if isinstance(value, dict):
            value = object_to_list(self, value, shape, path)
        value = wrap_list(self, value, path)
        items = shape.items or Shape("any")
        return [self.align(v, items, path_join(path, i), depth + 1) for i, v in enumerate(value)]

    def _union(self, value: Any, shape: Shape, path: str, depth: int) -> Any:
        """Align to every option; keep the one the result fits, then the fewest lossy
        steps, then the fewest steps."""
        best: tuple[tuple[bool, int, int], Any, list[PathStep]] | None = None
        for option in shape.options:
            trial = Aligner(self.pos, self.reparse)
            aligned = trial.align(value, option, path, depth + 1)
            lossy = sum(1 for s in trial.steps if CODES[s[0]].lossy)
            score = (fits(aligned, option), -lossy, -len(trial.steps))
            if best is None or score > best[0]:
                best = (score, aligned, trial.steps)
        if best is None:
            return value
        self.steps.extend(best[2])
        return best[1]


_COERCE: dict[str, Callable[[Recorder, Any, Shape, str], Any]] = {
    "string": to_string,
    "integer": to_integer,
    "number": to_number,
    "boolean": to_boolean,
    "enum": to_enum,
}


def _short(value: Any) -> str:
    if isinstance(value, str):
        return value if len(value) <= 60 else value[:57] + "..."
    if isinstance(value, (int, float, bool)) or value is None:
        return json.dumps(value)
    return "..."
