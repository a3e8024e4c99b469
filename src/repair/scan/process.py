"""What one batch gives: its records as JSONL bytes (in order, the --only selection
applied), their counts, and how the batch ends (a block still open, a cut fence). A pure
function of the batch, the state it starts in and the options, so any process, or any
machine, can run it.

Most values in a log are valid JSON in a plain line (`fast_value`): their record is
written straight as text, the envelope around the value's JSON, without a dict per record;
it is the text `dump` gives for the same record (the tests compare the two).
"""

from __future__ import annotations

from .options import ScanOptions
from .output import Tally, dump, encode, selected
from .records import fast_record, fast_value, text_records, unit_records
from .units import batch_units

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any, Iterable

    from .batches import Batch
    from .output import Record
    from .units import Unit

_schema_cache: dict[str, Any] = {}


def load_schema(spec: str | None) -> Any:
    """The schema for a --schema spec, loaded once per process (SchemaArgError if bad)."""
    if spec is None:
        return None
    if spec not in _schema_cache:
        from ..schema_arg import load_schema as load

        _schema_cache.clear()
        _schema_cache[spec] = load(spec)
    return _schema_cache[spec]


class BatchResult:
    """`data`: the JSONL bytes; `tally`: counts; `failed`: --fail-fast met a failure (the
    records stop there); `carry`/`carry_line`: where an open block starts (scan it again
    with the next batch); `dangling`: a fenced block was cut at its limit."""

    __slots__ = ("data", "tally", "failed", "carry", "carry_line", "dangling")

    def __init__(self, data: bytes, tally: Tally, failed: bool, carry: int | None, carry_line: int,
                 dangling: bool) -> None:
        self.data, self.tally, self.failed = data, tally, failed
        self.carry, self.carry_line, self.dangling = carry, carry_line, dangling

    def __reduce__(self) -> tuple[type[BatchResult], tuple[bytes, Tally, bool, int | None, int, bool]]:
        return (BatchResult, (self.data, self.tally, self.failed, self.carry, self.carry_line, self.dangling))


class Collector:
    """The records of the units of one input, in order: as JSONL text (`text()`, the --only
    selection applied) or, with `keep`, as dicts (`records`). `tally` counts every record;
    `offset` is added to each line number; `failed`: --fail-fast met a failed record, and
    `add` stopped there (unless `stops` is set False)."""

    def __init__(self, name: str, options: ScanOptions, keep: bool = False) -> None:
        self.name, self.options, self.keep = name, options, keep
        self.schema = load_schema(options.schema)
        self.records: list[Record] = []
        self.pieces: list[str] = []
        self.tally = Tally()
        self.failed = False
        self.stops = options.fail_fast
        self.offset = 0
        # the text of a fast_value record up to its line number
        self._head = '{"file": ' + encode(name) + ', "line": '
        # a fast_value record is unchanged: --only never selects it, it is only counted
        self._unchanged = 0

    def add(self, units: Iterable[Unit]) -> bool:
        """Collect the records of `units`; False when --fail-fast stops the scan."""
        if self.failed:
            return False
        if self.keep or self.schema is not None:
            return self._add_records(units)
        name, options, offset = self.name, self.options, self.offset
        write_fast = options.only is None
        head, put = self._head, self.pieces.append
        unchanged = 0
        try:
            for unit in units:
                lineno, kind, raw, notes = unit
                text = None
                if kind == "line" and not notes:
                    try:
                        text = raw.decode("utf-8")
                    except UnicodeDecodeError:
                        pass
                if text is None or "\x00" in text:  # a block, or notes to write: unit_records' way
                    if not self._add_records((unit,)):
                        return False
                    continue
                fast = fast_value(text)
                if fast is None:
                    if not self._add(text_records(name, lineno, kind, text, [], options, None)):
                        return False
                    continue
                if not write_fast:
                    unchanged += 1
                    continue
                value, start, end = fast
                try:
                    put(f'{head}{lineno + offset}, "index": 0, "span": [{start}, {end}], "kind": "line", '
                        f'"ok": true, "lossy": false, "steps": [], "value": {encode(value)}}}\n')
                    unchanged += 1
                except (ValueError, RecursionError):  # a float out of range (1e999): dump's way
                    self._add([fast_record(name, lineno, fast, [])])
        finally:
            self._unchanged += unchanged
        return True

    def _add_records(self, units: Iterable[Unit]) -> bool:
        name, options, schema = self.name, self.options, self.schema
        for unit in units:
            if not self._add(unit_records(name, unit, options, schema)):
                return False
        return True

    def _add(self, records: list[Record]) -> bool:
        only, offset, tally = self.options.only, self.offset, self.tally
        for rec in records:
            if offset:
                rec["line"] += offset
            tally.add(rec)
            if selected(rec, only):
                if self.keep:
                    self.records.append(rec)
                else:
                    self.pieces.append(dump(rec))
            if self.stops and not rec["ok"]:
                self.failed = True
                return False
        return True

    def counted(self) -> Tally:
        """The tally, the fast_value records included."""
        if self._unchanged:
            self.tally.counts["records"] += self._unchanged
            self.tally.counts["unchanged"] += self._unchanged
            self._unchanged = 0
        return self.tally

    def data(self) -> bytes:
        """The JSONL bytes of the records collected."""
        # a lone surrogate from a `\ud800` escape cannot be UTF-8: it is written as the text \ud800
        return "".join(self.pieces).encode("utf-8", "backslashreplace")


def scan_batch(batch: Batch, options: ScanOptions, dangling: bool = False) -> BatchResult:
    got = batch_units(batch, options.field, dangling)
    out = Collector(batch.name, options)
    out.add(got.units)
    return BatchResult(out.data(), out.counted(), out.failed, got.carry, got.carry_line, got.dangling)
