"""The engine (lexical/parser.py) construct by construct, and its runs (lexical/runs.py).

Each table is named after the defect it repairs and pins, for every input, the value and
the exact steps as (code, pos): the position says which token the engine blamed.

The key test is `test_runs_agree_with_the_construct_functions`: the runs copy, in C, the
members of a container that need no decision (and rewrite the plainest single-quoted
strings, Python literals and identifier keys); the engine must give the same value and
the same steps, message for message, when it reads every token itself.
"""

from __future__ import annotations

import json
import random

import pytest

import repair
import repair.lexical.parser as parser
from repair.lexical.brackets import DEEPER, EXTRA, MATCH, WRONG, decide_closer
from repair.lexical.parser import Engine
from repair.lexical.runs import (
    ARRAY_RUN, CLEAN_NUMBER, LOOSE_ARRAY_RUN, LOOSE_OBJECT_RUN, OBJECT_RUN, rewrite,
)
from repair.lexical.literals import scan_word
from repair.lexical.numbers import DROP, scan_number
from repair.lexical.strings import CTX_ARR, CTX_KEY, CTX_OBJ, CTX_ROOT, scan_string
from repair.lexical.trivia import peek_significant, skip_insignificant


def outcome(text: str):
    """(value, [(code, pos), ...]) of repair.repair(text)."""
    result = repair.repair(text)
    return result.value, [(s.code, s.pos) for s in result.steps]


def full_outcome(text: str):
    """Everything a caller can see: the value (as JSON, so True and 1 differ), and each
    step's code, position and message; or the error's kind and position."""
    try:
        result = repair.repair(text)
    except repair.RepairError as exc:
        return ("error", exc.kind, exc.pos, exc.msg)
    return (json.dumps(result.value), [(s.code, s.pos, s.message) for s in result.steps])


def without_runs(monkeypatch, text: str):
    with monkeypatch.context() as m:
        m.setattr(parser, "RUN_FIRST", frozenset())  # no runs
        m.setattr(parser, "SPAN_FIRST", frozenset())  # no spans
        return full_outcome(text)


def check(text, value, steps):
    got_value, got_steps = outcome(text)
    assert json.dumps(got_value) == json.dumps(value), (text, got_value)
    assert got_steps == steps, (text, got_steps)


# ---------------------------------------------------------------------------- tables
# (input, value, [(code, pos)])

TRAILING_COMMAS = [
    ("[1, 2,]", [1, 2], [("repair_trailing_comma", 5)]),
    ('{"a": 1,}', {"a": 1}, [("repair_trailing_comma", 7)]),
    ("[1, 2 , ]", [1, 2], [("repair_trailing_comma", 6)]),
    ('{"a": [1,], "b": 2}', {"a": [1], "b": 2}, [("repair_trailing_comma", 8)]),
    ('[{"a": 1,},]', [{"a": 1}], [("repair_trailing_comma", 8), ("repair_trailing_comma", 10)]),
    ("[(3,)]", [[3]], [("repair_python_tuple", 1), ("repair_trailing_comma", 3)]),
]

MISSING_COMMAS = [
    ("[1 2]", [1, 2], [("repair_missing_comma", 3)]),
    ("[1\n2]", [1, 2], [("repair_missing_comma", 3)]),
    ('{"a": 1 "b": 2}', {"a": 1, "b": 2}, [("repair_missing_comma", 8)]),
    ('{"a": 1\n"b": 2}', {"a": 1, "b": 2}, [("repair_missing_comma", 8)]),
    ("[{} {}]", [{}, {}], [("repair_missing_comma", 4)]),
    ('["a" "b"]', ["a", "b"], [("repair_missing_comma", 5)]),
    ("[true null]", [True, None], [("repair_missing_comma", 6)]),
    # before an ellipsis: the comma is inserted, then dropped with the placeholder
    ("[1 ...]", [1], [("repair_missing_comma", 3), ("repair_ellipsis", 3)]),
    ("[1 ... 2]", [1, 2], [("repair_missing_comma", 3), ("repair_ellipsis", 3), ("repair_missing_comma", 7)]),
]

ELLIPSES = [
    ("[1, 2, ...]", [1, 2], [("repair_ellipsis", 7)]),
    ("[...]", [], [("repair_ellipsis", 1)]),
    ("{...}", {}, [("repair_ellipsis", 1)]),
    ('{"a": [...]}', {"a": []}, [("repair_ellipsis", 7)]),
    ("[1, \u2026]", [1], [("repair_ellipsis", 4)]),
    ('{"a": 1, ... "b": 2}', {"a": 1, "b": 2}, [("repair_ellipsis", 9), ("repair_missing_comma", 13)]),
    ('{"a": ... "b": 2}', {"a": None, "b": 2}, [("repair_ellipsis", 6), ("repair_missing_comma", 10)]),
    # after a string, the comma and ellipsis end it: more members were left out
    ('{"a": "x", ...}', {"a": "x"}, [("repair_ellipsis", 11)]),
    ('[{"a": "x", \u2026}, {"b": "y"}]', [{"a": "x"}, {"b": "y"}], [("repair_ellipsis", 12)]),
]

PYTHON_SETS = [
    ('{"a", "b"}', ["a", "b"], [("repair_python_set", 0)]),
    ('{"a"}', ["a"], [("repair_python_set", 0)]),
    ('{"a", "b", "c"}', ["a", "b", "c"], [("repair_python_set", 0)]),
    ('{"k": {"x", "y"}}', {"k": ["x", "y"]}, [("repair_python_set", 6)]),
]

PYTHON_TUPLES = [
    ('{"a": (1, 2)}', {"a": [1, 2]}, [("repair_python_tuple", 6)]),
    ('{"a": ()}', {"a": []}, [("repair_python_tuple", 6)]),
    ("[(1, 2), (3,)]", [[1, 2], [3]], [("repair_python_tuple", 1), ("repair_python_tuple", 9), ("repair_trailing_comma", 11)]),
    ('{"a": [1,2], "b": (3,)}', {"a": [1, 2], "b": [3]}, [("repair_python_tuple", 18), ("repair_trailing_comma", 20)]),
    ('{"a": [1,2], "b": (3)}', {"a": [1, 2], "b": 3}, [("repair_python_tuple", 18), ("repair_python_tuple", 20)]),
    ("{'a': ('x', 'y')}", {"a": ["x", "y"]}, [("repair_single_quotes", 1), ("repair_python_tuple", 6),
                                             ("repair_single_quotes", 7), ("repair_single_quotes", 12)]),
]

