"""The one error class: every refusal says where, as line and column."""

from __future__ import annotations

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any, Callable, Sequence, TypedDict

    from .steps import Step

    class ErrorDetail(TypedDict):
        """One problem in `ValidationFailed.errors` (a name for annotations only)."""

        loc: tuple[str | int, ...]  # where in the value: keys and list indexes
        msg: str
        type: str


def line_col(doc: str, pos: int) -> tuple[int, int]:
    """1-based line and column of offset `pos` in `doc`."""
    pos = max(0, min(pos, len(doc)))
    line = doc.count("\n", 0, pos) + 1
    col = pos - (doc.rfind("\n", 0, pos) + 1) + 1
    return line, col


# What went wrong, as a word a caller can switch on (the CLI's exit codes, scan's records)
# instead of matching message text. A closed vocabulary: a new kind is an API change.
KINDS = {
    "empty": "the text is empty or only whitespace",
    "no_value": "no JSON value could be found in the text",
    "encoding": "the input bytes are not UTF-8",
    "lossy_refused": "strict=True refused a repair that may change or drop data",
    "limit": "the input is over max_size or max_depth",
    "option": "an option has the wrong type or value",
    "validation": "the value does not fit the schema (ValidationFailed)",
    "fill": "the LLM loop ended without a valid answer (FillFailed)",
    "internal": "the engine failed on this input: a bug, please report the input",
}


class RepairError(ValueError):
    """No JSON value could be recovered, or a repair was refused.

    Like `json.JSONDecodeError`, it carries `.msg`, `.pos` (offset in the raw text),
    `.lineno` and `.colno`; `str(err)` ends with "(at line L, column C)". `.kind` is one
    word of `KINDS` saying what went wrong.
    """

    def __init__(self, msg: str, doc: str, pos: int, kind: str = "no_value") -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown RepairError kind {kind!r}; one of {', '.join(KINDS)}")
        lineno, colno = line_col(doc, pos)
        where = "at end of text" if doc and pos >= len(doc) else f"at line {lineno}, column {colno}"
        super().__init__(f"{msg} ({where})")
        self.msg = msg
        self.pos = pos
        self.lineno = lineno
        self.colno = colno
        self.kind = kind

    def __reduce__(self) -> tuple[Callable[..., RepairError], tuple[Any, ...]]:
        # keep the exception picklable (multiprocessing in `repair scan`)
        return (_rebuild, (self.args[0], self.msg, self.pos, self.lineno, self.colno, self.kind))


def _rebuild(text: str, msg: str, pos: int, lineno: int, colno: int, kind: str = "no_value") -> RepairError:
    err = RepairError.__new__(RepairError)
    ValueError.__init__(err, text)
    err.msg, err.pos, err.lineno, err.colno, err.kind = msg, pos, lineno, colno, kind
    return err


class ValidationFailed(RepairError):
    """The repaired value does not fit the schema.

    `.errors` lists each problem as `{"loc": (...), "msg": ..., "type": ...}` (pydantic's
    or jsonschema's wording, without documentation URLs); `.value` is the best-effort
    aligned value and `.steps` every step taken to get it.
    """

    def __init__(self, errors: list[ErrorDetail], value: Any, steps: tuple[Step, ...], doc: str, pos: int) -> None:
        shown = "; ".join(f"{_loc(e['loc'])}: {e['msg']}" for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"{len(errors)} validation error(s): {shown}{more}", doc, pos, "validation")
        self.errors = errors
        self.value = value
        self.steps = steps

    def __reduce__(self) -> tuple[Callable[..., ValidationFailed], tuple[Any, ...]]:
        return (_rebuild_failed, (self.args[0], self.msg, self.pos, self.lineno, self.colno, self.errors, self.value, self.steps))


def _loc(loc: Sequence[str | int]) -> str:
    path = "$"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path if len(path) <= 120 else path[:50] + " ... " + path[-60:]


def _rebuild_failed(text: str, msg: str, pos: int, lineno: int, colno: int, errors: list[ErrorDetail], value: Any,
                    steps: tuple[Step, ...]) -> ValidationFailed:
    err = ValidationFailed.__new__(ValidationFailed)
    ValueError.__init__(err, text)
    err.msg, err.pos, err.lineno, err.colno, err.kind = msg, pos, lineno, colno, "validation"
    err.errors, err.value, err.steps = errors, value, steps
    return err
