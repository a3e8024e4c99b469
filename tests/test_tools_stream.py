"""repair.tools.ToolCallStream: OpenAI streamed tool-call deltas, split at every point."""

from __future__ import annotations

import copy

import pytest

from repair import RepairError
from repair.tools import ToolCallStream, parse_tool_calls

ARGS_A = '{"city": "Paris", "days": [1, 2], "note": "a \\"quoted\\" word"}'
ARGS_B = "{'tz': 'CET', 'fmt': None}"


def chunk(*items, finish=None) -> dict:
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": {"tool_calls": list(items)} if items else {}, "finish_reason": finish}]}


def first(index, call_id, name, arguments="") -> dict:
    return {"index": index, "id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def more(index, piece) -> dict:
    return {"index": index, "function": {"arguments": piece}}


def assembled(*calls) -> dict:
    return {"role": "assistant", "content": None, "tool_calls": [
        {"id": i, "type": "function", "function": {"name": n, "arguments": a}} for i, n, a in calls]}


def run(chunks, tools=None, **kw):
    stream = ToolCallStream(tools, **kw)
    snaps = []
    for c in chunks:
        snaps.append([(s.index, copy.deepcopy(s.arguments), s.complete, s.call) for s in stream.feed(c)])
    return stream, snaps, stream.close()


def test_stream_two_calls_as_openai_sends_them():
    chunks = [
        {"choices": [{"index": 0, "delta": {"role": "assistant", "content": None}}]},
        chunk(first(0, "call_a", "get_weather")),
        chunk(more(0, '{"city": ')), chunk(more(0, '"Par')), chunk(more(0, 'is"}')),
        chunk(first(1, "call_b", "get_time")), chunk(more(1, "{'tz': 'C")), chunk(more(1, "ET'}")),
        chunk(finish="tool_calls"),
        {"choices": [], "usage": {"total_tokens": 9}},
    ]
    stream, snaps, calls = run(chunks)
    assert [(c.id, c.name, c.arguments) for c in calls] == [
        ("call_a", "get_weather", {"city": "Paris"}), ("call_b", "get_time", {"tz": "CET"})]
    # the value grows; the call is usable once its arguments have closed
    assert snaps[3] == [(0, {"city": "Par"}, False, None)]
    (index, args, complete, ready), = snaps[4]
    assert complete and ready.arguments == {"city": "Paris"} and ready.id == "call_a"
    assert snaps[8] == [] and snaps[9] == []
    assert [s.name for s in stream.calls] == ["get_weather", "get_time"]


@pytest.mark.parametrize("arguments", [ARGS_A, ARGS_B], ids=["json", "python-literal"])
def test_stream_split_at_every_point(arguments):
    expected = parse_tool_calls(assembled(("c0", "f", arguments)))
    for cut in range(len(arguments) + 1):
        chunks = [chunk(first(0, "c0", "f", arguments[:cut])), chunk(more(0, arguments[cut:]))]
        _, snaps, calls = run(chunks)
        assert calls == expected, cut
        if cut < len(arguments) - 1:
            assert snaps[0][0][3] is None  # not usable before the object closes


def test_stream_split_at_every_pair_of_points():
    arguments = '{"q": "x y", "n": [1, 22]}'
    expected = parse_tool_calls(assembled(("c0", "search", arguments)))
    for i in range(len(arguments) + 1):
        for j in range(i, len(arguments) + 1):
            pieces = [arguments[:i], arguments[i:j], arguments[j:]]
            chunks = [chunk(first(0, "c0", "search"))] + [chunk(more(0, p)) for p in pieces]
            assert run(chunks)[2] == expected, (i, j)


def test_stream_strings_only_grow():
    arguments = '{"text": "one two three four five six", "n": 12345}'
    chunks = [chunk(first(0, "c0", "f"))] + [chunk(more(0, arguments[i:i + 3])) for i in range(0, len(arguments), 3)]
    _, snaps, _ = run(chunks)
    seen = [s[0][1] for s in snaps[1:] if s and isinstance(s[0][1], dict)]
    for earlier, later in zip(seen, seen[1:]):
        assert later.get("text", "").startswith(earlier.get("text", ""))
        if "n" in earlier:
            assert earlier["n"] == 12345  # a number appears only once it has ended


def test_stream_cut_off_call_is_repaired_at_close():
    _, _, calls = run([chunk(first(0, "c0", "f", '{"a": [1, 2'))])
    assert calls[0].arguments == {"a": [1, 2]} and [s.code for s in calls[0].steps] == ["repair_missing_bracket"]


def test_stream_strict_refuses_at_close():
    stream = ToolCallStream(strict=True)
    stream.feed(chunk(first(0, "c0", "f", '{"a": "cut')))
    with pytest.raises(RepairError) as err:
        stream.close()
    assert err.value.kind == "lossy_refused"


def test_stream_with_tools_aligns_the_finished_call():
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}, "required": ["city"]}}}
    chunks = [chunk(first(0, "c0", "GetWeather")), chunk(more(0, '{"City": "Paris", ')), chunk(more(0, '"days": "3"}'))]
    _, snaps, calls = run(chunks, [tool])
    assert snaps[2][0][3].arguments == {"city": "Paris", "days": 3}
    assert calls[0].name == "get_weather"


