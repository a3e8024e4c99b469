"""fixtures/schema/: each case is a raw output, a schema (a JSON Schema file or a
`module:Name` reference into tests/), and the expected aligned value or an error.

Laws: the aligned value equals `<name>.json` and validates; aligning it again takes no
steps; a `<name>.err` case raises ValidationFailed (or RepairError) and never yields a
value.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest

import repair

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS.parent / "fixtures" / "schema"
CASES = sorted(FIXTURES.glob("*.txt"))

if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def load_schema(case: Path):
    schema_file = case.with_suffix(".schema.json")
    model_file = case.with_suffix(".model")
    assert schema_file.exists() != model_file.exists(), f"{case} needs exactly one of .schema.json or .model"
    if schema_file.exists():
        return json.loads(_read(schema_file))
    module_name, _, name = _read(model_file).strip().partition(":")
    module = importlib.import_module(module_name.removeprefix("tests."))
    return getattr(module, name)


@pytest.mark.skipif(not CASES, reason="no schema fixtures")
@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_schema_fixture(case: Path) -> None:
    text = _read(case)
    schema = load_schema(case)
    err = case.with_suffix(".err")
    if err.exists():
        with pytest.raises(repair.RepairError) as info:
            repair.loads(text, schema=schema)
        assert _read(err).strip() in str(info.value)
        return
    expected = json.loads(_read(case.with_suffix(".json")))
    result = repair.repair(text, schema=schema)
    assert result.value == expected, "\n".join(str(s) for s in result.steps)
    steps_file = case.with_suffix(".steps")
    if steps_file.exists():
        wanted = _read(steps_file).split()
        got = {s.code for s in result.steps}
        assert not [c for c in wanted if c not in got], [str(s) for s in result.steps]
    for step in result.steps:
        if repair.CODES[step.code].pass_name == "schema":
            assert step.path.startswith("$")
    again = repair.repair(result.text, schema=schema)
    assert again.steps == () and again.value == expected
    repair.parse(text, schema)  # validates
