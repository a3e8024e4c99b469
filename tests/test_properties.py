"""Property-based tests of the public contract (docs/policy.md, the project DESIGN.md).

The laws checked here hold for *every* input, so they are stated once and thrown at
generated text:

* valid JSON is the identity: same value, zero steps, `repair_json` returns it unchanged;
* no exception but `RepairError` for any `str`, at any depth; a result's `.text` is valid
  JSON whose value is `.value`;
* repairing is idempotent: the repaired text needs no more steps;
* every prefix of a JSON document (a truncated model output) repairs or is refused cleanly;
* every corruption in `tests/corruption.py` comes back as exactly the original value;
* every Step is well formed and points into the text.

Runtime: about half a minute on two cores with the defaults. Set REPAIR_PROPERTY_SCALE=10 for a
longer hunt.
"""

from __future__ import annotations

import json
import os
import random
import re

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

import repair
from corruption import KINDS, corpus, corrupt, looks_like_literal, random_value, same

# the default run takes 40% of each test's examples, to keep the whole suite near three
# minutes on two cores; REPAIR_PROPERTY_SCALE=10 (or more) for a longer hunt
SCALE = 0.4 * float(os.environ.get("REPAIR_PROPERTY_SCALE", "1"))


def examples(n: int) -> settings:
    return settings(
        max_examples=max(1, int(n * SCALE)),
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.filter_too_much,
            HealthCheck.data_too_large,
        ],
    )


# ---------------------------------------------------------------------------------------
# Helpers: the laws, as checks on one input
# ---------------------------------------------------------------------------------------


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def strict_json_loads(text: str):
    """json.loads, minus the NaN/Infinity extension Python accepts."""
    return json.loads(text, parse_constant=_reject_constant)


def line_col(text: str, pos: int) -> tuple[int, int]:
    """1-based line and column of offset `pos` ("\\n" ends a line)."""
    pos = max(0, min(pos, len(text)))
    return text.count("\n", 0, pos) + 1, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def check_error(err: repair.RepairError, text: str) -> None:
    assert isinstance(err, ValueError)
    assert _is_int(err.pos), f"RepairError.pos is {err.pos!r}"
    assert _is_int(err.lineno), f"RepairError.lineno is {err.lineno!r}"
    assert _is_int(err.colno), f"RepairError.colno is {err.colno!r}"
    assert 0 <= err.pos <= len(text), f"RepairError.pos={err.pos} outside 0..{len(text)}"
    assert err.lineno >= 1 and err.colno >= 1, (err.lineno, err.colno)
    assert (err.lineno, err.colno) == line_col(text, err.pos), (
        f"RepairError at pos {err.pos} says line {err.lineno}, column {err.colno}; "
        f"the text has it at {line_col(text, err.pos)}"
    )
    # policy §5: the message says where; at the very end, "(at end of text)" says it too
    where = f"(at line {err.lineno}, column {err.colno})"
    assert str(err).endswith(where) or (err.pos >= len(text) and str(err).endswith("(at end of text)")), str(err)


def check_steps(steps, text: str) -> None:
    assert isinstance(steps, tuple), f".steps is a {type(steps).__name__}, not a tuple"
    for step in steps:
        assert isinstance(step, repair.Step), step
        assert isinstance(step.code, str) and step.code.startswith("repair_"), step.code
        assert isinstance(step.pass_name, str) and step.pass_name, (step.code, step.pass_name)
        assert isinstance(step.message, str), step
        assert isinstance(step.lossy, bool), (step.code, step.lossy)
        assert _is_int(step.pos) and 0 <= step.pos <= len(text), (
            f"{step.code}: pos={step.pos!r} outside 0..{len(text)}"
        )
        assert _is_int(step.line) and step.line >= 1, (step.code, step.line)
        assert _is_int(step.col) and step.col >= 1, (step.code, step.col)
        assert (step.line, step.col) == line_col(text, step.pos), (
            f"{step.code} at pos {step.pos} says line {step.line}, column {step.col}; "
            f"the text has it at {line_col(text, step.pos)}"
        )
        assert str(step).startswith(step.code), str(step)


