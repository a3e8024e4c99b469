"""What one unit of text gives: a record per value it holds, in order.

Every record has `file`, `line` (where the unit starts), `index` (the value's place among
the unit's values, from 0), `kind` and `ok`; a value has its `span` (start and end
characters in the unit's text), `lossy` (a step may have changed or dropped data:
truncation, a dropped tail) and its `steps`; a failure has `error` and `error_kind`.

A plain log line whose first bracket opens valid JSON, with nothing around it that repair
would read as another value or a wrapper, is decoded by the C decoder (`fast_value`, the
rules of extraction's `valid_value_in_line`): the record is the one repair gives, only
cheaper. Anything else goes to `repair_all`, unless it is longer than `max_repair`
characters: the engine's cost grows with the text's length and shape, so such a unit gives
one record with `"error_kind": "limit"` instead.
"""

from __future__ import annotations

import json
import re
from logging import INFO

from ..extract.prose import is_subscript
from ..lexical.decode import STRICT
from ..steps import LOSSY_CODES

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any, Iterable

    from ..errors import ErrorDetail
    from .options import ScanOptions
    from .output import Record
    from .units import Unit

_LOG_TEXT = ("line", "block")
_QUOTE_FIRST = re.compile(r'[ \t\r\n]*"')
_TAIL_NOT_FAST = re.compile(r'[\[\]{}"#/]')


def fast_value(text: str) -> tuple[Any, int, int] | None:
    """(value, start, end) of the valid JSON value that repair finds in a log line, when it
    is the valid JSON at the line's first bracket with only plain text around it; None when
    only repair can tell. The same rules as extraction's `valid_value_in_line`, which
    explains them; here the span comes with the value."""
    if "`" in text or "<" in text or "~" in text or "\ufeff" in text:
        return None
    p = text.find("{")
    q = text.find("[", 0, p if p >= 0 else len(text))
    if q >= 0:
        p = q
    if p < 0 or _QUOTE_FIRST.match(text) is not None:
        return None
    if text.startswith("'", p + 1):  # a Python repr (`{'a': 1}`): no JSON, no decode to fail
        return None
    try:
        value, end = STRICT.raw_decode(text, p)
    except (ValueError, RecursionError):
        return None
    if p and type(value) is list and (not value or type(value[0]) not in (dict, list)) and is_subscript(text, p):
        return None
    if _TAIL_NOT_FAST.search(text, end) is not None:
        return None
    return value, p, end


def decode(raw: bytes, notes: list[str], what: str = "line") -> str:
    """The unit's text; undecodable and NUL bytes become notes."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        notes.append(f"undecodable byte 0x{raw[exc.start]:02x} at byte {exc.start + 1} of the {what}: invalid UTF-8 replaced "
                     "with U+FFFD; if the log is Latin-1 or cp1252, convert it first (iconv -f LATIN1 -t UTF-8)")
        text = raw.decode("utf-8", errors="replace")
    if "\x00" in text:
        k, first = raw.count(b"\x00"), raw.find(b"\x00") + 1
        notes.append(f"{k} NUL byte{'s' if k > 1 else ''} in the {what}, the first at byte {first}: repaired "
                     "with them in place (a NUL inside a string is kept, as \\u0000); if the log is UTF-16 or has binary "
                     "parts, convert or clean it first (iconv -f UTF-16 -t UTF-8, or tr -d '\\000')")
    return text


def get_field(obj: Any, path: str) -> Any:
    """The value at a dotted path (`choices.0.message.content`); LookupError says where not."""
    cur = obj
    done: list[str] = []
    for part in path.split("."):
        where = ".".join(done) or "the top level"
        if isinstance(cur, dict):
            if part not in cur:
                raise LookupError(f"field {path!r} not found: no key {part!r} at {where}")
            cur = cur[part]
        elif isinstance(cur, list):
            if not part.lstrip("-").isdigit():
                raise LookupError(f"field {path!r} not found: {where} is a list, and {part!r} is not an index")
            try:
                cur = cur[int(part)]
            except IndexError:
                raise LookupError(f"field {path!r} not found: index {part} out of range at {where} (length {len(cur)})") from None
        else:
            raise LookupError(f"field {path!r} not found: {where} is {_kind(cur)}, not an object")
        done.append(part)
    return cur


def _kind(v: object) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(type(v), "a number")


_engine: tuple[ModuleType, ModuleType] | None = None


def _repair_all() -> tuple[ModuleType, ModuleType]:
    """The engine's entry points (`core`) and `errors`, imported on first use."""
    global _engine
    if _engine is None:
        from .. import core, errors

        _engine = core, errors
    return _engine


def _failed(name: str, lineno: int, kind: str, message: str, error_kind: str, notes: list[str], **extra: Any) -> Record:
    rec = {"file": name, "line": lineno, "index": 0, "kind": kind, "ok": False, "steps": [], "error": message,
           "error_kind": error_kind}
    rec.update(extra)
    if notes:
        rec["notes"] = list(notes)
    return rec