EQUALS_FOR_COLON = [
    ('{"a" = 1}', {"a": 1}, [("repair_missing_colon", 5)]),
    ('{"a" = 1, "b" = 2}', {"a": 1, "b": 2}, [("repair_missing_colon", 5), ("repair_missing_colon", 14)]),
    ('{"a" => 1, "b" => "x"}', {"a": 1, "b": "x"}, [("repair_missing_colon", 5), ("repair_missing_colon", 15)]),
    # a bare value ends before the next member's key and its `=>`, as before a key and its colon
    ('{"t": 9:45 am, "room" => "B2"}', {"t": "9:45 am", "room": "B2"},
     [("repair_unquoted_string", 6), ("repair_missing_colon", 22)]),
    ('{"a": hello world, "b" => 2}', {"a": "hello world", "b": 2},
     [("repair_unquoted_string", 6), ("repair_missing_colon", 23)]),
    # the full-width colon and comma of Chinese text, where the colon and comma belong; inside
    # a string they are text
    ('{"a"\uff1atrue\uff0c"b"\uff1a[1\uff0c2]\uff0c"c"\uff1a"\u65f6\u95f4\uff1a\u4e09\u70b9"}',
     {"a": True, "b": [1, 2], "c": "\u65f6\u95f4\uff1a\u4e09\u70b9"},
     [("repair_missing_colon", 4), ("repair_missing_comma", 9), ("repair_missing_colon", 13), ("repair_missing_comma", 16),
      ("repair_missing_comma", 19), ("repair_missing_colon", 23)]),
    ('{"a" 1}', {"a": 1}, [("repair_missing_colon", 5)]),
]

DOUBLED_BRACES = [
    ('{{"a": 1}}', {"a": 1}, [("repair_stray_char", 1), ("repair_extra_bracket", 9)]),
    ('{{"a": 1}', {"a": 1}, [("repair_stray_char", 1)]),
    ('[{{"a": 1}}]', [{"a": 1}], [("repair_stray_char", 2), ("repair_extra_bracket", 10)]),
]

COMMENTS = [
    ('{"a": 1 // c\n}', {"a": 1}, [("repair_comment", 8)]),
    ("[1, /* x */ 2]", [1, 2], [("repair_comment", 4)]),
    ('{"a": 1 # c\n}', {"a": 1}, [("repair_comment", 8)]),
    ("[1 # x\n]", [1], [("repair_comment", 3)]),
    ('{"a": 1 /* unclosed', {"a": 1}, [("repair_comment", 8), ("repair_missing_bracket", 19)]),
    ('{"url": "http://x.y/#z"}', {"url": "http://x.y/#z"}, []),  # valid: no comment inside a string
    ('{"u": "http://x" // c\n, "b": 2}', {"u": "http://x", "b": 2}, [("repair_comment", 17)]),
]

EXTRA_CLOSERS = [
    ('{"a": "b"}}', {"a": "b"}, [("repair_extra_bracket", 10)]),
    ('[{"a": 1}}]', [{"a": 1}], [("repair_extra_bracket", 9)]),
    ('[{"a": 1}}, {"b": 2}]', [{"a": 1}, {"b": 2}], [("repair_extra_bracket", 9)]),
    ("[1, 2]]", [1, 2], [("repair_extra_bracket", 6)]),
    ('{"a":1]}', {"a": 1}, [("repair_extra_bracket", 6)]),
    ("[1},2]", [1, 2], [("repair_extra_bracket", 2)]),
    # the root list closed early, stray closers after it, then more items and the list's `]`
    ('[{"key": "test"}]},\n{"key2": "test2"}]', [{"key": "test"}, {"key2": "test2"}],
     [("repair_extra_bracket", 16), ("repair_extra_bracket", 17)]),
    ("[1, 2]], 3]", [1, 2, 3], [("repair_extra_bracket", 5), ("repair_extra_bracket", 6)]),
    # an empty root closed early: the comma after it is a leading one (this was an internal error)
    ('{}, "a": 1}', {"a": 1}, [("repair_extra_bracket", 1), ("repair_extra_comma", 2)]),
    ("[]]}, [1]]", [[1]], [("repair_extra_bracket", 1), ("repair_extra_bracket", 2), ("repair_extra_comma", 4)]),
    # a `[` where a key is expected after an empty list as written: nothing to reopen (this
    # was an internal error: the list's `[:]` lost its stray colon, and then took a comma)
    ('{"a": [:], [x', {"a": []}, [("repair_stray_char", 7), ("repair_trailing_comma", 9), ("repair_dropped_text", 11),
                                   ("repair_missing_bracket", 11)]),
    # (no stray closer: two values one after another; no `]` at the end: not the list's items)
    ("[1, 2], [3, 4]", [[1, 2], [3, 4]], [("repair_missing_list", 0)]),
    # a `]` no list opened, between a key's colon and its value: the value is kept
    ('{"a": 1, "b":] 2, "c": [3]}', {"a": 1, "b": 2, "c": [3]}, [("repair_extra_bracket", 13)]),
    ('{"x": ] true}', {"x": True}, [("repair_extra_bracket", 6)]),
    # (no value after it, or a key and its colon: the key has no value)
    ('{"a": ], "b": 1}', {"a": None, "b": 1}, [("repair_missing_value", 6), ("repair_extra_bracket", 6)]),
    ('{"a": ] "b": 1}', {"a": None, "b": 1}, [("repair_missing_value", 6), ("repair_extra_bracket", 6), ("repair_missing_comma", 8)]),
]

WRONG_CLOSERS = [
    ("[1, 2}", [1, 2], [("repair_wrong_bracket", 5)]),
    ('{"a": "b"]', {"a": "b"}, [("repair_wrong_bracket", 9)]),
    ('{"a": {"b": 1]]', {"a": {"b": 1}}, [("repair_wrong_bracket", 13), ("repair_wrong_bracket", 14)]),
    ('["a")', ["a"], [("repair_wrong_bracket", 4)]),
    ("[[1, 2}", [[1, 2]], [("repair_wrong_bracket", 6), ("repair_missing_bracket", 7)]),
    # (an outer container expects it too, but read as closing down to it, the brackets after
    # it would not balance: "c" stays in "a", and the 2 stays in the outer list)
    ('{"a": {"b": [1, 2}, "c": 3}}', {"a": {"b": [1, 2], "c": 3}}, [("repair_wrong_bracket", 17)]),
    ('[[{"a": 1]], 2]', [[{"a": 1}], 2], [("repair_wrong_bracket", 9)]),
]

DEEPER_CLOSERS = [
    ('{"a": [1, 2}', {"a": [1, 2]}, [("repair_missing_bracket", 11)]),
    ('{"a": [{"b": 1}}', {"a": [{"b": 1}]}, [("repair_missing_bracket", 15)]),
    # (the `}` closes the list and the object, and the `]` after it the root: the brackets
    # that follow balance under this reading, not under the one that drops the `}`)
    ('[{"a": [1}]', [{"a": [1]}], [("repair_missing_bracket", 9)]),
    ('[{"a":[{"b":1]},5]', [{"a": [{"b": 1}]}, 5], [("repair_missing_bracket", 13)]),
    ('{"s": [{"n": 2]}', {"s": [{"n": 2}]}, [("repair_missing_bracket", 14)]),
]

