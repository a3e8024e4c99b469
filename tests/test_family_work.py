"""Work per byte on the adversarial growth families (benchmarks/run.py, section "growth").

No assertion here depends on time: each test counts the Python-level steps a family
costs (calls of a function, tokens read) and checks that they do not grow with the
repetitions the family is made of, or grow at most in proportion to them.
"""

from __future__ import annotations

import random
import re

import pytest

import repair
from repair import extract
from repair.extract import prose
from repair.lexical import decode, parser


class Counting:
    """A stand-in for a compiled pattern that counts its `.match` calls."""

    def __init__(self, pattern):
        self.pattern = pattern
        self.calls = 0

    def match(self, *args):
        self.calls += 1
        return self.pattern.match(*args)


def counting(monkeypatch, owner, name):
    """Replace owner.name (a function) by one that counts its calls; returns the counter."""
    calls = [0]
    fn = getattr(owner, name)

    def spy(*args, **kwargs):
        calls[0] += 1
        return fn(*args, **kwargs)

    monkeypatch.setattr(owner, name, spy)
    return calls


# ---------------------------------------------------------------- deep nesting

@pytest.mark.parametrize("n", [1000, 20_000])
def test_deep_decode_reads_a_run_of_brackets_as_one_token(monkeypatch, n):
    tokens = Counting(decode._TOKEN)
    monkeypatch.setattr(decode, "_TOKEN", tokens)
    for text in ("[" * n + "]" * n, "[ " * n + " ]" * n):
        value, depth = decode._decode_deep(text), 0
        while value is not None:
            value, depth = (value[0] if value else None), depth + 1
        assert depth == n
    assert tokens.calls <= 2 * 3  # per text: the openers, the closers, the end


def test_deep_decode_of_unclosed_nesting_costs_no_token_per_level(monkeypatch):
    tokens = Counting(decode._TOKEN)
    monkeypatch.setattr(decode, "_TOKEN", tokens)
    result = repair.repair("[" * 30_000)
    assert result.text == "[" * 30_000 + "]" * 30_000
    assert tokens.calls <= 3


def test_deep_decode_of_objects_is_linear_in_the_tokens(monkeypatch):
    tokens = Counting(decode._TOKEN)
    monkeypatch.setattr(decode, "_TOKEN", tokens)
    n = 5000
    value = repair.loads('{"a": [' * n + "1" + "]}" * n)
    for _ in range(n):
        value = value["a"][0]
    assert value == 1
    assert tokens.calls <= 5 * n + 4  # `{`, the key, `:`, `[`, and the closers in one


def typed(value):
    """The value with the type of every scalar beside it (1 and 1.0, 0.0 and -0.0 differ)."""
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return type(value).__name__, repr(value) if not isinstance(value, int) or value < 10 ** 100 else value


@pytest.mark.parametrize("text", [
    "[]", "{}", '[[[1, 2, [3]], {"a": [[[]]], "b": {"c": -1.5e3}}]]',
    ' [ [ true , false , null , "x\\n\\u00e9" ] ] ', '"s"', "12345678901234567890123",
    '{"a": {"b": {}}, "c": [1, 2.5, -0.0, 1E5, 2e-3]}', "[1, [2, [3, [4]]], 5]", '[[{}],[{"k":[]}]]',
    "[" + "1" * 5000 + "]",
])
def test_deep_decode_reads_what_c_reads(text):
    expected = decode.STRICT.decode(text) if "1" * 5000 not in text else decode._BIG_INTS.decode(text)
    assert typed(decode._decode_deep(text)) == typed(expected)


@pytest.mark.parametrize("text", ["[1", "[1]]", "", '{"a" 1}x', "[1] x", "]"])
def test_deep_decode_refuses_what_is_not_json(text):
    with pytest.raises(ValueError):
        decode._decode_deep(text)


# ---------------------------------------------------------------- closing what is open

def test_closing_deep_nesting_costs_no_call_per_container(monkeypatch):
    calls = [0]
    end_frame = parser.Engine.end_frame

    def spy(*args):
        calls[0] += 1
        return end_frame(*args)

    monkeypatch.setattr(parser.Engine, "end_frame", staticmethod(spy))
    result = repair.repair('{"a": [' * 5000 + "1")
    assert result.value is not None and calls[0] == 0
    assert result.text.endswith("1" + "]}" * 5000)


@pytest.mark.parametrize("text, closed", [
    ('{"x": (1, 2', '{"x": [1, 2]}'),
    ('{"a": [1, {"b": 2', '{"a": [1, {"b": 2}]}'),
    ('[["a": 1, "b": [2', '[[{"a": 1, "b": [2]}]]'),
    ('[{"a": 1}, ["b": {"c": (3', '[{"a": 1}, [{"b": {"c": [3]}}]]'),
])
def test_closing_writes_each_container_as_its_kind(text, closed):
    assert repair.repair_json(text) == closed