def check_result(result, text: str) -> None:
    """The laws every successful repair obeys."""
    assert isinstance(result.text, str)
    parsed = strict_json_loads(result.text)  # .text is valid JSON ...
    assert same(parsed, result.value), (  # ... and it is the value
        f".text {result.text!r} does not hold .value {result.value!r}"
    )
    check_steps(result.steps, text)
    assert result.changed == bool(result.steps), (result.changed, result.steps)
    assert result.lossy == any(s.lossy for s in result.steps), (result.lossy, result.steps)


def repair_or_refuse(text: str):
    """repair.repair(text), checked; None when it raised RepairError (also checked).
    Any other exception propagates and fails the test."""
    try:
        result = repair.repair(text)
    except repair.RepairError as err:
        check_error(err, text)
        return None
    check_result(result, text)
    return result


# ---------------------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------------------

finite_floats = st.floats(allow_nan=False, allow_infinity=False)

json_scalars = st.none() | st.booleans() | st.integers() | finite_floats | st.text()
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(), children, max_size=5),
    max_leaves=25,
)
small_json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | finite_floats | st.text(max_size=6),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=10,
)

JSONISH = "{}[]\":,' \n tfn0123.-\\/#*`"
TOKENS = (
    "{", "}", "[", "]", ":", ",", '"', "'", '"a"', "'b'", "a", "key:", " ", "\n", "\t", "1", "-", ".",
    "e", "0x", "1.5", "007", "true", "false", "null", "True", "False", "None", "NaN", "-Infinity",
    "undefined", "//", "/*", "*/", "#", "\\", "\\u00", "\\d", "\\n", "\u201c", "\u201d", "\u2018",
    "```", "```json\n", "~~~", "[CONTENT]", "[/CONTENT]", "<json>", "</json>", "<think>",
    "</think>", "(", ")", "...", "\ufeff", "\u200b", "\u00a0", ";", "Sure! ", "hello world",
    "\"\"\"", "\\\"", "{\\\"a\\\": 1}",
)
token_soup = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)

# realistic records for the corruption round trip: no quote characters of any kind in
# strings (unicode initial/final punctuation included), no control characters but \n and \t
_SAFE_CHARS = st.characters(
    exclude_categories=("Cs", "Cc", "Pi", "Pf"),
    exclude_characters="'\"`\u00b4\u2032\u2033\uff02\uff07\\",
) | st.sampled_from("\n\t\\")
_SAFE_TEXT = st.text(_SAFE_CHARS, max_size=16).filter(lambda s: not looks_like_literal(s))
_CURATED = st.sampled_from((
    "C:\\data\\logs", "C:\\Users\\dev", "\\d+\\s*", "line one\nline two", "trailing\n", "",
    "https://example.com/a#b", "a // b", "/* x */", "# not a comment", "```", "[/CONTENT]",
    "see [1] and {x}", "x: y, z", "tab\there", "\u200bzero width", "\u00a0nbsp", "\ufeffbom",
))
record_strings = _SAFE_TEXT | _CURATED
record_keys = (
    st.sampled_from(("id", "name", "items", "is_active", "createdAt", "Product Goals", "e-mail"))
    | st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)
    | _SAFE_TEXT
)
record_scalars = (
    st.none() | st.booleans() | st.integers(-(10**15), 10**15) | finite_floats | record_strings
)
record_values = st.recursive(
    record_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(record_keys, children, max_size=4),
    max_leaves=16,
)
records = st.dictionaries(record_keys, record_values, min_size=1, max_size=6) | st.lists(
    st.dictionaries(record_keys, record_values, min_size=1, max_size=4), min_size=1, max_size=3
)


# the seeded corpus of corruptions (tests/corruption.py), 25 cases per kind
CORPUS_SEED = 20240611
CORPUS = corpus(25, seed=CORPUS_SEED)


