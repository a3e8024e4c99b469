"""Streaming from the model: `stream` / `astream` of both adapters against a real server on
127.0.0.1 (tests/stream_server.py) that streams with chunked transfer encoding, as vLLM,
OpenAI and Ollama do; no other network. No assertion depends on how long anything takes:
short timeouts are only used where the server deliberately never answers, and are long enough
(SLOW, 1 s) for every answer that must arrive in time on a loaded machine."""

from __future__ import annotations

import asyncio
import json
import logging
import traceback

import pytest

from stream_server import Delay, Drop, Raw, Reply, Status, Stream, ollama_line, openai_event
from repair.llm import AsyncTextStream, LLMError, Ollama, OpenAICompatible, TextStream
from repair.llm import Reply as LLMReply

KEY = "sk-test-SECRET-0123456789abcdef"
MESSAGES = [{"role": "system", "content": "Answer in JSON."}, {"role": "user", "content": "Name a colour"}]
PIECES = ['{"colour"', ': "blü', "e 😀 青", '", "n": 1', "}"]  # multi-byte characters of 2, 3 and 4 bytes

SLOW = 1.0  # seconds: the timeout where the server stalls on purpose, but earlier bytes must be in time

pytestmark = pytest.mark.usefixtures("loopback_without_proxy")



def openai(server, **kw):
    kw.setdefault("backoff", 0)
    return OpenAICompatible(server.openai_url, "qwen2.5-7b", **kw)


def ollama(server, **kw):
    kw.setdefault("backoff", 0)
    return Ollama(server.ollama_url, "llama3.1", **kw)


ADAPTERS = pytest.mark.parametrize("make", [openai, ollama])


def everything(exc: BaseException) -> str:
    return str(exc) + repr(exc) + "".join(traceback.format_exception(exc))


def read(stream) -> list[str]:
    return list(stream)


def aread(stream) -> list[str]:
    async def go():
        return [piece async for piece in stream]
    return asyncio.run(go())


def failure(stream, reader=read) -> tuple[list[str], LLMError]:
    """The pieces a stream handed out before it raised, and the LLMError it raised."""
    got = []

    def collect():
        for piece in stream:
            got.append(piece)

    async def acollect():
        async for piece in stream:
            got.append(piece)

    with pytest.raises(LLMError) as info:
        collect() if reader is read else asyncio.run(acollect())
    return got, info.value


READERS = pytest.mark.parametrize("reader,method", [(read, "stream"), (aread, "astream")], ids=["sync", "async"])


# --------------------------------------------------------------------------- what arrives
def test_openai_streams_the_deltas_then_says_how_it_ended(serve):
    server = serve(Stream(PIECES, "stop", usage=(12, 5)))
    stream = openai(server, temperature=0, max_tokens=64).stream(MESSAGES)
    assert isinstance(stream, TextStream) and not stream.done and stream.reply is None
    assert not server.requests  # nothing is sent before the first next()

    assert read(stream) == PIECES  # the role-only first chunk and the finish chunk carry no text
    usage = {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17}
    assert stream.done and stream.finish_reason == "stop" and stream.usage == usage
    assert stream.text == "".join(PIECES)
    assert stream.reply == LLMReply("".join(PIECES), "stop", usage)

    [request] = server.requests
    assert request.path == "/v1/chat/completions"
    assert request.json == {"model": "qwen2.5-7b", "messages": MESSAGES, "temperature": 0, "max_tokens": 64,
                            "stream": True, "stream_options": {"include_usage": True}}
    assert request.headers["accept"] == "text/event-stream"


def test_ollama_streams_the_lines_then_says_how_it_ended(serve):
    server = serve(Stream(PIECES, "length", usage=(30, 7)))
    stream = ollama(server, num_ctx=4096).stream(MESSAGES)
    assert read(stream) == PIECES
    assert stream.finish_reason == "length"
    assert stream.usage == {"prompt_tokens": 30, "completion_tokens": 7, "total_tokens": 37}
    [request] = server.requests
    assert request.path == "/api/chat"
    assert request.json == {"model": "llama3.1", "messages": MESSAGES, "stream": True, "options": {"num_ctx": 4096}}
    assert request.headers["accept"] == "application/x-ndjson"


