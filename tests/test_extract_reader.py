"""Extraction never parses: it finds where values may start and asks the reader it is
given (the engine, in the pipeline) for the value there.

A fake reader answers from a table, so every value a candidate holds must have come from
it, and the offsets extraction asks for are recorded.
"""

from __future__ import annotations

from collections import Counter

import pytest

import repair
import repair.core as core
from repair.extract import RANK_BARE, RANK_LAST_RESORT, RANK_TAG, RANK_WEAK, Extractor


class FakeReader:
    """reader(text) -> read(pos); `answers` maps an offset to the end of the value there.
    The value handed back is a marker naming the offset, never anything parsed."""

    def __init__(self, answers: dict[int, int]) -> None:
        self.answers = answers
        self.asked: list[int] = []
        self.texts: list[str] = []

    def __call__(self, text: str):
        self.texts.append(text)

        def read(pos: int):
            self.asked.append(pos)
            if pos not in self.answers:
                return None
            return ("fake", pos), self.answers[pos], [("repair_fake", pos, "fake", "", "")]

        return read


def scan(text: str, answers: dict[int, int], **kw):
    fake = FakeReader(answers)
    candidates = Extractor(text, fake).scan(**kw)
    return fake, [(c.rank, c.start, c.end, c.value) for c in candidates]


def test_a_fence_asks_for_the_offset_after_its_language_line():
    text = 'Sure:\n```json\n{"a": 1}\n```\nbye'
    start = text.index("{")
    fake, cands = scan(text, {start: start + 8})
    assert fake.asked == [start]
    assert cands == [(RANK_TAG, start, start + 8, ("fake", start))]


def test_a_fence_of_another_language_with_no_value_is_not_asked_about():
    fake, cands = scan("```bash\nls -la\n```", {})
    assert 8 not in fake.asked and cands == []


@pytest.mark.parametrize("text", ['[CONTENT]\n{"a": 1}\n[/CONTENT]', '<json>{"a": 1}</json>', "<answer> [1, 2] </answer>"])
def test_a_tag_asks_for_the_first_offset_inside_it(text):
    start = min(i for i in (text.find("{"), text.find("[1")) if i >= 0)
    end = text.index("}" if text[start] == "{" else "]", start) + 1
    fake, cands = scan(text, {start: end})
    assert start in fake.asked
    assert cands == [(RANK_TAG, start, end, ("fake", start))]


def test_a_fence_inside_a_tag_asks_for_the_fence_body():
    text = '<json>\n```json\n{"a": 1}\n```\n</json>'
    start = text.index("{")
    fake, cands = scan(text, {start: start + 8})
    assert fake.asked == [start]
    assert cands == [(RANK_TAG, start, start + 8, ("fake", start))]


def test_prose_asks_for_each_plausible_bracket_and_resumes_after_each_value():
    text = 'Sure! {"a": 1} and [1, 2] but not worker[2] or {braces}'
    a, b = text.index("{"), text.index("[1")
    fake, cands = scan(text, {a: a + 8, b: b + 6})
    assert fake.asked == [a, b]  # never the subscript, never `{braces}`, never inside a value
    assert cands == [(RANK_BARE, a, a + 8, ("fake", a)), (RANK_WEAK, b, b + 6, ("fake", b))]


def test_prose_takes_the_next_bracket_when_the_reader_finds_no_value():
    text = 'x {"a" y {"b": 2}'
    a, b = text.index("{"), text.rindex("{")
    fake, cands = scan(text, {b: b + 8})
    assert fake.asked == [a, b]
    assert cands == [(RANK_BARE, b, b + 8, ("fake", b))]


def test_think_blocks_are_asked_about_only_when_nothing_is_outside():
    text = '<think>{"x": 0}</think>{"a": 1}'
    inside, outside = 7, 23
    fake, cands = scan(text, {inside: 15, outside: 31})
    assert fake.asked == [outside]
    assert cands == [(RANK_BARE, outside, 31, ("fake", outside))]

    fake, cands = scan('<think>{"x": 0}</think>no value', {inside: 15})
    assert inside in fake.asked
    assert (RANK_LAST_RESORT, inside, 15, ("fake", inside)) in cands


def test_with_reasoning_asks_inside_think_blocks_too():
    text = '<think>{"x": 0}</think>{"a": 1}'
    fake, cands = scan(text, {7: 15, 23: 31}, with_reasoning=True)
    assert fake.asked == [23, 7]
    assert [c[1] for c in cands] == [23, 7]