# ---------------------------------------------------------------------------------------
# 0. Valid JSON is the identity
# ---------------------------------------------------------------------------------------


@examples(300)
@given(
    value=json_values,
    indent=st.sampled_from([None, 0, 2, "\t"]),
    separators=st.sampled_from([None, (",", ":"), (", ", ": "), (" , ", " : ")]),
    ensure_ascii=st.booleans(),
)
@example(value={"a": [1, 2.5, True, None, "x"]}, indent=None, separators=None, ensure_ascii=True)
@example(value="{\"a\": 1}", indent=None, separators=None, ensure_ascii=True)  # JSON in a string
@example(value="```json\n{}\n```", indent=None, separators=None, ensure_ascii=False)
@example(value=[1e16, -0.0, 5e-324, 1.7976931348623157e308], indent=2, separators=None, ensure_ascii=True)
@example(value={"a": 1, "": {"": []}}, indent="\t", separators=(",", ":"), ensure_ascii=True)
@example(value={"k": "\u2028\u2029\ufeff\u200b // # /* */ [/CONTENT] </think>"}, indent=0,
         separators=None, ensure_ascii=False)
def test_valid_json_is_identity(value, indent, separators, ensure_ascii):
    text = json.dumps(value, indent=indent, separators=separators, ensure_ascii=ensure_ascii)
    assert same(repair.loads(text), value)
    result = repair.repair(text)
    assert result.steps == (), [str(s) for s in result.steps]
    assert not result.changed and not result.lossy
    assert same(result.value, value)
    assert same(strict_json_loads(result.text), value)
    assert repair.repair_json(text) == text


@examples(60)
@given(st.lists(st.text(st.characters(codec=None, exclude_categories=()), max_size=4), max_size=4))
def test_valid_json_with_escaped_surrogates_is_identity(strings):
    """json.dumps escapes lone surrogates (\\ud800); that is valid JSON too."""
    text = json.dumps(strings)
    assert same(repair.loads(text), strings)
    assert repair.repair(text).steps == ()
    assert repair.repair_json(text) == text


def test_duplicate_keys_last_wins():
    text = '{"a": 1, "a": 2}'
    result = repair.repair(text)
    assert same(result.value, json.loads(text)) and result.steps == ()


# ---------------------------------------------------------------------------------------
# 1. Never crash; results are valid JSON holding .value
# ---------------------------------------------------------------------------------------


@examples(400)
@given(st.text())
@example("")
@example("   \n\t ")
@example("Hello there")
@example("\ud800")
@example("\x00")
def test_never_crash_on_any_text(text):
    repair_or_refuse(text)


@examples(500)
@given(st.text(alphabet=JSONISH, max_size=60))
@example('{"a": "b}')
@example('[1, 2}')
@example('{"a":b"]}')
@example("{'a': \"b'}")
@example('"\\')
@example('["ab\\u00')
@example("```json\n{\"a\": \"x ```")
def test_never_crash_on_jsonish_text(text):
    repair_or_refuse(text)


@examples(500)
@given(token_soup)
def test_never_crash_on_token_soup(text):
    repair_or_refuse(text)


@examples(150)
@given(st.one_of(st.text(alphabet=JSONISH, max_size=40), token_soup))
def test_entry_points_agree(text):
    """loads, repair and repair_json are one engine: same value, same refusals."""
    try:
        result = repair.repair(text)
    except repair.RepairError:
        with pytest.raises(repair.RepairError):
            repair.loads(text)
        with pytest.raises(repair.RepairError):
            repair.repair_json(text)
        return
    assert same(repair.loads(text), result.value)
    out = repair.repair_json(text)
    assert same(strict_json_loads(out), result.value)
    out2 = repair.repair_json(text, indent=2)
    assert same(strict_json_loads(out2), result.value)


# ---------------------------------------------------------------------------------------
# 2. Idempotence
# ---------------------------------------------------------------------------------------


