"""`repair scan`: a record per value, compressed and binary inputs, the cost bound on long
units, and workers that die with their parent."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import select
import signal
import subprocess
import sys
import time

import pytest

from repair.cli import Exit
from repair.scan import ScanOptions, unit_records
from repair.scan.inputs import binary_kind, compression_of
from scan_helpers import records, run, start_scan, wait_for_output

LOG = (
    "2024-05-01 INFO starting\n"
    "2024-05-01 INFO request={'q': 'hotels'} response={\"n\": [1, 2,]}\n"
    "2024-05-01 WARN cut off: {\"status\": \"pend\n"
    "2024-05-01 INFO valid {\"ok\": true}\n"
)


def write(tmp_path, name, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_every_value_of_a_line_is_a_record_in_order(tmp_path, capsys):
    path = write(tmp_path, "a.log", LOG.encode())
    code, out, err = run([path], capsys)
    assert code == Exit.OK and err == ""
    recs = records(out)
    assert [(r["line"], r["index"]) for r in recs] == [(2, 0), (2, 1), (3, 0), (4, 0)]
    line = LOG.splitlines()[1]
    req, resp = recs[0], recs[1]
    assert req["value"] == {"q": "hotels"} and line[slice(*req["span"])] == "{'q': 'hotels'}"
    assert resp["value"] == {"n": [1, 2]} and line[slice(*resp["span"])] == '{"n": [1, 2,]}'
    assert [r["lossy"] for r in recs] == [False, False, True, False]


def test_only_lossy(tmp_path, capsys):
    path = write(tmp_path, "a.log", LOG.encode())
    code, out, _ = run([path, "--only", "lossy"], capsys)
    assert code == Exit.OK
    recs = records(out)
    assert [r["line"] for r in recs] == [3] and "repair_truncated" in recs[0]["steps"]


@pytest.mark.parametrize("compress,name", [
    (gzip.compress, "app.log.gz"), (bz2.compress, "app.log.bz2"), (lzma.compress, "app.log.xz"),
    (gzip.compress, "app.log"),  # the first bytes decide, not the name
    (lambda b: gzip.compress(b[:40]) + gzip.compress(b[40:]), "members.gz"),  # concatenated members
])
def test_compressed_logs_give_the_records_of_the_plain_log(tmp_path, capsys, compress, name):
    plain = write(tmp_path, "plain.log", LOG.encode())
    packed = write(tmp_path, name, compress(LOG.encode()))
    _, want, _ = run([plain], capsys)
    code, got, err = run([packed], capsys)
    assert code == Exit.OK and err == ""
    assert got == want.replace(json.dumps(plain), json.dumps(packed))


def test_zstd_without_the_package_is_a_clear_skip(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "zstandard", None)  # as if not installed
    path = write(tmp_path, "app.log.zst", b"\x28\xb5\x2f\xfd" + b"\x00" * 20)
    good = write(tmp_path, "a.log", LOG.encode())
    code, out, err = run([path, good], capsys)
    assert code == Exit.SKIPPED and len(records(out)) == 4
    assert "app.log.zst" in err and "zstandard" in err and "pip install" in err and "Traceback" not in err


def test_binary_file_is_named_and_skipped(tmp_path, capsys):
    rnd = __import__("random").Random(3)
    blob = write(tmp_path, "blob.log", bytes(rnd.randrange(256) for _ in range(5000)) + b"{'a': 1}\n")
    elf = write(tmp_path, "tool", b"\x7fELF" + b"\x02\x01\x01" + b"\x00" * 100 + b"{'a': 1}\n")
    good = write(tmp_path, "a.log", LOG.encode())
    code, out, err = run([blob, elf, good], capsys)
    assert code == Exit.SKIPPED
    assert {r["file"] for r in records(out)} == {good}
    lines = err.strip().splitlines()
    assert len(lines) == 2 and "blob.log: binary data" in lines[0] and "tool: an ELF executable" in lines[1]
    assert all("skipped" in line for line in lines)
    code, out, err = run([blob], capsys)
    assert code == Exit.UNREPAIRABLE and out == "" and "no input could be read" in err


def test_damaged_gzip_keeps_the_records_before_the_damage(tmp_path, capsys):
    body = "".join(f"INFO got {{'i': {i}}}\n" for i in range(20000)).encode()
    packed = gzip.compress(body)
    path = write(tmp_path, "cut.log.gz", packed[: len(packed) // 2])
    code, out, err = run([path], capsys)
    assert code == Exit.SKIPPED
    recs = records(out)
    assert [r["value"]["i"] for r in recs] == list(range(len(recs)))  # whole records, in order, none invented
    assert "cut.log.gz: gzip data is damaged or cut short" in err and "Traceback" not in err


def test_text_with_a_few_odd_bytes_is_not_binary():
    assert binary_kind(b'INFO nul {"a": "x\x00y"}\nIN\x00FO {"c": 2}\n') is None
    assert binary_kind("caf\u00e9 {'a': 1}\n".encode("latin-1")) is None
    assert binary_kind("INFO {'a': 1}\n".encode("utf-16")) is None
    assert compression_of(b"BZh91AY&SY") == "bzip2" and compression_of(b"BZh is text") is None


def test_a_long_unit_that_is_not_json_is_a_limit_record():
    options = ScanOptions(max_repair=1000)
    broken = ("INFO " + "[{" * 5000 + "\n").encode()
    (rec,) = unit_records("f.log", (1, "line", broken, []), options)
    assert not rec["ok"] and rec["error_kind"] == "limit"
    assert "10006 characters" in rec["error"] and "--max-repair" in rec["error"]
    valid = ("INFO " + json.dumps({"k": "v" * 5000}) + "\n").encode()
    (rec,) = unit_records("f.log", (1, "line", valid, []), options)  # valid JSON: read at any length
    assert rec["ok"] and rec["value"] == {"k": "v" * 5000}


def test_a_1_mib_line_of_brackets_is_cheap(tmp_path, capsys):
    """The pathological line of the issue: one record, the limit's, and no engine run."""
    path = write(tmp_path, "brackets.log", b"[{" * (1 << 19) + b"\n" + b"INFO {'a': 1}\n")
    code, out, _ = run([path], capsys)
    assert code == Exit.OK
    first, second = records(out)
    assert first["error_kind"] == "limit" and "cut there" in first["notes"][0]
    assert second["value"] == {"a": 1}