MISSING_CLOSERS = [
    ('{"a": 1', {"a": 1}, [("repair_missing_bracket", 7)]),
    ("[1, [2, [3", [1, [2, [3]]], [("repair_missing_bracket", 10)]),
    ('{"a": [1, 2', {"a": [1, 2]}, [("repair_missing_bracket", 11)]),
    ('{"a": "hel', {"a": "hel"}, [("repair_truncated", 10), ("repair_missing_bracket", 10)]),
    ('{"a":', {"a": None}, [("repair_truncated", 5), ("repair_missing_bracket", 5)]),
    ("[1, 2,", [1, 2], [("repair_truncated", 5), ("repair_missing_bracket", 6)]),
    # the text opens with a key and its colon: the object's `{` is missing (it was in the prompt)
    ('"name": "x", "age": 3}', {"name": "x", "age": 3}, [("repair_missing_bracket", 0)]),
    ('\n "a": {"b": [1, 2]}, "c": true}\n', {"a": {"b": [1, 2]}, "c": True}, [("repair_missing_bracket", 2)]),
    ('"a": "b"', {"a": "b"}, [("repair_missing_bracket", 0), ("repair_missing_bracket", 8)]),
    # (a string alone is a string; a key with no value after its colon is no object)
    ('"just a string"', "just a string", []),
]

QUOTES_AND_KEYS = [
    ("{'a': 'b'}", {"a": "b"}, [("repair_single_quotes", 1), ("repair_single_quotes", 6)]),
    ("{a: 1}", {"a": 1}, [("repair_unquoted_key", 1)]),
    ('{"a": hello world}', {"a": "hello world"}, [("repair_unquoted_string", 6)]),
    # a fenced code block written as a value: its text, without the fence lines
    ('{"code": ```python\nprint(1)\n```, "n": 2}', {"code": "print(1)", "n": 2}, [("repair_unquoted_string", 9)]),
    ('{"a": [```\nx\n```]}', {"a": ["x"]}, [("repair_unquoted_string", 7)]),
    # (no closing fence before a separator: the fence may close the answer)
    ('{"a": ```python\nno close', {"a": None}, [("repair_dropped_text", 6), ("repair_truncated", 6), ("repair_missing_bracket", 6)]),
    ('{"a": b"}', {"a": "b"}, [("repair_missing_quote", 6)]),
    ('{"a": "He said "no" twice"}', {"a": 'He said "no" twice'}, [("repair_unescaped_quote", 15)]),
    ('{"a": ""x"}', {"a": "x"}, [("repair_missing_quote", 7)]),
    ("{\u201ca\u201d: \u201cb\u201d}", {"a": "b"}, [("repair_smart_quotes", 1), ("repair_smart_quotes", 6)]),
    ('{"a": 1, b, "c": 2}', {"a": 1, "b": None, "c": 2}, [("repair_unquoted_key", 9), ("repair_missing_value", 10)]),
    ('{"a": , "b": 1}', {"a": None, "b": 1}, [("repair_missing_value", 6)]),
]

LITERALS_AND_NUMBERS = [
    ("[True, False, None]", [True, False, None], [("repair_python_literal", 1), ("repair_python_literal", 7),
                                                 ("repair_python_literal", 14)]),
    ("[TRUE, NULL, undefined]", [True, None, None], [("repair_literal", 1), ("repair_literal", 7), ("repair_literal", 13)]),
    ("[NaN, 1]", [None, 1], [("repair_nonfinite_number", 1)]),
    # a time of day written bare is text, not a number and stray text
    ('{"t": 12:30, "u": 7:45 pm}', {"t": "12:30", "u": "7:45 pm"}, [("repair_unquoted_string", 6), ("repair_unquoted_string", 18)]),
    # a semicolon after a number where a comma belongs
    ('{"a": 1;\n "b": 2}', {"a": 1, "b": 2}, [("repair_stray_char", 7), ("repair_missing_comma", 10)]),
    # thousands separators in a member's number: the comma glued to it, groups of three after
    ('{"price": 1,299.99, "qty": 2}', {"price": 1299.99, "qty": 2}, [("repair_number", 10)]),
    ('{"pop": -12,345,678}', {"pop": -12345678}, [("repair_number", 8)]),
    ('{"a": 1,000 "b": 2}', {"a": 1000, "b": 2}, [("repair_number", 6), ("repair_missing_comma", 12)]),
    ("[.5, +3, 1_000, 0x1F]", [0.5, 3, 1000, 31], [("repair_number", 1), ("repair_number", 5),
                                                 ("repair_number", 9), ("repair_number", 16)]),
    ("[007]", ["007"], [("repair_number", 1)]),
    ("[1/3]", ["1/3"], [("repair_unquoted_string", 1)]),
]

DEFECT_TABLES = {
    "should remove trailing commas": TRAILING_COMMAS,
    "should insert missing commas": MISSING_COMMAS,
    "should remove ellipsis placeholders": ELLIPSES,
    "should turn Python sets into lists": PYTHON_SETS,
    "should turn Python tuples into lists": PYTHON_TUPLES,
    "should read = as a colon": EQUALS_FOR_COLON,
    "should drop a doubled opening brace": DOUBLED_BRACES,
    "should remove comments": COMMENTS,
    "should remove extra closers": EXTRA_CLOSERS,
    "should replace wrong closers": WRONG_CLOSERS,
    "should close inner containers a closer skips": DEEPER_CLOSERS,
    "should add missing closers": MISSING_CLOSERS,
    "should fix quotes and keys": QUOTES_AND_KEYS,
    "should fix literal and number spellings": LITERALS_AND_NUMBERS,
}


@pytest.mark.parametrize(
    "text,value,steps",
    [pytest.param(t, v, s, id=f"{name}: {t!r}") for name, table in DEFECT_TABLES.items() for t, v, s in table],
)
def test_defects(text, value, steps):
    check(text, value, steps)


@pytest.mark.parametrize(
    "text,value,steps",
    [pytest.param(t, v, s, id=f"{name}: {t!r}") for name, table in DEFECT_TABLES.items() for t, v, s in table],
)
def test_defect_tables_do_not_depend_on_the_runs(monkeypatch, text, value, steps):
    """Every table row gives the same outcome when the engine reads each token itself."""
    assert without_runs(monkeypatch, text) == full_outcome(text)


# ------------------------------------------- engine bugs found by these tests, now fixed
# (a frame with no member yet never gets a comma written into it; a doubled opening quote
# is not one before a tuple's closer)

@pytest.mark.parametrize("text,value", [("[... 1]", [1]), ("[..., 1]", [1]), ('{... "a": 1}', {"a": 1}),
                                        ('{..., "a": 1}', {"a": 1})])
def test_leading_ellipsis_then_an_item(text, value):
    assert repair.loads(text) == value


@pytest.mark.parametrize("text,value", [("[},2]", [2]), ("[), 2]", [2]), ('{],"a":1}', {"a": 1})])
def test_extra_closer_right_after_the_opener_then_a_comma(text, value):
    assert repair.loads(text) == value


@pytest.mark.parametrize("text", ["[(1, '')]", "[('')]", "['')]"])
def test_empty_single_quoted_string_before_a_tuple_closer_agrees(monkeypatch, text):
    assert without_runs(monkeypatch, text) == full_outcome(text)


# -------------------------------------------------------------- construct functions