def check_idempotent(text: str) -> None:
    result = repair_or_refuse(text)
    if result is None:
        return
    again = repair.repair(result.text)
    assert again.steps == (), (
        f"repairing the repaired text {result.text!r} took more steps: "
        f"{[str(s) for s in again.steps]}"
    )
    assert same(again.value, result.value)
    assert repair.repair_json(result.text) == result.text


@examples(300)
@given(st.text(alphabet=JSONISH, max_size=60))
def test_idempotent_on_jsonish_text(text):
    check_idempotent(text)


@examples(300)
@given(token_soup)
def test_idempotent_on_token_soup(text):
    check_idempotent(text)


@examples(200)
@given(st.text(max_size=40))
def test_idempotent_on_any_text(text):
    check_idempotent(text)


@st.composite
def mutated_corpus_text(draw):
    """A corpus case with a few random edits: deletions, inserted tokens, cuts, repeats."""
    _, text, _ = draw(st.sampled_from(CORPUS))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(("delete", "insert", "cut", "repeat")))
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 8)))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "insert":
            text = text[:i] + draw(st.sampled_from(TOKENS)) + text[i:]
        elif op == "cut":
            text = text[:i]
        else:
            text = text[:j] + text[i:j] + text[j:]
    return text


@examples(300)
@given(mutated_corpus_text())
def test_never_crash_and_idempotent_on_mutated_corpus(text):
    check_idempotent(text)


# ---------------------------------------------------------------------------------------
# 3. Every prefix of a JSON document (output cut at max_tokens)
# ---------------------------------------------------------------------------------------


@examples(60)
@given(value=small_json_values, indent=st.sampled_from([None, 2]), ensure_ascii=st.booleans())
@example(value={"a": [1, 2.5e-3, True, None, "x\\y\u00e9"], "b": {"c": False}}, indent=None, ensure_ascii=True)
@example(value={"a": [1, 2.5e-3, True, None, "x\\y\u00e9"], "b": {"c": False}}, indent=2, ensure_ascii=False)
@example(value=[-1.5e10, "\n\t\"", {}], indent=None, ensure_ascii=True)
def test_every_prefix_repairs_or_refuses(value, indent, ensure_ascii):
    text = json.dumps(value, indent=indent, ensure_ascii=ensure_ascii)
    assume(len(text) <= 400)
    for cut in range(len(text) + 1):
        prefix = text[:cut]
        result = repair_or_refuse(prefix)
        try:
            valid = strict_json_loads(prefix)
        except (ValueError, RecursionError):
            continue
        # a prefix that is itself valid JSON (e.g. "1" of "12") is the identity
        assert result is not None, f"valid JSON {prefix!r} was refused"
        assert result.steps == (), (prefix, [str(s) for s in result.steps])
        assert same(result.value, valid)


# ---------------------------------------------------------------------------------------
# 4. Corruption round trip
# ---------------------------------------------------------------------------------------

# kind -> step codes of which at least one must be reported
EXPECTED_CODES = {
    "single_quotes": {"repair_single_quotes"},
    "unquoted_keys": {"repair_unquoted_key"},
    "smart_quotes": {"repair_smart_quotes"},
    "trailing_commas": {"repair_trailing_comma"},
    "missing_commas": {"repair_missing_comma"},
    "python_literals": {"repair_python_literal"},
    "comments_line": {"repair_comment"},
    "comments_block": {"repair_comment"},
    "comments_hash": {"repair_comment"},
    "markdown_fence": {"repair_markdown_fence"},
    "prose_around": {"repair_leading_text", "repair_trailing_text"},
    "content_tag": {"repair_content_tag", "repair_xml_tag"},
    "think_block": {"repair_think_block"},
    "missing_closers": {"repair_missing_bracket"},
    "raw_newlines": {"repair_control_char"},
    "invalid_escapes": {"repair_invalid_escape"},
}


def _short(s: str, n: int = 300) -> str:
    return s if len(s) <= n else s[:n] + f"... ({len(s)} chars)"


