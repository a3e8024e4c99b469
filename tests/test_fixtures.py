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