def construct(fn, text, pos=0, ctx=CTX_ROOT):
    engine = Engine(text)
    value, end = fn(engine, pos, ctx)
    return value, end, [(s[0], s[1]) for s in engine.steps]


STRINGS = [
    # (text, ctx, value, end, steps)
    ('"abc"', CTX_ROOT, "abc", 5, []),
    ("'abc'", CTX_ROOT, "abc", 5, [("repair_single_quotes", 0)]),
    ("`abc`]", CTX_ARR, "abc", 5, [("repair_single_quotes", 0)]),
    ('"abc', CTX_ARR, "abc", 4, [("repair_truncated", 4)]),
    ('"a"b"]', CTX_ARR, 'a"b', 5, [("repair_unescaped_quote", 2)]),
    ('"He said "no" twice"}', CTX_OBJ, 'He said "no" twice', 20, [("repair_unescaped_quote", 9)]),
    ('"a\\d"]', CTX_ARR, "a\\d", 5, [("repair_invalid_escape", 2)]),
    ('"a\nb"]', CTX_ARR, "a\nb", 5, [("repair_control_char", 2)]),
    ("\u201ca\u201d:", CTX_KEY, "a", 3, [("repair_smart_quotes", 0)]),
    ('""x"}', CTX_OBJ, "x", 4, [("repair_missing_quote", 1)]),
    ('"\\u00e9"]', CTX_ARR, "\u00e9", 8, []),
]


@pytest.mark.parametrize("text,ctx,value,end,steps", STRINGS, ids=[repr(r[0]) for r in STRINGS])
def test_scan_string(text, ctx, value, end, steps):
    assert construct(scan_string, text, 0, ctx) == (value, end, steps)


NUMBERS = [
    ("12]", 12, 2, []),
    ("-3.5e2]", -350.0, 6, []),
    (".5]", 0.5, 2, [("repair_number", 0)]),
    ("+3]", 3, 2, [("repair_number", 0)]),
    ("1.]", 1.0, 2, [("repair_number", 0)]),
    ("1_000]", 1000, 5, [("repair_number", 0)]),
    ("0x1F]", 31, 4, [("repair_number", 0)]),
    ("007]", "007", 3, [("repair_number", 0)]),
    ("1/3]", "1/3", 3, [("repair_unquoted_string", 0)]),
    ("NaN]", None, 3, [("repair_nonfinite_number", 0)]),
    ("-Infinity]", None, 9, [("repair_nonfinite_number", 0)]),
]


@pytest.mark.parametrize("text,value,end,steps", NUMBERS, ids=[repr(r[0]) for r in NUMBERS])
def test_scan_number(text, value, end, steps):
    got = construct(scan_number, text, 0, CTX_ARR)
    assert json.dumps(got[0]) == json.dumps(value) and got[1:] == (end, steps)


def test_scan_number_drops_a_lone_minus_at_the_end():
    assert construct(scan_number, "-", 0, CTX_ARR) == (DROP, 1, [("repair_truncated", 0)])


WORDS = [
    ("True]", True, 4, [("repair_python_literal", 0)]),
    ("None]", None, 4, [("repair_python_literal", 0)]),
    ("NULL]", None, 4, [("repair_literal", 0)]),
    ("undefined]", None, 9, [("repair_literal", 0)]),
    ("Infinity]", None, 8, [("repair_nonfinite_number", 0)]),
    ("tr", True, 2, [("repair_truncated", 0)]),
    ("fals", False, 4, [("repair_truncated", 0)]),
    ("true]", True, 4, []),
]


@pytest.mark.parametrize("text,value,end,steps", WORDS, ids=[repr(r[0]) for r in WORDS])
def test_scan_word(text, value, end, steps):
    got = construct(scan_word, text, 0, CTX_ARR)
    assert json.dumps(got[0]) == json.dumps(value) and got[1:] == (end, steps)


def test_scan_word_reads_an_unquoted_value_up_to_the_closer():
    assert construct(scan_word, "hello world}", 0, CTX_OBJ) == ("hello world", 11, [("repair_unquoted_string", 0)])


def test_skip_insignificant_records_each_comment_and_invisible_run():
    text = "  // x\n /* y */ # z\n\ufeff\u200b1"
    engine = Engine(text)
    assert skip_insignificant(engine, 0) == len(text) - 1
    assert [(s[0], s[1], s[3]) for s in engine.steps] == [
        ("repair_comment", 2, "// x"), ("repair_comment", 8, "/* y */"), ("repair_comment", 16, "# z"),
        ("repair_stray_char", 20, "\ufeff\u200b"),
    ]
    assert peek_significant(text, 0, len(text)) == len(text) - 1  # the same offset, nothing recorded


CLOSERS = [
    # (text, pos, expected, open counts, root closer, depth, action)
    ("[1]", 2, "]", {"]": 1, "}": 0, ")": 0}, "]", 1, MATCH),
    ('[{"a": 1}}]', 9, "]", {"]": 1, "}": 0, ")": 0}, "]", 1, EXTRA),
    ('{"a": [1, 2}', 11, "]", {"]": 1, "}": 1, ")": 0}, "}", 2, DEEPER),
    ("[1, 2}", 5, "]", {"]": 1, "}": 0, ")": 0}, "]", 1, WRONG),
    ('{"a": [1, 2}, "b": 3}', 11, "]", {"]": 1, "}": 1, ")": 0}, "}", 2, WRONG),
    ('[{"a": 1}}, {"b": 2}]', 9, "]", {"]": 1, "}": 0, ")": 0}, "]", 1, EXTRA),
]

# (text, pos, expected, open counts, root closer, depth, open closers innermost first, action
# without them, action with them): the brackets after the closer settle what the rules leave open
SETTLED = [
    ('[{"a":[{"b":1]},5]', 13, "}", {"]": 2, "}": 2, ")": 0}, "]", 4, "}]}]", EXTRA, DEEPER),
    ('{"a": {"b": [1, 2}, "c": 3}}', 17, "]", {"]": 1, "}": 2, ")": 0}, "}", 3, "]}}", DEEPER, WRONG),
    # (balanced under the rules' reading already, or under no reading: the rules decide)
    ('{"a": [{"b": 1}]]}', 16, "}", {"]": 0, "}": 1, ")": 0}, "}", 1, "}", EXTRA, EXTRA),
    ('[{"a":[{"b":1]},5', 13, "}", {"]": 2, "}": 2, ")": 0}, "]", 4, "}]}]", EXTRA, EXTRA),
    ('[[{"a": [1}]]]', 10, "]", {"]": 3, "}": 1, ")": 0}, "]", 4, "]}]]", EXTRA, EXTRA),
]


@pytest.mark.parametrize("text,pos,expected,counts,root,depth,closers,rules,settled", SETTLED, ids=[r[0] for r in SETTLED])
def test_decide_closer_settles_by_the_brackets_after(text, pos, expected, counts, root, depth, closers, rules, settled):
    assert decide_closer(text, pos, expected, counts, root, depth) == rules
    assert decide_closer(text, pos, expected, counts, root, depth, lambda: (closers, len(text))) == settled