def _roundtrip_failure(text: str, expected):
    """None if `text` repairs to exactly `expected`, else a description of what happened."""
    try:
        result = repair.repair(text)
    except Exception as err:  # noqa: BLE001 - any failure is reported with the input
        return f"raised {type(err).__name__}: {err}"
    try:
        check_result(result, text)
    except AssertionError as err:
        return f"broke a law: {err}"
    if not same(result.value, expected):
        return f"got {_short(json.dumps(result.value, ensure_ascii=False))}"
    return None


@pytest.mark.parametrize("kind", KINDS)
def test_corpus_round_trip(kind):
    cases = [(text, expected) for k, text, expected in CORPUS if k == kind]
    assert len(cases) == 25
    failures = []
    for text, expected in cases:
        with pytest.raises(ValueError):  # the generator's own law: the text is not JSON
            strict_json_loads(text)
        what = _roundtrip_failure(text, expected)
        if what:
            failures.append((text, expected, what))
    assert not failures, f"{len(failures)}/{len(cases)} {kind} cases wrong:\n" + "\n".join(
        f"--- input:\n{_short(t, 600)}\n--- expected: {_short(json.dumps(e, ensure_ascii=False))}\n--- {w}"
        for t, e, w in failures[:4]
    )


_TRAILING_COMMENT = re.compile(r"(?:\s*(?://|#)[^\n]*|\s*/\*[^*]*\*/)\s*\Z")


def _cut_after_comma(text: str) -> bool:
    """Does the text end (comments aside) with a comma, as when missing_closers cuts after
    a trailing comma? Then more elements may have been cut off, so calling the end of the
    text a truncation (lossy) is fair, though the value is still exactly the original."""
    text = text.rstrip()
    while True:
        m = _TRAILING_COMMENT.search(text)
        if not m or m.start() == len(text):
            break
        text = text[: m.start()].rstrip()
    return text.endswith(",")


@pytest.mark.parametrize("kind", KINDS)
def test_corpus_steps_name_the_repair_and_are_not_lossy(kind):
    """A corruption is reported with its code, and none of these is lossy: strict=True
    accepts them (closing brackets after a complete value is not lossy, policy §3). The
    one exception: a text cut right after a comma may be called truncated."""
    failures = []
    for k, text, expected in CORPUS:
        if k != kind:
            continue
        try:
            result = repair.repair(text)
        except Exception:  # noqa: BLE001 - reported by test_corpus_round_trip
            continue
        if not same(result.value, expected):
            continue  # reported by test_corpus_round_trip
        codes = {s.code for s in result.steps}
        want = EXPECTED_CODES.get(kind)
        if want is not None and not codes & want:
            failures.append((text, f"no step among {sorted(want)}; steps: {sorted(codes)}"))
        elif result.lossy:
            lossy = [s for s in result.steps if s.lossy]
            if not (_cut_after_comma(text) and all(s.code == "repair_truncated" for s in lossy)):
                failures.append((text, f"lossy steps: {[str(s) for s in lossy]}"))
        else:
            try:
                strict_value = repair.loads(text, strict=True)
            except Exception as err:  # noqa: BLE001
                failures.append((text, f"strict=True raised {type(err).__name__}: {err}"))
            else:
                if not same(strict_value, expected):
                    failures.append((text, "strict=True returned another value"))
    assert not failures, f"{len(failures)} {kind} cases:\n" + "\n".join(
        f"--- input:\n{_short(t, 600)}\n--- {w}" for t, w in failures[:4]
    )


