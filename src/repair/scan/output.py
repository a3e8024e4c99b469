"""Records as JSONL bytes, the --only selection, and the counts --stats prints."""

from __future__ import annotations

import json
from collections import Counter

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any, Callable

    # a record: the JSON object written for one value (records.py)
    Record = dict[str, Any]

# check_circular=False: the values come from parsing text and cannot hold themselves; the
# output is the same, without the encoder's bookkeeping of every container
_encoder = json.JSONEncoder(ensure_ascii=False, allow_nan=False, default=str, check_circular=False)


def _c_encode() -> Callable[[Any], str]:
    """`_encoder.encode`, without building the C encoder anew on every call (what
    JSONEncoder.encode does): with check_circular=False it keeps no state between calls.
    The encoder's own `encode` where the C encoder is missing or differs."""
    make = getattr(json.encoder, "c_make_encoder", None)
    enc = _encoder
    if make is None:
        return enc.encode
    try:
        c = make(None, enc.default, json.encoder.encode_basestring, enc.indent, enc.key_separator,
                 enc.item_separator, enc.sort_keys, enc.skipkeys, enc.allow_nan)

        def encode(value: Any) -> str:
            return "".join(c(value, 0))

        probe = {"a": [1, 2.5, -0.0, None, True, "\u00e9\n\"", {"b": []}], "c": 10**20}
        if encode(probe) == enc.encode(probe):
            return encode
    except Exception:  # noqa: BLE001 - another interpreter's encoder: the plain one is right
        pass
    return enc.encode


# one value (or record) as JSON text; ValueError for a non-finite float, RecursionError
# for a value nested deeper than the recursion limit
encode = _c_encode()


def dump(rec: Record) -> str:
    """One record as a JSON line (as `json.dumps(rec, ensure_ascii=False, allow_nan=False,
    default=str)`; repair's own serializer where that refuses the value)."""
    try:
        return encode(rec) + "\n"
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


_LINE_KEY = b', "line": '


def rebase(data: bytes, lines: int) -> bytes:
    """JSONL records (as `dump` writes them) with `lines` added to each one's "line". A
    record's first key is "file", a JSON string, in which a quote is always escaped: the
    first `, "line": ` after the start of a record is its line number's key."""
    if not lines or not data:
        return data
    out = []
    pos, size, key = 0, len(data), len(_LINE_KEY)
    find = data.find
    while pos < size:
        at = find(_LINE_KEY, pos) + key
        comma = find(b",", at)
        end = find(b"\n", comma) + 1 or size
        out.append(data[pos:at])
        out.append(b"%d" % (int(data[at:comma]) + lines))
        out.append(data[comma:end])
        pos = end
    return b"".join(out)
