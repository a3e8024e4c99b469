"""The adapters against hostile scripted servers on 127.0.0.1 (tests/llm_server.py,
tests/stream_server.py): a server that trickles its response head, a compressed body that
expands past the size limit, a key echoed where the excerpt of an error is cut. No
assertion depends on how long anything takes: each server would, given the time, end in an
answer that passes, so an LLMError naming the bound shows the bound held."""

from __future__ import annotations

import asyncio
import traceback

import pytest

from llm_server import Encoded, Reply, Status, TrickleHead
from stream_server import Raw, openai_event
from repair.llm import LLMError, Ollama, OpenAICompatible

KEY = "sk-test-SECRET-0123456789abcdef"
MESSAGES = [{"role": "user", "content": "Name a colour"}]

pytestmark = pytest.mark.usefixtures("loopback_without_proxy")



def openai(server, **kw):
    kw.setdefault("backoff", 0)
    kw.setdefault("max_retries", 0)
    return OpenAICompatible(server.openai_url, "qwen2.5-7b", **kw)


def ollama(server, **kw):
    kw.setdefault("backoff", 0)
    kw.setdefault("max_retries", 0)
    return Ollama(server.ollama_url, "llama3.1", **kw)


def everything(exc: BaseException) -> str:
    return str(exc) + repr(exc) + "".join(traceback.format_exception(exc))


def leaked(text: str, secret: str) -> bool:
    """Whether `text` shows 6 or more characters of `secret` beyond its `sk-` prefix."""
    return any(secret[i:i + 6] in text for i in range(3, len(secret) - 5))


# --------------------------------------------------------------------------- key redaction: mask, then cut
FOREIGN = "sk-proj-ForeignKey0123456789abcdef"  # a key the adapter does not hold, masked by its shape


@pytest.mark.parametrize("secret", [KEY, FOREIGN], ids=["own key", "key-shaped"])
@pytest.mark.parametrize("offset", range(280, 305, 3))
def test_a_key_straddling_the_excerpt_cut_is_masked_whole(serve, secret, offset):
    # the server's message puts the key so that the 300-character excerpt would cut it
    message = "x" * offset + " " + secret + " tail"
    server = serve(Status(401, {"error": {"message": message}}), Status(200, message),
                   Raw([openai_event("a"), b'data: {"error": {"message": "' + message.encode() + b'"}}\n\n']),
                   Raw([openai_event("b"), b"data: {" + message.encode() + b"\n\n"]))
    errors = []
    for call in (lambda llm: llm(MESSAGES), lambda llm: llm(MESSAGES),
                 lambda llm: list(llm.stream(MESSAGES)), lambda llm: list(llm.stream(MESSAGES))):
        with pytest.raises(LLMError) as info:
            call(openai(server, api_key=KEY))
        errors.append(info.value)
    for error in errors:
        assert not leaked(everything(error), secret), str(error)
    assert [e.status for e in errors] == [401, 200, 200, 200]


# --------------------------------------------------------------------------- a response head trickled
@pytest.mark.parametrize("make", [openai, ollama])
def test_a_trickled_response_head_is_bounded_by_the_timeout(serve, make):
    # the status line at once, then one header byte every 0.1 s: every read is quick, and the
    # head would be complete after about 30 s, followed by a valid answer. An LLMError naming
    # the timeout shows the timeout bounded the wait for the head.
    server = serve(TrickleHead(0.1, Reply("too late")))
    with pytest.raises(LLMError) as info:
        make(server, timeout=0.5, max_retries=1)(MESSAGES)
    assert info.value.attempts == 2 and len(server.requests) == 2 and info.value.retryable
    assert "no answer within 0.5 s" in str(info.value) and "timeout=" in str(info.value)


@pytest.mark.parametrize("make", [openai, ollama])
def test_a_trickled_response_head_is_bounded_async_and_when_streaming(serve, make):
    server = serve(TrickleHead(0.1, Reply("too late")))
    with pytest.raises(LLMError, match="no answer within 0.5 s"):
        asyncio.run(make(server, timeout=0.5).acall(MESSAGES))
    with pytest.raises(LLMError, match="no answer within 0.5 s"):
        list(make(server, timeout=0.5).stream(MESSAGES))

    async def astream():
        return [piece async for piece in make(server, timeout=0.5).astream(MESSAGES)]
    with pytest.raises(LLMError, match="no answer within 0.5 s"):
        asyncio.run(astream())
    assert len(server.requests) == 3


def test_a_head_within_the_timeout_is_fine(serve):
    server = serve(TrickleHead(0.001, Reply("slow head, fine"), padding=20))
    assert openai(server, timeout=10)(MESSAGES).text == "slow head, fine"


