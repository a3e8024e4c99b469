"""The regression suite: every case in fixtures/ outside schema/, under the three laws of
fixtures/README.md, checked by repair.testing (the checker `repair fixtures check` runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from repair.testing import check_case, load_cases

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CASES = [case for case in load_cases(FIXTURES) if case.family != "schema"]  # schema/: test_schema_fixtures.py
assert CASES, "no fixtures found"


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_fixture(case) -> None:
    result = check_case(case)
    assert result.passed, result.report()


def _one_case(tmp_path: Path, text: str, expected: str):
    family = tmp_path / "fx" / "numbers"
    family.mkdir(parents=True)
    for suffix, body in ((".txt", text), (".json", expected)):
        with open(family / ("case" + suffix), "w", encoding="utf-8", newline="") as fh:
            fh.write(body)
    (case,) = load_cases(tmp_path / "fx")
    return case


@pytest.mark.parametrize("text, expected", [
    ("[1.0]", "[\n  1\n]\n"), ("[true]", "[\n  1\n]\n"), ("[1]", "[\n  1.0\n]\n"),
    ("[1]", "[\n  true\n]\n"), ('["1"]', "[\n  1\n]\n"), ('{"b": 1, "a": 2}', '{\n  "a": 2,\n  "b": 1\n}\n'),
])
def test_law_1_tells_types_and_key_order_apart(tmp_path, text, expected) -> None:
    result = check_case(_one_case(tmp_path, text, expected))
    assert result.id == "numbers/case" and not result.passed
    assert [(f.law, f.problem) for f in result.failures] == [("1", "law 1: the repaired value differs from the expected .json")]
    assert "FAIL numbers/case: law 1" in result.report()


def test_checker_needs_no_pytest_and_import_repair_stays_light() -> None:
    import subprocess
    import sys

    code = ("import sys, repair; assert 'repair.cli' not in sys.modules and 'repair.testing' not in sys.modules; "
            "import repair.testing; assert 'pytest' not in sys.modules and 'repair.cli' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
