"""Heavily damaged strings: one table per family of the string rules in docs/policy.md §2.

Each row is (text, expected value); the families are the ones of the heavy-damage issue.
The fixtures under fixtures/ pin more cases of each with their steps."""

from __future__ import annotations

import json

import pytest

import repair

# F5: a bare value runs into the next "key": it ends before the key
BARE_VALUE_BEFORE_KEY = [
    ('{"phase": beta "build": 41}', {"phase": "beta", "build": 41}),
    ('{"summary": Sales were flat. "region": "EU"}', {"summary": "Sales were flat.", "region": "EU"}),
    ('{"a": yes, no}', {"a": "yes, no"}),  # (no key after the comma: still one value)
]

# F6: a closing quote glued to the next "key": a comma is missing
GLUED_KEY = [
    ('{"film": "Alien""year": 1979}', {"film": "Alien", "year": 1979}),
    ('{"a": "x""b": "y"}', {"a": "x", "b": "y"}),
    ('{"a": "say ""hi"" now"}', {"a": 'say ""hi"" now'}),  # (no key after: the quotes are content)
]

# F6b / R4: the next key lost its opening quote
OPENLESS_KEY = [
    ('{"a": "x",b": 2}', {"a": "x", "b": 2}),
    ('{"a": "x",\n  b": 2}', {"a": "x", "b": 2}),
    ('{"head": "Short story"len": 12}', {"head": "Short story", "len": 12}),
    ('{"q": "He said "no": twice"}', {"q": 'He said "no": twice'}),  # (a spaced quote opens an inner quote)
]

# F7: an array string followed by a number or literal, no comma
ARRAY_STRING_THEN_SCALAR = [
    ('["kiwi" 2, "fig" 9]', ["kiwi", 2, "fig", 9]),
    ('["on" true, "off" false]', ["on", True, "off", False]),
    ('["2020" 1 null]', ["2020", 1, None]),
    ('["a "3 times" b"]', ['a "3 times" b']),  # (a spaced quote: inner)
]

# F8: a key followed by a value with no colon
KEY_WITHOUT_COLON = [
    ('{"n" 4, "ok" true}', {"n": 4, "ok": True}),
    ('{"limit"10}', {"limit": 10}),
    ('{"x" null}', {"x": None}),
]

# F10a/b/c: quotes inside brackets the string opened
QUOTES_IN_OWN_BRACKETS = [
    ('{"c": "len("abc")", "d": 1}', {"c": 'len("abc")', "d": 1}),
    ('{"c": "m["k"] += 1", "d": 1}', {"c": 'm["k"] += 1', "d": 1}),
    ('{"c": "(see "A") ok", "d": 1}', {"c": '(see "A") ok', "d": 1}),
    ('{"c": "Reply was {"ok": "yes"}, then done", "d": 1}', {"c": 'Reply was {"ok": "yes"}, then done', "d": 1}),
    ('{"c": "a=[\'"]([^\'"]+)[\'"]", "d": 1}', {"c": "a=['\"]([^'\"]+)['\"]", "d": 1}),
    ('{"c": ["[x"], "d": 1}', {"c": ["[x"], "d": 1}),  # (structure after the closer: the quote ends it)
]

# F11: a string missing its closing quote before `, key: value`
INLINE_NEXT_MEMBER = [
    ('{item: "Pen, qty: 3, ok: true}', {"item": "Pen", "qty": 3, "ok": True}),
    ('{"from": "Bonn, to: "Wien"}', {"from": "Bonn", "to": "Wien"}),
    ('{"t": "First, then: later"}', {"t": "First, then: later"}),  # (closed: untouched)
]

# F12: a missing closing quote at a line end in a multi-line array
LINE_END_ITEMS = [
    ('[\n  "a\n  "b"\n]', ["a", "b"]),
    ('{"s": [\n  "x",\n  "y\n]}', {"s": ["x", "y"]}),
]

# F16: a stray quote after a number or literal
STRAY_QUOTE_AFTER_SCALAR = [
    ('{"n": 5", "m": 6}', {"n": 5, "m": 6}),
    ('{"b": false", "c": 1}', {"b": False, "c": 1}),
    ('[2.5"]', [2.5]),
]

