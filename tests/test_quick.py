"""The quick path (repair.quick) must agree with the tolerant parser wherever it answers.

It is an optimisation, never a second policy: for every input where `quick_repair` gives
a value, the full path (extraction + parser) gives the same value and the same steps, each
with the same code, offset, message, found and put. Where it is unsure it must give up.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import repair
import repair.core
import repair.extract
from repair.errors import RepairError
from repair.quick import quick_repair

from corruption import corpus

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def _without_quick():
    """The full path alone: extraction and the parser, the quick path switched off."""
    saved = repair.core.quick_repair, repair.extract.quick_repair
    repair.core.quick_repair = repair.extract.quick_repair = lambda *args, **kw: None
    try:
        yield
    finally:
        repair.core.quick_repair, repair.extract.quick_repair = saved


def _agree(text: str) -> bool:
    """True when the quick path answered (and then repair agreed with the full path);
    False when it gave up everywhere."""
    calls = []

    def spy(*args, **kw):
        got = quick_repair(*args, **kw)
        calls.append(got is not None)
        return got

    saved = repair.core.quick_repair, repair.extract.quick_repair
    repair.core.quick_repair = repair.extract.quick_repair = spy
    try:
        mine = repair.repair(text)
    except RepairError:
        mine = None
    finally:
        repair.core.quick_repair, repair.extract.quick_repair = saved
    if not any(calls):
        return False
    assert mine is not None, text  # quick answered, so repair must have
    with _without_quick():
        ref = repair.repair(text)
    assert json.dumps(mine.value) == json.dumps(ref.value), text
    assert [tuple(s) for s in mine.steps] == [tuple(s) for s in ref.steps], text
    return True


def test_fixtures_agree() -> None:
    answered = 0
    for txt in sorted(ROOT.glob("fixtures/*/*.txt")):
        text = txt.read_text(encoding="utf-8")
        if txt.with_suffix(".err").exists():
            if txt.parent.name != "schema":  # (schema refusals may be valid JSON)
                assert quick_repair(text) is None, txt  # must-refuse cases are never answered
            continue
        answered += _agree(text)
    assert answered >= 30  # it is really used on the token-level families


@pytest.mark.parametrize("kind", ["single_quotes", "unquoted_keys", "trailing_commas", "missing_commas",
                                  "python_literals", "comments_line", "comments_block", "comments_hash", "mixed",
                                  "smart_quotes", "raw_newlines", "invalid_escapes", "missing_closers",
                                  "markdown_fence", "content_tag", "think_block", "prose_around"])
def test_corpus_agrees(kind) -> None:
    cases = [text for k, text, _ in corpus(40, seed=11) if k == kind]
    answered = sum(_agree(text) for text in cases)
    if kind in ("unquoted_keys", "trailing_commas", "python_literals", "comments_line", "comments_block", "comments_hash"):
        assert answered == len(cases)  # every case of these kinds is token-level


@pytest.mark.parametrize("text", [
    "{'a': 'x, 'b': 1}",  # a quote after a comma: the parser may end the string there
    "{'a b: c' d': 1}",  # a colon before an inner quote: the parser may end a key there
    '{"a": ""abc"}',  # a doubled opening quote
    "{'a': 'abc",  # unterminated
    "{'a': 'it'.}",  # a quote then punctuation
    '{"a": "x""y"}',  # two quotes in a row: an inner quote, to the parser
    '{"a": "x" "y\\"z": 1}',  # a key the parser does not see as a key (escaped quote)
    '{"a": "x"\n "b"\n: 1}',  # the colon on the next line
    '{"a": true b: 1}',  # a literal then words on one line: the parser reads a string
    '{"a": "x" 1}',  # a string then a number: the parser reads on inside the string
    '{"a": 1,, "b": 2}',  # a doubled comma
    '{"a": [1, 2] /* open comment',
    '{"a": 01}', '{"a": .5}', '{"a": +1}', '{"a": 1.}',  # numbers in odd forms
    '{"a": 1} trailing prose', '{"a": 1}\n```',  # text after the value
    '{"a": NaN}', '{"a": undefined}', '{"a": (1, 2)}',
    '{"a": 1,', '{"a": 1, "b"', '{"a": ', '{"a": tr', '{"a": "unterminated',  # cut inside a member
])
def test_gives_up_when_unsure(text) -> None:
    assert quick_repair(text) is None
    repair.repair(text)  # and the full path still answers


@pytest.mark.parametrize("text, value, codes", [
    ("{'a': 1, 'b': [True, None],}", {"a": 1, "b": [True, None]},
     ["repair_single_quotes", "repair_single_quotes", "repair_python_literal", "repair_python_literal", "repair_trailing_comma"]),
    ('{a: 1, // one\n b: 2\n c: 3}', {"a": 1, "b": 2, "c": 3},
     ["repair_unquoted_key", "repair_comment", "repair_unquoted_key", "repair_missing_comma", "repair_unquoted_key"]),
    ('[{"a": 1} {"a": 2}]', [{"a": 1}, {"a": 2}], ["repair_missing_comma"]),
    ('{"a": "x" "b": "y"}', {"a": "x", "b": "y"}, ["repair_missing_comma"]),
    ('["x" "y"]', ["x", "y"], ["repair_missing_comma"]),
    ('{"a": [1, {"b": \'c\'}', {"a": [1, {"b": "c"}]}, ["repair_single_quotes", "repair_missing_bracket"]),
    ("{'name': 'it's', 'q': 'say \"hi\"'}", {"name": "it's", "q": 'say "hi"'},
     ["repair_single_quotes", "repair_single_quotes", "repair_unescaped_quote", "repair_single_quotes", "repair_single_quotes"]),
    ('{"a": "line\nbreak \\d"}', {"a": "line\nbreak \\d"}, ["repair_control_char", "repair_invalid_escape"]),
    ('{\u201ca\u201d: \u201cb\u201d}', {"a": "b"}, ["repair_smart_quotes", "repair_smart_quotes"]),
])
def test_answers_token_level_defects(text, value, codes) -> None:
    assert _agree(text)
    result = repair.repair(text)
    assert result.value == value and [s.code for s in result.steps] == codes


@pytest.mark.parametrize("text, value, codes", [
    ('{"a": 1 // one\n "b": 2}', {"a": 1, "b": 2}, ["repair_comment", "repair_missing_comma"]),
    ("{'a': 1} // note\nHope this helps", {"a": 1}, ["repair_single_quotes", "repair_trailing_text"]),
    ("{\"0\": ''}#',}", {"0": ""}, ["repair_single_quotes", "repair_trailing_text"]),  # a comment after the root is prose
])
def test_comments_near_the_end_of_the_value(text, value, codes) -> None:
    _agree(text)  # answered or not, never different
    result = repair.repair(text)
    assert result.value == value and [s.code for s in result.steps] == codes


# ------------------------------------------------------------------ generated agreement

_keys = st.text(alphabet="abcXYZ_09 -", min_size=1, max_size=6)
_strings = st.text(alphabet=st.sampled_from(list("ab yz'\"\\/:,{}[]#\n\té")), max_size=8)
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                     st.floats(allow_nan=False, allow_infinity=False, width=32), _strings)
_values = st.recursive(_scalars, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                          st.dictionaries(_keys, kids, max_size=4)), max_leaves=12)


def _damage(value, rng: random.Random) -> str:
    """Write `value` with random token-level defects, each where a model would put it."""
    def key(k):
        if k.isidentifier() and rng.random() < 0.4:
            return k
        if "'" not in k and '"' not in k and "\\" not in k and rng.random() < 0.3:
            return f"'{k}'"
        return json.dumps(k)

    def scalar(v):
        if v is True or v is False or v is None:
            return {True: "True", False: "False", None: "None"}[v] if rng.random() < 0.4 else json.dumps(v)
        if isinstance(v, str):
            r = rng.random()
            if r < 0.3:
                return "'" + v + "'"  # raw: quotes, backslashes, newlines inside
            if r < 0.4:
                return '"' + v + '"'
            if r < 0.5:
                return "\u201c" + v + "\u201d"
        return json.dumps(v)

    def sep():
        r = rng.random()
        if r < 0.1:
            return " "  # a missing comma
        if r < 0.15:
            return ", // note\n"
        if r < 0.2:
            return " # note\n, "
        return ", "

    def write(v):
        if isinstance(v, dict):
            body = ""
            for i, (k, x) in enumerate(v.items()):
                body += (sep() if i else "") + key(k) + ": " + write(x)
            return "{" + body + ("," if v and rng.random() < 0.2 else "") + "}"
        if isinstance(v, list):
            body = ""
            for i, x in enumerate(v):
                body += (sep() if i else "") + write(x)
            return "[" + body + ("," if v and rng.random() < 0.2 else "") + "]"
        return scalar(v)

    text = write(value)
    r = rng.random()
    if r < 0.15:
        return "Sure! Here it is:\n" + text + "\nHope this helps."
    if r < 0.25:
        return "```json\n" + text + "\n```"
    if r < 0.3:
        return "[CONTENT]\n" + text + "\n[/CONTENT]"
    if r < 0.35:
        return "<think>draft {'x': 1}</think>\n" + text
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_values.filter(lambda v: isinstance(v, (dict, list))), seed=st.integers(0, 2**16))
def test_generated_token_defects_agree(value, seed) -> None:
    _agree(_damage(value, random.Random(seed)))  # where quick answers, the parser must agree


# ---------------------------------------------------------------- long single-quoted strings

LONG = "x" * 300  # over quick._TRUST_LENGTH: taken without the control-character regex


@pytest.mark.parametrize("text, value, codes", [
    ("{'a': '" + LONG + "'}", {"a": LONG}, ["repair_single_quotes", "repair_single_quotes"]),
    # a raw newline in a long string: the decoder rejects the first rewrite, the checked one answers
    ("{'a': '" + LONG + "\nmore', 'b': 1}", {"a": LONG + "\nmore", "b": 1},
     ["repair_single_quotes", "repair_single_quotes", "repair_control_char", "repair_single_quotes"]),
    ("['" + LONG + "\t', '" + LONG + "']", [LONG + "\t", LONG],
     ["repair_single_quotes", "repair_control_char", "repair_single_quotes"]),
    # a long string, then a value that ends before text the rewrite stops at
    ("{'a': '" + LONG + "\x01'} and then prose", {"a": LONG + "\x01"},
     ["repair_single_quotes", "repair_single_quotes", "repair_control_char", "repair_trailing_text"]),
])
def test_long_single_quoted_strings(text, value, codes) -> None:
    assert _agree(text)  # the quick path answers, and agrees with the full path
    result = repair.repair(text)
    assert result.value == value and [s.code for s in result.steps] == codes


def test_long_string_control_characters_from_generated_text() -> None:
    rng = random.Random(5)
    for _ in range(200):
        body = "".join(rng.choice(["x", " ", "\n", "\t", "\x01", "y"]) for _ in range(rng.randint(250, 400)))
        text = "{'k': '" + body + "', 'n': [1, 2]}"
        assert _agree(text), repr(text)
        assert repair.loads(text) == {"k": body, "n": [1, 2]}


# ---------------------------------------------------------------- loads without steps

def _texts():
    for txt in sorted(ROOT.glob("fixtures/*/*.txt")):
        if txt.parent.name != "schema":
            yield txt.read_text(encoding="utf-8")
    for _, text, _ in corpus(20, seed=4):
        yield text


def test_loads_value_only_path_agrees_with_repair() -> None:
    """`loads` skips building Steps when nothing reads them; the value must not change."""
    import logging
    assert not logging.getLogger("repair").isEnabledFor(logging.INFO)
    checked = 0
    for text in _texts():
        try:
            expected = repair.repair(text).value
        except RepairError as exc:
            with pytest.raises(RepairError) as info:
                repair.loads(text)
            assert str(info.value) == str(exc)
            continue
        assert json.dumps(repair.loads(text)) == json.dumps(expected), text
        checked += 1
    assert checked > 300


def test_loads_still_logs_every_step_when_the_logger_listens(caplog) -> None:
    import logging
    text = "Sure:\n```json\n{'a': True,}\n```"
    with caplog.at_level(logging.INFO, logger="repair"):
        assert repair.loads(text) == {"a": True}
    codes = [r.getMessage().split(" ", 1)[0] for r in caplog.records if r.name == "repair"]
    assert codes == [s.code for s in repair.repair(text).steps]
    assert "repair_python_literal" in codes and "repair_trailing_comma" in codes


# ---------------------------------------------------------------- text in single quotes only

def _single_quoted_value(rng: random.Random, depth: int = 0):
    roll = rng.random()
    if depth < 3 and roll < 0.25:
        return {rng.choice(["a", "b c", "", "k1", "Name"]) + str(i): _single_quoted_value(rng, depth + 1)
                for i in range(rng.randint(0, 4))}
    if depth < 3 and roll < 0.4:
        return [_single_quoted_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    if roll < 0.5:
        return rng.choice([1, -2.5, 0, True, None, 10e3])
    return "".join(rng.choice(["x", " ", ",", ":", "{", "]", "\u00e9", "it's", "\n", "\t"])
                   for _ in range(rng.choice([0, 1, 5, 300])))


def test_text_in_single_quotes_only_agrees_with_the_parser() -> None:
    """No `"` or backslash in the text: the quick path swaps every quote in one call when
    the result decodes (quick._single_quoted_only); an apostrophe, a raw newline, a Python
    literal or an empty string must give the parser's answer all the same."""
    rng = random.Random(21)
    swapped = 0
    for _ in range(400):
        value = _single_quoted_value(rng, depth=rng.choice([0, 1]))
        if not isinstance(value, (dict, list)):
            continue
        text = json.dumps(value, ensure_ascii=False).replace('"', "'").replace("\\n", "\n").replace("\\t", "\t")
        if rng.random() < 0.3:
            text = text.replace("true", "True").replace("null", "None")
        if "\\" in text:
            continue  # (none left: newlines and tabs are raw in the text)
        _agree(text)
        if "it's" not in text and "True" not in text and "None" not in text:
            assert repair.loads(text) == value, text
            swapped += 1
    assert swapped > 50


