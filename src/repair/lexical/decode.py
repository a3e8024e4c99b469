"""The stdlib's C JSON decoder, and what it cannot do alone.

Python's decoder accepts `NaN`, `Infinity` and `-Infinity`, which are not JSON; everywhere
the engine hands text to C such a constant must send the text to the repair path instead,
where it becomes null with a repair_nonfinite_number step (`STRICT`).

The engine writes repaired JSON text and `decode_json` turns it into the value in one C
call. Two things make that call fail on text that is valid: nesting deeper than the
interpreter's recursion limit (then `_decode_deep`, an explicit-stack reader of strict
JSON, takes over) and integers longer than Python's int-conversion limit of 4,300 digits
(then integers are read in chunks, so `[1111...1]` keeps its exact value).
"""

from __future__ import annotations

import re
from collections import deque
from json.decoder import JSONDecodeError, JSONDecoder, scanstring  # type: ignore[attr-defined]  # (public in the module, missing from its stubs)

from ..chars import P

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any, Callable, NoReturn


class NonFinite(ValueError):
    """NaN or Infinity met by the C decoder: the text is not JSON."""


def _refuse(name: str) -> NoReturn:
    raise NonFinite(name)


STRICT = JSONDecoder(parse_constant=_refuse)

_CHUNK = 4000  # digits per int() call, under Python's 4,300-digit conversion limit


def to_int(digits: str) -> int:
    """int() of a decimal digit string of any length (a sign allowed)."""
    try:
        return int(digits)
    except ValueError:
        if len(digits) <= _CHUNK:
            raise
    sign = -1 if digits[:1] == "-" else 1
    body = digits.lstrip("+-")
    value = 0
    for i in range(0, len(body), _CHUNK):
        part = body[i:i + _CHUNK]
        value = value * 10 ** len(part) + int(part)
    return sign * value


def int_text(value: int) -> str:
    """The decimal text of an int of any size (str() refuses past 4,300 digits)."""
    try:
        return int.__repr__(value)
    except ValueError:
        pass
    sign = "-" if value < 0 else ""
    value = abs(value)
    parts = []
    base = 10 ** _CHUNK
    while value:
        value, rest = divmod(value, base)
        parts.append(rest)
    head = int.__repr__(parts.pop())
    return sign + head + "".join(int.__repr__(p).rjust(_CHUNK, "0") for p in reversed(parts))


_BIG_INTS = JSONDecoder(parse_int=to_int, parse_constant=_refuse)

# The engine's output pieces are freed just before a large decode; the C allocator keeps
# such memory for reuse, but the value's many small objects come from elsewhere, so the
# freed pieces would stay in the process's footprint under the value. Handing them back
# first keeps the peak near the text and the value (50 MB with a defect per KB: 2.4x
# json.loads's peak without, 1.8x with). glibc only; elsewhere this does nothing.
_TRIM_AT = 4 << 20  # characters: below this the pieces are too few to matter


def _find_trim() -> Callable[[int], int] | None:
    try:
        import ctypes
        import ctypes.util

        name = ctypes.util.find_library("c")
        trim = getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    except (OSError, AttributeError, ImportError):
        return None
    return trim


_trim: Callable[..., Any] | None = _find_trim  # (the finder until the first large decode, then what it found)


def release_freed_memory(size: int) -> None:
    """Before decoding `size` characters: return freed memory to the system (see above)."""
    global _trim
    if size < _TRIM_AT:
        return
    if _trim is _find_trim:
        _trim = _find_trim()
    if _trim is not None:
        _trim(0)


class _Duplicate(Exception):
    """A key met twice in one object (not a ValueError: the decoder's own are those)."""


def _unique_pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(items)
    if len(obj) < len(items):
        raise _Duplicate
    return obj


# (built once: the check costs a call per object, and most texts have no duplicate key)
_UNIQUE_KEYS = JSONDecoder(object_pairs_hook=_unique_pairs, parse_constant=_refuse)


def _recording(duplicates: list[tuple[str, Any]]) -> JSONDecoder:
    """A decoder that appends (key, the value a later one replaced) to `duplicates`."""
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) < len(items):
            seen: dict[str, Any] = {}
            for key, value in items:
                if key in seen:
                    duplicates.append((key, seen[key]))
                seen[key] = value
        return obj

    return JSONDecoder(object_pairs_hook=pairs, parse_constant=_refuse)


