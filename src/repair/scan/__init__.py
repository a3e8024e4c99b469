"""Scanning logs for JSON values, a record per value: the library half of `repair scan`.

    from repair.scan import ScanOptions, scan_local
    for result in scan_local(["app.log.gz"], ScanOptions(only="failed"), jobs=2):
        sys.stdout.buffer.write(result.data)      # JSONL records, in input order

The work is cut so that other engines can share it: `inputs` opens a path (compression by
magic bytes, binary files refused), `encodings` gives its text as UTF-8, `batches` cuts it
into batches of whole lines, `units` finds what each line or block may hold,
`records` gives a record per value, `process.scan_batch` is all of that for one batch (a
pure function a worker anywhere can run), and `local` runs it here, in N processes.
"""

from __future__ import annotations

from .batches import Batch, batches
from .inputs import InputError
from .local import input_batches, scan_local
from .options import ScanOptions
from .process import BatchResult, scan_batch
from .records import unit_records

__all__ = ["Batch", "BatchResult", "InputError", "ScanOptions", "batches", "input_batches", "scan_batch",
           "scan_local", "unit_records"]

# ---- the distributed half: byte ranges (no extra package), and Dask (`repair[scale]`),
# loaded on first use so that `import repair.scan` does not import dask, and a local scan
# does not import the ranges
__all__ += ["dask_scan", "scan_ranges"]

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any

    # the lazy names below, as a type checker sees them
    from .dask import dask_scan
    from .ranges import scan_ranges


def __getattr__(name: str) -> Any:
    if name == "dask_scan":
        from .dask import dask_scan

        return dask_scan
    if name == "scan_ranges":
        from .ranges import scan_ranges

        return scan_ranges
    raise AttributeError(f"module 'repair.scan' has no attribute {name!r}")