@examples(200)
@given(kind=st.sampled_from(KINDS), value=records, seed=st.integers(0, 2**32 - 1))
@example(kind="invalid_escapes", value={"path": "C:\\data"}, seed=0)
@example(kind="invalid_escapes", value={"re": "\\d+\\.\\d*", "p": "C:\\new\\Users"}, seed=1)
@example(kind="raw_newlines", value={"a": "\n"}, seed=0)
@example(kind="raw_newlines", value=[{"a": "x\n", "b": "\n\ny"}], seed=3)
@example(kind="comments_line", value={"url": "https://example.com/a//b", "n": 1}, seed=0)
@example(kind="comments_hash", value={"tag": "#1 C# # x", "n": [1, 2]}, seed=0)
@example(kind="comments_block", value={"c": "/* keep */", "d": [True]}, seed=0)
@example(kind="markdown_fence", value={"code": "```python\nprint(1)\n```"}, seed=0)
@example(kind="content_tag", value={"a": "[/CONTENT]", "b": "</json>"}, seed=5)
@example(kind="missing_closers", value={"a": [[{"b": []}]]}, seed=0)
@example(kind="missing_closers", value={"a": [1, 2.5, True, None]}, seed=1)
@example(kind="trailing_commas", value={"a": [{}], "b": []}, seed=0)
@example(kind="missing_commas", value=[{"a": 1}, {"b": None}, {"c": "x"}], seed=0)
@example(kind="missing_commas", value={"a": [1, 2, 3, {"b": -1}]}, seed=0)
@example(kind="missing_commas", value={"a": [True, False], "b": [None, None]}, seed=31)  # [true false]
@example(kind="unquoted_keys", value={"Product Goals": 1, "a_b": 2, "null_ok": None, "true": 3}, seed=0)
@example(kind="single_quotes", value={"a": "", "b": ["", "x"]}, seed=0)
@example(kind="smart_quotes", value={"a": "", "\u00e9": "\u65e5\u672c"}, seed=0)
@example(kind="python_literals", value={"a": [True, False, None], "b": {"c": None}}, seed=0)
@example(kind="prose_around", value={"a": {"b": "{not the start}"}}, seed=0)
@example(kind="think_block", value={"plan": "<think> is content here"}, seed=0)
@example(kind="mixed", value={"path": "C:\\data", "multi": "a\nb", "ok": True, "n": None}, seed=7)
@example(kind="mixed", value={"a": None, "b": 2}, seed=1)  # {“a”:null “b”:2}
@example(kind="missing_commas", value={"A": ["["], "id": ""}, seed=0)  # "[" ]\n "id": a key after the closer
def test_corruption_round_trip(kind, value, seed):
    text = corrupt(value, kind, random.Random(seed))
    assume(text is not None)
    what = _roundtrip_failure(text, value)
    assert what is None, f"{kind}: {what}\ninput: {text!r}"


def test_corpus_is_deterministic():
    assert corpus(3, seed=5) == corpus(3, seed=5)
    assert corpus(3, seed=5) != corpus(3, seed=6)
    kinds = [k for k, _, _ in corpus(2, seed=1)]
    assert set(kinds) == set(KINDS) and len(kinds) == 2 * len(KINDS)


def test_random_values_are_json():
    rng = random.Random(0)
    for _ in range(200):
        value = random_value(rng)
        assert same(json.loads(json.dumps(value)), value)


# ---------------------------------------------------------------------------------------
# 5. Deep nesting: no RecursionError at any depth
# ---------------------------------------------------------------------------------------


