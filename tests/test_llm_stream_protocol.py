"""The streaming protocol without I/O: the SSE and NDJSON framing fed bytes cut at every
point, and the streaming exchange's decisions (retry, hand out, fail) driven by hand."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stream_server import ollama_line, openai_event
from repair.llm import LLMError, Ollama, OpenAICompatible
from repair.llm._stream_protocol import _NDJSON, _SSE, Done, Fail, Open, Read, ReadAll, Wait, _Lines, _Malformed

PIECES = ['{"colour"', ': "blü', "e 😀 青", '", "n": 1', "}"]
SSE_BODY = (b": keep-alive\r\n\r\n" + openai_event("", role="assistant").replace(b"\n", b"\r\n")
            + b"".join(openai_event(p) for p in PIECES) + openai_event(finish_reason="stop")
            + openai_event(usage=(4, 5)) + b"data: [DONE]\n\n")
NDJSON_BODY = (b"".join(ollama_line(p) for p in PIECES).replace(b"\n", b"\r\n", 1)
               + ollama_line(done=True, done_reason="stop", usage=(4, 5)))
USAGE = {"prompt_tokens": 4, "completion_tokens": 5, "total_tokens": 9}


def cuts(body: bytes, points) -> list[bytes]:
    points = sorted(set(p for p in points if 0 < p < len(body)))
    return [body[i:j] for i, j in zip([0] + points, points + [len(body)])]


def frame(framing, chunks):
    out = []
    for chunk in chunks:
        out += framing.feed(chunk)
    return out + framing.end()


# --------------------------------------------------------------------------- framing
def test_lines_split_at_every_point_give_the_same_lines():
    body = "a\r\nbé\rc😀\n\nd\r\r\ne".encode()
    whole = frame(_Lines(), [body])
    assert [line for _, line in whole] == ["a", "bé", "c😀", "", "d", "", "e"]
    for i in range(len(body) + 1):
        for j in range(i, len(body) + 1):
            assert frame(_Lines(), [body[:i], body[i:j], body[j:]]) == whole, (i, j)
    assert frame(_Lines(), [bytes([b]) for b in body]) == whole


def test_a_byte_order_mark_before_the_first_line_is_dropped():
    assert frame(_Lines(), [b"\xef\xbb", b"\xbfdata: x\n"]) == [(1, "data: x")]


def test_a_line_that_is_not_utf8_says_which():
    with pytest.raises(_Malformed, match=r"line 2 is not UTF-8 \(byte 3"):
        frame(_Lines(), [b"ok\nab\xff\xfe\n"])


def test_an_unfinished_line_is_bounded():
    lines = _Lines(max_line=10)
    lines.feed(b"first\n" + b"x" * 10)
    with pytest.raises(_Malformed, match="line 2 passed 10 bytes without ending"):
        lines.feed(b"x")


def test_sse_every_two_cuts_give_the_same_events():
    body = ': k\r\n\r\nevent: e\r\ndata: {"c": "é😀"}\r\n\r\ndata: x\rdata: y\r\rdata: [DONE]\n\n'.encode()
    whole = frame(_SSE(), [body])
    assert [(u.where, u.data, u.event) for u in whole] == [
        ("event 1 (line 4)", '{"c": "é😀"}', "e"), ("event 2 (line 6)", "x\ny", ""), ("event 3 (line 9)", "[DONE]", "")]
    for i in range(len(body) + 1):
        for j in range(i, len(body) + 1):
            assert frame(_SSE(), [body[:i], body[i:j], body[j:]]) == whole, (i, j)


@given(st.lists(st.integers(min_value=1, max_value=len(SSE_BODY) - 1), max_size=40))
def test_sse_any_cutting_gives_the_same_events(points):
    assert frame(_SSE(), cuts(SSE_BODY, points)) == frame(_SSE(), [SSE_BODY])


@given(st.lists(st.integers(min_value=1, max_value=len(NDJSON_BODY) - 1), max_size=40))
def test_ndjson_any_cutting_gives_the_same_lines(points):
    whole = frame(_NDJSON(), [NDJSON_BODY])
    assert len(whole) == len(PIECES) + 1 and whole[1].where == "line 2"
    assert frame(_NDJSON(), cuts(NDJSON_BODY, points)) == whole


def test_sse_fields_as_the_standard_says():
    units = frame(_SSE(), [b"data:no space\nid: 3\nretry: 5\nunknown: x\nevent: error\ndata\n\n"
                           b"event: lost\n\n"  # an event without data is not dispatched
                           b"data:  two spaces\n"])  # the last event has no blank line
    assert [(u.data, u.event) for u in units] == [("no space\n", "error"), (" two spaces", "")]


# --------------------------------------------------------------------------- the exchange, driven by hand
def adapter(protocol, **kw):
    if protocol == "openai":
        return OpenAICompatible("http://127.0.0.1:9/v1", "m", backoff=0, **kw)
    return Ollama("http://127.0.0.1:9/api", "m", backoff=0, **kw)


HEADERS = {"openai": {"content-type": "text/event-stream"}, "ollama": {"content-type": "application/x-ndjson"}}
BODIES = {"openai": SSE_BODY, "ollama": NDJSON_BODY}


def drive(llm, protocol, attempts):
    """Run the exchange: each attempt is an exception, or (status, chunks) with chunks a list
    of bytes or exceptions. Returns (pieces, final step, requests made, waits)."""
    steps = llm._stream_exchange([{"role": "user", "content": "hi"}])
    step, pieces, opened, waits = next(steps), [], 0, 0
    attempts = iter(attempts)
    while True:
        if isinstance(step, Wait):
            waits += 1
            step = next(steps)
            continue
        if isinstance(step, (Done, Fail)):
            return pieces + list(step.pieces), step, opened, waits
        assert isinstance(step, Open)
        opened += 1
        attempt = next(attempts)
        if isinstance(attempt, BaseException):
            step = steps.send(attempt)
            continue
        status, chunks = attempt
        feed = iter(list(chunks) + [b""])
        step = steps.send((status, HEADERS[protocol]))
        while isinstance(step, (Read, ReadAll)):
            if isinstance(step, ReadAll):
                step = steps.send(b"".join(c for c in feed))
            else:
                pieces += step.pieces
                step = steps.send(next(feed))


@pytest.mark.parametrize("protocol", ["openai", "ollama"])
def test_every_single_cut_gives_the_same_answer(protocol):
    body = BODIES[protocol]
    for i in range(len(body) + 1):
        pieces, step, _, _ = drive(adapter(protocol), protocol, [(200, cuts(body, [i]))])
        assert pieces == PIECES and isinstance(step, Done), i
        assert (step.finish_reason, step.usage) == ("stop", USAGE)
    one_byte = [body[k:k + 1] for k in range(len(body))]
    assert drive(adapter(protocol), protocol, [(200, one_byte)])[0] == PIECES


@pytest.mark.parametrize("protocol", ["openai", "ollama"])
def test_retries_happen_only_before_the_first_byte(protocol):
    body = BODIES[protocol]
    before = [httpx.ConnectError("refused"), (503, [b'{"error": "busy"}']), (200, [httpx.ReadTimeout("slow")])]
    pieces, step, opened, waits = drive(adapter(protocol, max_retries=3), protocol, before + [(200, [body])])
    assert pieces == PIECES and isinstance(step, Done) and opened == 4 and waits == 3

    # a failure once a byte has arrived ends the stream: no Wait, no second Open
    broken = [(200, [body[:150], httpx.RemoteProtocolError("peer closed")]), (200, [body])]
    pieces, step, opened, waits = drive(adapter(protocol, max_retries=3), protocol, broken)
    assert isinstance(step, Fail) and opened == 1 and waits == 0
    assert "broke off" in str(step.error) and step.error.retryable
    assert "".join(PIECES).startswith("".join(pieces))  # what had arrived intact


@pytest.mark.parametrize("protocol", ["openai", "ollama"])
def test_the_last_failure_before_the_first_byte_raises(protocol):
    with pytest.raises(LLMError) as info:
        drive(adapter(protocol, max_retries=1), protocol, [httpx.ConnectError("refused")] * 2)
    assert info.value.attempts == 2 and "could not connect" in str(info.value)


def test_pieces_before_a_bad_event_in_the_same_chunk_are_handed_out():
    body = openai_event("a") + openai_event("b") + b"data: nope\n\n" + openai_event("c")
    pieces, step, _, _ = drive(adapter("openai"), "openai", [(200, [body])])
    assert pieces == ["a", "b"] and isinstance(step, Fail)
    assert "event 3 (line 5) is not JSON (Expecting value at column 1): 'nope'" in str(step.error)


def test_max_size_hands_out_what_fits():
    body = openai_event("abc") + openai_event("def") + openai_event("g") + openai_event(finish_reason="stop")
    pieces, step, _, _ = drive(adapter("openai", max_size=6), "openai", [(200, [body])])
    assert pieces == ["abc", "def"] and isinstance(step, Fail) and "max_size=6" in str(step.error)
    pieces, step, _, _ = drive(adapter("openai", max_size=7), "openai", [(200, [body])])
    assert pieces == ["abc", "def", "g"] and isinstance(step, Done)
