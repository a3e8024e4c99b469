"""`repair scan`: no lost data (issue 7), and its shortcuts checked against repair (issue 6).

- counting: a generated log with a known number of values of every kind gives exactly one
  record per value, in order, byte-identical with --jobs 1 and 2;
- encodings: a UTF-8 byte order mark, UTF-16 (LE, BE, with and without a mark), UTF-32,
  Latin-1 bytes and NUL bytes, each with its message, and the scan goes on;
- interruption: SIGINT and SIGTERM with --jobs 1 and 2, sent while the scan is blocked
  writing to a full pipe: the exit code, and stdout a prefix of the full output in whole
  records;
- the line reader against `readline()` at every size boundary;
- the shortcuts, `may_hold_value` (lines skipped without repair) and `valid_value_in_line` (the C decoder
  on valid JSON in a line), against repair itself on thousands of generated lines.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from repair.extract.prose import valid_value_in_line
from repair.scan import ScanOptions, records as scan_records, units as scan_units
from repair.scan import options as scan_limits
from repair.scan.batches import batches
from repair.scan.output import dump
from repair.core import repair
from repair.errors import RepairError

sys.path.insert(0, os.path.dirname(__file__))
from corruption import random_value  # noqa: E402
from scan_helpers import command, pipe_level, records, run, start_scan, wait_for_output  # noqa: E402


# ---------------------------------------------------------------- counting: one record per value

PROSE = [
    "2024-05-01 12:00:{s:02d} INFO agent: step {i} done in 0.{s} s",
    "2024-05-01 12:00:{s:02d} DEBUG agent[worker]: worker[2] read row[\"id\"] and f()[0], nothing here",
    "2024-05-01 12:00:{s:02d} INFO [worker-{s}] picked up job {i}; see [docs] for queue[3]",
    "[INFO] 2024-05-01 heartbeat ok, mask [x] applied",
    "2024-05-01 12:00:{s:02d} WARN retry {s}/5 [backoff] after a 429",
    "",
    "   plain text with no brackets at all",
]


def counted_log(n: int, seed: int):
    """A log holding values of every kind, each with a unique "i": (text, [(i, kind)])."""
    rnd = random.Random(seed)
    out, expected = [], []
    for i in range(n):
        k = rnd.randrange(11)
        s = i % 60
        if k <= 2:  # prose, no value (subscripts and tags included)
            out.append(rnd.choice(PROSE).format(i=i, s=s))
            continue
        if k == 3:
            out.append(f'2024-05-01 12:00:{s:02d} INFO tool -> {{"i": {i}, "items": [1, 2], "ok": true, "note": "caf\u00e9"}}')
            kind = "line"
        elif k == 4:
            out.append(f"2024-05-01 INFO got {{'i': {i}, 'ok': True, 'tags': ('a', 'b'), 'none': None}}")
            kind = "line"
        elif k == 5:
            out.append(json.dumps({"i": i, "event": "llm_call", "latency_ms": s * 7, "payload": {"text": "[x] {y}"}}))
            kind = "line"
        elif k == 6:
            out.append(f"WARN cut off: {{\"i\": {i}, \"text\": \"trunc")
            kind = "line"
        elif k == 7:
            out.append(f"INFO broken {{i: {i}, 'a': [1 2 3], \"b\": 'x',}} (model output)")
            kind = "line"
        elif k == 8:
            out.append(f"INFO model answer follows\n```json\n{{\n  \"i\": {i},  // the id\n  \"x\": None,\n}}\n```")
            kind = "block"
        elif k == 9:
            out.append(f"[CONTENT]\n{{\"i\": {i},\n \"l\": [1 2 3]\n[/CONTENT]")
            kind = "block"
        else:
            out.append(f"INFO helper:\n```python\ndef f(x):\n    return x[0]\n```\n```json\n{{\"i\": {i}}}\n```")
            kind = "block"  # a python fence (no record) and then a json one
        expected.append((i, kind))
    return "\n".join(out) + "\n", expected


def test_one_record_per_value_of_every_kind_jobs_1_and_2(tmp_path, capsys, monkeypatch):
    # small pieces and chunks: blocks and lines straddle every boundary
    monkeypatch.setattr(scan_limits, "READ_BYTES", 4096)
    monkeypatch.setattr(scan_limits, "BATCH_BYTES", 3000)
    text, expected = counted_log(3000, seed=5)
    kinds = Counter(k for _, k in expected)
    path = tmp_path / "counted.log"
    path.write_text(text, encoding="utf-8")
    code1, out1, err1 = run([str(path), "--stats"], capsys)
    code2, out2, err2 = run([str(path), "--stats", "--jobs", "2"], capsys)
    assert code1 == code2 == 0
    assert out1 == out2 and err1 == err2  # byte-identical records and the same summary
    recs = records(out1)
    assert len(recs) == len(expected) and kinds["line"] > 1000 and kinds["block"] > 500
    assert [(r["value"]["i"], r["kind"]) for r in recs] == expected  # one each, in order, none lost
    assert all(r["ok"] for r in recs)
    counts = {line.split()[0]: int(line.split()[-1]) for line in err1.splitlines() if line.startswith("  ")}
    assert counts["records"] == len(expected) and counts["failed"] == 0


def test_jsonl_field_one_record_per_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(scan_limits, "READ_BYTES", 1000)
    monkeypatch.setattr(scan_limits, "BATCH_BYTES", 700)
    rnd = random.Random(3)
    lines, expected = [], 0
    for i in range(800):
        k = rnd.randrange(4)
        if k == 0:
            lines.append(json.dumps({"i": i, "response": f"Sure! {{'i': {i}, 'ok': True,}}"}))
        elif k == 1:
            lines.append(json.dumps({"i": i, "response": f'```json\n{{"i": {i}}}\n```'}))
        elif k == 2:
            lines.append(json.dumps({"i": i, "response": {"i": i}}))  # already a value
        else:
            lines.append("")  # a blank line: no record
            continue
        expected += 1
    path = tmp_path / "calls.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _, out1, _ = run(["--field", "response", str(path)], capsys)
    _, out2, _ = run(["--field", "response", str(path), "--jobs", "2"], capsys)
    assert out1 == out2
    recs = records(out1)
    assert len(recs) == expected and all(r["ok"] and r["kind"] == "field" for r in recs)
    assert [r["value"]["i"] for r in recs] == [json.loads(line)["i"] for line in lines if line]


def test_shortcuts_change_no_record(tmp_path, capsys, monkeypatch):
    """The whole scan with the shortcuts and with every line sent to repair: the same bytes."""
    text, _ = counted_log(1500, seed=9)
    cases = _line_cases(random.Random(4), 1500)
    lines = [c for c in cases if "```" not in c and "[CONTENT]" not in c]  # one line, one unit
    blocks = [c for c in cases if c not in lines]  # these open blocks that run over the lines after them
    path = tmp_path / "mixed.log"
    path.write_bytes((text + "\n".join(lines + blocks) + "\n").encode("utf-8", "surrogatepass"))
    _, fast, _ = run([str(path)], capsys)
    monkeypatch.setattr(scan_units, "may_hold_value", lambda raw: True)
    monkeypatch.setattr(scan_records, "fast_value", lambda text: None)
    _, slow, _ = run([str(path)], capsys)
    assert fast == slow and len(fast.splitlines()) > 2000


# ---------------------------------------------------------------- encodings

PLAIN = """\
2024-05-01 INFO starting
2024-05-01 INFO got {'a': 1, 'b': True}
2024-05-01 INFO caf\u00e9 \u2192 {"x": [1, 2,], "y": "\u65e5\u672c"}
2024-05-01 WARN cut off: {"status": "pending", "id": 7
"""


def _values(out):
    return [(r["line"], r["value"], r["steps"]) for r in records(out)]


@pytest.mark.parametrize("codec,bom,label", [
    ("utf-16-le", codecs.BOM_UTF16_LE, "UTF-16LE"),
    ("utf-16-be", codecs.BOM_UTF16_BE, "UTF-16BE"),
    ("utf-16-le", b"", "UTF-16LE"),  # no byte order mark: every other byte is NUL
    ("utf-32-le", codecs.BOM_UTF32_LE, "UTF-32LE"),
])
def test_utf16_and_utf32_files_are_decoded_and_the_scan_goes_on(tmp_path, capsys, codec, bom, label):
    ref = tmp_path / "utf8.log"
    ref.write_text(PLAIN, encoding="utf-8")
    wide = tmp_path / "wide.log"
    wide.write_bytes(bom + PLAIN.encode(codec))
    code, out, err = run([str(wide), str(ref)], capsys)
    assert code == 0
    recs = records(out)
    assert len(recs) == 6 and {r["file"] for r in recs} == {str(wide), str(ref)}
    assert _values("".join(json.dumps(r) + "\n" for r in recs if r["file"] == str(wide))) == \
        _values("".join(json.dumps(r) + "\n" for r in recs if r["file"] == str(ref)))
    assert not any("notes" in r for r in recs)  # nothing undecodable, no NUL
    lines = err.strip().splitlines()
    assert len(lines) == 1 and str(wide) in lines[0] and f"decoded as {label}" in lines[0]
    assert "convert" in lines[0]  # what to do if that guess is wrong


def test_utf8_bom_is_skipped(tmp_path, capsys):
    path = tmp_path / "bom.log"
    path.write_bytes(codecs.BOM_UTF8 + b'{"a": 1}\nINFO {"b": 2}\n')
    code, out, err = run([str(path)], capsys)
    assert code == 0 and err == ""
    assert _values(out) == [(1, {"a": 1}, []), (2, {"b": 2}, [])]  # no repair_stray_char for the mark
    path.write_bytes(codecs.BOM_UTF8 + json.dumps({"response": "{'a': 1}"}).encode() + b"\n")
    code, out, err = run(["--field", "response", str(path)], capsys)
    assert code == 0 and records(out)[0]["value"] == {"a": 1}  # the first JSONL line still parses


def test_latin1_bytes_are_a_note_per_record(tmp_path, capsys):
    data = "INFO caf\u00e9 {'name': 'caf\u00e9', 'n': 1}\nINFO plain {\"n\": 2}\nINFO na\u00efve {\"n\": 3, \"w\": \"na\u00efve\"}\n"
    path = tmp_path / "latin1.log"
    path.write_bytes(data.encode("latin-1"))
    code, out, err = run([str(path)], capsys)
    assert code == 0 and err == ""
    r1, r2, r3 = records(out)
    assert r1["ok"] and r1["value"] == {"name": "caf\ufffd", "n": 1}
    assert "0xe9" in r1["notes"][0] and "iconv -f LATIN1" in r1["notes"][0]
    assert r2 == {"file": str(path), "line": 2, "index": 0, "span": [11, 19], "kind": "line", "ok": True, "lossy": False,
                  "steps": [], "value": {"n": 2}}
    assert r3["value"] == {"n": 3, "w": "na\ufffdve"} and "0xef" in r3["notes"][0]


def test_nul_bytes_are_a_note_and_keep_the_record(tmp_path, capsys):
    data = (b'INFO nul {"a": "x\x00y", "b": 1}\n'
            b'IN\x00FO {"c": 2}\n'
            b'INFO {"d": [1, 2\x00, 3]}\n'
            b'INFO clean {"e": 4}\n')
    path = tmp_path / "nul.log"
    path.write_bytes(data)
    code, out, err = run([str(path)], capsys)
    assert code == 0 and err == ""
    recs = records(out)
    assert [r["line"] for r in recs] == [1, 2, 3, 4]
    assert recs[0]["ok"] and recs[0]["value"] == {"a": "x\x00y", "b": 1}
    assert recs[1]["ok"] and recs[1]["value"] == {"c": 2}
    assert recs[2]["ok"] and recs[2]["value"]["d"][0] == 1
    for rec, at in zip(recs[:3], (18, 3, 17)):
        assert len(rec["notes"]) == 1 and f"1 NUL byte in the line, the first at byte {at}" in rec["notes"][0]
        assert "iconv -f UTF-16" in rec["notes"][0]
    assert "notes" not in recs[3]
    assert json.loads(out.splitlines()[0])["value"]["a"] == "x\x00y"  # written as \u0000, still one line


# ---------------------------------------------------------------- interruption

@pytest.fixture(scope="module")
def big_log(tmp_path_factory):
    """A log of several batches whose records (about 7 MB) overflow any pipe, and its full scan output."""
    path = tmp_path_factory.mktemp("interrupt") / "big.log"
    text, expected = counted_log(32000, seed=2)
    path.write_text(text, encoding="utf-8")
    full = subprocess.run([*command(), "scan", str(path)], capture_output=True, timeout=120)
    assert full.returncode == 0 and len(full.stdout) > 6_000_000
    return str(path), full.stdout


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_while_writing_leaves_whole_records(big_log, jobs, sig, code):
    path, full = big_log
    proc = start_scan([path, "--jobs", jobs])
    try:
        # nobody reads stdout yet: the scan fills the pipe and blocks in the middle of a write
        # (no clock: the scan fills the pipe and blocks, or ends, and either ends the loop)
        last, still = -1, 0
        while still < 4 and proc.poll() is None:
            level = pipe_level(proc.stdout.fileno())
            still = still + 1 if level > 0 and level == last else 0
            last = level
            time.sleep(0.05)
        assert last > 0 and proc.poll() is None
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, err
    assert err == b""
    assert out.endswith(b"\n") and full.startswith(out)  # whole records, each the one a full scan writes
    assert last <= len(out) < len(full)  # the chunk in the pipe was finished, and the scan stopped there
    assert all(json.loads(line)["ok"] for line in out.splitlines())


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_sigterm_while_reading_stdin_exits_143(jobs):
    proc = start_scan(["-", "--jobs", jobs], stdin=subprocess.PIPE)
    # what is there is scanned and written while the scan waits for more
    proc.stdin.write(b"INFO {'a': 1}\n" * 600)
    proc.stdin.flush()
    # the first chunk is out; the scan now waits on stdin, which stays open
    assert wait_for_output(proc) > 0 and proc.poll() is None
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 143 and err == b""
    recs = [json.loads(line) for line in out.splitlines()]
    assert out.endswith(b"\n") and recs  # whole records
    assert [r["line"] for r in recs] == list(range(1, len(recs) + 1))


def test_help_lists_the_signal_exit_codes(capsys):
    code, out, _ = run(["--help"], capsys)
    assert code == 0
    assert "130  interrupted" in out and "143  terminated (SIGTERM)" in out and "whole JSONL records" in out
    assert "UTF-16" in out and "Latin-1" in out


# ---------------------------------------------------------------- the line reader

def _reference_lines(data: bytes, max_line: int):
    """What the reader must give: readline(max_line), a longer line cut and its rest skipped."""
    fh = io.BytesIO(data)
    out = []
    while True:
        raw = fh.readline(max_line)
        if not raw:
            return out
        if len(raw) >= max_line and not raw.endswith(b"\n"):
            while True:
                rest = fh.readline(max_line)
                if not rest or rest.endswith(b"\n"):
                    break
            out.append((raw, True))
        else:
            out.append((raw, False))


def _random_bytes_log(rnd: random.Random, max_line: int) -> bytes:
    parts = []
    for _ in range(rnd.randrange(1, 60)):
        n = rnd.choice([0, 1, 2, rnd.randrange(max_line // 2 + 1), max_line - 2, max_line - 1, max_line,
                        max_line + 1, rnd.randrange(max_line * 3 + 2)])
        body = bytes(rnd.choice(b"ab {[x") for _ in range(max(n, 0)))
        parts.append(body + b"\n")
    data = b"".join(parts)
    if rnd.random() < 0.5:
        data = data[: len(data) - rnd.randrange(1, 3)]  # no newline at the end, sometimes
    return data


def _pieces(data: bytes, size: int):
    for i in range(0, len(data), size):
        yield data[i:i + size], False


def test_batches_match_readline_at_every_boundary(monkeypatch):
    """Batches of whole lines, over-long lines cut, line numbers right across batches:
    every line (through field_units) and every candidate line (through line_units) as
    readline(max_line) gives it."""
    monkeypatch.setattr(scan_units, "may_hold_value", lambda raw: True)
    rnd = random.Random(11)
    for trial in range(400):
        max_line = rnd.choice([4, 5, 8, 16, 33])
        monkeypatch.setattr(scan_limits, "MAX_LINE_BYTES", max_line)
        data = _random_bytes_log(rnd, max_line)
        ref = _reference_lines(data, max_line)
        parts = list(batches(_pieces(data, rnd.choice([1, 2, 3, 7, 16, 64, 1000])), "t", max_line,
                             rnd.choice([1, 5, 40, 1000])))
        assert parts[-1].last and not any(b.last for b in parts[:-1])
        got = []
        for batch in parts:
            for lineno, kind, raw, notes in scan_units.field_units(batch).units:
                got.append((lineno, raw[:-1] if notes else raw, bool(notes)))
        want = [(i + 1, raw, cut) for i, (raw, cut) in enumerate(ref) if raw.strip()]
        assert got == want, (trial, data)
        cands = []
        for batch in parts:
            for lineno, kind, raw, notes in scan_units.line_units(batch).units:
                cands.append((lineno, raw[:-1] if notes else raw, bool(notes)))
        want = [(i + 1, raw, cut) for i, (raw, cut) in enumerate(ref) if b"{" in raw or b"[" in raw]
        assert cands == want, (trial, data)


# ---------------------------------------------------------------- the shortcuts against repair

HEADS = ["", "INFO got ", "2024-05-01 12:00:01,101 INFO  agent.llm: ", "x", "row", "f()", "a_", "v]", "- ", "  ",
         '"', '"quoted" ', "'q' ", "\ufeff", "\u200b", "\u00e9 ", "<json>", "<think>", "```json ", "`", "~~~ ",
         "[CONTENT] ", "[content]", "# ", "// ", "1 ", "true ", "[x] ", "worker[2] ", "tag [ok] ", "\t", "\x0c",
         "see {} ", "id=", "(", "caf\u00e9 \u2192 "]
TAILS = ["", "\n", "\r\n", " done\n", " (3 ms)\n", " # note\n", " // c\n", "}\n", " ]\n", ' "x"\n', " [1]\n",
         " {\n", " ```\n", " </think>\n", "\t\n", " \x0c\n", " 'q'\n", " and [x]\n", ",\n", " \u200b\n", " {'a': 1}\n"]
VALUES = ['{}', '[]', '[1]', '[1, 2]', '["a"]', '[{"a": 1}]', '[[1]]', '[true]', '[null, 1]', '[-1]', '["x", {"y": 2}]',
          '{"a": NaN}', '{"a": 1e999}', '{"a": -0}', '{"a": 1, "a": 2}', '{"a": "\\ud800"}', '{"a": "x\\u0000y"}',
          '{"a": "zw\u200bx"}', '{"a": "```"}', '{"a": "</think>"}', '{ "a" :1 }', '{"a":\t1}', '{"a": [1,2,3]}',
          '{"a": "[CONTENT]"}', '{"a": "x\\"y"}', '{"a": 1.50, "b": 1E5, "c": 12345678901234567890}', '[' * 3000 + ']' * 3000,
          '{"a": "' + "long " * 1200 + '"}', '{"a": {"b": {"c": [1, {"d": null}]}}}', '{"k": "\\u00e9\\n\\t"}',
          '{"a": "x"} {"b": 1}', '{"a": 1}}', '[1, 2]]', '{"a": "\x01"}']


def _line_cases(rnd: random.Random, n: int):
    out = []
    for _ in range(n):
        if rnd.random() < 0.3:
            value = random_value(rnd)
            style = rnd.randrange(3)
            text = (json.dumps(value) if style == 0 else json.dumps(value, ensure_ascii=False) if style == 1
                    else json.dumps(value, separators=(",", ":")))
        else:
            text = rnd.choice(VALUES)
        out.append((rnd.choice(HEADS) + text + rnd.choice(TAILS)).rstrip("\n"))
    return out


def test_fast_line_gives_the_records_repair_gives(monkeypatch):
    rnd = random.Random(21)
    cases = _line_cases(rnd, 2500) + [h + v + t for h in HEADS for v in VALUES[:12] for t in TAILS[:6]]
    options = ScanOptions()
    taken = 0
    for text in cases:
        raw = (text + "\n").encode("utf-8", "surrogatepass")
        fast = scan_records.unit_records("f.log", (1, "line", raw, []), options)
        decoded = raw.decode("utf-8", "replace")
        shortcut = scan_records.fast_value(decoded)
        taken += shortcut is not None
        if shortcut is not None:  # the same rules as extraction's valid_value_in_line
            assert dump(shortcut[0]) == dump(valid_value_in_line(decoded)), text
        with monkeypatch.context() as m:
            m.setattr(scan_records, "fast_value", lambda text: None)
            ref = scan_records.unit_records("f.log", (1, "line", raw, []), options)
        assert [dump(r) for r in fast] == [dump(r) for r in ref], text
    assert taken > 1500  # the shortcut is really taken, on most of the valid values


def test_no_value_lines_are_those_repair_finds_nothing_in():
    rnd = random.Random(8)
    tokens = ["INFO", "agent.main:", "[worker-2]", "[docs]", "[INFO]", "queue[3]", "row[\"id\"]", "f()[0]", "a[b]", "x[1, 2]",
              "[x]", "[ x]", "[true]", "[None]", "[nan]", "[NaN]", "[content]", "[CONTENT]", "[/CONTENT]", "[end]", "[1/3]",
              "[", "]", "{", "}", "{x}", "(a)", "-", "12", "3.5", "true", "None", "'q'", '"q"', "#", "//", "<", ">", "`",
              "~", "\u200b", "\u00e9", "[\u200bx]", "[ ]", "[,]", "[$x]", "[_x]", "[-1]", "[.5]", "x[", "[y", "ok", "done",
              "\t", ":", "=", ",", "[tr", "[fals", "retry"]
    firsts = ["", "", "2024-05-01 ", "INFO ", "[", "'", '"', "-", "12 ", "true ", "x", "\t", "# ", "\u00e9", "(", "}"]
    skipped = 0
    for _ in range(6000):
        line = rnd.choice(firsts) + " ".join(rnd.choice(tokens) for _ in range(rnd.randrange(1, 8)))
        raw = line.encode("utf-8")
        if not (b"[" in raw or b"{" in raw) or scan_units.may_hold_value(raw):
            continue
        skipped += 1
        with pytest.raises(RepairError, match="no JSON value|empty"):
            repair(line + "\n")
    assert skipped > 500
