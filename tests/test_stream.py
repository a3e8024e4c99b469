"""Streaming (repair.StreamParser, repair.stream, repair.astream): the guarantees of
docs/policy.md §7, checked over every split point of the fixtures and over generated
documents split at random points."""

from __future__ import annotations

import asyncio
import copy
import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import repair
from repair.schema.align import path_join
from repair.streaming import GROWTH, PROMPT_BUDGET, StreamParser

from corruption import KINDS, corrupt, random_value

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
# Text that holds more than one answer: the stream describes the first until close()
# chooses (documented in docs/policy.md §7); these fixtures are checked for consistency only.
_SEVERAL = {"repair_missing_list", "repair_candidate_choice"}


def _walk(value, path="$", out=None):
    out = {} if out is None else out
    out[path] = value
    if isinstance(value, dict):
        for k, v in value.items():
            _walk(v, path_join(path, k), out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _walk(v, path_join(path, i), out)
    return out


def _same(a, b) -> bool:
    return type(a) is type(b) and json.dumps(a) == json.dumps(b)


def _moves(old, new) -> list:
    """How `new` (paths -> values) fails to extend `old`: [] when every string only grew,
    no scalar changed, no container changed kind and nothing vanished."""
    bad = []
    for path, before in old.items():
        if path not in new:
            bad.append(("vanished", path, before))
            continue
        after = new[path]
        if isinstance(before, str):
            if not isinstance(after, str) or not after.startswith(before):
                bad.append(("string did not grow", path, before, after))
        elif isinstance(before, (dict, list)):
            if type(after) is not type(before):
                bad.append(("container changed kind", path, before, after))
        elif not _same(before, after):
            bad.append(("scalar changed", path, before, after))
    return bad


def stream_violations(text: str, cuts: list[int], schema=None, check_moves: bool = True) -> list:
    """Feed `text` cut at `cuts` and check every guarantee; the list of violations."""
    parser = StreamParser(schema)
    bad: list = []
    done: dict = {}
    shown = None  # the last decided snapshot, as paths -> values
    bounds = [0, *cuts, len(text)]
    for a, b in zip(bounds, bounds[1:]):
        snap = parser.feed(text[a:b])
        if not snap.started:
            if snap.done:
                bad.append(("done before a value", b))
            continue
        now = _walk(copy.deepcopy(snap.value))
        for path in snap.done:
            if path not in done:
                done[path] = copy.deepcopy(now.get(path))
            elif path not in now or not _same(now[path], done[path]):
                bad.append(("done path changed", path, done[path], now.get(path), b))
        if not done.keys() <= snap.done:
            bad.append(("done path left done", b))
        if snap.tentative:
            shown = None
            continue
        if shown is not None and check_moves:
            bad += [(*m, b) for m in _moves(shown, now)]
        shown = now
    try:
        result = parser.close()
    except repair.RepairError as exc:
        with pytest.raises(repair.RepairError) as want:
            repair.repair(text, schema=schema)
        if exc.kind != want.value.kind:
            bad.append(("close raised otherwise", exc.kind, want.value.kind))
        return bad
    want = repair.repair(text, schema=schema)
    if not _same(result.value, want.value) or result.steps != want.steps:
        bad.append(("close differs from repair", result.value, want.value))
    final = _walk(result.value)
    for path, value in done.items():
        if path not in final or not _same(final[path], value):
            bad.append(("done path differs at close", path, value, final.get(path)))
    if shown is not None and check_moves:
        bad += [(*m, "close") for m in _moves(shown, final)]
    return bad


# ---------------------------------------------------------------------------------------
# every split point of the fixtures
# ---------------------------------------------------------------------------------------

def _fixture_texts():
    for path in sorted(FIXTURES.glob("*/*.txt")):
        if path.parent.name != "schema":
            yield path


@pytest.mark.parametrize("path", list(_fixture_texts()), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fixture_fed_one_character_at_a_time(path):
    text = path.read_text(encoding="utf-8")
    try:
        several = bool(_SEVERAL & {s.code for s in repair.repair(text).steps})
    except repair.RepairError:
        several = False
    assert stream_violations(text, list(range(1, len(text))), check_moves=not several) == []


# Schema repairs decided on the whole value: a snapshot shows the value before them, and
# close() may replace it (docs/policy.md §7).
_WHOLE_VALUE = {"repair_unwrap", "repair_unwrap_list", "repair_wrap_list", "repair_map_to_list",
                "repair_schema_choice"}


def _schema_cases():
    for model in sorted((FIXTURES / "schema").glob("*.model")):
        yield model


@pytest.mark.parametrize("model", list(_schema_cases()), ids=lambda p: p.stem)
def test_schema_fixture_fed_one_character_at_a_time(model):
    import importlib

    module, name = model.read_text().strip().split(":")
    schema = getattr(importlib.import_module(module), name)
    text = model.with_suffix(".txt").read_text(encoding="utf-8")
    try:
        whole = bool(_WHOLE_VALUE & {s.code for s in repair.repair(text, schema=schema).steps})
    except repair.RepairError:
        whole = False
    bad = stream_violations(text, list(range(1, len(text))), schema=schema)
    if whole:
        bad = [b for b in bad if b[-1] != "close"]
    assert bad == []


# ---------------------------------------------------------------------------------------
# generated documents, split at random points
# ---------------------------------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 10**6), kind=st.sampled_from(KINDS), data=st.data())
def test_generated_documents_split_anywhere(seed, kind, data):
    rng = random.Random(seed)
    text = corrupt(random_value(rng), kind, rng)
    if not text or len(text) < 2:
        return
    cuts = sorted(data.draw(st.sets(st.integers(1, len(text) - 1), max_size=min(60, len(text) - 1))))
    assert stream_violations(text, cuts) == []


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10**6), data=st.data())
def test_generated_documents_cut_off_anywhere(seed, data):
    """A stream that stops early (max_tokens) closes like repair of the cut text."""
    rng = random.Random(seed)
    full = json.dumps(random_value(rng), indent=data.draw(st.sampled_from([None, 2])))
    text = full[:data.draw(st.integers(1, len(full)))]
    assert stream_violations(text, list(range(1, len(text)))) == []