def test_stream_validation_error_of_a_complete_call_is_kept_until_close():
    tool = {"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}}
    stream = ToolCallStream([tool])
    (snap,) = stream.feed(chunk(first(0, "c0", "f", '{"b": 1}')))
    assert snap.complete and snap.call is None and snap.error is not None
    with pytest.raises(RepairError, match="validation error"):
        stream.close()


def test_stream_accepts_deltas_items_and_the_legacy_function_call():
    stream = ToolCallStream()
    stream.feed({"tool_calls": [first(0, "c0", "f", '{"a"')]})  # a delta
    stream.feed(more(0, ": 1}"))  # a tool_calls item
    stream.feed([more(0, " ")])  # a list of items
    assert [(c.name, c.arguments) for c in stream.close()] == [("f", {"a": 1})]
    legacy = ToolCallStream()
    legacy.feed({"choices": [{"delta": {"function_call": {"name": "g", "arguments": "{'x'"}}}]})
    legacy.feed({"choices": [{"delta": {"function_call": {"arguments": ": 2}"}}}]})
    assert [(c.id, c.name, c.arguments) for c in legacy.close()] == [("call_0", "g", {"x": 2})]


def test_stream_without_indices_and_with_a_repeated_name():
    stream = ToolCallStream()
    stream.feed({"tool_calls": [{"id": "a", "function": {"name": "f", "arguments": "{}"}}]})
    stream.feed({"tool_calls": [{"id": "b", "function": {"name": "g", "arguments": '{"x": '}}]})
    stream.feed({"tool_calls": [{"function": {"name": "g", "arguments": "1}"}}]})
    assert [(c.id, c.name, c.arguments) for c in stream.close()] == [("a", "f", {}), ("b", "g", {"x": 1})]


@pytest.mark.parametrize("bad,message_part", [
    (42, "chunk 1 is a int"),
    ({"tool_calls": "x"}, "'tool_calls' is a str"),
    ({"tool_calls": [{"index": -1, "function": {}}]}, "index must be a whole number"),
    ({"tool_calls": [{"index": 0, "function": {"name": 3}}]}, "the name of call 0 is a int"),
    ({"tool_calls": [{"index": 0, "function": {"arguments": 3}}]}, "the arguments of call 0 are a int"),
    ({"tool_calls": [7]}, "a tool call delta is a int"),
])
def test_stream_malformed_chunks_are_refused(bad, message_part):
    with pytest.raises(RepairError) as err:
        ToolCallStream().feed(bad)
    assert message_part in str(err.value)


def test_stream_feed_after_close_is_refused():
    stream = ToolCallStream()
    assert stream.close() == []
    with pytest.raises(RepairError, match="closed"):
        stream.feed(chunk())