@ADAPTERS
def test_async_streams_the_same(serve, make):
    server = serve(Stream(PIECES, "stop", usage=(3, 4)))
    stream = make(server).astream(MESSAGES)
    assert isinstance(stream, AsyncTextStream)
    assert aread(stream) == PIECES
    assert stream.done and stream.finish_reason == "stop" and stream.usage["total_tokens"] == 7


def test_openai_without_usage_and_own_stream_options(serve):
    server = serve(Stream(["[1, 2]"]))
    stream = openai(server, stream_options={"include_usage": False}).stream("a bare string is one user message")
    assert read(stream) == ["[1, 2]"] and stream.usage is None and stream.finish_reason == "stop"
    assert server.requests[0].json["stream_options"] == {"include_usage": False}
    assert server.requests[0].json["messages"] == [{"role": "user", "content": "a bare string is one user message"}]


@ADAPTERS
@READERS
@pytest.mark.parametrize("cut", [1, 2, 3, 5, 7, 64])
def test_events_and_characters_split_anywhere(serve, make, reader, method, cut):
    # the body is cut into HTTP chunks of `cut` bytes: events, lines, "data:" and the
    # UTF-8 bytes of é, 青 and 😀 all end up split between chunks
    server = serve(Stream(PIECES, "stop", usage=(1, 2), cut=cut))
    stream = getattr(make(server), method)(MESSAGES)
    assert "".join(reader(stream)) == "".join(PIECES)
    assert stream.finish_reason == "stop" and stream.usage["total_tokens"] == 3


def test_sse_comments_crlf_event_names_and_no_final_blank_line(serve):
    body = [
        b": keep-alive\r\n\r\n",
        b"retry: 1000\r\nid: 1\r\nevent: message\r\n" + openai_event("", role="assistant").replace(b"\n", b"\r\n"),
        openai_event("") + openai_event("[tr"),  # an empty delta carries nothing
        b'data: {"choices": [{"index": 0, "delta": {"content": "ue"}}]}\r',  # a lone CR ends the line
        b"\r",
        b': ping\n\ndata: {"choices": [{"index": 1, "delta": {"content": "other choice"}}]}\n\n',
        b'data: {"choices": [{"index": 0, "delta": {"content": "]"}, "finish_reason": "stop"}]}\n\n',
        b"data: [DONE]",  # no blank line after the last event
    ]
    server = serve(Raw(body))
    stream = openai(server).stream(MESSAGES)
    assert read(stream) == ["[tr", "ue", "]"] and stream.finish_reason == "stop"


def test_data_split_over_several_lines_is_one_event(serve):
    event = b'data: {"choices": [{"index": 0,\ndata: "delta": {"content": "x"}, "finish_reason": "stop"}]}\n\n'
    server = serve(Raw([event, b"data: [DONE]\n\n"]))
    assert read(openai(server).stream(MESSAGES)) == ["x"]


def test_a_stream_without_done_that_finished_is_accepted(serve):
    # some OpenAI-compatible servers end the body after the finish_reason, with no [DONE]
    server = serve(Raw([openai_event("ok"), openai_event(finish_reason="stop")]))
    stream = openai(server).stream(MESSAGES)
    assert read(stream) == ["ok"] and stream.finish_reason == "stop"


def test_whatever_follows_the_end_mark_is_ignored(serve):
    server = serve(Raw([openai_event("a") + b"data: [DONE]\n\n" + b"data: {not json\n\n"]),
                   Raw([ollama_line("b") + ollama_line(done=True, done_reason="stop") + b"garbage\n"],
                       content_type="application/x-ndjson"))
    assert read(openai(server).stream(MESSAGES)) == ["a"]
    assert read(ollama(server).stream(MESSAGES)) == ["b"]


