"""What one batch gives: its records as JSONL bytes (in order, the --only selection
applied), their counts, and how the batch ends (a block still open, a cut fence). A pure
function of the batch, the state it starts in and the options, so any process, or any
machine, can run it."""

from __future__ import annotations

from .options import ScanOptions
from .output import Tally, dump, selected
from .records import unit_records
from .units import batch_units

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any

    from .batches import Batch

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


def scan_batch(batch: Batch, options: ScanOptions, dangling: bool = False) -> BatchResult:
    schema = load_schema(options.schema)
    got = batch_units(batch, options.field, dangling)
    name, only, fail_fast = batch.name, options.only, options.fail_fast
    out = []
    tally = Tally()
    failed = False
    for unit in got.units:
        for rec in unit_records(name, unit, options, schema):
            tally.add(rec)
            if selected(rec, only):
                out.append(dump(rec))
            if fail_fast and not rec["ok"]:
                failed = True
                break
        if failed:
            break
    # a lone surrogate from a `\ud800` escape cannot be UTF-8: it is written as the text \ud800
    data = "".join(out).encode("utf-8", "backslashreplace")
    return BatchResult(data, tally, failed, got.carry, got.carry_line, got.dangling)
