"""Heavily damaged structure: one table per family of defect.

Each row is (text, value, codes): the value the engine must give and step codes that must
appear among its steps (a subset, as in the fixtures' `.steps`). Every row is also read
with the runs and spans off (the engine must agree with itself), and a row whose repair
guesses (a lossy code) must be refused by `strict=True`.
"""

from __future__ import annotations

import json

import pytest

import repair
import repair.lexical.parser as parser

EARLY_CLOSE = [  # an early `}` with more members after it: the object goes on
    ('{"k": "v", "w": 2}, "x": 3}', {"k": "v", "w": 2, "x": 3}, ["repair_extra_bracket"]),
    ('{"in": {"a": 1}}, "out": [true]}', {"in": {"a": 1}, "out": [True]}, ["repair_extra_bracket"]),
    ('{\n "p": 1\n},\n "q": 2\n}', {"p": 1, "q": 2}, ["repair_extra_bracket"]),
    ('{"a": 1}, "b": 2}, "c": 3}', {"a": 1, "b": 2, "c": 3}, ["repair_extra_bracket"]),
    ('{"a": [1, {"b": 2}]}, "c": null}', {"a": [1, {"b": 2}], "c": None}, ["repair_extra_bracket"]),
    ('{"a": 1}, {"b": 2}', [{"a": 1}, {"b": 2}], ["repair_missing_list"]),  # not members: another value (a list missing its brackets)
]

LIST_GOES_ON = [  # a `[` where a key is expected, after a member whose value is a list
    ('{"s": ["a", "b"], ["c"], "t": 1}', {"s": ["a", "b", "c"], "t": 1}, ["repair_misplaced_bracket"]),
    ('{"m": [[1], [2]], [3]], "n": 0}', {"m": [[1], [2], [3]], "n": 0}, ["repair_misplaced_bracket"]),
    ('{"k": ["x"], ["y", "z"]}', {"k": ["x", "y", "z"]}, ["repair_misplaced_bracket"]),
    ('{"k": [1, 2], [3], [4], "e": 1}', {"k": [1, 2, 3, 4], "e": 1}, ["repair_misplaced_bracket"]),
    ('{"o": [{"i": 1}], [{"i": 2}]}', {"o": [{"i": 1}, {"i": 2}]}, ["repair_misplaced_bracket"]),
]

STRAY_TEXT = [  # a bare word between members: dropped, lossy
    ('{"a": 1, Hint "b": 2}', {"a": 1, "b": 2}, ["repair_stray_text"]),
    ('{"a": true, TODO: "b": 2}', None, None),  # (a word with a colon is a key: not this rule)
    ('[{"n": 1}, {"n": 2, IMPORTANT "m": 3}]', [{"n": 1}, {"n": 2, "m": 3}], ["repair_stray_text"]),
    ('{"a": [1],\n  see below\n  "b": 2}', {"a": [1], "b": 2}, ["repair_stray_text"]),
    ('{Result "x": 1}', {"x": 1}, ["repair_stray_text"]),
]

BARE_KEY_NO_COLON = [  # `{name "Bob"}`: a bare name, no colon, a quoted value
    ('{"i": 1, name "Bob"}', {"i": 1, "name": "Bob"}, ["repair_unquoted_key", "repair_missing_colon"]),
    ('{"i": 1, name "Bob", "j": 2}', {"i": 1, "name": "Bob", "j": 2}, ["repair_missing_colon"]),
    ('{"x": {unit "kg"}}', {"x": {"unit": "kg"}}, ["repair_missing_colon"]),
    ('[{"i": 0, who "me"}]', [{"i": 0, "who": "me"}], ["repair_missing_colon"]),
    ('{"i": 1,\n label "L"\n}', {"i": 1, "label": "L"}, ["repair_missing_colon"]),
]

NEXT_OBJECT = [  # an object in a list missing its `}` before the next `{`
    ('[{"a": 1, "b": 2,\n {"a": 3, "b": 4}]', [{"a": 1, "b": 2}, {"a": 3, "b": 4}], ["repair_missing_bracket"]),
    ('[{"a": 1 {"a": 2}]', [{"a": 1}, {"a": 2}], ["repair_missing_bracket", "repair_missing_comma"]),
    ('[{"a": {"b": 1},\n {"a": 2}]', [{"a": {"b": 1}}, {"a": 2}], ["repair_missing_bracket"]),
    ('{"l": [{"a": true, {"a": false}]}', {"l": [{"a": True}, {"a": False}]}, ["repair_missing_bracket"]),
    ('[{"a": 1, {"a": 2, {"a": 3}]', [{"a": 1}, {"a": 2}, {"a": 3}], ["repair_missing_bracket"]),
]

