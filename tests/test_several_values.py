"""Several values in one text: joined into a list, chosen among, or all returned by
repair_all / loads_all (docs/policy.md §1)."""

from __future__ import annotations

from pathlib import Path

import pytest

import repair


@pytest.mark.parametrize("text,value", [
    ('{"a": 1}, {"a": 2}', [{"a": 1}, {"a": 2}]),
    ('{"a": 1},\n{"a": 2},\n', [{"a": 1}, {"a": 2}]),
    ('[1], [2], [3]', [[1], [2], [3]]),
    ('{"a": 1}\n{"a": 2}', [{"a": 1}, {"a": 2}]),
    ('{"a": 1}\r\n\r\n{"a": 2}\r\n', [{"a": 1}, {"a": 2}]),
])
def test_values_one_after_another_form_a_list(text, value):
    result = repair.repair(text)
    assert result.value == value
    assert "repair_missing_list" in [s.code for s in result.steps]
    assert not result.lossy


@pytest.mark.parametrize("text,value", [
    ('```json\n{"a": 1}\n```, ```json\n{"a": 2}\n```', {"a": 2}),  # fenced answers are not joined
    ('{"a": 1} and then {"a": 2}', {"a": 2}),  # prose between: the choice rule
    ('{"a": 1} {"a": 2}', {"a": 2}),  # on one line with only a space: a choice, not NDJSON
])
def test_values_not_joined(text, value):
    assert repair.loads(text) == value


@pytest.mark.parametrize("text,value", [
    ('{"q": "a"}{"q": "ab', {"q": "a"}),
    ('{"q": "a"}\n{"q": "ab', {"q": "a"}),
    ('[1, 2] [1, ', [1, 2]),
])
def test_a_whole_value_beats_a_cut_off_copy_after_it(text, value):
    result = repair.repair(text)
    assert result.value == value
    assert result.lossy  # the fragment is dropped: a choice
    assert "repair_candidate_choice" in [s.code for s in result.steps]


def test_a_cut_off_value_alone_is_still_completed():
    assert repair.loads('{"q": "ab') == {"q": "ab"}


@pytest.mark.parametrize("text,value", [("7,", 7), ("(1, 2)", [1, 2]), ("((1, 2), (3,))", [[1, 2], [3]]),
                                        ('\\"ok\\"', "ok")])
def test_root_edge_forms(text, value):
    assert repair.loads(text) == value


@pytest.mark.parametrize("text", ["(see the docs)", "()", "7, then 8"])
def test_root_edge_forms_that_are_prose(text):
    with pytest.raises(repair.RepairError) as info:
        repair.loads(text)
    assert info.value.kind == "no_value"


def test_repair_all_returns_every_value_with_its_span_and_steps():
    text = 'first {"a": 1} then ```json\n[1, 2,]\n``` and {"b": True}\n{"c": 3}'
    results = repair.repair_all(text)
    assert [r.value for r in results] == [{"a": 1}, [1, 2], {"b": True}, {"c": 3}]
    assert [text[r.span[0]:r.span[1]] for r in results] == [
        '{"a": 1}', '```json\n[1, 2,]\n```', '{"b": True}', '{"c": 3}']
    assert [[s.code for s in r.steps] for r in results] == [
        [], ["repair_markdown_fence", "repair_trailing_comma"], ["repair_python_literal"], []]
    assert repair.loads_all(text) == [r.value for r in results]


def test_repair_all_on_valid_json_is_one_untouched_value():
    [result] = repair.repair_all('{"a": [1, 2]}')
    assert (result.value, result.steps, result.span) == ({"a": [1, 2]}, (), (0, 13))


def test_repair_all_with_a_schema_aligns_each_value_and_keeps_the_misfits():
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
    results = repair.repair_all('{"n": "1"}\n{"n": "x"}', schema=schema)
    assert [r.value for r in results] == [{"n": 1}, {"n": "x"}]
    assert results[0].errors is None and results[1].errors[0]["loc"] == ("n",)


def test_repair_all_refuses_text_without_values_and_lossy_repairs_under_strict():
    with pytest.raises(repair.RepairError) as info:
        repair.repair_all("nothing here")
    assert info.value.kind == "no_value"
    with pytest.raises(repair.RepairError) as info:
        repair.repair_all('{"a": 1} {"b": "cut', strict=True)
    assert info.value.kind == "lossy_refused"


def _codes_or_error(call, text):
    try:
        return call(text)
    except repair.RepairError as exc:
        return exc.kind


def test_repair_all_codes_is_repair_all_without_the_steps():
    from repair.core import repair_all_codes

    texts = [path.read_text(encoding="utf-8", errors="replace")
             for path in sorted((Path(__file__).resolve().parents[1] / "fixtures").rglob("*.txt"))]
    texts += ['first {"a": 1} then ```json\n[1, 2,]\n``` and {"b": True}\n{"c": 3}', "nothing here", " ",
              "{'a': 'x', 'b': None, c: [1, 2,], 'd': 'cut"]
    assert len(texts) > 100
    for text in texts:
        want = _codes_or_error(lambda t: [(r.value, r.span, [s.code for s in r.steps]) for r in repair.repair_all(t)], text)
        assert _codes_or_error(repair_all_codes, text) == want, text[:200]


def test_repair_span_points_at_the_chosen_value():
    text = 'Sure: ```json\n{"a": 1}\n``` done'
    result = repair.repair(text)
    assert text[result.span[0]:result.span[1]] == '```json\n{"a": 1}\n```'
