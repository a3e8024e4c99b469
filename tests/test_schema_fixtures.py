"""fixtures/schema/: each case is a raw output, a schema (a JSON Schema file or a
`module:Name` reference into tests/), and the expected aligned value or an error; checked
by repair.testing under the three laws, plus: every schema step names a JSON path and
`repair.parse` validates the text."""

from __future__ import annotations

from pathlib import Path

import pytest

from repair.testing import check_case, load_cases

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CASES = [case for case in load_cases(FIXTURES) if case.family == "schema"]


@pytest.mark.skipif(not CASES, reason="no schema fixtures")
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_schema_fixture(case) -> None:
    assert case.is_schema
    result = check_case(case)
    assert result.passed, result.report()
