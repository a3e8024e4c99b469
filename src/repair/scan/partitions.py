"""Records written to a directory as parts: `part-00000.jsonl`, `part-00001.jsonl`, ...
(or `.parquet`), in the order of the scan. The directory may be a local path or an fsspec
URL (`s3://bucket/scans/today`), so the workers of a cluster can write their own parts.

JSONL parts hold the records as `repair scan` writes them on stdout. Parquet parts (with
pyarrow, `pip install 'repair[parquet]'`) have one fixed schema whatever the records hold,
so the parts of a scan read back as one table: the JSON values (`value`, `errors`) are
JSON text, the other fields their own columns, null where a record has no such field.
"""

from __future__ import annotations

import json
import os

from .storage import filesystem, protocol

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any, BinaryIO, Iterable

    from .output import Record

FORMATS = ("jsonl", "parquet")
PART_BYTES = 64 << 20  # a local scan starts a new part after about this many bytes of records

_STRINGS = ("file", "kind", "field", "error", "error_kind")


def part_name(index: int, fmt: str) -> str:
    return f"part-{index:05d}.{fmt}"


def require(fmt: str) -> None:
    """Raise ValueError (with what to install) when `fmt` cannot be written here."""
    if fmt not in FORMATS:
        raise ValueError(f"output format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ValueError("Parquet output needs pyarrow, which is not installed: pip install 'repair[parquet]' "
                             "(or write JSONL parts: --output-format jsonl)") from None


def prepare(directory: str) -> None:
    """Create the output directory (and its parents) if it is missing."""
    if protocol(directory) in (None, "file"):
        os.makedirs(_local(directory), exist_ok=True)
    else:
        fs, inner = filesystem(directory)
        fs.makedirs(inner, exist_ok=True)


def _local(directory: str) -> str:
    return directory[len("file://"):] if protocol(directory) == "file" else directory


def _open(directory: str, name: str) -> BinaryIO:
    if protocol(directory) in (None, "file"):
        return open(os.path.join(_local(directory), name), "wb")
    fs, inner = filesystem(directory)
    return fs.open(f"{inner.rstrip('/')}/{name}", "wb")  # type: ignore[no-any-return]  # (fsspec has no type hints: a binary file)


def write_part(directory: str, index: int, fmt: str, data: bytes = b"", records: list[Record] | None = None) -> str:
    """Write one part: JSONL `data` as it is, or (Parquet) `records` (dicts; parsed from
    `data` when not given). Returns the part's name."""
    name = part_name(index, fmt)
    with _open(directory, name) as fh:
        if fmt == "jsonl":
            fh.write(data)
        else:
            import pyarrow.parquet as pq

            if records is None:
                records = [json.loads(line) for line in data.splitlines()]
            pq.write_table(table(records), fh)
    return name


def schema() -> Any:  # a pyarrow Schema (no type hints: Any)
    import pyarrow as pa

    return pa.schema([
        ("file", pa.string()), ("line", pa.int64()), ("index", pa.int64()), ("span", pa.list_(pa.int64())),
        ("kind", pa.string()), ("field", pa.string()), ("ok", pa.bool_()), ("lossy", pa.bool_()),
        ("steps", pa.list_(pa.string())), ("value", pa.string()), ("error", pa.string()),
        ("error_kind", pa.string()), ("errors", pa.string()), ("notes", pa.list_(pa.string())),
    ])


def table(records: Iterable[Record]) -> Any:
    """The records as a pyarrow Table of `schema()`."""
    import pyarrow as pa

    cols: dict[str, list[Any]] = {name: [] for name in schema().names}
    for rec in records:
        for name in ("file", "line", "index", "span", "kind", "field", "ok", "lossy", "steps", "error", "error_kind", "notes"):
            cols[name].append(rec.get(name))
        cols["value"].append(_json(rec["value"]) if "value" in rec else None)
        cols["errors"].append(_json(rec["errors"]) if "errors" in rec else None)
    return pa.table(cols, schema=schema())


def _json(value: Any) -> str:
    from .output import dump

    return dump(value)[:-1]


class PartWriter:
    """Parts for a scan whose results come in order (the local engine): a new part after
    about PART_BYTES of records. `write(data)` takes JSONL bytes; `close()` ends the last
    part (an empty scan still writes part-00000)."""

    def __init__(self, directory: str, fmt: str, part_bytes: int | None = None) -> None:
        require(fmt)
        prepare(directory)
        self.directory, self.fmt, self.part_bytes = directory, fmt, part_bytes or PART_BYTES
        self.index = 0
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> None:
        if data:
            self.parts.append(data)
            self.size += len(data)
        if self.size >= self.part_bytes:
            self._flush()

    def _flush(self) -> None:
        write_part(self.directory, self.index, self.fmt, b"".join(self.parts))
        self.index += 1
        self.parts, self.size = [], 0

    def close(self) -> None:
        if self.parts or self.index == 0:
            self._flush()