@pytest.mark.parametrize("text,pos,expected,counts,root,depth,action", CLOSERS, ids=[r[0] for r in CLOSERS])
def test_decide_closer(text, pos, expected, counts, root, depth, action):
    assert decide_closer(text, pos, expected, counts, root, depth) == action


# ---------------------------------------------------------------------------- runs

def test_object_run_stops_before_the_key_whose_value_needs_the_engine():
    m = OBJECT_RUN.match('"a": 1, "b": "x", "c": [[1]]}')
    assert (m.end(), m.group("key"), m.group("last")) == (23, '"c"', None)


def test_object_run_takes_the_last_member_before_a_closer():
    m = OBJECT_RUN.match('"a": 1, "b": "x"}')
    assert (m.end(), m.group("key"), m.group("last")) == (16, '"b"', '"x"')


def test_array_run_leaves_the_comma_before_a_bracket_pending():
    m = ARRAY_RUN.match('1, 2, "x", true, [[3]]]')
    assert (m.end(), m.group("last")) == (16, None)
    m = ARRAY_RUN.match("1, 2, 3]")
    assert (m.end(), m.group("last")) == (7, " 3")


def test_array_run_takes_nothing_after_a_string_a_word_follows():
    # `["apple", banana]`: whether the quote ended the string is the construct's decision
    assert ARRAY_RUN.match('"apple", banana]').end() == 0


def test_loose_runs_take_single_quotes_python_literals_and_identifier_keys():
    m = LOOSE_OBJECT_RUN.match("a: 'x', 'b': True, c: None}")
    assert (m.end(), m.group("key"), m.group("last")) == (26, "c", "None")
    m = LOOSE_ARRAY_RUN.match("'x', True, None, 'y']")
    assert (m.end(), m.group("last")) == (20, " 'y'")


def test_loose_runs_refuse_what_needs_a_decision():
    assert LOOSE_ARRAY_RUN.match("'it''s']").end() == 0  # a quote right after a quote
    assert LOOSE_ARRAY_RUN.match("'a\\'b']").end() == 0  # a backslash inside
    assert LOOSE_ARRAY_RUN.match("'a\"b']").end() == 0  # a double quote inside
    assert LOOSE_ARRAY_RUN.match("Truely]").end() == 0  # not the literal True
    assert LOOSE_OBJECT_RUN.match("a\n: 1}").end() == 0  # a key's colon must be on its line


def test_rewrite_records_the_steps_the_construct_functions_record():
    text = "a: 'x', 'b': True, c: None, d: [True]"
    steps: list = []
    out = rewrite(text, 0, len(text), steps)
    assert out == '"a": "x", "b": true, "c": null, "d": [true]'
    assert [(s[0], s[1]) for s in steps] == [
        ("repair_unquoted_key", 0), ("repair_single_quotes", 3), ("repair_single_quotes", 8),
        ("repair_python_literal", 13), ("repair_unquoted_key", 19), ("repair_python_literal", 22),
        ("repair_unquoted_key", 28), ("repair_python_literal", 32),
    ]
    # the same raw tuples the construct functions record for those tokens
    for code, pos, message, found, put in steps:
        engine = Engine(text)
        if code == "repair_single_quotes":
            scan_string(engine, pos, CTX_OBJ)
            assert engine.steps[0] == (code, pos, message, found, put)
        elif code == "repair_python_literal":
            scan_word(engine, pos, CTX_OBJ)
            assert engine.steps[0] == (code, pos, message, found, put)


def test_rewrite_leaves_keys_named_like_literals_quoted():
    steps: list = []
    assert rewrite("True: 1, null: None", 0, 19, steps) == '"True": 1, "null": null'
    assert [s[0] for s in steps] == ["repair_unquoted_key", "repair_unquoted_key", "repair_python_literal"]


def test_clean_number_needs_a_separator_after_it():
    assert CLEAN_NUMBER.match("12,").group() == "12"
    assert CLEAN_NUMBER.match("1.5e3]").group() == "1.5e3"
    assert CLEAN_NUMBER.match("12 ") is None
    assert CLEAN_NUMBER.match("1.}") is None


def test_the_runs_read_loose_members_without_the_construct_functions(monkeypatch):
    """With the runs on, plain loose members never reach scan_string or scan_word: the
    engine reads only the tokens that need a decision."""
    calls = []

    def counting(fn):
        def wrapper(p, pos, ctx):
            calls.append((fn.__name__, pos))
            return fn(p, pos, ctx)
        return wrapper

    monkeypatch.setattr(parser, "scan_string", counting(parser.scan_string))
    monkeypatch.setattr(parser, "scan_word", counting(parser.scan_word))
    text = "{'a': 'x', b: True, 'c': None, \"d\": [1, 'y', False], e: 'z'}"
    assert repair.loads(text) == {"a": "x", "b": True, "c": None, "d": [1, "y", False], "e": "z"}
    assert calls == []
    monkeypatch.setattr(parser, "RUN_FIRST", frozenset())
    monkeypatch.setattr(parser, "SPAN_FIRST", frozenset())
    assert repair.loads(text) == {"a": "x", "b": True, "c": None, "d": [1, "y", False], "e": "z"}
    assert len(calls) > 5  # without the runs each token is read by its construct function


# ------------------------------------------------------------ runs vs construct functions

_SAFE = "abc XYZ 019.,:;!?-_/{}[]()#*+=<>@%&|~^`\u00e9\U0001f600"
_ESCAPES = ["\\\\", "\\n", "\\t", "\\/", "\\u00e9", "\\'", "\\x41", "\\d"]


