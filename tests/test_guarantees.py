"""The guarantees the engine rebuild makes: exact huge integers, no recursion limit, limits
that refuse where the text crosses them, option checking, and a closed error vocabulary.

No assertion here depends on time: a limit is checked by the position it reports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import repair
from repair.errors import KINDS

SRC = Path(__file__).resolve().parent.parent / "src"
BIG = "1" * 5000  # past Python's 4,300-digit int-conversion limit


def big_int() -> int:
    value = 0
    for i in range(0, len(BIG), 1000):  # (int() of 5,000 digits at once is refused)
        value = value * 10 ** 1000 + int(BIG[i:i + 1000])
    return value


# ------------------------------------------------------------------- huge integers

def test_loads_keeps_an_integer_past_the_conversion_limit():
    value = repair.loads("[" + BIG + ",]")
    assert type(value) is list and len(value) == 1 and type(value[0]) is int
    assert value[0] == big_int()


def test_repair_json_writes_the_integer_digit_for_digit():
    assert repair.repair_json("[" + BIG + ",]") == "[" + BIG + "]"


def test_valid_json_with_a_huge_integer_is_untouched():
    text = '{"n": ' + BIG + "}"
    result = repair.repair(text)
    assert result.steps == () and result.value["n"] == big_int()
    assert repair.repair_json(text) == text


def run_cli(*args: str, stdin: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(SRC))
    return subprocess.run([sys.executable, "-m", "repair", *args], input=stdin, capture_output=True,
                          text=True, encoding="utf-8", env=env, timeout=120)


def test_repair_fix_writes_the_huge_integer_without_a_traceback():
    proc = run_cli("fix", "-", stdin="[" + BIG + ",]")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert json.loads(proc.stdout.strip().replace(BIG, "1")) == [1]  # one value, that integer
    assert proc.stdout.strip() == "[" + BIG + "]"


def test_repair_fix_refuses_past_max_depth_without_a_traceback():
    proc = run_cli("fix", "--max-depth", "10", "-", stdin="[" * 1000)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert "max_depth=10" in proc.stderr and "column 11" in proc.stderr


# ------------------------------------------------------------------------ depth

def test_max_depth_refuses_where_the_text_crosses_it():
    with pytest.raises(repair.RepairError) as info:
        repair.loads("[" * 10**6, max_depth=10)
    err = info.value
    assert err.kind == "limit"
    assert (err.pos, err.lineno, err.colno) == (10, 1, 11)  # the 11th '[' is one too many


def test_max_depth_position_counts_lines_and_is_the_same_for_every_entry_point():
    text = "\n  " + "[" * 10**5
    for fn in (repair.loads, repair.repair, repair.repair_json):
        with pytest.raises(repair.RepairError) as info:
            fn(text, max_depth=10)
        assert (info.value.kind, info.value.pos, info.value.lineno, info.value.colno) == ("limit", 13, 2, 13)


def test_valid_json_past_max_depth_is_refused_at_the_same_bracket():
    with pytest.raises(repair.RepairError) as info:
        repair.loads("[" * 50 + "]" * 50, max_depth=10)
    assert (info.value.kind, info.value.pos) == ("limit", 10)


def test_max_depth_allows_exactly_that_depth():
    assert repair.loads("[" * 10 + "1," + "]" * 10, max_depth=10) is not None


DEEP = 200_000  # arrays; objects and unclosed nesting at a quarter of it (same code, less time)
SHALLOWER = DEEP // 4


def depth_of(value) -> int:
    depth = 0
    while isinstance(value, (list, dict)):
        depth += 1
        if not value:
            break
        value = value[0] if isinstance(value, list) else value["a"]
    return depth


def test_deep_arrays_with_a_defect_need_no_recursion():
    text = "[" * DEEP + "1," + "]" * DEEP  # the trailing comma sends it through the engine
    result = repair.repair(text)
    assert [(s.code, s.pos) for s in result.steps] == [("repair_trailing_comma", DEEP + 1)]
    assert depth_of(result.value) == DEEP


def test_deep_objects_with_a_defect_need_no_recursion():
    text = '{"a":' * SHALLOWER + "1," + "}" * SHALLOWER
    value = repair.loads(text)
    assert depth_of(value) == SHALLOWER
    out = repair.repair_json(text)
    assert out == '{"a": ' * SHALLOWER + "1" + "}" * SHALLOWER


def test_deep_unclosed_nesting_is_closed():
    result = repair.repair("[" * SHALLOWER)
    assert depth_of(result.value) == SHALLOWER
    assert [(s.code, s.pos) for s in result.steps] == [("repair_missing_bracket", SHALLOWER)]


# ---------------------------------------------------------------------- options

BAD_OPTIONS = [
    {"max_depth": "3"}, {"max_depth": 3.0}, {"max_depth": 0}, {"max_depth": -1}, {"max_depth": True},
    {"max_size": 0}, {"max_size": True}, {"max_size": "10"}, {"max_size": 1.5},
]


@pytest.mark.parametrize("options", BAD_OPTIONS, ids=[repr(o) for o in BAD_OPTIONS])
@pytest.mark.parametrize("entry", ["loads", "repair", "repair_json", "parse"])
def test_wrong_option_types_are_refused_as_option_errors(entry, options):
    fn = getattr(repair, entry)
    args = ("[1]", {"type": "array"}) if entry == "parse" else ("[1]",)
    with pytest.raises(repair.RepairError) as info:
        fn(*args, **options)
    assert info.value.kind == "option"
    assert next(iter(options)) in info.value.msg  # the message names the option


def test_max_size_refuses_a_longer_text_as_a_limit():
    with pytest.raises(repair.RepairError) as info:
        repair.loads("[1, 2, 3]", max_size=5)
    assert (info.value.kind, info.value.pos) == ("limit", 5)
    assert repair.loads("[1, 2, 3]", max_size=9) == [1, 2, 3]


# ------------------------------------------------------------- error vocabulary

ODD_INPUTS = [
    "", "   \n\t", "Hello there", "no json here at all.", "```", "```json\n```", "[CONTENT][/CONTENT]",
    "<think>just thinking</think>", "</think>", "<json></json>", "{", "[", "}", "]", "]]]}}}", ",", ":",
    "{,}", "[,]", "{:}", "[:]", "{{{", "[[[", "((((", "'", '"', "'''", '"""', "\\", '\\"', "{\\", "[\"\\u12",
    "\ufeff", "\u200b\u200b", "\x00", "\ud800", "[\ud800]", '{"\ud800": 1}', "/*", "//", "#", "[/*", "{//\n",
    "[1e999]", "[-]", "[+]", "[.]", "[0x]", "[1_]", "[NaN, Infinity, -Infinity]", "{a}", "{a:}", "{'a'}",
    "{\"a\" \"b\"}", "[\"a\" : 1]", "{\"a\": 1 : 2}", "[1 2 3 : 4]", "(1, 2)", "{\"a\": (}", "{\"a\": )}",
    "[CONTENT]{\"a\": [CONTENT]", "```json\n{\"a\": \"```\"}\n```", "<json>{\"a\": </json>",
    "[" * 5000, "{" * 5000, '{"a":' * 3000, "[{" * 2000, "]" * 5000, "\"" * 5000, "'" * 5001, "\\" * 5001,
    "[1, 2" + ", 3" * 1000, "x" * 10000, "{" + "a: 1, " * 500, "[" + "'a' " * 500,
    "``` ``` ``` {", "<think>{\"a\": 1", "</think>{\"a\"", "{\"a\": \"b\"}}}}}", "[\"a\", ...", "{...",
]

# (known engine bugs: see tests/test_engine.py; each gives kind "internal" today)
INTERNAL_TODAY = ["[... 1]", "[},2]", '{],"a":1}']


def raised_kinds(text: str):
    kinds = []
    calls = [
        lambda: repair.loads(text), lambda: repair.repair(text), lambda: repair.repair_json(text),
        lambda: repair.loads(text, strict=True), lambda: repair.loads(text, max_depth=64, max_size=10**6),
        lambda: repair.parse(text, {"type": "object"}), lambda: repair.loads(text.encode("utf-8", "surrogatepass")),
    ]
    for call in calls:
        try:
            call()
        except repair.RepairError as exc:
            kinds.append(exc.kind)
            assert str(exc).endswith(")") and ("(at line " in str(exc) or "(at end of text)" in str(exc))
    return kinds


@pytest.mark.parametrize("text", ODD_INPUTS, ids=range(len(ODD_INPUTS)))
def test_every_refusal_has_a_known_kind_and_none_is_internal(text):
    for kind in raised_kinds(text):
        assert kind in KINDS
        assert kind != "internal", (text, kind)


def test_the_odd_corpus_does_raise():
    """(So the test above is not vacuous: most of these inputs are refused somewhere.)"""
    kinds = [k for text in ODD_INPUTS[:20] for k in raised_kinds(text)]
    assert {"empty", "no_value", "validation"} <= set(kinds)


@pytest.mark.parametrize("text", INTERNAL_TODAY)
def test_inputs_that_once_were_internal_errors(text):
    assert "internal" not in raised_kinds(text)


def test_bytes_that_are_not_utf8_are_an_encoding_error():
    with pytest.raises(repair.RepairError) as info:
        repair.loads(b'{"a": "\xff"}')
    assert (info.value.kind, info.value.pos) == ("encoding", 7)
