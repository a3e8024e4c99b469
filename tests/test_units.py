"""Each stage on its own: extraction, stray stripping, bracket decisions, strings,
numbers, the parser's guarantees, steps and logging, errors, serialization."""

from __future__ import annotations

import json
import logging

import pytest

import repair
from repair.lexical.brackets import DEEPER, EXTRA, MATCH, WRONG, decide_closer
from repair.errors import line_col
from repair.core import reader
from repair.extract import Extractor, choose
from repair.lexical.parser import Engine as Parser
from repair.serialize import dumps
from repair.steps import CODES, build_steps
from repair.lexical.trivia import peek_significant, skip_insignificant
from repair.lexical.strings import CTX_ARR, CTX_KEY, CTX_OBJ, is_real_end


def codes(text: str) -> list[str]:
    return [s.code for s in repair.repair(text).steps]


# ---------------------------------------------------------------- extraction (fences, tags)
@pytest.mark.parametrize(
    "text, value",
    [
        ('```json\n{"a": 1}\n```', {"a": 1}),
        ('```JSON\n{"a": 1}\n```', {"a": 1}),
        ('~~~\n[1, 2]\n~~~', [1, 2]),
        ('Here:\n```\n{"a": 1}', {"a": 1}),  # unclosed last fence
        ('```bash\necho {"x": 0}\n```\n```json\n{"a": 1}\n```', {"a": 1}),
        ('```json\n{"md": "use ```python\\nx\\n``` here"}\n```', {"md": "use ```python\nx\n``` here"}),
    ],
)
def test_fence_extraction(text, value):
    assert repair.loads(text) == value
    assert "repair_markdown_fence" in codes(text)


def test_the_last_of_equally_wrapped_values_wins():
    text = '[CONTENT]{"a": "example"}[/CONTENT]\nnow the answer:\n[CONTENT]{"a": "real"}[/CONTENT]'
    ex = Extractor(text, reader)
    cands = ex.scan()
    assert len(cands) == 2 and choose(cands).value == {"a": "real"}
    step = [s for s in repair.repair(text).steps if s.code == "repair_candidate_choice"][0]
    assert step.lossy and "out of 2" in step.message


def test_a_tagged_value_beats_a_later_bare_one():
    text = '<json>{"a": 1}</json> and by the way {"b": 2}'
    assert repair.loads(text) == {"a": 1}


def test_prose_mentions_are_not_values():
    assert Extractor("wrap it in [CONTENT] tags and use {braces} like [see below]", reader).scan() == []


# ---------------------------------------------------------------- stray-character stripping
def test_skip_insignificant_records_comments_and_invisibles():
    p = Parser('  /* c */ \ufeff\u200b # x\n  1')
    pos = skip_insignificant(p, 0)
    assert p.text[pos] == "1"
    assert [s[0] for s in p.steps] == ["repair_comment", "repair_stray_char", "repair_comment"]


def test_peek_records_nothing():
    text = ' // c\n \u00a0 "a"'
    assert text[peek_significant(text, 0, len(text))] == '"'


def test_url_in_a_string_is_not_a_comment():
    assert repair.loads('{"u": "http://x.io//y"}') == {"u": "http://x.io//y"}
    assert repair.loads("{u: http://x.io/y}") == {"u": "http://x.io/y"}


# ---------------------------------------------------------------- bracket balancing
@pytest.mark.parametrize(
    "text, pos, expected, counts, root, depth, action",
    [
        ("]", 0, "]", {"]": 1}, "]", 1, MATCH),
        ("}]", 0, "]", {"]": 1}, "]", 1, EXTRA),  # [{"a":1}}]
        ("}", 0, "]", {"]": 1, "}": 1}, "}", 2, DEEPER),  # {"a": [1, 2}
        ("}", 0, "]", {"]": 1}, "]", 1, WRONG),  # [1, 2}
        ('}, "b": 3}', 0, "]", {"]": 1, "}": 1}, "}", 2, WRONG),  # {"a": [1, 2}, "b": 3}
        ("}, {}]", 0, "]", {"]": 1}, "]", 1, EXTRA),  # [{"a": 1}}, {}]
    ],
)
def test_decide_closer(text, pos, expected, counts, root, depth, action):
    assert decide_closer(text, pos, expected, counts, root, depth) == action