# ---------------------------------------------------------------------------------------
# the API
# ---------------------------------------------------------------------------------------

def test_value_grows_and_closes_like_repair():
    text = '```json\n{"name": "Ada Lovelace", "langs": ["en", "fr"], "age": 36}\n```'
    parser = StreamParser()
    names = []
    for ch in text:
        snap = parser.feed(ch)
        if snap.started and "name" in snap.value:
            names.append(snap.value["name"])
    assert [n for n in names if n][0] == "A" and names[-1] == "Ada Lovelace"
    assert all(b.startswith(a) for a, b in zip(names, names[1:]))
    assert snap.complete and not snap.tentative
    result = parser.close()
    assert result.value == repair.loads(text)
    assert parser.snapshot().done >= {"$", "$.name", "$.langs", "$.langs[0]", "$.age"}


def test_numbers_literals_and_keys_wait_for_their_token_to_end():
    parser = StreamParser()
    seen = [copy.deepcopy(parser.feed(ch).value) for ch in '{"count": 125, "ok": true, "next": null}']
    assert {"count": 1} not in seen and {"count": 12} not in seen  # no flicker
    assert {"count": 125, "ok": None} not in seen  # no phantom null for a key without value
    assert not any(isinstance(v, dict) and "ok" in v and v["ok"] is not True for v in seen)
    assert seen[-1] == {"count": 125, "ok": True, "next": None}


def test_escapes_split_across_feeds_are_never_shown_half():
    text = '{"s": "caf\\u00e9 \\ud83d\\ude00 tab\\tend"}'
    parser = StreamParser()
    shown = []
    for ch in text:
        snap = parser.feed(ch)
        if snap.started and "s" in snap.value:
            shown.append(snap.value["s"])
    assert all(b.startswith(a) for a, b in zip(shown, shown[1:])), shown
    assert shown[-1] == "caf\u00e9 \U0001f600 tab\tend"


def test_bytes_split_inside_a_utf8_sequence():
    data = '{"city": "Zürich 東京 😀"}'.encode()
    parser = StreamParser()
    for i in range(len(data)):
        parser.feed(data[i:i + 1])
    assert parser.close().value == {"city": "Zürich 東京 😀"}


def test_invalid_utf8_is_a_repair_error_that_says_where():
    parser = StreamParser()
    parser.feed(b'{"a": "')
    with pytest.raises(repair.RepairError) as exc:
        parser.feed(b"\xff\xfe")
    assert exc.value.kind == "encoding" and "byte 7" in str(exc.value)


def test_feed_after_close_is_refused():
    parser = StreamParser()
    parser.feed("[1]")
    parser.close()
    with pytest.raises(repair.RepairError) as exc:
        parser.feed("[2]")
    assert exc.value.kind == "option"


