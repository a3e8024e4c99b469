"""ActionNode under faults: a callback that raises or hangs, empty and garbage replies,
replies that never validate, the size of what is sent back, and the API key.

Every scenario checks how many model calls (or HTTP requests) it took and the final
error. The HTTP ones use the real scripted server on 127.0.0.1 (tests/llm_server.py).
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import random
import traceback
from dataclasses import dataclass
from typing import Literal

import pytest
from pydantic import BaseModel, Field, create_model

from llm_server import Delay, Reply, Status, start_server
from repair import ActionNode, FillFailed
from repair.action import FEEDBACK_LINE_CHARS, MAX_FEEDBACK_ERRORS, SHOWN_ANSWER_CHARS
from repair.llm import LLMError, Ollama, OpenAICompatible, from_config

KEY = "sk-test-SECRET-key-0123456789abcdef"


class Ticket(BaseModel):
    title: str = Field(description="One line summary")
    severity: Literal["low", "high"]


GOOD = '[CONTENT]{"title": "Crash on save", "severity": "high"}[/CONTENT]'


pytestmark = pytest.mark.usefixtures("loopback_without_proxy")


class Script:
    """A fake model: each step is returned, or raised if it is an exception; every message
    list it was sent is recorded."""

    def __init__(self, *steps) -> None:
        self.steps = list(steps)
        self.sent: list[list[dict]] = []

    def __call__(self, messages):
        self.sent.append([dict(m) for m in messages])
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, BaseException):
            raise step
        return step


@dataclass
class Answer:
    text: object
    finish_reason: str | None = None
    usage: dict | None = None


def fill(llm, **kw):
    return ActionNode.from_model(Ticket).fill("ctx", llm, **kw)


def everything(exc: BaseException) -> str:
    """All a user could see of an error: message, repr, traceback, chained causes, attempts."""
    text = str(exc) + repr(exc) + "".join(traceback.format_exception(exc))
    if isinstance(exc, FillFailed):
        text += repr(exc.attempts) + repr(exc.errors)
    return text


# --------------------------------------------------------------------------- callbacks that raise
def test_a_callback_that_always_raises_spends_the_budget_then_fails():
    llm = Script(ConnectionError("model server went away"))
    with pytest.raises(FillFailed) as info:
        fill(llm, max_retries=2)
    err = info.value
    assert len(llm.sent) == 3  # max_retries + 1 calls, no more
    assert [a.kind for a in err.attempts] == ["ask", "ask", "ask"]  # the same ask, resent
    assert all(a.raw == "" and a.error == "ConnectionError: model server went away" for a in err.attempts)
    assert llm.sent[0] == llm.sent[1] == llm.sent[2]  # no "your answer was wrong" feedback
    message = str(err)
    assert "no valid answer in 3 call(s) (max_retries=2 used up)" in message
    assert message.count("the call failed: ConnectionError: model server went away") == 3
    assert "call 1 (ask)" in message and "call 3 (ask)" in message and "Next:" in message
    assert isinstance(err.__cause__, ConnectionError) and err.value is None
    assert err.errors[0]["type"] == "call_failed"


def test_failed_calls_are_logged_and_a_long_history_is_elided(caplog):
    llm = Script(*[OSError(f"failure number {i}") for i in range(1, 21)], OSError("failure number 21"))
    with caplog.at_level(logging.INFO, logger="repair.action"):
        with pytest.raises(FillFailed) as info:
            fill(llm, max_retries=20)
    assert len(llm.sent) == 21 and len(info.value.attempts) == 21
    records = [r for r in caplog.records if r.name == "repair.action"]
    assert len(records) == 21 and all(r.levelno == logging.WARNING for r in records)
    assert records[0].getMessage().endswith("failure number 1; sending the same messages again")
    assert records[-1].getMessage().endswith("failure number 21; not retried")
    lines = str(info.value).splitlines()
    assert len(lines) == 1 + 11 + 1  # first 4 calls, "... 11 more", last 6, Next
    assert "failure number 4" in lines[4] and "11 more call(s)" in lines[5] and "failure number 16" in lines[6]
    assert "at line" not in str(info.value)  # not a place in a text


def test_a_failed_call_is_retried_with_the_same_messages():
    llm = Script(TimeoutError("took too long"), GOOD)
    result = fill(llm)
    assert len(llm.sent) == 2 and llm.sent[0] == llm.sent[1]
    assert [a.kind for a in result.attempts] == ["ask", "ask"]
    assert result.attempts[0].error == "TimeoutError: took too long" and result.attempts[1].error is None
    assert result.instance.severity == "high"


def test_a_failed_reask_resends_the_reask():
    bad = '[CONTENT]{"title": "x", "severity": "urgent"}[/CONTENT]'
    llm = Script(bad, RuntimeError("HTTP 502 from the gateway"), GOOD)
    result = fill(llm)
    assert len(llm.sent) == 3
    assert [a.kind for a in result.attempts] == ["ask", "reask", "reask"]
    assert llm.sent[1] == llm.sent[2] and "$.severity" in llm.sent[2][-1]["content"]


def test_failed_calls_and_bad_answers_share_one_budget():
    bad = '[CONTENT]{"title": "x", "severity": "urgent"}[/CONTENT]'
    worse = '[CONTENT]{"severity": "low"}[/CONTENT]'
    llm = Script(bad, ValueError("boom"), worse, ValueError("boom again"), GOOD)
    with pytest.raises(FillFailed) as info:
        fill(llm, max_retries=3)
    assert len(llm.sent) == 4  # never the fifth, good answer
    lines = str(info.value).splitlines()
    assert lines[1].startswith("  call 1 (ask): 1 error(s): $.severity: Input should be 'low' or 'high'")
    assert lines[2] == "  call 2 (reask): the call failed: ValueError: boom"
    assert lines[3].startswith("  call 3 (reask): 1 error(s): $.title: Field required")
    assert lines[4] == "  call 4 (reask): the call failed: ValueError: boom again"
    assert info.value.value == {"title": "x", "severity": "urgent"}  # the best answer that came
    assert isinstance(info.value.__cause__, ValueError)


def test_same_errors_around_a_failed_call_still_stop_early():
    bad = '[CONTENT]{"title": "x", "severity": "urgent"}[/CONTENT]'
    llm = Script(bad, OSError("reset"), bad, GOOD)
    with pytest.raises(FillFailed, match="same errors came back twice"):
        fill(llm, max_retries=5)
    assert len(llm.sent) == 3


def test_async_callbacks_that_raise():
    calls = []

    async def flaky(messages):
        calls.append(messages)
        await asyncio.sleep(0)
        if len(calls) < 3:
            raise ConnectionResetError("peer reset")
        return GOOD

    result = asyncio.run(ActionNode.from_model(Ticket).afill("ctx", flaky))
    assert len(calls) == 3 and [a.error for a in result.attempts][:2] == ["ConnectionResetError: peer reset"] * 2

    calls.clear()
    result = ActionNode.from_model(Ticket).fill("ctx", flaky)  # an async callback in fill
    assert len(calls) == 3 and result.instance.title == "Crash on save"

    sync = Script(KeyError("x"))
    with pytest.raises(FillFailed):
        asyncio.run(ActionNode.from_model(Ticket).afill("ctx", sync, max_retries=1))  # a sync callback in afill
    assert len(sync.sent) == 2


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), SystemExit(3)])
def test_interrupts_are_never_caught(exc):
    llm = Script(exc, GOOD)
    with pytest.raises(type(exc)):
        fill(llm)
    assert len(llm.sent) == 1


def test_cancellation_propagates_from_afill():
    calls = []

    async def cancelled(messages):
        calls.append(messages)
        raise asyncio.CancelledError()

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(ActionNode.from_model(Ticket).afill("ctx", cancelled))
    assert len(calls) == 1


def test_a_non_retryable_llm_error_stops_at_once():
    llm = Script(LLMError("http://h/v1/chat/completions answered HTTP 404: no such model; check base_url",
                          status=404, attempts=1))
    with pytest.raises(FillFailed) as info:
        fill(llm, max_retries=3)
    assert len(llm.sent) == 1
    assert "(an error that asking again cannot fix)" in str(info.value)
    assert "HTTP 404: no such model; check base_url" in str(info.value)
    assert info.value.__cause__.status == 404


def test_a_retryable_llm_error_is_retried():
    llm = Script(LLMError("no answer within 1 s", attempts=3, retryable=True), GOOD)
    assert fill(llm).instance.title == "Crash on save" and len(llm.sent) == 2


def test_a_failed_continuation_checks_what_came():
    cut = Answer('[CONTENT]{"title": "Crash on save", "severity": "hi', "length")
    llm = Script(cut, TimeoutError("slow"), GOOD)
    result = fill(llm)
    assert [a.kind for a in result.attempts] == ["ask", "continue", "reask"]
    assert result.attempts[1].error == "TimeoutError: slow"
    assert result.attempts[0].errors  # the cut-off text was checked on its own
    assert len(llm.sent) == 3 and "$.severity" in llm.sent[2][-1]["content"]


def test_a_callback_returning_the_wrong_type_is_a_programming_error():
    llm = Script(42, GOOD)
    with pytest.raises(TypeError, match="returned int; return a str or an object with .text"):
        fill(llm)
    assert len(llm.sent) == 1


def test_an_exception_whose_str_fails_is_still_one_failed_call():
    class Weird(Exception):
        def __str__(self):
            raise RuntimeError("no str for you")

    llm = Script(Weird(), GOOD)
    result = fill(llm)
    assert result.attempts[0].error == "Weird" and len(llm.sent) == 2


# --------------------------------------------------------------------------- empty and garbage replies
@pytest.mark.parametrize("empty", ["", "  \n\t ", None, Answer(None), Answer("", "length"), b""])
def test_an_empty_reply_is_reasked(empty):
    llm = Script(empty, GOOD)
    result = fill(llm)
    assert len(llm.sent) == 2  # never a continuation of nothing
    assert [a.kind for a in result.attempts] == ["ask", "reask"]
    assert result.attempts[0].errors == [{"loc": (), "msg": "the answer was empty", "type": "empty"}]
    assert "- $: the answer was empty" in llm.sent[1][-1]["content"]


def test_empty_replies_forever_say_so():
    llm = Script(Answer("", "length"))
    with pytest.raises(FillFailed) as info:
        fill(llm, max_retries=4)
    assert len(llm.sent) == 2  # the same error twice: the model is not going to change its mind
    assert str(info.value).count("the answer was empty") == 2
    assert "raise the model's max_tokens" in str(info.value)


def junk(n: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    return bytes(rng.randrange(256) for _ in range(n)).decode("latin-1")


@pytest.mark.parametrize("garbage", [
    "I'm sorry, as an AI I would rather write a poem about tickets.",
    junk(3000),  # random bytes as text: control characters, stray brackets and quotes
    junk(3000).encode("latin-1"),  # bytes: decoded with replacement characters
    "The answer is below.\n" * 60_000,  # about 1.3 MB of prose
], ids=["prose", "binary-junk", "bytes", "1MB-prose"])
def test_garbage_is_reasked_and_shown_back_clipped(garbage):
    llm = Script(garbage, GOOD)
    result = fill(llm)
    assert len(llm.sent) == 2 and result.instance.title == "Crash on save"
    assert result.attempts[0].errors  # whatever local repair salvaged, it did not validate
    if isinstance(garbage, str) and garbage.isascii():
        assert result.attempts[0].errors[0]["type"] == "no_json"
    shown = llm.sent[1][-2]["content"]
    assert len(shown) <= SHOWN_ANSWER_CHARS
    assert not any(ord(c) < 32 and c not in "\t\n\r" for c in shown)  # no control characters sent back
    assert shown.encode("utf-8")


def test_garbage_forever_fails_naming_it():
    llm = Script("no JSON here, sorry", "still no JSON, sorry!")
    with pytest.raises(FillFailed) as info:
        fill(llm, max_retries=1)
    assert len(llm.sent) == 2
    assert str(info.value).count("no JSON value found") == 2 and "answers without JSON" in str(info.value)


def test_replies_that_never_validate_list_every_attempt():
    replies = [
        '[CONTENT]{"title": "x", "severity": "urgent"}[/CONTENT]',
        '[CONTENT]{"severity": "low"}[/CONTENT]',
        '[CONTENT]{"title": "x"}[/CONTENT]',
        '[CONTENT]{"title": "x", "severity": "critical"}[/CONTENT]',
        GOOD,
    ]
    llm = Script(*replies)
    with pytest.raises(FillFailed) as info:
        fill(llm, max_retries=3)
    assert len(llm.sent) == 4
    lines = str(info.value).splitlines()
    assert lines[0] == "ActionNode 'Ticket' got no valid answer in 4 call(s) (3 re-ask(s) used):"
    assert [line.split(":")[0] for line in lines[1:5]] == [
        "  call 1 (ask)", "  call 2 (reask)", "  call 3 (reask)", "  call 4 (reask)"]
    assert "$.title: Field required" in lines[2] and "$.severity: Field required" in lines[3]
    assert lines[5].startswith("Next:") and "max_retries" in lines[5]
    assert pickle.loads(pickle.dumps(info.value)).attempts == info.value.attempts


# --------------------------------------------------------------------------- no unbounded prompt growth
WIDE = create_model("Wide", **{f"f{i:02}": (int, ...) for i in range(30)}, tags=(dict[str, int], ...))


def test_reask_messages_are_bounded_whatever_came_before():
    """Each reply is larger than the last (up to 1 MB), with 31 errors, one of them at a
    10,000-character key; what is sent on the k-th re-ask does not grow with k or size."""

    def reply(k: int) -> str:
        fields = ", ".join(f'"f{i:02}": "not a number"' for i in range(30))
        tags = '{"' + "k" * 10_000 + str(k) + '": "nope"}'  # a new error location every time
        return "Here you go. " * (8 ** k) + f"[CONTENT]{{{fields}, \"tags\": {tags}}}[/CONTENT]"

    llm = Script(*[reply(k) for k in range(1, 7)])
    node = ActionNode.from_model(WIDE)
    with pytest.raises(FillFailed) as info:
        node.fill("ctx", llm, max_retries=5)
    assert len(llm.sent) == 6
    assert info.value.attempts[-1].raw_length > 1_000_000  # (.raw keeps an excerpt)
    prompt = node.compile("ctx")
    bound = len(prompt) + SHOWN_ANSWER_CHARS + MAX_FEEDBACK_ERRORS * (FEEDBACK_LINE_CHARS + 1) + 400
    sizes = [sum(len(m["content"]) for m in sent) for sent in llm.sent]
    assert sizes[0] == len(prompt)
    assert all(size <= bound for size in sizes[1:]), sizes
    assert max(sizes[1:]) - min(sizes[1:]) < 50  # the same size on every re-ask
    assert all(len(sent) == 3 for sent in llm.sent[1:])  # prompt, failed answer, feedback
    feedback = llm.sent[-1][-1]["content"]
    assert feedback.count("\n- ") == MAX_FEEDBACK_ERRORS + 1 and "- ... and 11 more" in feedback
    assert len(str(info.value)) < 4000  # the final message is brief too


# --------------------------------------------------------------------------- over HTTP
@pytest.fixture(params=["openai", "ollama"])
def make_llm(request):
    def make(url_server, **kw):
        kw.setdefault("backoff", 0)
        if request.param == "openai":
            return OpenAICompatible(url_server.openai_url, "test-model", api_key=KEY, **kw)
        return Ollama(url_server.ollama_url, "test-model", **kw)

    make.protocol = request.param
    return make


def test_a_server_that_hangs_on_every_request(make_llm):
    with start_server([Delay(60)]) as server:
        llm = make_llm(server, timeout=0.2, max_retries=1)
        with pytest.raises(FillFailed) as info:
            ActionNode.from_model(Ticket).fill("ctx", llm, max_retries=2)
        requests = len(server.requests)
    assert requests == 6  # (max_retries + 1) calls x (adapter max_retries + 1) HTTP attempts
    # each request is answered after 60 s unless the timeout ends it: every attempt failing
    # with an LLMError means none was waited out
    err = info.value
    assert len(err.attempts) == 3 and all(a.error.startswith("LLMError: ") for a in err.attempts)
    assert str(err).count("no answer within 0.2 s (ReadTimeout) after 2 attempts") == 3
    assert "timeout=" in str(err)  # the adapter's advice comes along
    assert isinstance(err.__cause__, LLMError) and err.__cause__.retryable


def test_a_server_that_hangs_with_afill(make_llm):
    with start_server([Delay(30)]) as server:
        llm = make_llm(server, timeout=0.2, max_retries=0)
        with pytest.raises(FillFailed) as info:
            asyncio.run(ActionNode.from_model(Ticket).afill("ctx", llm, max_retries=1))
        assert len(server.requests) == 2
    assert len(info.value.attempts) == 2 and "no answer within 0.2 s" in str(info.value)


def test_a_server_that_hangs_then_recovers(make_llm):
    with start_server([Delay(30), Delay(30), Reply(GOOD)]) as server:
        # (1 s: the timeout must also let the good answer through on a loaded machine)
        result = ActionNode.from_model(Ticket).fill("ctx", make_llm(server, timeout=1, max_retries=1))
        assert len(server.requests) == 3
    assert [a.error is not None for a in result.attempts] == [True, False]


def test_server_errors_forever(make_llm):
    with start_server([Status(503)]) as server:
        with pytest.raises(FillFailed) as info:
            ActionNode.from_model(Ticket).fill("ctx", make_llm(server, max_retries=1), max_retries=1)
        assert len(server.requests) == 4
    assert str(info.value).count("HTTP 503: scripted HTTP 503 (2 attempts)") == 2


def test_connection_refused(make_llm):
    server = start_server([Reply(GOOD)])
    server.close()  # nothing listens on that port any more
    with pytest.raises(FillFailed) as info:
        ActionNode.from_model(Ticket).fill("ctx", make_llm(server, max_retries=0, timeout=2), max_retries=2)
    assert len(info.value.attempts) == 3
    assert str(info.value).count("could not connect") == 3 and "check that the server is running" in str(info.value)


def test_a_rejected_request_is_not_repeated(make_llm):
    with start_server([Status(404), Reply(GOOD)]) as server:
        with pytest.raises(FillFailed) as info:
            ActionNode.from_model(Ticket).fill("ctx", make_llm(server), max_retries=3)
        assert len(server.requests) == 1
    assert "HTTP 404" in str(info.value) and "asking again cannot fix" in str(info.value)
    assert info.value.__cause__.status == 404 and info.value.__cause__.retryable is False


def test_empty_and_huge_replies_over_http(make_llm):
    huge = "Let me think about this carefully. " * 30_000  # about 1 MB, no JSON
    with start_server([Reply(""), Reply(huge), Reply(GOOD)]) as server:
        result = ActionNode.from_model(Ticket).fill("ctx", make_llm(server))
        sent = [r.json["messages"] for r in server.requests]
    assert len(sent) == 3 and [a.errors[0]["type"] for a in result.attempts[:2]] == ["empty", "no_json"]
    assert len(server.requests[2].body) < len(server.requests[0].body) + SHOWN_ANSWER_CHARS + 2000
    assert result.instance.title == "Crash on save"


def test_null_content_over_http_is_an_empty_answer():
    body = {"choices": [{"index": 0, "message": {"role": "assistant", "content": None}, "finish_reason": "length"}]}
    with start_server([Status(200, body)]) as server:
        llm = OpenAICompatible(server.openai_url, "m", backoff=0)
        with pytest.raises(FillFailed) as info:
            ActionNode.from_model(Ticket).fill("ctx", llm, max_retries=3)
        assert len(server.requests) == 2  # empty twice: the same error, no point going on
    assert "raise the model's max_tokens" in str(info.value)


# --------------------------------------------------------------------------- the API key stays secret
def test_the_key_never_leaks(caplog):
    caplog.set_level(logging.DEBUG)  # every logger: repair.action, repair.llm, httpx, httpcore
    echo = {"error": {"message": f"upstream rejected key {KEY}"}}
    script = [Status(500, echo), Status(500, echo), Delay(30), Status(401, {"error": {"message": f"bad key {KEY}"}})]
    with start_server(script) as server:
        llm = OpenAICompatible(server.openai_url, "m", api_key=KEY, max_retries=1, backoff=0, timeout=0.2)
        assert KEY not in repr(llm) and KEY not in str(vars(llm))
        with pytest.raises(FillFailed) as info:
            ActionNode.from_model(Ticket).fill("ctx", llm, max_retries=5)
        assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"  # it was sent
        assert len(server.requests) == 4  # call 1: 500, 500; call 2: timeout, 401 (not retryable): stop
    err = info.value
    assert len(err.attempts) == 2
    assert "upstream rejected key ***" in str(err) and "bad key ***" in str(err)
    assert KEY not in everything(err) and KEY not in everything(err.__cause__)
    assert KEY not in pickle.dumps(err).decode("latin-1")
    assert KEY not in caplog.text and "upstream rejected key ***" in caplog.text


def test_the_key_from_a_config_file_never_leaks(tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with start_server([Status(401, {"error": {"message": f"Incorrect API key provided: {KEY}"}})]) as server:
        path = tmp_path / "config2.yaml"
        path.write_text(f"llm:\n  api_type: open_llm\n  base_url: {server.openai_url}\n  model: m\n"
                        f"  api_key: {KEY}\n", encoding="utf-8")
        config = from_config(path)
        assert KEY not in repr(config)
        with pytest.raises(FillFailed) as info:
            ActionNode.from_model(Ticket).fill("ctx", config)
        assert len(server.requests) == 1
    assert "Incorrect API key provided: ***" in str(info.value) and "check the API key" in str(info.value)
    assert KEY not in everything(info.value) and KEY not in caplog.text


def test_a_callback_of_your_own_has_key_shaped_text_masked(caplog):
    caplog.set_level(logging.DEBUG)
    llm = Script(PermissionError(f"401 Unauthorized: Incorrect API key provided: {KEY}"),
                 RuntimeError(f"request failed with headers {{'Authorization': 'Bearer {KEY[3:]}'}}"))
    with pytest.raises(FillFailed) as info:
        fill(llm, max_retries=1)
    assert [a.error for a in info.value.attempts] == [
        "PermissionError: 401 Unauthorized: Incorrect API key provided: sk-***",
        "RuntimeError: request failed with headers {'Authorization': 'Bearer ***'}",
    ]
    assert KEY not in str(info.value) and KEY[3:] not in str(info.value)
    assert KEY not in caplog.text and KEY[3:] not in caplog.text