BARE_ITEMS = [  # bare items on separate lines in a list
    ('{"c": [\n red\n green\n]}', {"c": ["red", "green"]}, ["repair_missing_comma"]),
    ('[\n x\n y\n z\n]', ["x", "y", "z"], ["repair_missing_comma"]),
    ('{"c": [a\nb, c]}', {"c": ["a", "b", "c"]}, ["repair_missing_comma"]),
    ('{"c": [\n two words\n three more words\n]}', {"c": ["two words", "three more words"]}, ["repair_missing_comma"]),
    ('{"c": [\n "q",\n r\n s\n]}', {"c": ["q", "r", "s"]}, ["repair_missing_comma"]),
    ('{"c": [a, b\nThanks!', {"c": ["a", "b"]}, []),  # a sentence after a list left open: not an item
    ('{"c": [\n a\n b\n Hope this helps.', {"c": ["a", "b"]}, []),
]

MEMBERS_IN_LIST = [  # members inside `[ ]`
    ('{"p": ["n": "A", "a": 3]}', {"p": [{"n": "A", "a": 3}]}, ["repair_misplaced_bracket"]),
    ('["k": 1, "v": 2]', [{"k": 1, "v": 2}], ["repair_misplaced_bracket"]),
    ('[ "k": "c", "s": 0.5 }', {"k": "c", "s": 0.5}, ["repair_misplaced_bracket"]),
    ('{"o": [ "k": [1, 2] }}', {"o": {"k": [1, 2]}}, ["repair_misplaced_bracket"]),
    ('["a:b", "c"]', ["a:b", "c"], []),  # a colon inside a string item: a plain list
]

STRAY_QUOTE = [  # a quote glued to a number or literal
    ('{"n": 42", "u": "x"}', {"n": 42, "u": "x"}, ["repair_stray_char"]),
    ('{"b": true", "m": "f"}', {"b": True, "m": "f"}, ["repair_stray_char"]),
    ('[1", 2"]', [1, 2], ["repair_stray_char"]),
    ('{"z": null"}', {"z": None}, ["repair_stray_char"]),
    ('{"f": 1.5"\n, "g": 2}', {"f": 1.5, "g": 2}, ["repair_stray_char"]),
]

ONE_LINE_COMMENT = [  # a line comment on a one-line document ends before the closers
    ('{"l": {"c": 2 # cores }, "m": "4Gi"}', {"l": {"c": 2}, "m": "4Gi"}, ["repair_comment"]),
    ('{"l": {"c": 2 // cores }, "m": 1}', {"l": {"c": 2}, "m": 1}, ["repair_comment"]),
    ('{"a": [1 # one ], "b": 2}', {"a": [1], "b": 2}, ["repair_comment"]),
    ('{"a": 1 # note, "b": 2}', {"a": 1, "b": 2}, ["repair_comment"]),
    ('{"a": 1, # note }\n "b": 2}', {"a": 1, "b": 2}, ["repair_comment"]),  # not the last line: to the line end
]

TUPLES_AND_SETS = [  # Python tuples and sets inside values
    ('{"p": (3)}', {"p": 3}, ["repair_python_tuple"]),
    ('{"p": (3,)}', {"p": [3]}, ["repair_python_tuple"]),
    ('{"p": (1, 2)}', {"p": [1, 2]}, ["repair_python_tuple"]),
    ('{"p": ((1, 2))}', {"p": [1, 2]}, ["repair_python_tuple"]),
    ('{"ids": {5, 9}}', {"ids": [5, 9]}, ["repair_python_set"]),
    ('{"ids": {-1}}', {"ids": [-1]}, ["repair_python_set"]),
]

CUT_DUPLICATE_KEY = [  # a cut key must not overwrite a member the object has
    ('{"s": "ok", "i": [1], "s', {"s": "ok", "i": [1]}, ["repair_truncated"]),
    ('{"s": "ok", "i": [1], "s"', {"s": "ok", "i": [1]}, ["repair_truncated"]),
    ('{"s": "ok", "i": [1], "s":', {"s": "ok", "i": [1]}, ["repair_truncated"]),
    ('{"o": {"s": 1, "s', {"o": {"s": 1}}, ["repair_truncated"]),
    ('{"s": "ok", "t', {"s": "ok", "t": None}, ["repair_truncated"]),  # a new key: null, as before
]