# ---------------------------------------------------------------- brackets in prose

def test_brackets_that_start_nothing_cost_no_python_step_each(monkeypatch):
    calls = counting(monkeypatch, prose, "bare_rank")
    n = 20_000
    result = repair.repair("[{" * n)
    assert result.value == [{}]
    assert [s.code for s in result.steps] == ["repair_leading_text", "repair_missing_bracket"]
    assert calls[0] <= 4  # the text's first bracket, and the last `[{`, which starts a value


@pytest.mark.parametrize("c", prose._NO_KEY[1:-1].replace("\\", ""))
@pytest.mark.parametrize("tail", ["", "x", ' "a": 1}', "]"])
def test_the_brackets_the_scan_passes_over_are_those_bare_rank_refuses(c, tail):
    assert prose.bare_rank("{" + c + tail, 0) < 0
    assert prose.bare_rank("[{" + c + tail, 0) < 0
    assert prose.bare_rank("x [{" + c + tail, 2) < 0


def outcome(text):
    try:
        got = repair.repair(text)
    except repair.RepairError as exc:
        return "refused", str(exc)
    return got.text, [tuple(step) for step in got.steps], got.span


@pytest.mark.parametrize("text", [
    "[{[", "  {(", "{[{", "[{]", '[{[ {"a": 1}', "{.5}", "{-1}", "{(1, 2)}", "[{-1}]", "{[1]}", "{:a}",
    "  {-1, 2}", "// c\n{.5}", "see {(x)} and [{=}] then [1, 2]", "{[{[{[", "[{.5, 1}]", "x {-", "{]",
])
def test_the_scan_passing_over_brackets_changes_no_outcome(monkeypatch, text):
    fast = outcome(text)
    plain = extract._SCAN.pattern.replace(f"(?!{prose.NO_START})", "")
    assert plain != extract._SCAN.pattern
    monkeypatch.setattr(extract, "_SCAN", re.compile(plain, extract._SCAN.flags))
    assert outcome(text) == fast


# ---------------------------------------------------------------- stringified JSON

def test_stringified_values_cost_no_python_call_per_escape(monkeypatch):
    calls = counting(monkeypatch, prose, "_unescape_one")
    n = 2000
    result = repair.repair('{\\"a\\": 1} ' * n)
    assert result.value == {"a": 1}
    assert [s.code for s in result.steps] == ["repair_leading_text", "repair_candidate_choice", "repair_escaped_json"]
    assert calls[0] == 0


def reference_unescape(s):
    """JSON's escapes read by one pattern, a Python call each: what unescape must give."""
    return prose._ESCAPE_SEQ.sub(prose._unescape_one, s)


@pytest.mark.parametrize("text", [
    "", "plain", '\\"a\\"', "\\\\", "\\\\\\", '\\\\\\"', "\\\\u0041", "\\u0041\\u00e9", "\\u005c\\u0041", "\\u005cn",
    "\\u0000", "\\x\\q", "\\u12", "\\", "a\\\nb", "\\n\\t\\r\\b\\f\\/", "\x00\\n", '{\\"k\\": [\\"x\\\\\\"y\\"]}',
])
def test_unescape_reads_escapes_as_the_pattern_does(text):
    assert prose.unescape(text) == reference_unescape(text)


def test_unescape_agrees_with_the_pattern_on_random_text():
    rng = random.Random(7)
    alphabet = ["\\"] * 4 + list('u005cCaF"ntrbf/x\n\x00\u00e9 {')
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
        assert prose.unescape(text) == reference_unescape(text), text


# ---------------------------------------------------------------- many commas

def test_items_between_doubled_commas_cost_no_python_step_each(monkeypatch):
    spans = counting(monkeypatch, parser.Engine, "_span")
    n = 3000
    result = repair.repair('{"a": [' + "1,," * n + "]}")
    assert result.value == {"a": [1] * n}
    codes = [s.code for s in result.steps]
    assert codes.count("repair_extra_comma") == n and codes.count("repair_trailing_comma") == 1
    assert spans[0] <= 8


@pytest.mark.parametrize("text", [
    '{"a": [' + "1,," * 50 + "]}",
    "[1,,2 ,, 3, ,, -4.5e3,,true,\n,null ,,false,,,,]",
    "[1,,2,,x,,3,,]",
    '[1,,2,,"s",,3,,4]',
    "[1,,2,,01,,3]",
    "[1,,2,,1.,,3]",
    "[1,,2 //c\n,,3,,4]",
    "(1,,2,,3,,)",
    "[1,,2,,3,,",
    '{"a": "b": 1, "c": [1,,2,,3,,]}',
])
def test_doubled_commas_between_items_give_the_steps_of_one_at_a_time(monkeypatch, text):
    fast = outcome(text)
    monkeypatch.setattr(parser, "_ITEMS_WITH_DOUBLED_COMMAS", re.compile(r"(?!)|"))  # (read one run at a time)
    assert outcome(text) == fast
