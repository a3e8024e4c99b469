"""Generated logs for the scan tests that compare engines (ranges, Dask, Ray) with the
local scan, and the local scan's records to compare with."""

from __future__ import annotations

import json
import random

from repair.scan import ScanOptions, scan_local

BLOCKS = """\
INFO agent: answer follows
```json
{
  "a": 1,   // one
  "b": 'two',
}
```
INFO agent: next
[CONTENT]
{"x": [1, 2,],
 "y": "cut
[/CONTENT]
INFO inline {"z": 1} and {'w': [1,]}
```python
print("no json here")
```
"""


def generated_log(rng: random.Random, lines: int) -> str:
    """A log of `lines` entries: plain lines, values (valid, Python reprs, truncated),
    JSONL events with a `response` to repair, and fenced / [CONTENT] blocks."""
    out = []
    for i in range(lines):
        r = rng.random()
        if r < 0.5:
            out.append(f"2024-05-01 INFO step {i} done [worker-{i % 3}]")
        elif r < 0.7:
            out.append(f"INFO got {{'i': {i}, 'ok': True}}")
        elif r < 0.8:
            out.append(json.dumps({"i": i, "response": "{'a': 1,}"}))
        elif r < 0.9:
            out.append(f"WARN cut {{\"i\": {i}, \"s\": \"pend")
        else:
            out.append(BLOCKS.rstrip("\n"))
    return "\n".join(out) + "\n"




def local_records(paths, options=ScanOptions()):
    """The records of a local scan, as dicts, in order."""
    return [json.loads(line) for result in scan_local(paths, options) for line in result.data.decode().splitlines()]