@pytest.mark.parametrize("text, value, codes", [
    ("{'a': '', 'b': ['']}", {"a": "", "b": [""]}, ["repair_single_quotes"] * 4),
    ("  ['x', 'y']\n", ["x", "y"], ["repair_single_quotes"] * 2),
    ("{'a': NaN}", None, None),  # not JSON after the swap either: the parser decides
    ("{'a': 'it's'}", {"a": "it's"}, None),
])
def test_single_quoted_only_edges(text, value, codes) -> None:
    result = repair.repair(text)
    if value is not None:
        assert result.value == value
    if codes is not None:
        assert [s.code for s in result.steps] == codes
    with _without_quick():
        ref = repair.repair(text)
    assert json.dumps(ref.value) == json.dumps(result.value)
    assert [tuple(s) for s in ref.steps] == [tuple(s) for s in result.steps]


# ---------------------------------------------------------------- values in a row

@pytest.mark.parametrize("text", [
    "{}{}{} <x", '{"a": 1} {"b": 2} and prose', '[1] "x" [2] <', "{'a': 1}{'b': [2]}\n{'c': 3}",
    '[{"a": 1} {"a": 2}] {"b": 3}', '{"a": {"b": 1} {"c": 2}}',
])
def test_values_in_a_row_agree(text) -> None:
    assert _agree(text) or quick_repair(text) is None
    with _without_quick():
        ref = repair.repair(text)
    assert json.dumps(repair.repair(text).value) == json.dumps(ref.value)


