"""Input limits: max_size and max_depth, off by default, with clear errors that say where."""

from __future__ import annotations

import json

import pytest

import repair
from repair.cli import Exit, main


def test_off_by_default_even_for_deep_and_large_input() -> None:
    deep = "[" * 50_000 + "]" * 50_000
    assert repair.repair(deep).steps == ()
    assert repair.loads("{'a': '" + "x" * 2_000_000 + "'}")["a"] == "x" * 2_000_000


@pytest.mark.parametrize("text, max_size", [('{"a": 1}', 7), ("{'a': 1}", 7), ("x" * 100, 10)])
def test_max_size_refuses_longer_input(text, max_size) -> None:
    with pytest.raises(repair.RepairError) as info:
        repair.repair(text, max_size=max_size)
    assert f"over max_size={max_size}" in str(info.value) and "raise max_size" in str(info.value)
    assert info.value.pos == max_size


def test_max_size_accepts_input_at_the_limit() -> None:
    assert repair.loads("{'a': 1}", max_size=8) == {"a": 1}
    assert repair.repair_json('{"a": 1}', max_size=8) == '{"a": 1}'


@pytest.mark.parametrize("text", ["[[[[1]]]]", "{'a': [[{'b': 1}]]}", '```json\n{"a": {"b": {"c": {"d": 1}}}}\n```',
                                  "[[[[[[[[", '{"a": "[[[[[[", "b": [[[[1]]]]}'])
def test_max_depth_refuses_deeper_values_and_says_where(text) -> None:
    with pytest.raises(repair.RepairError) as info:
        repair.repair(text, max_depth=3)
    err = info.value
    assert "over max_depth=3" in str(err)
    assert text[err.pos] in "[{"  # the first container past the limit, strings skipped
    assert repair.repair(text, max_depth=50) is not None


def test_max_depth_counts_containers() -> None:
    assert repair.loads("[[[1]]]", max_depth=3) == [[[1]]]
    assert repair.loads('{"a": {"b": 1}}', max_depth=2) == {"a": {"b": 1}}
    assert repair.loads("1", max_depth=1) == 1
    with pytest.raises(repair.RepairError):
        repair.loads('{"a": {"b": []}}', max_depth=2)


def test_limits_apply_with_a_schema() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "array"}}}
    assert repair.parse("{'a': [1]}", schema, max_depth=2) == {"a": [1]}
    with pytest.raises(repair.RepairError, match="max_depth=1"):
        repair.parse("{'a': [1]}", schema, max_depth=1)
    with pytest.raises(repair.RepairError, match="max_size=3"):
        repair.repair("{'a': [1]}", schema=schema, max_size=3)


def test_depth_error_position_is_linear_on_unclosed_quotes() -> None:
    text = "[" * 10 + '"' + '\\"' * 200_000  # a string that never closes, full of escaped quotes
    with pytest.raises(repair.RepairError):  # (quadratic work here would not finish: no timed bound needed)
        repair.repair(text, max_depth=5)


def test_cli_fix_max_size_and_depth(tmp_path, capsys) -> None:
    path = tmp_path / "deep.txt"
    path.write_text("[[[[1]]]]")
    assert main(["fix", str(path), "--max-depth", "3"]) == Exit.UNREPAIRABLE
    out, err = capsys.readouterr()
    assert out == "" and "over max_depth=3" in err and "--max-depth" in err
    assert main(["fix", str(path), "--max-depth", "4", "--max-size", "9"]) == Exit.OK
    assert json.loads(capsys.readouterr().out) == [[[[1]]]]
    assert main(["fix", str(path), "--max-size", "8"]) == Exit.UNREPAIRABLE
    assert "over max_size=8" in capsys.readouterr().err
    assert main(["fix", str(path), "--max-depth", "0"]) == Exit.USAGE
    assert "must be 1 or more" in capsys.readouterr().err
