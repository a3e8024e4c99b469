"""Property tests for repair.tools: a valid call reads back unchanged in every format,
any cut of the arguments reads or is refused with a RepairError, and a stream split
anywhere gives what the assembled message gives."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repair import RepairError
from repair.tools import ToolCallStream, parse_tool_calls

names = st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True)
scalars = st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=12)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
                      max_leaves=8)
arguments = st.dictionaries(st.text(min_size=1, max_size=8), values, max_size=4)

FORMATS = {
    "openai": lambda n, a: {"role": "assistant", "tool_calls": [{"id": "x", "function": {"name": n, "arguments": json.dumps(a)}}]},
    "hermes": lambda n, a: f"<tool_call>\n{json.dumps({'name': n, 'arguments': a})}\n</tool_call>",
    "mistral": lambda n, a: f"[TOOL_CALLS] {json.dumps([{'name': n, 'arguments': a}])}",
    "mistral_v11": lambda n, a: f"[TOOL_CALLS]{n}[ARGS]{json.dumps(a)}",
    "react": lambda n, a: f"Thought: go.\nAction: {n}\nAction Input: {json.dumps(a)}\n",
    "qwen_agent": lambda n, a: f"\u273fFUNCTION\u273f: {n}\n\u273fARGS\u273f: {json.dumps(a)}\n",
    "bare": lambda n, a: json.dumps({"name": n, "parameters": a}),
}

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(names, arguments, st.sampled_from(sorted(FORMATS)))
def test_a_valid_call_reads_back_unchanged(name, args, fmt):
    (call,) = parse_tool_calls(FORMATS[fmt](name, args))
    assert (call.name, call.arguments, call.steps) == (name, args, ())


@FAST
@given(arguments, st.data())
def test_any_cut_of_the_arguments_reads_or_is_refused(args, data):
    text = json.dumps(args)
    cut = data.draw(st.integers(0, len(text)))
    try:
        (call,) = parse_tool_calls({"tool_calls": [{"function": {"name": "f", "arguments": text[:cut]}}]})
    except RepairError as err:
        assert "(at " in str(err)
    else:
        assert isinstance(call.arguments, dict)
        assert all(call.raw == text[:cut] and 0 <= s.pos <= len(call.raw) for s in call.steps)


@FAST
@given(arguments, st.lists(st.integers(0, 400), max_size=6))
def test_a_stream_split_anywhere_gives_the_assembled_calls(args, cuts):
    text = json.dumps(args)
    points = sorted({c % (len(text) + 1) for c in cuts} | {0, len(text)})
    pieces = [text[a:b] for a, b in zip(points, points[1:])]
    stream = ToolCallStream()
    stream.feed({"tool_calls": [{"index": 0, "id": "c0", "function": {"name": "f", "arguments": ""}}]})
    for piece in pieces:
        stream.feed({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
    expected = parse_tool_calls({"tool_calls": [{"id": "c0", "function": {"name": "f", "arguments": text}}]})
    assert stream.close() == expected