def _loc(loc: Iterable[str | int]) -> str:
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)


def unit_records(name: str, unit: Unit, options: ScanOptions, schema: Any = None) -> list[Record]:
    """The records of one unit (see the module's docstring): none for a log line or block
    that holds no value. `schema` is the loaded --schema, if any."""
    lineno, kind, raw, notes = unit
    notes = list(notes)
    text = decode(raw, notes, "block" if kind == "block" else "line")
    if kind == "line" and schema is None:
        fast = fast_value(text)
        if fast is not None:
            return [fast_record(name, lineno, fast, notes)]
    return text_records(name, lineno, kind, text, notes, options, schema)


def fast_record(name: str, lineno: int, fast: tuple[Any, int, int], notes: list[str]) -> Record:
    """The record of a log line whose value `fast_value` read."""
    value, start, end = fast
    rec = {"file": name, "line": lineno, "index": 0, "span": [start, end], "kind": "line", "ok": True,
           "lossy": False, "steps": [], "value": value}
    if notes:
        rec["notes"] = notes
    return rec


def text_records(name: str, lineno: int, kind: str, text: str, notes: list[str], options: ScanOptions,
                 schema: Any) -> list[Record]:
    """The records of a unit's decoded text that `fast_value` did not read (or was not
    asked to: a block, a field, a scan with a schema)."""
    if kind == "field":
        try:
            obj = json.loads(text)
        except ValueError as exc:
            return [_with_field(_failed(name, lineno, kind, f"line is not JSON ({exc}); is this a JSONL log? Without "
                                        "--field the line is scanned as text", "not_json", notes), options.field)]
        try:
            text = get_field(obj, options.field)  # type: ignore[arg-type]  # (a "field" unit comes only with a field)
        except LookupError as exc:
            return [_with_field(_failed(name, lineno, kind, str(exc), "no_field", notes), options.field)]
        if not isinstance(text, str):  # already a JSON value, nothing to repair
            rec = {"file": name, "line": lineno, "index": 0, "kind": kind, "field": options.field, "ok": True,
                   "lossy": False, "steps": [], "value": text}
            if notes:
                rec["notes"] = notes
            return [rec]
        return [_with_field(rec, options.field) for rec in _repaired(name, lineno, kind, text, notes, options, schema)]
    return _repaired(name, lineno, kind, text, notes, options, schema)


def _with_field(rec: Record, field: str | None) -> Record:
    """A --field record says which field (so `repair fixtures add` can read it back)."""
    out: Record = {}
    for key, value in rec.items():
        out[key] = value
        if key == "kind":
            out["field"] = field
    return out


def _repaired(name: str, lineno: int, kind: str, text: str, notes: list[str], options: ScanOptions,
              schema: Any) -> list[Record]:
    if len(text) > options.max_repair:
        what = "field's text" if kind == "field" else kind
        return [_failed(name, lineno, kind, f"the {what} is {len(text)} characters long and not valid JSON: over the "
                        f"{options.max_repair} characters the scan repairs (a value that is valid JSON is read at any length); "
                        f"raise --max-repair, or repair it on its own with repair fix", "limit", notes)]
    core, errors = _repair_all()
    found: list[tuple[Any, tuple[int, int], list[str], list[ErrorDetail] | None]]
    try:
        if schema is None and not core.logger.isEnabledFor(INFO):  # (nobody reads the Steps: only their codes)
            found = [(value, span, codes, None) for value, span, codes in core.repair_all_codes(text)]
        else:
            found = [(r.value, r.span, [s.code for s in r.steps], r.errors) for r in core.repair_all(text, schema=schema)]
    except errors.RepairError as exc:
        if kind != "field" and exc.kind in ("no_value", "empty"):
            return []
        return [_failed(name, lineno, kind, str(exc), exc.kind, notes)]
    except Exception as exc:  # noqa: BLE001 - a bad record never stops the scan
        return [_failed(name, lineno, kind, f"internal error: {type(exc).__name__}: {exc}; please report it with this line",
                        "internal", notes)]
    out = []
    for index, (value, span, codes, failures) in enumerate(found):
        rec = {"file": name, "line": lineno, "index": index, "span": list(span), "kind": kind}
        if failures:
            shown = "; ".join(f"{_loc(e['loc'])}: {e['msg']}" for e in failures[:5])
            more = f" (and {len(failures) - 5} more)" if len(failures) > 5 else ""
            rec.update(ok=False, steps=codes, error=f"{len(failures)} validation error(s): {shown}{more}",
                       error_kind="validation", errors=failures)
        else:
            if hasattr(value, "model_dump"):
                value = value.model_dump(mode="json")
            rec.update(ok=True, lossy=not LOSSY_CODES.isdisjoint(codes), steps=codes, value=value)
        if notes:
            rec["notes"] = list(notes)
        out.append(rec)
    return out
