"""What a scan is asked to do, and the limits that keep it bounded: one picklable object
handed to every worker (local processes today; other engines can ship it the same way)."""

from __future__ import annotations

import sys
from dataclasses import dataclass

# a line longer than this is cut there (its rest skipped, a note on its record)
MAX_LINE_BYTES = 1 << 20
# a fenced or [CONTENT] block runs at most this far; the lines after it are scanned on their own
MAX_BLOCK_LINES = 2000
MAX_BLOCK_BYTES = 1 << 20
# text longer than this (characters) that is not valid JSON is not handed to the engine: its
# cost grows with the text's length and shape (a 1 MiB line of `[{` took seconds and hundreds
# of MB), so such a unit gives one record with "error_kind": "limit" instead
MAX_REPAIR_CHARS = 1 << 16
# raw text is handed to a worker in batches of about this many bytes of whole lines
BATCH_BYTES = 1 << 18
READ_BYTES = 1 << 18
# the default size of a byte range of the distributed engines (ranges.py)
BLOCK_BYTES = 32 << 20

ONLY = ("changed", "failed", "lossy")


@dataclass(frozen=True)
class ScanOptions:
    """`field`: a dotted path; each JSONL line's string there is the text to repair.
    `schema`: a --schema spec (file or module:Model), loaded once per process.
    `only`: keep only records that were changed (or failed), failed, or lossy.
    `fail_fast`: stop at the first failed record. `max_repair`: see MAX_REPAIR_CHARS."""

    field: str | None = None
    schema: str | None = None
    only: str | None = None
    fail_fast: bool = False
    max_repair: int = MAX_REPAIR_CHARS

    def __post_init__(self) -> None:
        if self.only is not None and self.only not in ONLY:
            raise ValueError(f"only must be one of {', '.join(ONLY)}, not {self.only!r}")
        if self.max_repair < 1:
            raise ValueError("max_repair must be 1 or more")

# The scanner reads the limits above through this module object at call time
# (`limits.BATCH_BYTES`), so that a test or a caller can set them on this module.
limits = sys.modules[__name__]
