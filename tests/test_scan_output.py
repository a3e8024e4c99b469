"""`repair scan --output DIR` with the local engine: the records of stdout, as parts
(part-00000.jsonl, ...: a new part after PART_BYTES of records), or Parquet parts that read
back as one table."""

from __future__ import annotations

import json
import random
import sys

import pytest

from repair.cli import Exit
from repair.scan import options as scan_limits, partitions
from scan_helpers import records, run
from scan_logs import generated_log


@pytest.fixture
def log(tmp_path):
    path = tmp_path / "agent.log"
    path.write_text(generated_log(random.Random(31), 300))
    return str(path)


def test_jsonl_parts_hold_the_stdout_records(tmp_path, capsys, monkeypatch, log):
    _, want, _ = run([log], capsys)
    monkeypatch.setattr(partitions, "PART_BYTES", 5000)
    monkeypatch.setattr(scan_limits, "BATCH_BYTES", 2000)  # parts end between batches: small ones
    code, out, _ = run([log, "--output", str(tmp_path / "out")], capsys)
    assert code == Exit.OK and out == ""
    parts = sorted((tmp_path / "out").iterdir())
    assert [p.name for p in parts[:2]] == ["part-00000.jsonl", "part-00001.jsonl"]
    assert "".join(p.read_text() for p in parts) == want
    assert all(p.read_text().endswith("\n") for p in parts)  # parts end between records


def test_an_empty_scan_still_writes_one_part(tmp_path, capsys):
    empty = tmp_path / "empty.log"
    empty.write_text("INFO nothing here\n")
    code, _, _ = run([str(empty), "--output", str(tmp_path / "out")], capsys)
    assert code == Exit.OK and (tmp_path / "out" / "part-00000.jsonl").read_text() == ""


def test_parquet_parts_read_back_as_the_records(tmp_path, capsys, log):
    pq = pytest.importorskip("pyarrow.parquet")
    _, out, _ = run([log], capsys)
    want = records(out)
    code, _, _ = run([log, "--output", str(tmp_path / "pq"), "--output-format", "parquet"], capsys)
    assert code == Exit.OK
    rows = pq.read_table(str(tmp_path / "pq")).to_pylist()
    assert len(rows) == len(want)
    for row, rec in zip(rows, want):
        assert (row["file"], row["line"], row["index"], row["kind"], row["ok"], row["steps"]) == \
               (rec["file"], rec["line"], rec["index"], rec["kind"], rec["ok"], rec["steps"])
        assert (json.loads(row["value"]) if row["value"] is not None else None) == rec.get("value")


def test_parquet_without_pyarrow_names_the_extra(tmp_path, capsys, monkeypatch, log):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # as if not installed
    code, out, err = run([log, "--output", str(tmp_path / "pq"), "--output-format", "parquet"], capsys)
    assert code == Exit.USAGE and out == ""
    assert "pyarrow" in err and "pip install 'repair[parquet]'" in err