def test_a_lone_closing_think_tag_skips_what_came_before_it():
    text = 'reasoning with {"x": 0}</think>{"a": 1}'
    start = text.index("</think>") + len("</think>")
    fake, cands = scan(text, {15: 23, start: start + 8})
    assert fake.asked == [start]


def test_stringified_json_is_read_by_a_reader_for_the_unescaped_text():
    text = '{\\"a\\": 1}'
    fake, cands = scan(text, {0: 8})
    assert fake.texts == [text, '{"a": 1}']  # one reader for the text, one for the unescaped value
    assert cands and cands[0][3] == ("fake", 0)


def test_the_pipeline_hands_extraction_the_engine():
    """Through the pipeline the values are the engine's: extraction adds only wrappers."""
    result = repair.repair('Sure!\n```json\n{a: 1,}\n```')
    assert result.value == {"a": 1}
    assert [s.code for s in result.steps] == [
        "repair_leading_text", "repair_markdown_fence", "repair_unquoted_key", "repair_trailing_comma"]


# ------------------------------------------------------------------ the real pipeline

@pytest.fixture
def recorded(monkeypatch):
    """Wrap repair.core.reader: per text, how often each offset is asked for, and how often
    the engine parses each offset."""
    asked: dict[str, Counter] = {}
    parsed: Counter = Counter()
    real_reader = core.reader
    real_parse = core.Engine.parse

    def reader(text, *args, **kwargs):
        read = real_reader(text, *args, **kwargs)
        counts = asked.setdefault(text, Counter())

        def wrapped(pos):
            counts[pos] += 1
            return read(pos)

        return wrapped

    def parse(self, pos):
        parsed[(self.text, pos)] += 1
        return real_parse(self, pos)

    monkeypatch.setattr(core, "reader", reader)
    monkeypatch.setattr(core.Engine, "parse", parse)
    return asked, parsed


PIPELINE_TEXTS = [
    '{"a": 1} trailing',
    'Sure ```json\n{"a": 1,}\n``` and {"b": 2}',
    '<think>{"x": 0}</think>{"a": 1',
    '[CONTENT]{"a": 1}[/CONTENT] [CONTENT]{"a": 2}[/CONTENT]',
    'x {a: 1',
    '{"a": 1}}',
    "prose [1, 2] more prose [3] {'k': True}",
    '<json>{"a": [1, 2</json> and ```\n[3]\n```',
]


@pytest.mark.parametrize("entry", ["repair", "loads"])
@pytest.mark.parametrize("text", PIPELINE_TEXTS, ids=range(len(PIPELINE_TEXTS)))
def test_the_pipeline_reads_each_offset_once(recorded, entry, text):
    asked, parsed = recorded
    getattr(repair, entry)(text)
    assert list(asked) == [text]  # one reader for the text, shared by _whole and extraction
    assert parsed, "the engine was never asked"
    assert max(parsed.values()) == 1, parsed  # the engine parses each offset once


def test_the_pipeline_asks_for_the_offsets_extraction_finds(recorded):
    asked, parsed = recorded
    text = 'Sure ```json\n{"a": 1,}\n``` and {"b": 2}'
    repair.repair(text)
    assert sorted(asked[text]) == [text.index("{"), text.rindex("{")]


def test_the_marker_search_finds_what_the_scan_pattern_finds():
    """The scan looks for its markers where one of their first characters stands (a search
    in C that skips prose); it finds the same markers, in the same places, as a search
    with the whole pattern."""
    import random

    import repair.extract as extract

    pieces = ["```", "~~~", "``", "[CONTENT]", "[content]", "[/CONTENT]", "<json>", "<JSON a=1>", "</json>",
              "<think>", "<Thinking>", "<b>", "<", "{", "[", "{-", "[[", "{}", "x[1]", " word ", "\n", "é"]
    rng = random.Random(3)
    for _ in range(400):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        pos, hi = rng.randint(0, len(text)), len(text) - rng.randint(0, 3)
        while pos <= hi:
            want = extract._SCAN.search(text, pos, max(hi, pos))
            got = extract._next_marker(text, pos, max(hi, pos))
            assert (got and (got.span(), got.lastgroup)) == (want and (want.span(), want.lastgroup)), text
            if want is None:
                break
            pos = want.start() + 1