@pytest.mark.parametrize(
    "text, value, code",
    [
        ('{"a": [1, 2', {"a": [1, 2]}, "repair_missing_bracket"),
        ('{"a": "b"}}', {"a": "b"}, "repair_extra_bracket"),
        ('{"a": "b"]}', {"a": "b"}, "repair_extra_bracket"),
        ("[1, 2}", [1, 2], "repair_wrong_bracket"),
        ('{"a": [1, 2}', {"a": [1, 2]}, "repair_missing_bracket"),
        ('{"a":b"}}', {"a": "b"}, "repair_missing_quote"),
    ],
)
def test_bracket_balancing(text, value, code):
    assert repair.loads(text) == value
    assert code in codes(text)


def test_mismatched_closers_stay_linear():
    # every '}' meets an open '[': the per-kind counts answer without scanning the stack
    text = "[" * 20000 + "}" * 20000
    result = repair.repair(text)
    assert result.text == "[" * 20000 + "]" * 20000


# ---------------------------------------------------------------- strings
@pytest.mark.parametrize(
    "text, j, ctx, real",
    [
        ('"a" }', 2, CTX_OBJ, True),
        ('"a"b', 2, CTX_OBJ, False),
        ('"a", "b": 1', 2, CTX_OBJ, True),
        ('"a", then go"', 2, CTX_OBJ, False),
        ('"a" "b"', 2, CTX_ARR, True),
        ('"a"" ]', 2, CTX_ARR, False),
        ('"k": 1', 2, CTX_KEY, True),
        ('"k"x": 1', 2, CTX_KEY, False),
        ('"a", // note\n "b": 1', 2, CTX_OBJ, True),
    ],
)
def test_is_real_end(text, j, ctx, real):
    assert is_real_end(Parser(text), j, ctx) is real


@pytest.mark.parametrize(
    "text, value",
    [
        ('{"a": "He said "no" twice"}', {"a": 'He said "no" twice'}),
        ("{'a': 'it's fine'}", {"a": "it's fine"}),
        ('{"a": "x\ny"}', {"a": "x\ny"}),
        ('{"p": "C:\\Users\\d"}', {"p": "C:\\Users\\d"}),
        ('{"e": "\\ud83d\\ude00 \u4e2d"}', {"e": "\U0001F600 \u4e2d"}),
        ('{\u201ca\u201d: \u201cb\u201d}', {"a": "b"}),
        ('{"a": "abc, "b": 2}', {"a": "abc", "b": 2}),
        ('{"a": ""x"}', {"a": "x"}),
        ('["ab\\', ["ab"]),
        ('["ab\\u00', ["ab"]),
    ],
)
def test_strings(text, value):
    assert repair.loads(text) == value


# ---------------------------------------------------------------- numbers and literals
@pytest.mark.parametrize(
    "text, value",
    [
        ("[.5, +3, 1., 1_000, 0x1F]", [0.5, 3, 1.0, 1000, 31]),
        ("[007]", ["007"]),
        ('{"a": 1/3}', {"a": "1/3"}),
        ("[True, False, None, TRUE, NULL, undefined]", [True, False, None, True, None, None]),
        ("[NaN, Infinity, -Infinity]", [None, None, None]),
        ("[tr", [True]),
        ('{"a": fals', {"a": False}),
        ("[Trueish]", ["Trueish"]),
    ],
)
def test_scalars(text, value):
    assert repair.loads(text) == value


def test_nonfinite_is_lossy_and_valid_json_out():
    result = repair.repair('{"x": NaN}')
    assert result.lossy and result.text == '{"x": null}'


# ---------------------------------------------------------------- guarantees
def test_valid_json_is_untouched():
    text = '{\n  "a": [1, 2.5, "x"],\n  "b": null\n}'
    result = repair.repair(text)
    assert result.steps == () and result.text is text and repair.repair_json(text) is text