def decode_json(text: str, duplicates: list[tuple[str, Any]] | None = None) -> Any:
    """The value of `text`, which the engine wrote and is valid JSON, at any depth or size.

    With a `duplicates` list, each key that appears twice in one object is appended to it
    as (key, the value the later one replaced): repairs that rebuild structure can bring
    two members with one key into one object, and the earlier one is then lost.

    Raises JSONDecodeError when `text` is not valid JSON after all (an engine bug)."""
    release_freed_memory(len(text))
    if duplicates is not None:
        try:
            try:
                return _UNIQUE_KEYS.decode(text)
            except _Duplicate:  # (rare: read again, recording each duplicate)
                return _recording(duplicates).decode(text)
        except (RecursionError, NonFinite):
            pass
        except JSONDecodeError:
            raise
        except ValueError:
            pass  # an integer past the conversion limit: read below, without the check
    try:
        return STRICT.decode(text)
    except RecursionError:
        return _decode_deep(text)
    except JSONDecodeError:
        raise
    except NonFinite:
        raise
    except ValueError:  # an integer past the int-conversion limit
        try:
            return _BIG_INTS.decode(text)
        except RecursionError:
            return _decode_deep(text)


# One token of strict JSON after optional whitespace, each kind its own group (the match's
# `lastindex` says which): a run of `[` (each the first item of the one before), a `{`, a
# run of closers (whitespace inside a run is taken with it), a separator, a string's
# opening quote, a float, an integer, a literal.
_TOKEN = re.compile(
    rf'[ \t\r\n]*{P}(?:(\[[\[ \t\r\n]*{P})|(\{{)|([\]}}][\]}} \t\r\n]*{P})|([,:])|(")'
    r'|(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?[eE][-+]?[0-9]+|-?(?:0|[1-9][0-9]*)\.[0-9]+)'
    r'|(-?(?:0|[1-9][0-9]*))|(true|false|null))'
)
_RUN, _OBJECT, _CLOSERS, _SEPARATOR, _STRING, _FLOAT, _INT, _WORD = range(1, 9)
_LITERAL = {"true": True, "false": False, "null": None}


def _decode_deep(text: str) -> Any:
    """Strict JSON with an explicit stack: no recursion, so no depth limit but memory.

    Runs of brackets cost C work, not a Python step each: `[[[` builds its chain of lists
    with C loops, and a run of closers pops the stack in one slice."""
    stack: list[Any] = []  # the open containers, innermost last
    top: Any = None  # stack[-1], or None at the root
    in_object = False  # is `top` a dict?
    want_key = False  # is the next string in `top` a key?
    key = ""  # the pending key of `top` (a dict), once read
    root: Any = _UNSET
    value: Any
    chain: list[list[Any]]
    match = _TOKEN.match
    pos = 0
    while True:
        m = match(text, pos)
        if m is None:
            if root is not _UNSET and not stack and text[pos:].strip(" \t\r\n") == "":
                return root
            raise JSONDecodeError("invalid JSON in deep decode", text, pos)
        pos = m.end()
        kind: Any = m.lastindex  # (every alternative is a group: never None)
        if kind == _SEPARATOR:
            if in_object and m.group(kind) == ",":
                want_key = True
            continue
        if kind == _RUN:
            count = m.group(kind).count("[")
            chain = [[] for _ in range(count)]
            if count > 1:
                deque(map(list.append, chain[:-1], chain[1:]), 0)  # (each holds the next)
            value = chain[0]
            stack += chain
            new_top: Any = chain[-1]
            new_in_object = False
        elif kind == _OBJECT:
            value = new_top = {}
            stack.append(value)
            new_in_object = True
        elif kind == _CLOSERS:
            closers = m.group(kind)
            depth = len(stack) - closers.count("]") - closers.count("}")
            if depth < 0:
                raise JSONDecodeError("invalid JSON in deep decode: a closer with nothing open", text, m.start(kind))
            del stack[depth:]
            top = stack[-1] if stack else None
            in_object = top.__class__ is dict
            want_key = False
            continue
        else:
            if kind == _STRING:
                value, pos = scanstring(text, pos, True)
                if want_key:
                    key = value
                    want_key = False
                    continue
            elif kind == _INT:
                value = to_int(m.group(kind))
            elif kind == _FLOAT:
                value = float(m.group(kind))
            else:
                value = _LITERAL[m.group(kind)]
            new_top = None
        # the value is a member of `top`; a container that opened is then `top` itself
        if top is None:
            root = value
        elif in_object:
            top[key] = value
        else:
            top.append(value)
        if new_top is not None:
            top, in_object, want_key = new_top, new_in_object, new_in_object


_UNSET: Any = object()


__all__ = ["STRICT", "NonFinite", "decode_json", "int_text", "to_int"]