# --------------------------------------------------------------------------- a decompression bomb
def gzip_bomb(size: int, prefix: bytes = b'{"choices": [{"message": {"content": "') -> bytes:
    """A gzip body of a few KB that expands to `size` bytes (a JSON prefix, then spaces)."""
    import zlib

    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    out = [z.compress(prefix)]
    block = b" " * (1024 * 1024)
    for _ in range(size // len(block)):
        out.append(z.compress(block))
    out.append(z.flush())
    return b"".join(out)


MiB = 1024 * 1024


@pytest.mark.parametrize("make", [openai, ollama])
def test_a_gzip_bomb_is_refused_while_it_is_read(serve, make):
    bomb = gzip_bomb(200 * MiB)
    assert len(bomb) < 250_000  # a small body on the wire
    server = serve(Encoded(bomb), Reply("never asked"))
    with pytest.raises(LLMError) as info:
        make(server, max_retries=2)(MESSAGES)
    message = str(info.value)
    assert "max_response_bytes=33,554,432 bytes once decompressed (gzip)" in message
    assert "decompression bomb" in message and not info.value.retryable
    assert info.value.status == 200 and len(server.requests) == 1  # it would be as large again


@pytest.mark.parametrize("make", [openai, ollama])
def test_a_gzip_bomb_is_refused_async_and_when_streaming(serve, make):
    server = serve(Encoded(gzip_bomb(8 * MiB)))
    with pytest.raises(LLMError, match=r"max_response_bytes=1,048,576 bytes once decompressed \(gzip\)"):
        asyncio.run(make(server, max_response_bytes=MiB).acall(MESSAGES))
    with pytest.raises(LLMError, match="max_response_bytes=1,048,576"):
        list(make(server, max_response_bytes=MiB).stream(MESSAGES))


def test_a_streamed_body_is_bounded_once_decoded_too(serve):
    # an endless stream of keep-alives: each quick, never an answer, bounded by its size
    server = serve(Raw([b": keep-alive " + b"k" * 1000 + b"\n\n"], then="repeat"))
    with pytest.raises(LLMError) as info:
        list(openai(server, max_response_bytes=100_000, timeout=600).stream(MESSAGES))
    assert "max_response_bytes=100,000 bytes;" in str(info.value)  # not compressed: no "once decompressed"
    assert not info.value.retryable


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "raw deflate", "gzip, gzip"])
def test_compressed_answers_within_the_bound_are_read(serve, encoding):
    import json
    import zlib

    body = json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": "é" * 50_000},
                                    "finish_reason": "stop"}]}).encode()

    def compress(data: bytes, wbits: int) -> bytes:
        z = zlib.compressobj(6, zlib.DEFLATED, wbits)
        return z.compress(data) + z.flush()

    if encoding == "gzip":
        wire = compress(body, 16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        wire = compress(body, zlib.MAX_WBITS)
    elif encoding == "raw deflate":
        wire, encoding = compress(body, -zlib.MAX_WBITS), "deflate"
    else:
        wire = compress(compress(body, 16 + zlib.MAX_WBITS), 16 + zlib.MAX_WBITS)
    server = serve(Encoded(wire, encoding))
    assert openai(server)(MESSAGES).text == "é" * 50_000
    assert asyncio.run(openai(server).acall(MESSAGES)).text == "é" * 50_000
    assert server.requests[0].headers["accept-encoding"] == "gzip, deflate"


def test_an_encoding_not_asked_for_and_a_corrupt_body_are_clear_errors(serve):
    server = serve(Encoded(b"\x1b\x00\x00", "br"), Encoded(b"this is not gzip at all", "gzip"))
    with pytest.raises(LLMError, match="Content-Encoding 'br', which was not asked for") as info:
        openai(server)(MESSAGES)
    assert not info.value.retryable and len(server.requests) == 1
    with pytest.raises(LLMError, match="the gzip body is corrupt") as info:
        openai(server)(MESSAGES)
    assert info.value.retryable


def test_max_response_bytes_must_be_a_positive_whole_number_or_none():
    assert OpenAICompatible("http://127.0.0.1:1/v1", "m").max_response_bytes == 32 * MiB
    assert Ollama("http://127.0.0.1:1/api", "m", max_response_bytes=None).max_response_bytes is None
    for bad in (0, -1, 1.5, "1"):
        with pytest.raises(ValueError, match="max_response_bytes"):
            OpenAICompatible("http://127.0.0.1:1/v1", "m", max_response_bytes=bad)


def test_the_decoder_gives_the_same_bytes_however_the_body_is_cut_and_stops_at_the_bound():
    import zlib

    from repair.llm._body import _BodyError, _Decoder

    text = ("{\"a\": [" + ", ".join(str(i) for i in range(3000)) + "]}").encode()
    for wbits, encoding in ((16 + zlib.MAX_WBITS, "gzip"), (zlib.MAX_WBITS, "deflate"), (-zlib.MAX_WBITS, "deflate")):
        z = zlib.compressobj(6, zlib.DEFLATED, wbits)
        wire = z.compress(text) + z.flush()
        for cut in (1, 2, 7, len(wire)):
            decoder = _Decoder(encoding, len(text), 200)
            out = b"".join(decoder.feed(wire[i:i + cut]) for i in range(0, len(wire), cut)) + decoder.end()
            assert out == text, (encoding, wbits, cut)
    decoder = _Decoder("gzip", MiB, 200)
    with pytest.raises(_BodyError, match="max_response_bytes=1,048,576"):
        decoder.feed(gzip_bomb(64 * MiB))  # one chunk that expands 64 MiB: stopped at the bound
    assert MiB < decoder.size <= MiB + 64 * 1024