class Gen:
    """A seeded generator of containers made of what the runs take: JSON members,
    single-quoted strings with no quote or control character (now and then with an
    escape, JSON's or Python's), Python literals and identifier keys, with any JSON
    whitespace between tokens, and now and then a trailing comma."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def ws(self):
        return self.r.choice(["", "", " ", "  ", "\n", "\n  ", "\t", " \r\n "])

    def ident(self):
        r = self.r
        return r.choice("abcxyzABZ_$") + "".join(r.choice("abcxyz_$AZ09") for _ in range(r.randrange(6)))

    def single(self):
        # (with an escape now and then: JSON's own, which the runs take, or Python's)
        chars = _SAFE if self.r.random() < 0.8 else _SAFE + "\\"
        s = "".join(self.r.choice(chars) for _ in range(self.r.randrange(8)))
        return "'" + s.replace("\\", self.r.choice(_ESCAPES)) + "'"

    def double(self):
        s = "".join(self.r.choice(_SAFE + "'") for _ in range(self.r.randrange(8)))
        return json.dumps(s, ensure_ascii=self.r.random() < 0.3)

    def number(self):
        return self.r.choice(["0", "-1", "12", "3.5", "-0.25", "1e5", "2E-3", "-7.0e+2", str(self.r.randrange(10**12))])

    def scalar(self):
        k = self.r.randrange(5)
        if k == 0:
            return self.single()
        if k == 1:
            return self.double()
        if k == 2:
            return self.number()
        if k == 3:
            return self.r.choice(["True", "False", "None"])
        return self.r.choice(["true", "false", "null"])

    def key(self):
        k = self.r.randrange(4)
        if k == 0:
            return self.single()
        if k == 1:
            return self.double()
        if k == 2:
            return self.ident()
        return self.r.choice(["True", "None", "null", "true", "False", self.ident()])

    def value(self, depth):
        if depth < 3 and self.r.random() < 0.25:
            return self.container(depth + 1)
        return self.scalar()

    def container(self, depth=0):
        r, ws = self.r, self.ws
        n = r.randrange(6) if r.random() < 0.9 else r.randrange(40, 80)  # long ones reach _rest_fast
        trailing = "," + ws() if n and r.random() < 0.2 else ""  # (a trailing comma now and then)
        if r.random() < 0.5:
            return "[" + ",".join(ws() + self.value(depth) + ws() for _ in range(n)) + trailing + "]"
        return "{" + ",".join(ws() + self.key() + ws() + ":" + ws() + self.value(depth) + ws() for _ in range(n)) + trailing + "}"


AGREEMENT_CASES = 1000


def test_runs_agree_with_the_construct_functions(monkeypatch):
    """The key test: for generated containers of what the runs take, repair() gives the
    same value and the same steps (code, pos, message) with the runs disabled, when the
    engine reads every token itself."""
    seen_codes = set()
    disagreements = []
    for i in range(AGREEMENT_CASES):
        text = Gen(i).container()
        with_runs = full_outcome(text)
        if with_runs[0] != "error":
            seen_codes.update(code for code, _, _ in with_runs[1])
        if without_runs(monkeypatch, text) != with_runs:
            disagreements.append(text)
    assert not disagreements, f"{len(disagreements)} disagreements, first: {disagreements[0]!r}"
    # the corpus did exercise every loose token kind (else the test would prove nothing)
    assert {"repair_single_quotes", "repair_python_literal", "repair_unquoted_key", "repair_trailing_comma"} <= seen_codes


AGREEMENT_EXAMPLES = [
    "{'a': 'b', c: True, 'd': None}",
    "[True, False, None, 'x', 1, \"y\"]",
    "{a: {b: {c: ['x', None]}}}",
    "{'a': 1, \"b\": [1, 2, 3], 'c': 'd'}",
    "{True: 1, null: None, false: 'x'}",
    "['a', 'b' ,\n 'c'\n]",
    "{'a': 'x',\n  b : 'y'}",
    "[" + ", ".join(["'s'", "True", "1"] * 300) + "]",  # long: _rest_fast and the runs take turns
    "{" + ", ".join(f"k{i}: 'v{i}'" for i in range(300)) + "}",
    "{'a': 'b' 'c': 'd'}",  # a missing comma after a run
    "['a', 'b',]",  # a trailing comma after a run
    "{'a': \"it's\", 'b': 'x'}",
    "{'a': 'x'} trailing",
    # a key a run or span copied, named in a message (no value follows it)
    "{\u201ca\u201d: 1, \u201cphone\u201d:", "{\u2018a\u2019: 1, \u2018phone\u2019:",
    '{"x": [1], \u201cphone\u201d:', "{'a\\tb': 1, 'c\\u00e9\\\\':",
    # trailing commas inside spans, and commas before closers that are not trailing ones
    '{"a": ["x", ], "b": {"c": \'d\', }, "e": [[1, ], {}, ], }',
    # trailing commas inside spans: left out with a step each; not after a comma or an opener
    '{\n  "a": [1, 2,],\n  "b": {"c": "x,]", "d": [true,\n  ],},\n  "e": [[1,], {"f": null,},],\n  "g": 3\n}',
    '[{"a": \'x\',}, [None,], ["s",]]', '{"a": [,], "b": [1,,], "c": {,}}', '{"a": 1 ,}', '[{"a": 1,]]',
    # typographic strings with JSON's escapes, and short plain spans that a loose token ends
    '{a: \u201cx\\ny\u201d, \u201ck\\tq\u201d: \u2018\\u00e9\\\\\u2019, c: [\u201c\\/\u201d, 1]}',
    '{"a": 1, b: \u201cx\\qy\u201d, "c": "d", e: 2}', '{"a": [1, 2], total: True, "b": {"c": 1}, n: None}',
    # comments inside spans: left out with a step each, what follows a token judged through them
    '{"a": 1, // one\n  "b": [1, 2], # two\n  "c": "d//e" /* three */\n}',
    '{\n  "a": "x", // note "q" }\n  "b": {"c": [1, /* in */ 2]},\n  // a line of its own\n  "d": true\n}',
    "{'a': 'x', // c\n b: True, /* k: 'v' */ 'c': None}",
    '[\n  "a", // first\n  "b" /* second */,\n  3 // last\n]',
    '{"a": 1, // trailing comma next\n}', '{"a": [1, 2 // the end\n], "b": 2 // on the last line }',
    '{"a": "x" /* not closed', '{"url": "http://x/#y", "n": 1 # count\n, "m": 2}',
        '{"a": "x",\n  ] "b": 1, "c": [2]}', '["a", }, 1, [2]]', '{"a": 1, "b", }', '[[,], 1, [1,,], ["a,]", ], {"k": "b,}", }]', '[{"a", "b", }, {1, 2, }, ("x", ), ["k": "v", }]',
]


@pytest.mark.parametrize("text", AGREEMENT_EXAMPLES, ids=range(len(AGREEMENT_EXAMPLES)))
def test_runs_agree_on_examples(monkeypatch, text):
    got = full_outcome(text)
    assert got[0] != "error"
    assert without_runs(monkeypatch, text) == got


# ------------------------------------------------- a whole Python repr, rewritten in C

def _python_reprs():
    from corruption import random_value

    rng = random.Random(17)
    docs = [repr(random_value(rng)) for _ in range(60)]
    # and the forms the whole-value rewrite must hand back to the engine
    docs += [
        "[1, 'x', (2, 3)]", "{'a': 'it\\'s'}", "{'a': 'say \"hi\"'}", "{'a': float('nan')}", "{'a': 1,}",
        "{'a': 'x'} and more", "{'a': \u201cx\u201d}", "[{'a': 1}, {'b': 'c[d'}]", "{'k': 'x\\qy'}",
        "['" + "a" * 10 + "', " * 5 + "None]", "{'a': 1e400, 'b': 2}", "[" * 300 + "]" * 300,
        "{'a': {'b': [True, False, None, -0.0, 1e-05]}}", "{key: 'v'}", "['a\\nb', 'c\\u00e9']",
    ]
    return docs


@pytest.mark.parametrize("text", _python_reprs(), ids=range(len(_python_reprs())))
def test_python_value_agrees_with_the_spans(monkeypatch, text):
    """A text written as repr() writes a dict or list is rewritten whole in C; the value,
    the steps and their messages are what the spans give it token by token."""
    got = full_outcome(text)
    with monkeypatch.context() as m:
        m.setattr(parser.Engine, "_python_value", lambda self, pos: None)
        assert full_outcome(text) == got


_QUIET_REPRS = _python_reprs() + [
    "['True', True, 'None', None, 'x False y', False]", "{'T': 1, 'NaN': None}", "[1e5, 2E-3, .5]",
    "{'a': None, 'b': True}x", "[True1, 'a']", "[1True]", "{True: 1}", "['a'b']", "[Truex]", "{'a': 'b''c'}",
    "[" + "'w', " * 2000 + "None]",
]


@pytest.mark.parametrize("text", _QUIET_REPRS, ids=range(len(_QUIET_REPRS)))
def test_loads_skips_the_steps_of_a_whole_repr_and_gives_the_same_value(text):
    """`loads` reads nobody's steps: a whole repr is rewritten without them (one replace
    for its quotes), and the value, or the refusal, is the one `repair` gives."""
    def outcome(call):
        try:
            return json.dumps(call(text))
        except repair.RepairError as exc:
            return exc.kind
    assert outcome(repair.loads) == outcome(lambda t: repair.repair(t).value)


def test_a_quiet_engine_records_no_step_for_a_whole_repr():
    loud, quiet = Engine("{'a': [True, 'b']}"), Engine("{'a': [True, 'b']}", quiet=True)
    assert loud.parse(0) == quiet.parse(0) == ({"a": [True, "b"]}, 18)
    assert [s[0] for s in loud.steps] == ["repair_single_quotes", "repair_single_quotes", "repair_python_literal"]
    assert quiet.steps == []


def test_a_tuple_after_a_single_quoted_string():
    """`(` after `'x',` in a list opens a tuple: the quote before it ends the string."""
    check("['x', (2, 3)]", ["x", [2, 3]], [("repair_single_quotes", 1), ("repair_python_tuple", 6)])
    check("[1, 'x', (2,)]", [1, "x", [2]], [("repair_single_quotes", 4), ("repair_python_tuple", 9),
                                            ("repair_trailing_comma", 11)])


# ------------------------------------------------------------------- truncation

TRUNCATED_DOCS = [
    '{"name": "Ann", "tags": ["a", "b"], "n": -1.5e3, "ok": true, "none": null, "o": {"x": [1, {"y": "z"}]}}',
    "{'a': 'x', b: True, 'c': [None, 1, 'y'], d: {e: (1, 2)}}",
    '[{"k": "v \\"q\\" \\u00e9"}, [], {}, "s", 0, false, // c\n 7]',
    '```json\n{"a": [1, 2, {"b": "c"}]}\n```',
    '[CONTENT]\n{"Product Goals": ["x", "y"], "n": 3}\n[/CONTENT]',
]


@pytest.mark.parametrize("doc", TRUNCATED_DOCS, ids=range(len(TRUNCATED_DOCS)))
def test_truncation_at_every_offset(doc):
    """Every prefix gives a value or a RepairError of a known kind, never another exception."""
    values = 0
    for cut in range(len(doc) + 1):
        text = doc[:cut]
        try:
            repair.repair(text)
            values += 1
        except repair.RepairError as exc:
            assert exc.kind in ("empty", "no_value"), (text, exc.kind, str(exc))
    assert values > len(doc) // 2  # most prefixes hold a value


def test_a_truncated_document_keeps_what_was_written():
    doc = TRUNCATED_DOCS[0]
    cut = doc.index('"ok"')
    result = repair.repair(doc[:cut])
    assert result.value == {"name": "Ann", "tags": ["a", "b"], "n": -1500.0}
    assert result.truncated


# --------------------------------------------------------------------- valid JSON

VALID = [
    "{}", "[]", "0", '"x"', "null", '{"a": 1}', ' \n[1, 2.5, -3e-2, true, false, null, "s\\n\\u00e9"]\n ',
    '{"a": {"b": [{"c": []}, {}]}, "d": "\u00e9\U0001f600"}', '{"a": 1, "a": 2}',
    json.dumps({"k" + str(i): list(range(i % 7)) for i in range(200)}, indent=2),
    "[" * 300 + "]" * 300,  # deeper than json.loads: our own iterative parser, still untouched
]


@pytest.mark.parametrize("text", VALID, ids=range(len(VALID)))
def test_valid_json_is_copied_untouched(text):
    result = repair.repair(text)
    assert result.steps == ()
    assert not result.changed
    assert repair.repair_json(text) == text
    if text.count("[") < 1000:
        assert result.value == json.loads(text)
        assert repair.loads(text) == json.loads(text)


# ------------------------------------- objects one per line, each lacking its `}` and comma

_LINE_RECORDS = [
    '[\n{"k": "v"\n{"k": "v"\n{"k": "v"\n',
    '[\n  {"a": "x", "b": "y"\n  {"a": "z"}\n]',
    '{"rows": [\n\t{"id": 1, "name": "one"\n\t{"id": 2, "name": "two"}\n]}',
    '[\n{"q": "say \\"hi\\""\r\n{"q": "b"}]',
    '[\n{"a": "x"  \n\n  {"b": "y"}]',
    '[{"a": "x"\n{b: 1}]',  # (the next line's key is bare: not the span's shape)
    '[{"a": "x" {"b": 1}]',  # (one line: a whole flat object follows, in a list)
    '[{"a": "x" {"b": [1]}]',  # (one line, a container inside the next object: the quote stays)
    '{"a": "x" {"b": 1}}',  # (one line, no list around: the quote stays)
    '[{"d": "json "{"k": 1}" ok"}]',  # (a quote glued to `{`: stringified JSON inside the string)
    '{"a": "x"\n{"b": 1}}',  # (no list around: no object is missing its `}`)
    '[{"a": ["x"\n{"b": 1}]}]',  # (an item of a list, not a member's value)
]


@pytest.mark.parametrize("text", _LINE_RECORDS, ids=range(len(_LINE_RECORDS)))
def test_a_string_before_the_next_objects_line_reads_the_same_with_and_without_spans(monkeypatch, text):
    """A span takes a member's string value last when the next line opens an object (its
    key quoted, with a colon); the engine reading token by token ends the string there
    too, and closes the object the line lacked."""
    assert full_outcome(text) == without_runs(monkeypatch, text)


def test_records_on_one_line_each_lacking_its_closer():
    """`[{"k": "v" {"k": "w"}]`: on one line, a string value, a space, then a whole flat
    object with a quoted key and `,` or `]` after it, in an object that is an item of a
    list: the object before lost its `}` and comma (strings.is_real_end)."""
    check('[{"k": "v", "n": "a" {"k": "w", "n": "b"}, {"k": "x"}]',
          [{"k": "v", "n": "a"}, {"k": "w", "n": "b"}, {"k": "x"}],
          [("repair_missing_bracket", 21), ("repair_missing_comma", 21)])
    check('[{"k": "v" {"k": "w"}]', [{"k": "v"}, {"k": "w"}],
          [("repair_missing_bracket", 11), ("repair_missing_comma", 11)])


def test_objects_one_per_line_each_lacking_its_closer():
    check('[\n{"k": "v"\n{"k": "w"\n', [{"k": "v"}, {"k": "w"}],
          [("repair_missing_bracket", 12), ("repair_missing_comma", 12), ("repair_missing_bracket", 22)])


# A member's value before the next key with no comma, or before a doubled comma: a span
# takes it (last, for the missing comma) and the engine reads the defect after it.
_VALUES_BEFORE_DEFECTS = [
    '{"a": "x" "b": 1}',
    '{"a": 12  "b": 1, "c": true\n"d": null}',
    '{"a": -2.5e3\t"b": [1]}',
    '[{"a": "x" "b": 1}, {"a": null "b": false}]',
    '{"a": "x",, "b": 1}',
    '{"a": "x" ,\n, "b": 1}',
    '["x",, "y"]',
    '["x" "y": 1]',  # (no colon before the value: not a member's value)
    '{"k" "b": 1}',  # (a key, not a value)
    '{"a": "x" "b" 1}',  # (no colon after the next key)
    '{"a": "x" "b\\"c": 1}',  # (an escape in the next key)
    '{"a": "f(x" "b": 1}',
    '{"a": "x"  "b": 1 "c": 2 "d": 3}',
    "{'a': 'x' 'b': 1}",
    '{"a": True "b": 1}',
    '{"a": "x",,, "b": 1,, "c": "y",}',
    '{"a":"x""b": 1}',  # (glued: strings.is_real_end's own rule)
]


@pytest.mark.parametrize("text", _VALUES_BEFORE_DEFECTS, ids=range(len(_VALUES_BEFORE_DEFECTS)))
def test_a_value_before_a_comma_defect_reads_the_same_with_and_without_spans(monkeypatch, text):
    assert full_outcome(text) == without_runs(monkeypatch, text)


# ------------------------------------- the spans' shortcut alternatives

# Pieces of member text, most of them JSON, some of them the defects spans must stop at.
_SPAN_KEYS = ['"a"', '"k"', '"x y"', '"f(x"', '"q\\"q"', '"\\\\"', "'s'", "key", '"é"']
_SPAN_VALUES = ['"v"', "1", "-2.5e3", "0", "true", "null", "True", "None", "[", "{", '"a(b"', "'v'", '"w"', '"[x"']
_SPAN_AFTER = [",", ", ", " ,", "}", "]", " }", ",,", "", "\n", ", }", ",]", " // c\n,", "/* c */,", "} ,"]
_SPAN_TOKENS = ['"a"', "1", ",", ":", "{", "}", "[", "]", " ", "\n", "#x\n", '"', "'", "(", ")", "=", "\u201cs\u201d", "[true", "[/x"]


def _member_soup(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randrange(1, 25)):
        if rng.random() < 0.6:
            parts.append(rng.choice(_SPAN_KEYS) + rng.choice([":", ": ", " :", "", "::"])
                         + rng.choice(_SPAN_VALUES) + rng.choice(_SPAN_AFTER))
        else:
            parts.append(rng.choice(_SPAN_TOKENS))
    return "".join(parts)


def test_span_shortcuts_take_what_the_token_alternatives_take():
    """runs._PLAIN_MEMBER's alternatives (a whole member and its comma, a key and colon, a
    closer and its comma) are tried before the one-token alternatives; a span must end
    where it ends without them, from any start and at any window end."""
    import re

    from repair.lexical import runs

    pairs = []
    for string, literal, more in (
        (runs.STRING, r"(?:true|false|null)", ""),
        (rf"(?:{runs.STRING}|{runs._SINGLE}|{runs._SMART})", r"(?:true|false|null|True|False|None)", rf"|{runs._IDENT_KEY}"),
    ):
        fast, slow = runs._span(string, literal, more), runs._span(string, literal, more, shortcuts=False)
        pairs += [(re.compile(fast[i]), re.compile(slow[i])) for i in (0, 1)]
    rng = random.Random(12)
    for _ in range(3000):
        text = _member_soup(rng)
        for fast, slow in pairs:
            start = rng.randrange(len(text) + 1)
            end = rng.choice([len(text), rng.randrange(start, len(text) + 1)])
            assert fast.match(text, start, end).end() == slow.match(text, start, end).end(), (text, start, end)


def test_chained_defects_read_as_the_engine_reads_them(monkeypatch):
    """Where a plain span stops before a loose token (`'k'`, `True`, a bare key) that is
    one alone, a missing comma before the next key or doubled commas after a member's
    comma, the span makes the edit and goes on (Engine._chain); the value and every step
    are what the loose span, `rewrite` and the engine's own reading of the defect give."""
    rng = random.Random(13)
    checked = 0
    for _ in range(3000):
        soup = _member_soup(rng)
        text = rng.choice(["{", "[", "[{", '{"r": [']) + soup + rng.choice(["}", "]", "", "}]"])
        chained = full_outcome(text)
        with monkeypatch.context() as m:
            m.setattr(parser.Engine, "_chain", lambda self, stack, pos, end: None)
            assert full_outcome(text) == chained, text
        checked += any(c in soup for c in "'TN,") or "key" in soup
    assert checked > 2500  # (most soups hold a defect a chain may take)


