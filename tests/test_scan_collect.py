"""A batch's records as `scan_batch` writes them (valid JSON in a plain line written
straight as text, the rest through `dump`) are, byte for byte, `dump` of the records
`unit_records` gives, with the same counts, whatever the options; and JSONL records
rebased to other line numbers are the records with those numbers."""

from __future__ import annotations

import json
import random

import pytest

from repair.scan import Batch, ScanOptions, scan_batch, unit_records
from repair.scan.output import Tally, dump, rebase, selected
from repair.scan.units import batch_units
from scan_logs import generated_log

TRICKY = b"\n".join([
    b'INFO got {"a": 1e999, "b": 2}',  # valid JSON whose float json.dumps refuses
    b'INFO got {"a": 1, "b": "caf\xe9"}',  # a Latin-1 byte: a note
    b'INFO got {"a": 1, "b": "x\x00y"}',  # a NUL byte
    b'INFO got {"a": "\\ud800"}',  # a lone surrogate
    b'INFO got [1, 2, 3]',
    b'queue[3] {"a": 1}',
    b'INFO ' + b'[' * 3000 + b']' * 3000,  # deeper than json.dumps goes
    b'INFO got {"a": 1.0e5, "b": -0.0, "c": 12345678901234567890, "d": "\\u00e9\\n\\t\\"<"}',
    b'  "just a string {\\"a\\": 1}"',
    b'INFO got {"k": 1} {"j": 2}',
    b'INFO got {"dup": 1, "dup": 2}',
    b'INFO got {"a": [1, 2,]}',
    b'INFO got {"a": 1',
]) + b"\n"


def _batches():
    yield Batch("tricky w\u00e9ird \"name\".log", TRICKY)
    yield Batch("agent.log", generated_log(random.Random(41), 400).encode(), first_line=7)


def _by_records(batch, options):
    tally, out = Tally(), []
    for unit in batch_units(batch, options.field).units:
        for rec in unit_records(batch.name, unit, options):
            tally.add(rec)
            if selected(rec, options.only):
                out.append(dump(rec))
            if options.fail_fast and not rec["ok"]:
                return "".join(out).encode("utf-8", "backslashreplace"), tally
    return "".join(out).encode("utf-8", "backslashreplace"), tally


@pytest.mark.parametrize("options", [ScanOptions(), ScanOptions(only="changed"), ScanOptions(only="failed"),
                                     ScanOptions(only="lossy"), ScanOptions(fail_fast=True)],
                         ids=["all", "changed", "failed", "lossy", "fail-fast"])
def test_batch_records_are_dump_of_unit_records(options):
    for batch in _batches():
        want, tally = _by_records(batch, options)
        got = scan_batch(batch, options)
        assert got.data == want
        assert got.tally.counts == tally.counts and got.tally.codes == tally.codes
    assert b'"value": {"a": 1e999' in scan_batch(next(_batches()), ScanOptions()).data


def test_rebase_adds_to_every_line_number():
    batch = Batch('odd, "line": 1, name.log', generated_log(random.Random(42), 200).encode())
    data = scan_batch(batch, ScanOptions()).data
    assert rebase(data, 0) is data and rebase(b"", 5) == b""
    got = [json.loads(line) for line in rebase(data, 1000).splitlines()]
    want = [json.loads(line) for line in data.splitlines()]
    assert [r["line"] for r in got] == [r["line"] + 1000 for r in want]
    assert [{**r, "line": 0} for r in got] == [{**r, "line": 0} for r in want]


def test_records_are_the_same_when_the_repair_logger_is_on(caplog):
    """With the `repair` logger off the records come from the steps' codes alone; with it
    on, from the Steps, which are logged: the same records either way."""
    batch = Batch("agent.log", generated_log(random.Random(43), 300).encode())
    quiet = scan_batch(batch, ScanOptions())
    assert not caplog.records
    with caplog.at_level("INFO", logger="repair"):
        logged = scan_batch(batch, ScanOptions())
    assert logged.data == quiet.data and logged.tally.codes == quiet.tally.codes
    assert sum(logged.tally.codes.values()) == len(caplog.records) > 0