def test_valid_json_deeper_than_json_loads():
    text = "[" * 100_000 + "]" * 100_000
    result = repair.repair(text)
    assert result.steps == () and result.text == text


def test_unclosed_nesting_100k_deep_is_closed():
    result = repair.repair("[" * 100_000)
    assert result.text == "[" * 100_000 + "]" * 100_000
    assert [s.code for s in result.steps] == ["repair_missing_bracket"]


def test_deep_objects_serialize_without_recursion():
    result = repair.repair('{"a":' * 20_000)
    assert result.text.startswith('{"a": {"a": ') and result.text.endswith("}" * 20_000)


# ---------------------------------------------------------------- steps, logging, errors
def test_steps_have_positions_in_the_raw_text():
    text = 'Sure:\n{"a": 1,\n "b": [1, 2,],\n}'
    steps = repair.repair(text).steps
    trailing = [s for s in steps if s.code == "repair_trailing_comma"]
    assert [(s.line, s.col) for s in trailing] == [(3, 12), (3, 14)]
    for s in steps:
        assert s.code in CODES and (s.line, s.col) == line_col(text, s.pos)
        assert str(s).startswith(s.code + " at line ")
        assert s.to_dict()["code"] == s.code


def test_build_steps_sorts_and_counts_lines_once():
    doc = "a\nbb\nccc"
    steps = build_steps(doc, [("repair_comment", 7, "m", "", ""), ("repair_comment", 2, "m", "", "")])
    assert [(s.pos, s.line, s.col) for s in steps] == [(2, 2, 1), (7, 3, 3)]


def test_every_step_is_logged(caplog):
    with caplog.at_level(logging.INFO, logger="repair"):
        result = repair.repair("{'a': True,}")
    lines = [r.getMessage() for r in caplog.records if r.name == "repair"]
    assert lines == [str(s) for s in result.steps] and all(line.startswith("repair_") for line in lines)


@pytest.mark.parametrize("text, fragment", [("", "empty"), ("   \n", "empty"), ("no json here", "no JSON value found")])
def test_refusals_say_where(text, fragment):
    with pytest.raises(repair.RepairError) as info:
        repair.loads(text)
    err = info.value
    assert fragment in str(err) and isinstance(err, ValueError)
    assert (err.lineno, err.colno) == (1, 1) and "(at line 1, column 1)" in str(err)


def test_strict_refuses_lossy_and_allows_safe():
    assert repair.loads("{'a': 1,}", strict=True) == {"a": 1}
    with pytest.raises(repair.RepairError, match="repair_truncated"):
        repair.loads('{"a": "cut', strict=True)


def test_bytes_input():
    assert repair.loads("{'a': 'é'}".encode()) == {"a": "é"}
    with pytest.raises(repair.RepairError, match="not UTF-8"):
        repair.loads(b'{"a": "\xff"}')


def test_error_pickles():
    import pickle

    err = pickle.loads(pickle.dumps(repair.RepairError("boom", "ab\ncd", 4)))
    assert (err.msg, err.pos, err.lineno, err.colno) == ("boom", 4, 2, 2)


# ---------------------------------------------------------------- serialization
def test_dumps_iterative_matches_json_dumps():
    value = {"a": [1, 2.5, None, True, "é\n"], "b": {"c": []}, "d": {}}
    for indent in (None, 2, "\t"):
        for ascii_ in (False, True):
            assert dumps(value, indent, ascii_) == json.dumps(value, indent=indent, ensure_ascii=ascii_)
    from repair.serialize import _dumps_iterative

    for indent in (None, 2):
        assert _dumps_iterative(value, indent, False) == json.dumps(value, indent=indent, ensure_ascii=False)


def test_dumps_huge_float_stays_json():
    assert json.loads(dumps([float("inf")])) == [float("inf")]
    assert dumps([float("inf")]) == "[1e999]"


def test_bare_name_without_value_keeps_the_members_after_it():
    result = repair.repair('{"a": 1, b, "c": 2}')
    assert result.value == {"a": 1, "b": None, "c": 2} and result.lossy