# F20: CSV-style doubled quotes
CSV_QUOTES = [
    ('{""k"": ""v""}', {"k": "v"}),
    ('{""n"": 1, ""s"": ""t""}', {"n": 1, "s": "t"}),
]

# F21: an inferred closing quote goes before whitespace; a raw newline at a key's end
INFERRED_QUOTE_WHITESPACE = [
    ('["end   ]', ["end"]),
    ('{"k\n": 1}', {"k": 1}),
]

# F22: leading-zero decimals are text
LEADING_ZERO_DECIMALS = [
    ("0012.5", "0012.5"),
    ('{"v": 03.0}', {"v": "03.0"}),
    ('{"v": 0.5}', {"v": 0.5}),
]

# F23: backtick / acute accent pairs
BACKTICK_ACUTE = [
    ("{`k\u00b4: `v\u00b4}", {"k": "v"}),
    ("[`x\u00b4, `y\u00b4]", ["x", "y"]),
]

# F24: a bare value keeps the braces it opened
BARE_VALUE_BRACES = [
    ("{t: Hi {who}!}", {"t": "Hi {who}!"}),
    ('{"r": see [3], "n": 1}', {"r": "see [3]", "n": 1}),
]

# R3: a typographic closing quote before a comma closes a double-quoted string
SMART_CLOSER = [
    ('{"a": "b\u201d, "c": 1}', {"a": "b", "c": 1}),
    ('["x\u201d, "y"]', ["x", "y"]),
    ('{"a": "the \u201cbest\u201d, "c": 1}', {"a": "the \u201cbest\u201d", "c": 1}),  # (the pair stays)
]

# R5: a quoted word after a comma inside a list item; a list item that lost its closing quote
QUOTED_WORD_AFTER_COMMA = [
    ('["Next, "Export", then wait.", "Done."]', ['Next, "Export", then wait.', "Done."]),
    ('["a, "b", "c"]', ["a", "b", "c"]),  # (an item follows `"b",`: the first string lost its quote)
    ('["one, "two",\n "three"]', ["one", "two", "three"]),
    ('["a, "b", c, "d"]', ["a", "b", "c", "d"]),  # (`c,` is a bare item)
]

TABLES = {
    "F5": BARE_VALUE_BEFORE_KEY, "F6": GLUED_KEY, "F6b": OPENLESS_KEY, "F7": ARRAY_STRING_THEN_SCALAR,
    "F8": KEY_WITHOUT_COLON, "F10": QUOTES_IN_OWN_BRACKETS, "F11": INLINE_NEXT_MEMBER, "F12": LINE_END_ITEMS,
    "F16": STRAY_QUOTE_AFTER_SCALAR, "F20": CSV_QUOTES, "F21": INFERRED_QUOTE_WHITESPACE,
    "F22": LEADING_ZERO_DECIMALS, "F23": BACKTICK_ACUTE, "F24": BARE_VALUE_BRACES, "R3": SMART_CLOSER,
    "R5": QUOTED_WORD_AFTER_COMMA,
}
ROWS = [(family, text, value) for family, table in TABLES.items() for text, value in table]


@pytest.mark.parametrize("family, text, value", ROWS, ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(ROWS)])
def test_heavy_string_families(family, text, value):
    result = repair.repair(text)
    assert json.dumps(result.value, sort_keys=True) == json.dumps(value, sort_keys=True), (family, text, result.value)
    # repairing the repaired text changes nothing
    again = repair.repair(result.text)
    assert again.value == result.value and not again.steps


# F9: an array item that lost its opening quote. strings.is_real_end ends the item before
# it only where the engine reads such a word as the next item (the engine's value-start
# test); until it does, the text stays in one string and nothing is lost.
OPENLESS_ITEMS = [
    ('["one", "two" three", "four"]', ["one", "two", "three", "four"]),
    ('{"v": ["a" b"], "w": 1}', {"v": ["a", "b"], "w": 1}),
]


@pytest.mark.parametrize("text, value", OPENLESS_ITEMS)
def test_openless_array_items_lose_nothing(text, value):
    got = repair.loads(text)
    flat = json.dumps(got)
    assert all(word in flat for word in ("two", "three", "four", "a", "b") if word in text)  # nothing dropped
    assert got == value