def _no_recursion_error(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except RecursionError:
        pytest.fail(f"{fn.__name__} raised RecursionError")  # no repr of a deep value here


def _nested_lists_depth(value) -> int | None:
    """Depth of [[[...]]] with one element per level and an empty innermost list, else None."""
    depth = 0
    while isinstance(value, list):
        depth += 1
        if not value:
            return depth
        if len(value) != 1:
            return None
        value = value[0]
    return None


def _nested_a_depth(value, leaf) -> int | None:
    """Depth of {"a": {"a": ... leaf}}, else None."""
    depth = 0
    while isinstance(value, dict):
        if list(value) != ["a"]:
            return None
        depth += 1
        value = value["a"]
    return depth if same(value, leaf) else None


def _nows(s: str) -> str:
    return re.sub(r"\s+", "", s)


def test_deep_unclosed_lists():
    text = "[" * 100_000
    result = _no_recursion_error(repair.repair, text)
    assert _nested_lists_depth(result.value) == 100_000
    assert _nows(result.text) == "[" * 100_000 + "]" * 100_000
    assert result.steps and all(s.code.startswith("repair_") for s in result.steps)
    _no_recursion_error(repair.loads, text)
    out = _no_recursion_error(repair.repair_json, text)
    assert _nows(out) == "[" * 100_000 + "]" * 100_000


def test_deep_valid_lists_are_identity():
    text = "[" * 50_000 + "]" * 50_000
    result = _no_recursion_error(repair.repair, text)
    assert result.steps == ()
    assert _nested_lists_depth(result.value) == 50_000
    assert _no_recursion_error(repair.repair_json, text) == text
    assert _nested_lists_depth(_no_recursion_error(repair.loads, text)) == 50_000


def test_deep_unclosed_objects():
    text = '{"a":' * 20_000
    result = _no_recursion_error(repair.repair, text)
    assert _nested_a_depth(result.value, None) == 20_000
    assert _nows(result.text) == '{"a":' * 20_000 + "null" + "}" * 20_000
    out = _no_recursion_error(repair.repair_json, text)
    assert _nows(out) == '{"a":' * 20_000 + "null" + "}" * 20_000


def test_deep_valid_objects_are_identity():
    text = '{"a":' * 20_000 + "1" + "}" * 20_000
    result = _no_recursion_error(repair.repair, text)
    assert result.steps == ()
    assert _nested_a_depth(result.value, 1) == 20_000
    assert _no_recursion_error(repair.repair_json, text) == text


@pytest.mark.parametrize(
    "text",
    [
        "{" * 50_000,
        '[{"a": ' * 20_000,
        "[" * 30_000 + "1," * 10 + "}" * 30_000,
        "[" * 30_000 + "]" * 30_001,
        "```json\n" + "[" * 30_000,
        "<think>" + "[" * 30_000 + "</think>" + "[" * 30_000,
        "{'a': [" * 15_000,
        "[" * 40_000 + '"abc',
    ],
    ids=["braces", "list-of-objects", "wrong-closers", "extra-closer", "fence", "think", "single-quotes", "string"],
)
def test_deep_garbage_does_not_recurse(text):
    try:
        result = repair.repair(text)
    except repair.RepairError as err:
        check_error(err, text)
        return
    except RecursionError:
        pytest.fail("RecursionError")
    assert isinstance(result.text, str)
    check_steps(result.steps, text)


# ---------------------------------------------------------------------------------------
# 6. Steps, checked on known repairs too (policy table rows)
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "{'a': 'b'}",
        "{a: 1}",
        '{"a": 1 "b": 2}',
        "[1, 2,]",
        '{"a": [1, 2',
        '```json\n{"a": 1}\n```',
        'Sure! {"a": 1} Hope it helps',
        "[True, None]",
        '{"a": 1 // one\n}',
        '{"a": "x\ny"}',
        '{"a": "\\d"}',
        '\ufeff{"a":\u00a01}',
        "line one\nline two\n{\n  'a': [1,\n  2,]\n}\ntrailing",
    ],
)
def test_steps_are_well_formed(text):
    result = repair_or_refuse(text)
    assert result is not None
    assert result.steps, f"{text!r} is not JSON, yet no step was reported"
    for step in result.steps:
        assert str(step).startswith(step.code)


@pytest.mark.parametrize(
    "text",
    [
        'Use {name} here: {"a": 1}',
        'Sure, see [below]: {"a": 1}',
        '{x} {"a": 1}',
        '[see below] {"a": 1}',
        '{braces} and [see below] then {"a": 1}',
    ],
)
def test_braces_in_prose_are_not_candidates(text):
    """Policy §1: `{braces}` and `[see below]` in prose are not values, so there is one
    candidate, no (lossy) repair_candidate_choice, and strict=True accepts the text."""
    result = repair_or_refuse(text)
    assert result is not None and same(result.value, {"a": 1})
    assert "repair_candidate_choice" not in {s.code for s in result.steps}, [str(s) for s in result.steps]
    assert same(repair.loads(text, strict=True), {"a": 1})
