"""The regression suite: every case in fixtures/, under three laws.

1. The repair of `<name>.txt` equals `<name>.json` (and includes the codes in `<name>.steps`).
2. Repairing the repaired text, and repairing the expected file, take zero steps.
3. A case with `<name>.err` instead must raise RepairError whose message contains it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import repair

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CASES = sorted(p for p in FIXTURES.glob("*/*.txt") if p.parent.name != "schema")  # schema/ has its own runner
assert CASES, "no fixtures found"


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture(case: Path) -> None:
    text = _read(case)
    expected_json = case.with_suffix(".json")
    expected_err = case.with_suffix(".err")
    assert expected_json.exists() != expected_err.exists(), f"{case} needs exactly one of .json or .err"
    if expected_err.exists():
        with pytest.raises(repair.RepairError) as info:
            repair.repair(text)
        assert _read(expected_err).strip() in str(info.value)
        assert isinstance(info.value.lineno, int) and isinstance(info.value.colno, int)
        return
    expected = json.loads(_read(expected_json))
    result = repair.repair(text)
    assert result.value == expected, "\n".join(str(s) for s in result.steps)
    steps_file = case.with_suffix(".steps")
    if steps_file.exists():
        wanted = [line.strip() for line in _read(steps_file).splitlines() if line.strip()]
        got = {s.code for s in result.steps}
        missing = [code for code in wanted if code not in got]
        assert not missing, f"missing steps {missing}; got {[str(s) for s in result.steps]}"
    # law 2: idempotent, and the expected output is already a fixed point
    again = repair.repair(result.text)
    assert again.steps == () and again.value == expected
    assert repair.repair(_read(expected_json)).steps == ()
    assert json.loads(result.text) == expected


def test_every_case_has_an_expectation() -> None:
    orphans = [p for p in CASES if not p.with_suffix(".json").exists() and not p.with_suffix(".err").exists()]
    assert not orphans
