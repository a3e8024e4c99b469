"""The benchmark runner works: its truncation accuracy rule, a cheap section end to end, the plot.

Figures are never asserted (they depend on the machine); only that the runner runs and
writes what it should. json_repair, fast_json_repair and matplotlib are optional here:
the runner skips a missing library with a note, and the plot test is skipped without
matplotlib.
"""

from __future__ import annotations

import importlib.util
import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "benchmarks" / "run.py"


@pytest.fixture(scope="module")
def run():
    spec = importlib.util.spec_from_file_location("bench_run", RUN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def has(module):
    return importlib.util.find_spec(module) is not None


def test_dump_with_spans_is_json_dumps(run):
    for i in range(200):
        rng = random.Random(i)
        value = run.truncation_value(rng)
        indent, ascii_ = rng.choice((None, 2)), rng.random() < 0.5
        text, root = run.dump_with_spans(value, indent=indent, ensure_ascii=ascii_)
        assert text == json.dumps(value, indent=indent, ensure_ascii=ascii_)
        assert (root.start, root.end) == (0, len(text))
        # the whole text is complete: the floor of a cut at the very end is the value
        assert run.floor_value(root, len(text) + 1)[0] == value


@pytest.mark.parametrize("cut, got, right", [
    ('{"a": 1, "bc', {"a": 1, "bc": None}, True),     # cut key kept with null (policy §3)
    ('{"a": 1, "bc', {"a": 1}, True),                  # ... or dropped
    ('{"a": 1, "bc', {"a": 1, "bc": ""}, False),       # an invented value
    ('{"a": 1, "bc', {"a": 1, "bx": None}, False),     # not a prefix of the key
    ('{"a": 1, "bcd":', {"a": 1, "bcd": None}, True),  # dangling key
    ('{"a": 1, "bcd": [1, 2.', {"a": 1, "bcd": [1, 2.0]}, True),  # `2.` read as 2.0
    ('{"a": 1, "bcd": [1, 2.', {"a": 1, "bcd": [1]}, True),
    ('{"a": 1, "bcd": [1, 2.', {"a": 1, "bcd": [1, 3]}, False),
    ('{"a": 1, "bcd": [1, 2.', {"a": 1}, False),      # the complete 1 was dropped
    ('{"a": 1, "bcd": [1, 2.5, "xy', {"a": 1, "bcd": [1, 2.5, "xy"]}, True),
    ('{"a": 1, "bcd": [1, 2.5, "xy', {"a": 1, "bcd": [1, 2.5, "xy\\"]}, False),
    ('{"a": 1, "bcd": [1, 2.5, "xyz"], "e": tr', {"a": 1, "bcd": [1, 2.5, "xyz"], "e": True}, True),
    ('{"a": 1, "bcd": [1, 2.5, "xyz"], "e": tr', {"a": 1, "bcd": [1, 2.5, "xyz"], "e": "tr"}, False),
    ('{"a": 1, "bcd": [1, 2.5, "xyz"]', {"a": 1, "bcd": [1, 2.5]}, False),
    ('{"a": 1', {}, True),                             # a number at the cut may continue
    ('{"a": 1,', {}, False),
    ('{"a":', ValueError("no value"), False),         # an exception is wrong
])
def test_truncation_rule(run, cut, got, right):
    full = {"a": 1, "bcd": [1, 2.5, "xyz"], "e": True}
    text, root = run.dump_with_spans(full)
    assert text.startswith(cut)
    floor = run.floor_value(root, len(cut))[0]
    assert run.truncation_right(got, full, floor) is right


def test_cut_context(run):
    text, root = run.dump_with_spans({"key": ["aéb", 12, None]}, ensure_ascii=True)
    assert text == '{"key": ["a\\u00e9b", 12, null]}'

    def at(prefix):
        assert text.startswith(prefix)
        return run.cut_context(text, root, len(prefix))

    assert at('{"ke') == "key"
    assert at('{"key": [') == "between tokens"
    assert at('{"key": ["a') == "string"
    assert at('{"key": ["a\\u0') == "escape"
    assert at('{"key": ["a\\u00e9') == "string"
    assert at('{"key": ["a\\u00e9b", 1') == "number"
    assert at('{"key": ["a\\u00e9b", 12') == "number"  # a digit could still follow
    assert at('{"key": ["a\\u00e9b", 12,') == "between tokens"
    assert at('{"key": ["a\\u00e9b", 12, nu') == "literal"


def test_quick_cheap_sections_end_to_end(tmp_path):
    out = tmp_path / "results.md"
    proc = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--only", "truncated,import", "--out", str(out)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = out.read_text()
    assert text.startswith("# Benchmark results (quick run)")
    assert "## 4. Truncated documents" in text and "## 6. Import" in text
    assert "\n## 1. Valid JSON" not in text
    assert "## Targets" in text and "`import repair` adds < 50 ms" in text
    assert "<!-- keep:before-issue-6 -->" in text  # earlier figures carried over
    if has("fast_json_repair"):
        assert "fast_json_repair right" in text
    else:
        assert "fast_json_repair is not installed" in text


def test_growth_worker_reports_each_size_then_its_best(run):
    """A growth worker prints each size's first call (so the parent can cap it), then the
    best of its rounds; the parent keeps the outcome and the better figure."""
    proc = subprocess.run([sys.executable, str(RUN), "--worker", "repair", "1", "10,40", "--quick"],
                          capture_output=True, text=True, timeout=120, env=run.ENV)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["n"] for line in lines] == [10, 40, 10, 40]
    assert all(line["outcome"] == "value" and line["seconds"] > 0 for line in lines[:2])
    assert all(line["best"] > 0 for line in lines[2:])
    measured = run.measure_growth("repair", 1, [10, 40], 60, True)
    assert set(measured) == {10, 40}
    assert all(seconds > 0 and outcome == "value" for seconds, outcome in measured.values())


@pytest.mark.skipif(not has("matplotlib"), reason="matplotlib is a benchmark-only extra (pip install -e '.[bench]')")
def test_plot_writes_a_png(run, tmp_path):
    series = {
        "family one": {"repair": [(100, 1e-4, "value"), (400, 4e-4, "value"), (1600, 1.6e-3, "value")],
                       "json_repair": [(100, 1e-3, "value"), (400, 1.6e-2, "value"), (1600, None, "> 20 s")]},
        "family two": {"repair": [(100, 2e-4, "RepairError"), (400, 8e-4, "RepairError")],
                       "fast_json_repair": [(100, 1e-5, "None"), (400, 2e-5, "None")]},
    }
    path = tmp_path / "growth.png"
    assert run.plot(series, path, timeout=20) is None
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
