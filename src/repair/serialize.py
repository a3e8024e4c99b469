"""Serialize a repaired value as JSON text, at any depth.

`json.dumps` is used when it can be (C speed); it refuses values nested deeper than the
recursion limit and non-finite floats, and for those an iterative writer takes over.
Floats too large for a double (`1e400` in the input) are written as `1e999`, which every
JSON parser reads back as infinity; `NaN` never reaches here (it is repaired to null).
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring, encode_basestring_ascii

from .lexical.decode import int_text

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any, Literal, Union

    # the iterative writer's work items: ("v", value, depth) writes a value, ("s", text) literal text
    _Work = Union[tuple[Literal["v"], Any, int], tuple[Literal["s"], str]]


def dumps(value: Any, indent: int | str | None = None, ensure_ascii: bool = False) -> str:
    try:
        return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, allow_nan=False)
    except (ValueError, RecursionError):
        return _dumps_iterative(value, indent, ensure_ascii)


def _float(x: float) -> str:
    if x != x:
        return "null"
    if x == float("inf"):
        return "1e999"
    if x == float("-inf"):
        return "-1e999"
    return float.__repr__(x)


def _dumps_iterative(value: Any, indent: int | str | None, ensure_ascii: bool) -> str:
    enc = encode_basestring_ascii if ensure_ascii else encode_basestring
    if isinstance(indent, int):
        indent = " " * indent
    item_sep, key_sep = (", ", ": ") if indent is None else (",", ": ")
    out: list[str] = []
    # Work items: ("v", value, depth) writes a value; ("s", text) writes literal text.
    work: list[_Work] = [("v", value, 0)]
    while work:
        item = work.pop()
        if item[0] == "s":
            out.append(item[1])
            continue
        _, v, depth = item
        if v is None:
            out.append("null")
        elif v is True:
            out.append("true")
        elif v is False:
            out.append("false")
        elif isinstance(v, str):
            out.append(enc(v))
        elif isinstance(v, int):
            out.append(int_text(v))  # (any length: str() refuses past 4,300 digits)
        elif isinstance(v, float):
            out.append(_float(v))
        elif isinstance(v, (list, tuple, dict)):
            is_dict = isinstance(v, dict)
            opener, closer = ("{", "}") if is_dict else ("[", "]")
            if not v:
                out.append(opener + closer)
                continue
            if indent is None:
                inner = outer = ""
            else:
                inner = "\n" + indent * (depth + 1)
                outer = "\n" + indent * depth
            out.append(opener)
            pending: list[_Work] = [("s", outer + closer)]
            items = list(v.items()) if isinstance(v, dict) else list(v)
            for i in range(len(items) - 1, -1, -1):
                if is_dict:
                    k, val = items[i]
                    pending.append(("v", val, depth + 1))
                    pending.append(("s", (item_sep if i else "") + inner + enc(str(k)) + key_sep))
                else:
                    pending.append(("v", items[i], depth + 1))
                    pending.append(("s", (item_sep if i else "") + inner))
            work.extend(pending)
        else:
            raise TypeError(f"Object of type {type(v).__name__} is not JSON serializable")
    return "".join(out)