# ---------------------------------------------------------------- workers die with their parent


def _children(pid: int) -> list[int]:
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as fh:
            out += [int(c) for c in fh.read().split()]
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="reads the process tree from /proc")
def test_sigkill_of_the_parent_ends_its_workers_and_closes_the_output():
    proc = start_scan(["-", "--jobs", "2"], stdin=subprocess.PIPE)
    try:
        proc.stdin.write(b"INFO {'a': 1}\n" * 600)
        proc.stdin.flush()  # stdin stays open: the workers stay up, waiting for more
        assert wait_for_output(proc) > 0 and proc.poll() is None
        workers = _children(proc.pid)
        assert len(workers) >= 2
        proc.kill()
        proc.wait()
        # every writer of the pipe must go: polls, each a tenth of a second at most, until EOF
        got = b""
        for _ in range(600):
            if select.select([proc.stdout], [], [], 0.1)[0]:
                chunk = os.read(proc.stdout.fileno(), 1 << 16)
                if not chunk:
                    break
                got += chunk
        else:
            pytest.fail("the output pipe never reached EOF: a worker still holds it")
        for _ in range(600):
            if not any(_alive(pid) for pid in workers):
                break
            time.sleep(0.05)
        assert not any(_alive(pid) for pid in workers)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdin.close()
        proc.stdout.close()
        proc.stderr.close()
    assert got.count(b"\n") >= 1  # what was written before the kill
