"""`repair scan`: through main(argv), and as an installed command in a subprocess."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time

import pytest

from repair.scan import options as scan_limits
from repair.cli import Exit
from scan_helpers import command, records, run, start_scan, wait_for_output

EXAMPLE = os.path.join(os.path.dirname(__file__), os.pardir, "examples", "agent.log")


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return str(path)


PLAIN = """\
2024-05-01 12:00:00 INFO agent: starting
2024-05-01 12:00:01 INFO agent: got {'a': 1, 'b': True}
2024-05-01 12:00:02 DEBUG agent[worker]: worker[2] read row["id"] and f()[0], nothing here
2024-05-01 12:00:03 INFO tool -> {"x": [1, 2,], "y": null}
2024-05-01 12:00:04 INFO valid {"ok": true}
2024-05-01 12:00:05 WARN cut off: {"status": "pending", "id": 7
"""


def test_plain_text_lines_and_python_reprs(tmp_path, capsys):
    path = write(tmp_path, "a.log", PLAIN)
    code, out, err = run([path], capsys)
    assert code == Exit.OK and err == ""
    recs = records(out)
    assert [r["line"] for r in recs] == [2, 4, 5, 6]  # lines 1 and 3 hold no value (subscripts are not values): no record
    assert all(r["file"] == path and r["ok"] for r in recs)
    assert recs[0]["value"] == {"a": 1, "b": True}
    assert "repair_single_quotes" in recs[0]["steps"] and "repair_python_literal" in recs[0]["steps"]
    assert recs[1]["value"] == {"x": [1, 2], "y": None} and "repair_trailing_comma" in recs[1]["steps"]
    assert recs[2]["value"] == {"ok": True} and recs[2]["steps"] == []  # the log text around it is no repair
    assert recs[3]["value"] == {"status": "pending", "id": 7} and "repair_missing_bracket" in recs[3]["steps"]


JSONL = [
    {"id": 1, "response": "Sure! {'a': 1,}"},
    {"id": 2, "response": '{"b": 2}'},
    {"id": 3, "choices": [{"message": {"content": "```json\n{c: 3}\n```"}}]},
]


def test_jsonl_field_top_level_and_non_json_line(tmp_path, capsys):
    lines = [json.dumps(x) for x in JSONL[:2]] + ["this is not json {", "", json.dumps({"id": 4}), json.dumps({"response": {"already": "json"}})]
    path = write(tmp_path, "calls.jsonl", "\n".join(lines) + "\n")
    code, out, _ = run(["--field", "response", path], capsys)
    assert code == Exit.OK
    recs = records(out)
    assert [r["line"] for r in recs] == [1, 2, 3, 5, 6]  # the blank line 4 is no record
    assert recs[0]["ok"] and recs[0]["value"] == {"a": 1} and "repair_trailing_comma" in recs[0]["steps"]
    assert recs[1] == {"file": path, "line": 2, "index": 0, "span": [0, 8], "kind": "field", "field": "response", "ok": True, "lossy": False,
                       "steps": [], "value": {"b": 2}}
    assert not recs[2]["ok"] and "not JSON" in recs[2]["error"] and "value" not in recs[2]
    assert not recs[3]["ok"] and "no key 'response'" in recs[3]["error"]
    assert recs[4]["ok"] and recs[4]["value"] == {"already": "json"}


def test_jsonl_dotted_field(tmp_path, capsys):
    lines = [json.dumps(JSONL[2]), json.dumps({"choices": []}), json.dumps({"choices": [{"message": "x"}]})]
    path = write(tmp_path, "chat.jsonl", "\n".join(lines) + "\n")
    code, out, _ = run(["--field", "choices.0.message.content", path], capsys)
    assert code == Exit.OK
    recs = records(out)
    assert recs[0]["ok"] and recs[0]["value"] == {"c": 3}
    assert "repair_markdown_fence" in recs[0]["steps"] and "repair_unquoted_key" in recs[0]["steps"]
    assert not recs[1]["ok"] and "out of range" in recs[1]["error"]
    assert not recs[2]["ok"] and "not an object" in recs[2]["error"]


BLOCKS = """\
INFO agent: answer follows
Here you go:
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
INFO inline {"z": 1}
```python
print("no json here")
```
INFO done
"""


def test_multi_line_fence_and_content_blocks(tmp_path, capsys):
    path = write(tmp_path, "blocks.log", BLOCKS)
    code, out, _ = run([path], capsys)
    assert code == Exit.OK
    recs = records(out)
    assert [(r["line"], r["kind"]) for r in recs] == [(3, "block"), (10, "block"), (14, "line")]
    assert recs[0]["value"] == {"a": 1, "b": "two"}
    assert {"repair_markdown_fence", "repair_comment", "repair_single_quotes", "repair_trailing_comma"} <= set(recs[0]["steps"])
    assert recs[1]["value"]["x"] == [1, 2] and recs[1]["value"]["y"].startswith("cut")
    assert "repair_content_tag" in recs[1]["steps"]


def test_unclosed_and_oversized_blocks_are_cut_with_a_note(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(scan_limits, "MAX_BLOCK_LINES", 5)
    body = "```json\n[1,\n2,\n3,\n4,\n5,\n6]\n```\nINFO after {'k': 1}\n[CONTENT]\n{'open': 1\n"
    path = write(tmp_path, "cut.log", body)
    code, out, _ = run([path], capsys)
    assert code == Exit.OK
    recs = records(out)
    assert recs[0]["line"] == 1 and "block cut after 5 lines" in recs[0]["notes"][0]
    assert recs[0]["ok"] and recs[0]["value"] == [1, 2, 3, 4]
    assert any(r["line"] == 9 and r["value"] == {"k": 1} for r in recs)  # the scan goes on after the cut
    last = recs[-1]
    assert last["line"] == 10 and last["value"] == {"open": 1} and "not closed" in last["notes"][0]


def test_only_changed_and_failed(tmp_path, capsys):
    lines = [json.dumps({"response": '{"ok": 1}'}), json.dumps({"response": "{'fix': 1}"}), "broken {"]
    path = write(tmp_path, "c.jsonl", "\n".join(lines) + "\n")
    _, out, _ = run(["--field", "response", "--only", "changed", path], capsys)
    assert [r["line"] for r in records(out)] == [2, 3]
    _, out, _ = run(["--field", "response", "--only", "failed", path], capsys)
    assert [(r["line"], r["ok"]) for r in records(out)] == [(3, False)]


def test_only_changed_on_plain_lines_skips_valid_values(tmp_path, capsys):
    path = write(tmp_path, "a.log", PLAIN)
    _, out, _ = run(["--only", "changed", path], capsys)
    assert [r["line"] for r in records(out)] == [2, 4, 6]  # line 5 is valid JSON inside log text


def test_stats_go_to_stderr_not_stdout(tmp_path, capsys):
    path = write(tmp_path, "a.log", PLAIN)
    code, out, err = run(["--stats", path], capsys)
    assert code == Exit.OK
    assert len(records(out)) == 4 and "summary" not in out
    assert "records" in err and "repaired" in err and "failed" in err and "unchanged" in err
    counts = {line.split()[0]: int(line.split()[-1]) for line in err.splitlines()[1:] if line.startswith("  ")}
    assert counts["records"] == 4 and counts["repaired"] == 3 and counts["failed"] == 0 and counts["unchanged"] == 1
    assert "repair_leading_text" not in counts
    code_lines = [line.split() for line in err.split("repair codes")[1].splitlines()[1:]]
    assert [int(n) for _, n in code_lines] == sorted((int(n) for _, n in code_lines), reverse=True)


def test_example_log_with_stats(capsys):
    code, out, err = run([EXAMPLE, "--stats"], capsys)
    assert code == Exit.OK
    recs = records(out)
    assert len(recs) >= 15 and all(r["ok"] for r in recs)
    kinds = {r["kind"] for r in recs}
    assert kinds == {"line", "block"}
    assert "repair_content_tag" in err and "repair_markdown_fence" in err


def test_schema_json_schema_file(tmp_path, capsys):
    schema = {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}, "required": ["id", "name"]}
    spath = write(tmp_path, "s.json", json.dumps(schema))
    log = write(tmp_path, "a.log", "INFO got {'id': 1, 'name': 'Ada'}\nINFO got {'name': 'no id'}\n")
    code, out, _ = run(["--schema", spath, log], capsys)
    assert code == Exit.OK
    good, bad = records(out)
    assert good["ok"] and good["value"] == {"id": 1, "name": "Ada"}
    assert not bad["ok"] and "validation error" in bad["error"] and bad["errors"] and "value" not in bad
    code, _, err = run(["--schema", str(tmp_path / "missing.json"), log], capsys)
    assert code == Exit.USAGE and "--schema" in err


def _mixed_log(n: int, seed: int = 1) -> str:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        k = rnd.randrange(6)
        if k == 0:
            out.append(f"2024-05-01 12:00:{i % 60:02d} INFO step {i} ok")
        elif k == 1:
            out.append(f"2024-05-01 INFO got {{'i': {i}, 'ok': True, 'tags': ['a', 'b',]}}")
        elif k == 2:
            out.append(f'{{"i": {i}, "msg": "valid jsonl"}}')
        elif k == 3:
            out.append(f'WARN cut: {{"i": {i}, "text": "trunc')
        elif k == 4:
            out.append(f"```json\n{{i: {i}, // c\n 'x': None,}}\n```")
        else:
            out.append(f"[CONTENT]\n{{\"i\": {i}, \"l\": [1 2 3]}}\n[/CONTENT]")
    return "\n".join(out) + "\n"


def test_jobs_2_output_is_byte_identical_to_one_job(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(scan_limits, "BATCH_BYTES", 4096)  # many batches, blocks across their ends
    path = write(tmp_path, "big.log", _mixed_log(3000))
    code1, out1, _ = run([path, "--stats"], capsys)
    code2, out2, err2 = run([path, "--stats", "--jobs", "2"], capsys)
    assert code1 == code2 == Exit.OK
    assert out1 == out2 and len(out1.splitlines()) > 2000
    assert "records" in err2


def test_one_record_per_value(tmp_path, capsys):
    text = _mixed_log(1000, seed=7)
    path = write(tmp_path, "n.log", text)
    _, out, _ = run([path], capsys)
    recs = records(out)
    n_values = sum(text.count(marker) for marker in ("'ok': True", "valid jsonl", "trunc", "```json", "[CONTENT]"))
    assert n_values > 700 and " INFO step " in text  # every kind of unit is there, prose lines too
    assert len(recs) == n_values
    assert all(r["ok"] for r in recs)
    assert sorted(r["value"]["i"] for r in recs) == [r["value"]["i"] for r in recs]  # in order, none lost


def test_bad_bytes_become_notes_and_do_not_stop_the_scan(tmp_path, capsys):
    data = (b"INFO caf\xe9 {'name': 'caf\xe9'}\n"  # latin-1
            b"INFO nul {\"a\": \"x\x00y\"}\n"
            b"\xff\xfe garbage [1, 2\n"
            b"INFO last {\"ok\": true}\n")
    path = write(tmp_path, "bad.log", data)
    code, out, _ = run([path], capsys)
    assert code == Exit.OK
    recs = records(out)
    assert [r["line"] for r in recs] == [1, 2, 3, 4]
    assert recs[0]["ok"] and recs[0]["value"] == {"name": "caf\ufffd"} and "0xe9" in recs[0]["notes"][0]
    assert recs[1]["ok"] and recs[1]["value"] == {"a": "x\x00y"}
    assert recs[2]["value"] == [1, 2] and "0xff" in recs[2]["notes"][0]
    assert recs[3]["value"] == {"ok": True}


def test_unreadable_path_plus_a_good_one(tmp_path, capsys):
    good = write(tmp_path, "a.log", PLAIN)
    missing = str(tmp_path / "nope.log")
    code, out, err = run([missing, str(tmp_path), good], capsys)  # a missing file and a directory
    assert code == Exit.SKIPPED
    assert len(records(out)) == 4
    lines = err.strip().splitlines()
    assert len(lines) == 2 and "nope.log" in lines[0] and str(tmp_path) in lines[1]
    assert all("Check the path" in line for line in lines)
    code, out, err = run([missing], capsys)
    assert code == Exit.UNREPAIRABLE and out == "" and "no input could be read" in err


def test_fail_fast_stops_at_first_failure_exit_3(tmp_path, capsys):
    lines = [json.dumps({"response": "{'a': 1}"}), "not json", json.dumps({"response": "{'b': 2}"})]
    path = write(tmp_path, "c.jsonl", "\n".join(lines) + "\n")
    code, out, err = run(["--field", "response", "--fail-fast", path], capsys)
    assert code == Exit.UNREPAIRABLE
    assert [(r["line"], r["ok"]) for r in records(out)] == [(1, True), (2, False)]
    assert "--fail-fast" in err
    code, out, _ = run(["--field", "response", path], capsys)
    assert code == Exit.OK and len(records(out)) == 3


def test_stdin_dash_in_process(capsys, monkeypatch):
    code, out, _ = run(["-"], capsys, monkeypatch, stdin=b"INFO {'a': 1}\nnothing\n")
    assert code == Exit.OK
    assert records(out) == [{"file": "<stdin>", "line": 1, "index": 0, "span": [5, 13], "kind": "line", "ok": True,
                             "lossy": False, "steps": ["repair_single_quotes"], "value": {"a": 1}}]


def test_help_shows_examples_and_exit_codes(capsys):
    code, out, _ = run(["--help"], capsys)
    assert code == 0
    assert "examples:" in out and "repair scan examples/agent.log --stats" in out
    assert "exit codes:" in out and "130" in out


def test_subprocess_stdin_and_jobs(tmp_path):
    """The command as a process: stdin `-`, --jobs 2, --stats on stderr, no progress when stderr is not a TTY."""
    text = _mixed_log(300, seed=3)
    proc = subprocess.run([*command(), "scan", "-", "--jobs", "2", "--stats"], input=text.encode(),
                          capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    recs = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert recs and all(r["file"] == "<stdin>" for r in recs)
    assert b"\r" not in proc.stderr and proc.stderr.startswith(b"repair scan summary")


def test_subprocess_head_closes_the_pipe_quietly(tmp_path):
    path = write(tmp_path, "big.log", _mixed_log(5000, seed=5))
    proc = subprocess.Popen([*command(), "scan", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    assert json.loads(first)["line"] >= 1
    assert proc.returncode == 0 and err == b""  # BrokenPipe ends quietly


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_ctrl_c_ends_quietly_with_130(jobs):
    import signal

    proc = start_scan(["-", "--jobs", jobs], stdin=subprocess.PIPE)
    try:
        # what is there is scanned and written while the scan waits on stdin, which stays open
        proc.stdin.write(b"INFO {'a': 1}\n" * 600)
        proc.stdin.flush()
        assert wait_for_output(proc) > 0 and proc.poll() is None
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130 and err == b""
    assert out.endswith(b"\n")  # never a partial record


def test_installed_console_script():
    exe = shutil.which("repair")
    assert exe, "the repair console script is not installed"
    proc = subprocess.run([exe, "scan", EXAMPLE, "--only", "changed"], capture_output=True, timeout=60)
    assert proc.returncode == 0 and proc.stderr == b""
    recs = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert recs and all(r["steps"] for r in recs)


# ---------------------------------------------------------------- slow: a 100 MB log


def _generate(path, target_bytes: int) -> int:
    block = _mixed_log(2000, seed=11).encode()
    n = 0
    with open(path, "wb") as fh:
        while n < target_bytes:
            fh.write(block)
            n += len(block)
    return n


MEMORY_PROBE = r"""
import os, resource, subprocess, sys, time

def tree(pid):
    out = [pid]
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{t}/children") as f:
                for c in f.read().split():
                    out += tree(int(c))
    except OSError:
        pass
    return out

def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0

p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
peak = 0
while p.poll() is None:
    peak = max(peak, sum(pss_kb(q) for q in tree(p.pid)))
    time.sleep(0.02)
print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, peak)
"""


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_100mb_log_in_bounded_memory(tmp_path, jobs):
    """Peak memory of a scan of 100 MB against one of 1 MB: the largest process's RSS
    (ru_maxrss over the scan and its workers), and the peak sum of PSS over the process
    tree (sampled every 20 ms; PSS shares the pages the workers inherit from the parent)."""
    path = str(tmp_path / "huge.log")
    size = _generate(path, 100 * 1024 * 1024)
    small = str(tmp_path / "small.log")
    _generate(small, 1024 * 1024)

    def peak_kb(log):
        # a fresh probe process, so RUSAGE_CHILDREN sees only this scan
        t0 = time.perf_counter()
        probe = subprocess.run([sys.executable, "-c", MEMORY_PROBE, *command(), "scan", log, "--jobs", jobs],
                               capture_output=True, text=True, timeout=3600)
        code, rss, pss = probe.stdout.split()
        assert code == "0", probe.stderr
        return int(rss), int(pss), time.perf_counter() - t0

    (base, base_pss, _), (big, big_pss, seconds) = peak_kb(small), peak_kb(path)
    assert size >= 100 * 1024 * 1024
    print(f"\n--jobs {jobs}: peak RSS of the largest process {base / 1024:.1f} MiB for 1 MiB of log, "
          f"{big / 1024:.1f} MiB for {size / 2**20:.0f} MiB; peak PSS of the process tree {base_pss / 1024:.1f} MiB, "
          f"{big_pss / 1024:.1f} MiB; {seconds:.1f} s")
    # constant memory: 100x the input costs at most a few chunks more than 1 MB does
    assert big < base + 64 * 1024, (base, big)
    if base_pss and big_pss:
        assert big_pss < base_pss + 64 * 1024 * int(jobs), (base_pss, big_pss)