def test_span_brackets_are_the_brackets_outside_the_strings():
    """runs.span_brackets works on UTF-8 bytes with C string operations; it must give what
    reading the strings with their pattern gives, whatever the strings hold (escaped
    quotes and backslashes, typographic quotes inside and outside double quotes, other
    characters whose UTF-8 starts like theirs)."""
    from repair.lexical import runs

    def reference(stretch):
        return runs._NOT_BRACKET.sub("", runs.ANY_STRING.sub("", stretch))

    inside = ["a", "\\\\", '\\"', "\\n", "{", "]", "'", "\u201c", "\u2019", "\u2192", "\u00e9", "\U0001f389", " "]
    strings = [
        lambda r: '"' + "".join(r.choice(inside) for _ in range(r.randrange(6))) + '"',
        lambda r: "'" + "".join(r.choice(["a", "[", "}", "\u2192", "\u00e9", " "]) for _ in range(r.randrange(4))) + "'",
        lambda r: "\u201c" + "".join(r.choice(["a", "[", "'", "\u2019"]) for _ in range(r.randrange(4))) + "\u201d",
        lambda r: "\u2018" + "".join(r.choice(["a", "{", "\u201c"]) for _ in range(r.randrange(4))) + "\u2019",
    ]
    rng = random.Random(14)
    for _ in range(5000):
        parts = []
        for _ in range(rng.randrange(1, 12)):
            if rng.random() < 0.5:
                parts.append(rng.choice(strings)(rng))
            else:
                parts.append(rng.choice(["[", "]", "{", "}", ",", ":", " ", "1", "true", "\n"]))
        stretch = "".join(parts)
        assert runs.span_brackets(stretch) == reference(stretch), stretch


def test_loads_keeps_the_later_of_two_keys_a_repair_brings_together():
    """`loads` reads no steps, so it skips the duplicate-key check; its value is still the
    one `repair` gives (the later member wins), while `repair` records the loss."""
    text = '[{"a": 1, "b": 2 "a": 3}, ' + '{"x": 1}, ' * 300 + '{"y": 2}]'
    result = repair.repair(text)
    assert "repair_duplicate_key" in [s.code for s in result.steps]
    assert repair.loads(text) == result.value
    assert result.value[0] == {"a": 3, "b": 2}