def test_prose_and_reasoning_are_skipped_as_they_arrive():
    text = "<think>maybe {\"a\": 0}?</think>\nSure, here it is:\n```json\n{\"a\": 1}\n```\nDone."
    parser = StreamParser()
    seen = []
    for ch in text:
        snap = parser.feed(ch)
        if snap.started and not snap.tentative:
            seen.append(copy.deepcopy(snap.value))
    assert {"a": 0} not in seen  # the draft in the reasoning block is never shown as the answer
    assert seen[-1] == {"a": 1}


def test_prose_before_an_unwrapped_value_leaves_it_tentative():
    parser = StreamParser()
    for ch in 'The result is {"a": 1, "b": 2}':
        snap = parser.feed(ch)
    assert snap.started and snap.tentative and snap.value == {"a": 1, "b": 2}
    assert not snap.done  # nothing is done while it is undecided whether this is the answer


def test_changed_names_the_paths_that_changed():
    parser = StreamParser()
    for ch in '{"a": 1, "b": "xy':
        snap = parser.feed(ch)
    snap = parser.feed("z")
    assert "$.b" in snap.changed and "$" in snap.changed and "$.a" not in snap.changed


def test_done_paths_in_a_long_answer():
    items = [{"id": i, "text": f"item number {i}"} for i in range(60)]
    text = json.dumps({"items": items})
    parser = StreamParser()
    for i in range(0, len(text), 7):
        snap = parser.feed(text[i:i + 7])
    assert "$.items[0]" in snap.done and "$.items[0].text" in snap.done
    assert "$" not in snap.done and not snap.complete


def test_schema_aligns_and_never_shows_unknown_keys_or_flips_coerced_fields():
    pytest.importorskip("pydantic")
    from pydantic import BaseModel

    class Person(BaseModel):
        name: str
        age: int

    text = '{"Name": "Ada", "age": "36", "extra": 1}'
    parser = StreamParser(Person)
    ages = []
    for ch in text:
        snap = parser.feed(ch)
        if snap.started:
            assert set(snap.value) <= {"name", "age"}
            if "age" in snap.value:
                ages.append(snap.value["age"])
    assert set(ages) == {36}
    assert parser.close().value == {"name": "Ada", "age": 36}


def test_schema_validates_the_whole_at_close():
    pytest.importorskip("pydantic")
    from pydantic import BaseModel

    class Person(BaseModel):
        name: str
        age: int

    parser = StreamParser(Person)
    parser.feed('{"name": "Ada"}')
    with pytest.raises(repair.ValidationFailed):
        parser.close()


def test_stream_and_astream_yield_a_snapshot_per_chunk_then_the_result():
    chunks = ['{"a": [1, ', '2, 3], "b": "x', 'y"}']
    snaps = list(repair.stream(chunks))
    assert len(snaps) == 4 and snaps[-1].value == {"a": [1, 2, 3], "b": "xy"} and snaps[-1].complete

    async def gen():
        for c in chunks:
            yield c

    async def collect():
        return [s async for s in repair.astream(gen())]

    asnaps = asyncio.run(collect())
    assert [json.dumps(s.value) for s in asnaps[-1:]] == [json.dumps(snaps[-1].value)]


def test_work_is_linear_in_the_text_by_count():
    """The engine reads a bounded multiple of the text, whatever the chunk size."""
    text = json.dumps({"rows": [{"id": i, "note": "n" * (i % 30)} for i in range(400)]})
    for step in (1, 4, 64):
        parser = StreamParser()
        for i in range(0, len(text), step):
            parser.feed(text[i:i + step]).value
        assert parser._read_chars <= (GROWTH + 2 + PROMPT_BUDGET) * len(text) + 4096
    # reads out of schedule (a new value may start) have a budget too
    prose = "a [b] (c) {d} 'e' " * 2000
    parser = StreamParser()
    for ch in prose:
        parser.feed(ch)
    assert parser._read_chars <= (PROMPT_BUDGET + GROWTH + 2) * len(prose)


def test_steps_are_logged_once_at_close_not_at_every_reading(caplog):
    import logging

    text = "{'a': [1, 2,], 'b': None}"
    with caplog.at_level(logging.INFO, logger="repair"):
        parser = StreamParser()
        for ch in text:
            parser.feed(ch)
        assert not [r for r in caplog.records if r.getMessage().startswith("repair_")]
        result = parser.close()
    logged = [r.getMessage().split()[0] for r in caplog.records if r.getMessage().startswith("repair_")]
    assert logged == [s.code for s in result.steps] and logged