SWAPPED_CLOSERS = [  # `}]` written `}}]`: every item kept
    ('[{"i": 1, "t": [{"t": "a"}}]}, {"i": 2, "t": []}]', [{"i": 1, "t": [{"t": "a"}]}, {"i": 2, "t": []}], []),
    ('{"g": [{"m": [1}]], "s": 2}', {"g": [{"m": [1]}], "s": 2}, []),
    ('[[{"a": [1}]]]', [[{"a": [1]}]], []),
    ('{"x": [{"y": 1]}', {"x": [{"y": 1}]}, []),
    ('[{"a": 1}}, {"b": 2}]', [{"a": 1}, {"b": 2}], ["repair_extra_bracket"]),
]

TABLES = {
    "early close": EARLY_CLOSE,
    "list goes on": LIST_GOES_ON,
    "stray text": STRAY_TEXT,
    "bare key without colon": BARE_KEY_NO_COLON,
    "next object": NEXT_OBJECT,
    "bare items": BARE_ITEMS,
    "members in a list": MEMBERS_IN_LIST,
    "stray quote": STRAY_QUOTE,
    "one-line comment": ONE_LINE_COMMENT,
    "tuples and sets": TUPLES_AND_SETS,
    "cut duplicate key": CUT_DUPLICATE_KEY,
    "swapped closers": SWAPPED_CLOSERS,
}

ROWS = [pytest.param(t, v, c, id=f"{name}: {t!r}") for name, table in TABLES.items() for t, v, c in table if v is not None]


@pytest.mark.parametrize("text,value,codes", ROWS)
def test_family(text, value, codes):
    result = repair.repair(text)
    assert json.dumps(result.value) == json.dumps(value), (text, result.value)
    got = [s.code for s in result.steps]
    assert all(code in got for code in codes), (text, got)
    if any(s.lossy for s in result.steps):
        with pytest.raises(repair.RepairError):
            repair.loads(text, strict=True)


@pytest.mark.parametrize("text,value,codes", ROWS)
def test_family_without_runs(monkeypatch, text, value, codes):
    with monkeypatch.context() as m:
        m.setattr(parser, "RUN_FIRST", frozenset())
        m.setattr(parser, "SPAN_FIRST", frozenset())
        assert json.dumps(repair.loads(text)) == json.dumps(value), text


def test_word_with_colon_is_a_key_not_stray_text():
    result = repair.repair('{"a": true, TODO: "b", "c": 2}')
    assert result.value == {"a": True, "TODO": "b", "c": 2}
    assert "repair_stray_text" not in [s.code for s in result.steps]


def test_guesses_are_lossy():
    assert repair.CODES["repair_stray_text"].lossy
    assert repair.CODES["repair_misplaced_bracket"].lossy
    with pytest.raises(repair.RepairError):
        repair.loads('{"s": ["a"], ["b"]}', strict=True)
    with pytest.raises(repair.RepairError):
        repair.loads('{"a": 1, NOTE "b": 2}', strict=True)
    assert repair.loads('{"a": 1}, "b": 2}', strict=True) == {"a": 1, "b": 2}  # an extra `}`: not a guess


# Shapes that need the string rules to end a string at its quote before the structure
# after it (is_real_end in strings.py): `"x", Word "key":` and `"x",\n {`.
NEEDS_STRING_END = [
    ('{"s": "pos", Confidence "score": 0.9}', {"s": "pos", "score": 0.9}),
    ('{"t": "Intro", TODO "body": "b", "w": 1}', {"t": "Intro", "body": "b", "w": 1}),
    ('[\n {"id": 1, "n": "a",\n {"id": 2, "n": "b"}\n]', [{"id": 1, "n": "a"}, {"id": 2, "n": "b"}]),
    ('{"v": 1, first "Ann", last "Lee"}', {"v": 1, "first": "Ann", "last": "Lee"}),
]


@pytest.mark.parametrize("text,value", NEEDS_STRING_END)
def test_family_after_a_string(text, value):
    assert json.dumps(repair.loads(text)) == json.dumps(value)


def test_span_of_only_a_colon_keeps_the_key_the_engine_wrote():
    # the cut string `":` is read as a key, then a span copies only its colon: the key
    # must stay the engine's, not be looked for again before the colon (it crashed)
    assert repair.loads('{\n  "": {\n    ":') == {"": {"": None}}
    assert repair.loads('{"a": 1, "b" : 2, "a" :') == {"a": 1, "b": 2}
