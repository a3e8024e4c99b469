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