@ADAPTERS
def test_an_answer_sent_in_one_piece_is_one_delta(serve, make):
    # a server that ignores "stream": true and answers application/json, as the one-shot call gets it
    server = serve(Reply('{"a": 1}', "stop", prompt_tokens=2, completion_tokens=3))
    stream = make(server).stream(MESSAGES)
    assert read(stream) == ['{"a": 1}']
    assert stream.reply == LLMReply('{"a": 1}', "stop", {"prompt_tokens": 2, "completion_tokens": 3,
                                                         "total_tokens": 5})


def test_an_empty_answer_streams_nothing_and_ends(serve):
    server = serve(Stream([], "stop"))
    stream = openai(server).stream(MESSAGES)
    assert read(stream) == [] and stream.done and stream.text == "" and stream.finish_reason == "stop"


def test_bad_messages_fail_at_once_without_a_request(serve):
    server = serve(Stream(["x"]))
    with pytest.raises(ValueError, match="role"):
        openai(server).stream([{"content": "no role"}])
    with pytest.raises(ValueError, match="role"):
        ollama(server).astream([{"content": "no role"}])
    assert not server.requests


@ADAPTERS
def test_closing_early_lets_go_of_the_connection(serve, make):
    server = serve(Stream(["a", "b"], end=False, then="stall"))  # would never finish
    with make(server).stream(MESSAGES) as stream:
        assert next(stream) == "a"
    assert not stream.done and stream.finish_reason is None and stream.text == "a"
    with pytest.raises(StopIteration):
        next(stream)

    async def go():
        async with make(server).astream(MESSAGES) as astream:
            assert await astream.__anext__() == "a"
        return astream
    assert not asyncio.run(go()).done


# --------------------------------------------------------------------------- retries: before the first byte only
@ADAPTERS
@READERS
def test_failures_before_the_first_byte_are_retried(serve, make, reader, method, caplog):
    caplog.set_level(logging.WARNING, logger="repair.llm")
    server = serve(Status(500), Drop(), Status(429), Stream(["ok"]))
    stream = getattr(make(server, max_retries=3), method)(MESSAGES)
    assert reader(stream) == ["ok"] and stream.done
    assert len(server.requests) == 4
    assert caplog.text.count("retrying") == 3


@ADAPTERS
def test_a_hang_before_the_answer_begins_is_retried(serve, make):
    # no response head, then a head and no body byte: both end by the timeout, both retried
    server = serve(Delay(60), Raw([], then="stall"), Stream(["ok"]))
    stream = make(server, timeout=SLOW, max_retries=2).stream(MESSAGES)
    assert read(stream) == ["ok"] and len(server.requests) == 3


@ADAPTERS
def test_failures_before_the_first_byte_give_up_like_the_one_shot_call(serve, make):
    server = serve(Status(503))
    pieces, error = failure(make(server, max_retries=2).stream(MESSAGES))
    assert pieces == [] and error.status == 503 and error.attempts == 3 and error.retryable
    assert len(server.requests) == 3


def test_a_4xx_is_not_retried(serve):
    server = serve(Status(404))
    _, error = failure(ollama(server, max_retries=3).stream(MESSAGES))
    assert error.status == 404 and not error.retryable and len(server.requests) == 1
    assert "ollama pull" in str(error)


def test_connection_refused_is_retried_then_fails(serve):
    server = serve(Stream(["x"]))
    server.close()
    _, error = failure(openai(server, max_retries=1, timeout=2).astream(MESSAGES), aread)
    assert error.attempts == 2 and error.retryable and "could not connect" in str(error)


@ADAPTERS
@READERS
def test_a_connection_cut_mid_stream_is_an_error_and_not_retried(serve, make, reader, method):
    server = serve(Stream(["one ", "two "], end=False, then="cut"), Stream(["never asked"]))
    pieces, error = failure(getattr(make(server, max_retries=3), method)(MESSAGES), reader)
    assert pieces == ["one ", "two "]  # what arrived is handed out first
    assert len(server.requests) == 1 and error.attempts == 1
    assert error.retryable  # asking again may work, but it is the caller's call: text was handed out
    assert "broke off" in str(error) and "not retried" in str(error) and "8 characters" in str(error)


