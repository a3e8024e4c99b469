"""The one error class: every refusal says where, as line and column."""

from __future__ import annotations


def line_col(doc: str, pos: int) -> tuple[int, int]:
    """1-based line and column of offset `pos` in `doc`."""
    pos = max(0, min(pos, len(doc)))
    line = doc.count("\n", 0, pos) + 1
    col = pos - (doc.rfind("\n", 0, pos) + 1) + 1
    return line, col


class RepairError(ValueError):
    """No JSON value could be recovered, or a repair was refused.

    Like `json.JSONDecodeError`, it carries `.msg`, `.pos` (offset in the raw text),
    `.lineno` and `.colno`; `str(err)` ends with "(at line L, column C)".
    """

    def __init__(self, msg: str, doc: str, pos: int) -> None:
        lineno, colno = line_col(doc, pos)
        where = "at end of text" if doc and pos >= len(doc) else f"at line {lineno}, column {colno}"
        super().__init__(f"{msg} ({where})")
        self.msg = msg
        self.pos = pos
        self.lineno = lineno
        self.colno = colno

    def __reduce__(self):  # keep the exception picklable (multiprocessing in `repair scan`)
        return (_rebuild, (self.args[0], self.msg, self.pos, self.lineno, self.colno))


def _rebuild(text: str, msg: str, pos: int, lineno: int, colno: int) -> RepairError:
    err = RepairError.__new__(RepairError)
    ValueError.__init__(err, text)
    err.msg, err.pos, err.lineno, err.colno = msg, pos, lineno, colno
    return err


class ValidationFailed(RepairError):
    """The repaired value does not fit the schema.

    `.errors` lists each problem as `{"loc": (...), "msg": ..., "type": ...}` (pydantic's
    or jsonschema's wording, without documentation URLs); `.value` is the best-effort
    aligned value and `.steps` every step taken to get it.
    """

    def __init__(self, errors: list, value, steps: tuple, doc: str, pos: int) -> None:
        shown = "; ".join(f"{_loc(e['loc'])}: {e['msg']}" for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"{len(errors)} validation error(s): {shown}{more}", doc, pos)
        self.errors = errors
        self.value = value
        self.steps = steps

    def __reduce__(self):
        return (_rebuild_failed, (self.args[0], self.msg, self.pos, self.lineno, self.colno, self.errors, self.value, self.steps))


def _loc(loc) -> str:
    path = "$"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path if len(path) <= 120 else path[:50] + " ... " + path[-60:]


def _rebuild_failed(text, msg, pos, lineno, colno, errors, value, steps):
    err = ValidationFailed.__new__(ValidationFailed)
    ValueError.__init__(err, text)
    err.msg, err.pos, err.lineno, err.colno = msg, pos, lineno, colno
    err.errors, err.value, err.steps = errors, value, steps
    return err
