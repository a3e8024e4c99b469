"""Records as JSONL bytes, the --only selection, and the counts --stats prints."""

from __future__ import annotations

import json
from collections import Counter

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any

    # a record: the JSON object written for one value (records.py)
    Record = dict[str, Any]

# check_circular=False: the values come from parsing text and cannot hold themselves; the
# output is the same, without the encoder's bookkeeping of every container
_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=str, check_circular=False).encode


def dump(rec: Record) -> str:
    """One record as a JSON line (as `json.dumps(rec, ensure_ascii=False, allow_nan=False,
    default=str)`; repair's own serializer where that refuses the value)."""
    try:
        return _encode(rec) + "\n"
    except (ValueError, RecursionError):
        from ..serialize import dumps

        return dumps(rec) + "\n"


def selected(rec: Record, only: str | None) -> bool:
    if only is None:
        return True
    if only == "failed":
        return not rec["ok"]
    if only == "lossy":
        return rec.get("lossy", False)  # type: ignore[no-any-return]  # (a record's "lossy" is a bool)
    return not rec["ok"] or bool(rec["steps"])  # changed


class Tally:
    """Counts for --stats: records, repaired, failed, unchanged, lossy; and step codes."""

    __slots__ = ("counts", "codes")

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.codes: Counter[str] = Counter()

    def add(self, rec: Record) -> None:
        counts = self.counts
        counts["records"] += 1
        steps = rec["steps"]
        if not rec["ok"]:
            counts["failed"] += 1
        elif steps:
            counts["repaired"] += 1
        else:
            counts["unchanged"] += 1
        if rec.get("lossy"):
            counts["lossy"] += 1
        if steps:
            self.codes.update(steps)

    def update(self, other: "Tally") -> None:
        self.counts.update(other.counts)
        self.codes.update(other.codes)