@ADAPTERS
def test_a_clean_end_before_the_model_finished_is_an_error(serve, make):
    # the body ends properly but without [DONE] / "done": true and without a finish reason
    server = serve(Stream(["half"], end=False, then="end"), Stream(["never asked"]))
    pieces, error = failure(make(server, max_retries=3).stream(MESSAGES))
    assert pieces == ["half"] and len(server.requests) == 1
    assert "ended before the model finished" in str(error) and error.retryable


@ADAPTERS
@READERS
def test_a_stall_mid_stream_times_out_and_is_not_retried(serve, make, reader, method):
    server = serve(Stream(["partial"], end=False, then="stall"), Stream(["never asked"]))
    pieces, error = failure(getattr(make(server, timeout=SLOW, max_retries=3), method)(MESSAGES), reader)
    assert pieces == ["partial"] and len(server.requests) == 1
    assert "timed out after 1 s" in str(error) and "timeout=" in str(error) and error.retryable


@ADAPTERS
def test_a_stream_that_never_ends_is_bounded_by_the_timeout(serve, make):
    # keep-alives (or blank lines) forever: every read is quick, the answer never comes; the
    # time spent waiting for the server adds up to the timeout
    keep_alive = Raw([b": keep-alive\n\n"]) if make is openai else Raw([b"\n"], "application/x-ndjson")
    server = serve(Raw(keep_alive.chunks, keep_alive.content_type, then="repeat"))
    pieces, error = failure(make(server, timeout=SLOW, max_retries=3).stream(MESSAGES))
    assert pieces == [] and len(server.requests) == 1
    assert "still arriving after 1 s" in str(error)


# --------------------------------------------------------------------------- size bound
@ADAPTERS
@READERS
def test_max_size_bounds_an_endless_stream(serve, make, reader, method):
    server = serve(Stream(["x" * 100], end=False, then="repeat"))
    pieces, error = failure(getattr(make(server, max_size=1000), method)(MESSAGES), reader)
    assert "".join(pieces) == "x" * 1000  # every piece that fits, and nothing past the bound
    assert "max_size=1,000" in str(error) and not error.retryable and len(server.requests) == 1


@ADAPTERS
def test_max_size_lets_an_answer_of_exactly_that_size_through(serve, make):
    server = serve(Stream(["ab", "cd"]))
    assert read(make(server, max_size=4).stream(MESSAGES)) == ["ab", "cd"]


@ADAPTERS
def test_max_size_bounds_the_one_shot_answer_and_a_whole_answer_too(serve, make):
    server = serve(Reply("x" * 50))
    with pytest.raises(LLMError, match="max_size=10"):
        make(server, max_size=10, max_retries=2)(MESSAGES)
    assert len(server.requests) == 1  # it would be as long again
    pieces, error = failure(make(server, max_size=10).stream(MESSAGES))
    assert pieces == [] and "max_size=10" in str(error)
    assert make(server, max_size=50)(MESSAGES).text == "x" * 50


def test_max_size_bounds_a_line_that_never_ends(serve):
    # no line break ever: the bytes held for the unfinished event are bounded too
    server = serve(Raw([b"data: " + b"x" * 1000], then="repeat"))
    pieces, error = failure(openai(server, max_size=10).stream(MESSAGES))
    assert pieces == [] and "without ending" in str(error) and "line 1" in str(error)


@pytest.mark.parametrize("bad", [0, -1, 2.5, "10"])
def test_max_size_must_be_a_positive_whole_number(bad):
    with pytest.raises(ValueError, match="max_size"):
        OpenAICompatible("http://127.0.0.1:1/v1", "m", max_size=bad)


