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
from stream_server import Raw, openai_event, start_stream_server
from repair.llm import LLMError, Ollama, OpenAICompatible

KEY = "sk-test-SECRET-0123456789abcdef"
MESSAGES = [{"role": "user", "content": "Name a colour"}]

pytestmark = pytest.mark.usefixtures("loopback_without_proxy")


@pytest.fixture
def serve():
    servers = []

    def start(*script):
        server = start_stream_server(script)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


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
    # the status line at once, then one header byte every 0.2 s: every read is quick, and the
    # head would be complete after over 60 s, followed by a valid answer. An LLMError naming
    # the timeout shows the timeout bounded the wait for the head.
    server = serve(TrickleHead(0.2, Reply("too late")))
    with pytest.raises(LLMError) as info:
        make(server, timeout=2, max_retries=1)(MESSAGES)
    assert info.value.attempts == 2 and len(server.requests) == 2 and info.value.retryable
    assert "no answer within 2 s" in str(info.value) and "timeout=" in str(info.value)


@pytest.mark.parametrize("make", [openai, ollama])
def test_a_trickled_response_head_is_bounded_async_and_when_streaming(serve, make):
    server = serve(TrickleHead(0.2, Reply("too late")))
    with pytest.raises(LLMError, match="no answer within 2 s"):
        asyncio.run(make(server, timeout=2).acall(MESSAGES))
    with pytest.raises(LLMError, match="no answer within 2 s"):
        list(make(server, timeout=2).stream(MESSAGES))

    async def astream():
        return [piece async for piece in make(server, timeout=2).astream(MESSAGES)]
    with pytest.raises(LLMError, match="no answer within 2 s"):
        asyncio.run(astream())
    assert len(server.requests) == 3


def test_a_head_within_the_timeout_is_fine(serve):
    server = serve(TrickleHead(0.001, Reply("slow head, fine"), padding=20))
    assert openai(server, timeout=10)(MESSAGES).text == "slow head, fine"