def _count_tokens(monkeypatch) -> list:
    """A list that grows by one for each token the quick path rewrites."""
    import repair.quick as quick
    calls: list = []
    real = quick._token

    def counting(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(quick, "_token", counting)
    return calls


def test_values_in_a_row_are_rewritten_once(monkeypatch) -> None:
    """Values in a row in prose, after nesting too deep for the C decoder (which turns
    the C attempt off for the rest of the text): each `{` is a candidate for the quick
    path. Its rewrite must stop where the root value closes, not run to the end of the
    text for each of them (quadratic: 80,201 tokens rewritten here, and a 9 KB fuzz input
    took 0.8 s)."""
    calls = _count_tokens(monkeypatch)
    n = 400
    value = repair.loads("Note: " + "[" * 1000 + "]" * 1000 + " then " + '{"a": 1}' * n + " <x")
    assert value == {"a": 1}  # (the last of equal candidates)
    assert len(calls) < 3 * n  # (about n * n / 2 before)


def test_nested_candidates_that_never_close_are_not_rewritten_each_time(monkeypatch) -> None:
    """`[{[{[{...` never closed, in prose: each opener is a candidate, and each failed
    quick rewrite reads to the end of the text. Past twice the text of such waste the
    extractor leaves values in prose to the parser (a 7 KB fuzz input took 0.95 s)."""
    calls = _count_tokens(monkeypatch)
    text = "x <tool_call>" + "[{" * 1000 + "{'a': 'b', 'c': 'd'}" * 50 + " <x"
    with_budget = repair.repair(text)
    assert len(calls) < 5_000  # (250,250 before)
    with _without_quick():
        ref = repair.repair(text)
    assert json.dumps(with_budget.value) == json.dumps(ref.value)
    assert [tuple(s) for s in with_budget.steps] == [tuple(s) for s in ref.steps]