# --------------------------------------------------------------------------- malformed streams
def test_a_malformed_event_says_which(serve):
    server = serve(Raw([openai_event("", role="assistant"), openai_event("ok "), b"data: {\"choices\": [\n\n",
                        openai_event("never")]), Stream(["never asked"]))
    pieces, error = failure(openai(server, max_retries=3).stream(MESSAGES))
    assert pieces == ["ok "] and len(server.requests) == 1 and not error.retryable
    message = str(error)
    assert "event 3 (line 5) is not JSON" in message and "column" in message
    assert "3 characters of the answer had arrived" in message
    assert "base_url" not in message  # the endpoint was right: it had streamed text
    assert 'data: {"choices": [' not in message and '{"choices": [' in message  # the event's data, quoted
    assert error.__cause__ is None and error.__context__ is None  # no json traceback behind it
    assert "JSONDecodeError" not in everything(error)


def test_a_malformed_ollama_line_says_which(serve):
    server = serve(Raw([ollama_line("a"), ollama_line("b")[:-1] + b"\n", b'{"message": \n'],
                       content_type="application/x-ndjson"))
    pieces, error = failure(ollama(server).astream(MESSAGES), aread)
    assert pieces == ["a", "b"]
    assert "line 3 is not JSON" in str(error) and "Ollama" in str(error)


@pytest.mark.parametrize("event,problem", [
    (b'data: [1, 2]\n\n', "event 1 (line 1) is JSON but not an object"),
    (b'data: {"choices": "no"}\n\n', "choices is not a list of objects"),
    (b'data: {"choices": [{"index": 0, "delta": "text"}]}\n\n', "delta is not an object"),
    (b'data: {"choices": [{"index": 0, "delta": {"content": 5}}]}\n\n', "delta.content is not a string"),
    (b'data: \xff\xfe\n\n', "line 1 is not UTF-8"),
])
def test_malformed_openai_events(serve, event, problem):
    server = serve(Raw([event]))
    _, error = failure(openai(server).stream(MESSAGES))
    assert problem in str(error) and error.status == 200
    assert "is base_url the OpenAI-compatible endpoint" in str(error)  # nothing readable came: a wrong URL?


@pytest.mark.parametrize("line,problem", [
    (b'{"model": "m", "done": false}\n', "line 1 has neither message nor"),
    (b'{"message": "text", "done": false}\n', "message is not an object"),
    (b'{"message": {"content": ["x"]}, "done": false}\n', "message.content is not a string"),
])
def test_malformed_ollama_lines(serve, line, problem):
    server = serve(Raw([line], content_type="application/x-ndjson"))
    _, error = failure(ollama(server).stream(MESSAGES))
    assert problem in str(error)


def test_an_error_event_mid_stream_is_the_servers_message(serve):
    server = serve(Raw([openai_event("par"), b'data: {"error": {"message": "worker crashed", "type": "server_error"}}\n\n']),
                   Raw([ollama_line("par"), b'{"error": "model runner has unexpectedly stopped"}\n'],
                       content_type="application/x-ndjson"))
    pieces, error = failure(openai(server).stream(MESSAGES))
    assert pieces == ["par"] and "worker crashed" in str(error) and "event 2" in str(error)
    pieces, error = failure(ollama(server).stream(MESSAGES))
    assert pieces == ["par"] and "unexpectedly stopped" in str(error) and "line 2" in str(error)


def test_a_streamed_refusal_is_a_clear_error(serve):
    refusal = [b'data: {"choices": [{"index": 0, "delta": {"role": "assistant", "refusal": ""}}]}\n\n',
               b'data: {"choices": [{"index": 0, "delta": {"refusal": "I can\'t "}}]}\n\n',
               b'data: {"choices": [{"index": 0, "delta": {"refusal": "help with that."}}]}\n\n',
               b'data: {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}\n\ndata: [DONE]\n\n']
    server = serve(Raw(refusal))
    _, error = failure(openai(server).stream(MESSAGES))
    assert "refused to answer: I can't help with that." in str(error) and not error.retryable


