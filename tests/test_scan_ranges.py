"""A scan cut into byte ranges gives the records of a local scan, whatever the range size:
lines, blocks that cross a range's end, long cut lines, fences cut at their limits,
byte order marks, compressed and UTF-16 inputs, --field and --only. The ranges are scanned
one after the other here (`scan_ranges`), without a distributed engine: what Dask runs,
range by range."""

from __future__ import annotations

import codecs
import gzip
import json
import random

import pytest

from repair.scan import ScanOptions
from repair.scan import options as scan_limits
from repair.scan.output import rebase
from repair.scan.ranges import Range, plan, rescan, scan_range, scan_ranges
from scan_logs import generated_log as _log, local_records


def jsonl_by_ranges(paths, options, blocksize) -> list:
    """The records of a scan by ranges as the Dask engine makes them: JSONL bytes per
    range, scanned again where the range before says so, rebased to the input's lines."""
    out, state, before = [], None, 0
    for rng in plan(paths, blocksize):
        if rng.index == 0:
            state, before = None, 0
        first = scan_range(rng, options, jsonl=True)
        assert first.records == []
        result = rescan(rng, state, options, jsonl=True) or first
        out.append(rebase(result.data, before))
        state, before = result.state, before + first.lines
    return [json.loads(line) for line in b"".join(out).splitlines()]


def write(tmp_path, name, data) -> str:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


SIZES = [1, 2, 7, 64, 333, 4096, 1 << 20]


@pytest.mark.parametrize("blocksize", SIZES)
def test_ranges_give_the_local_records(tmp_path, blocksize):
    path = write(tmp_path, "a.log", _log(random.Random(5), 300) + "INFO last line without newline {'end': 1}")
    want = local_records([path], ScanOptions())
    assert len(want) > 200
    assert list(scan_ranges([path], ScanOptions(), blocksize)) == want
    assert jsonl_by_ranges([path], ScanOptions(), blocksize) == want


@pytest.mark.parametrize("options", [ScanOptions(only="changed"), ScanOptions(only="lossy"), ScanOptions(field="response")],
                         ids=["changed", "lossy", "field"])
def test_options_are_the_local_ones(tmp_path, options):
    path = write(tmp_path, "a.log", _log(random.Random(6), 200))
    want = local_records([path], options)
    for blocksize in (50, 999):
        assert list(scan_ranges([path], options, blocksize)) == want
        assert jsonl_by_ranges([path], options, blocksize) == want


def test_cut_lines_and_fences_cut_at_their_limits(tmp_path, monkeypatch):
    monkeypatch.setattr(scan_limits, "MAX_LINE_BYTES", 60)
    monkeypatch.setattr(scan_limits, "MAX_BLOCK_LINES", 5)
    text = ("```json\n{\"a\": 1,\n" + "\"b\": 2,\n" * 8 + "}\n```\nINFO {'z': [1,]}\n```\nmore {'q': 1}\n"
            + "INFO " + json.dumps({"k": "v" * 200}) + "\nshort {'a': 1}\n" + "[{" * 100 + "\n") * 6
    path = write(tmp_path, "a.log", text)
    want = local_records([path], ScanOptions())
    assert any("cut" in " ".join(r.get("notes", [])) for r in want)
    for blocksize in (1, 5, 17, 100, 301):
        assert list(scan_ranges([path], ScanOptions(), blocksize)) == want
        assert jsonl_by_ranges([path], ScanOptions(), blocksize) == want


def test_bom_compressed_and_utf16_inputs(tmp_path):
    text = _log(random.Random(7), 60)
    paths = [write(tmp_path, "bom.log", codecs.BOM_UTF8 + text.encode()),
             write(tmp_path, "z.log", gzip.compress(text.encode())),
             write(tmp_path, "wide.log", text.encode("utf-16"))]
    ranges = plan(paths, 100)
    assert [r for r in ranges if r.path != paths[0]] == [Range(paths[1], 0, 0, None, True), Range(paths[2], 0, 0, None, True)]
    assert ranges[0].origin == 3 and len(ranges) > 3
    want = local_records(paths, ScanOptions())
    assert list(scan_ranges(paths, ScanOptions(), 100)) == want
    assert jsonl_by_ranges(paths, ScanOptions(), 100) == want


def test_skipped_inputs_are_named_as_in_a_local_scan(tmp_path):
    good = write(tmp_path, "a.log", "INFO {'a': 1}\n")
    blob = write(tmp_path, "tool", b"\x7fELF" + b"\x00" * 64)
    said = []
    assert [r.path for r in plan([blob, str(tmp_path / "missing.log"), good], 10, said.append)] == [good, good]
    assert "tool: an ELF executable" in said[0] and "missing.log: cannot read" in said[1]
    with pytest.raises(ValueError, match="standard input"):
        plan(["-"])