# --------------------------------------------------------------------------- the key stays secret
def test_the_key_never_appears_in_a_stream_repr_error_or_log(serve, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, httpx's included
    server = serve(Status(500, {"error": {"message": f"bad upstream for key {KEY}"}}),
                   Raw([openai_event("a"), b'data: {"error": {"message": "key ' + KEY.encode() + b' revoked"}}\n\n']),
                   Raw([openai_event("b"), b"data: {" + KEY.encode() + b"\n\n"]))
    llm = openai(server, api_key=KEY, max_retries=1)
    stream = llm.stream(MESSAGES)
    assert KEY not in repr(stream) and "api_key='***'" in repr(stream)
    pieces, error = failure(stream)
    assert pieces == ["a"] and "key *** revoked" in str(error)
    assert KEY not in everything(error) and KEY not in repr(stream) and KEY not in repr(vars(stream))
    _, error = failure(llm.stream(MESSAGES))  # a malformed event quoting the key
    assert "not JSON" in str(error) and KEY not in everything(error)
    assert KEY not in caplog.text and "bad upstream for key ***" in caplog.text
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in server.requests)  # but it was sent


def test_a_password_in_base_url_is_not_shown_by_a_stream(serve):
    password = "pa55-Word-0123456789"
    server = serve(Raw([b"data: {\"error\": \"bad password " + password.encode() + b"\"}\n\n"]))
    llm = OpenAICompatible(server.openai_url.replace("http://", f"http://alice:{password}@"), "m")
    stream = llm.stream(MESSAGES)
    _, error = failure(stream)
    assert password not in everything(error) and password not in repr(stream)
    assert "alice:***@" in repr(stream)


# --------------------------------------------------------------------------- the official clients agree
def _official_openai(server, cut):
    openai_client = pytest.importorskip("openai", reason="the official openai client is not installed")
    client = openai_client.OpenAI(base_url=server.openai_url, api_key="k", max_retries=0, timeout=10)
    chunks = list(client.chat.completions.create(model="m", messages=MESSAGES, stream=True,
                                                 stream_options={"include_usage": True}))
    pieces = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    finish = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    usage = chunks[-1].usage
    return pieces, finish[-1], {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
                                "total_tokens": usage.total_tokens}


def _official_ollama(server, cut):
    ollama_client = pytest.importorskip("ollama", reason="the official ollama client is not installed")
    parts = list(ollama_client.Client(host=server.url, timeout=10).chat(model="m", messages=MESSAGES, stream=True))
    last = parts[-1]
    assert last.done
    return ([p.message.content for p in parts if p.message.content], last.done_reason,
            {"prompt_tokens": last.prompt_eval_count, "completion_tokens": last.eval_count,
             "total_tokens": last.prompt_eval_count + last.eval_count})


@pytest.mark.parametrize("official,make", [(_official_openai, openai), (_official_ollama, ollama)],
                         ids=["openai", "ollama"])
@pytest.mark.parametrize("cut", [None, 1, 3])
def test_the_official_client_reads_the_same_stream(serve, official, make, cut):
    """The scripted server speaks the real protocol: the official client, pointed at it,
    reads the same text pieces, finish reason and usage as the adapter."""
    server = serve(Stream(PIECES, "length", usage=(11, 6), cut=cut))
    theirs = official(server, cut)
    stream = make(server).stream(MESSAGES)
    ours = (read(stream), stream.finish_reason, stream.usage)
    assert theirs == ours == (PIECES, "length", {"prompt_tokens": 11, "completion_tokens": 6, "total_tokens": 17})
    assert server.requests[0].json["stream"] is True and server.requests[1].json["stream"] is True


def test_the_official_openai_client_sees_our_malformed_event_as_malformed(serve):
    openai_client = pytest.importorskip("openai", reason="the official openai client is not installed")
    server = serve(Raw([openai_event("ok"), b"data: {broken\n\n"]))
    client = openai_client.OpenAI(base_url=server.openai_url, api_key="k", max_retries=0, timeout=10)
    with pytest.raises(json.JSONDecodeError):
        list(client.chat.completions.create(model="m", messages=MESSAGES, stream=True))
    _, error = failure(openai(server).stream(MESSAGES))
    assert "event 2 (line 3) is not JSON" in str(error)
