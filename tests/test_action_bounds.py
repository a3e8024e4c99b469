"""ActionNode's bounds against hostile answers: what a continuation resends, what a failed
fill keeps of each answer, and a token budget that odd usage reports cannot defeat.

Scripted callbacks, then the real server on 127.0.0.1 (tests/llm_server.py).
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import Literal

import pytest
from pydantic import BaseModel

from llm_server import Reply, Status, start_server
from repair import ActionNode, FillFailed
from repair.action import ATTEMPT_EXCERPT_CHARS, BYTES_PER_TOKEN_ESTIMATE, CONTINUATION_TAIL_CHARS, CONTINUE_PROMPT, FillResult
from repair.llm import Ollama, OpenAICompatible


class Ticket(BaseModel):
    title: str
    severity: Literal["low", "high"]


GOOD = '[CONTENT]{"title": "Crash on save", "severity": "high"}[/CONTENT]'


@dataclass
class Answer:
    text: str
    finish_reason: str | None = None
    usage: object = None


class Script:
    """A fake model: replies in order (the last one repeats; an exception is raised),
    records what it was sent."""

    def __init__(self, *replies) -> None:
        self.replies = list(replies)
        self.sent: list[list[dict]] = []

    def __call__(self, messages):
        self.sent.append([dict(m) for m in messages])
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, BaseException):
            raise reply
        return reply


def size(messages) -> int:
    return sum(len(m["content"]) for m in messages)


# --------------------------------------------------------------------------- the continuation
def cut_off(n: int) -> tuple[str, str]:
    """A [CONTENT] answer cut off inside an n-character title, and the rest of it."""
    return '[CONTENT]{"title": "' + "x" * n, '", "severity": "high"}[/CONTENT]'


def test_a_huge_cut_off_answer_is_continued_from_its_tail_only():
    head, rest = cut_off(2_000_000)
    llm = Script(Answer(head, "length"), Answer(rest))
    node = ActionNode.from_model(Ticket)
    result = node.fill("ctx", llm)
    assert len(result.instance.title) == 2_000_000 and result.content == head + rest  # joined locally, whole
    ask, cont = llm.sent
    assert cont[:-2] == ask  # the original messages, then the tail and the request
    assert cont[-2] == {"role": "assistant", "content": head[-CONTINUATION_TAIL_CHARS:]}
    request = cont[-1]["content"]
    assert f"only its last {CONTINUATION_TAIL_CHARS:,} characters (of {len(head):,}" in request
    assert "Continue exactly where it stopped" in request
    assert size(cont) < size(ask) + CONTINUATION_TAIL_CHARS + 400


def test_each_continuation_sends_a_bounded_tail_however_long_the_answer_grows():
    parts = ["[CONTENT]{\"title\": \"" + "a" * 300_000, "b" * 300_000, "c" * 300_000]  # no overlap to drop
    llm = Script(*[Answer(p, "length") for p in parts], Answer('", "severity": "low"}[/CONTENT]'))
    result = ActionNode.from_model(Ticket).fill("ctx", llm)
    assert [a.kind for a in result.attempts] == ["ask", "continue", "continue", "continue"]
    assert len(result.instance.title) == 900_000
    for sent in llm.sent[1:]:
        assert len(sent[-2]["content"]) == CONTINUATION_TAIL_CHARS and "of " in sent[-1]["content"]
    assert len({size(sent) for sent in llm.sent[1:]}) <= 2  # (only the total's digits may differ)
    assert llm.sent[3][-2]["content"] == "c" * CONTINUATION_TAIL_CHARS  # the end of the joined answer


def test_a_short_cut_off_answer_is_sent_whole_with_the_plain_request():
    head, rest = cut_off(100)
    llm = Script(Answer(head, "length"), Answer(rest))
    ActionNode.from_model(Ticket).fill("ctx", llm)
    assert llm.sent[1][-2]["content"] == head and llm.sent[1][-1]["content"] == CONTINUE_PROMPT


def test_the_tail_length_is_set_on_the_node():
    head, rest = cut_off(5000)
    llm = Script(Answer(head, "length"), Answer(rest))
    node = ActionNode.from_model(Ticket)
    node.continuation_tail_chars = 500
    assert node.fill("ctx", llm).instance.title == "x" * 5000
    assert llm.sent[1][-2]["content"] == head[-500:]
    assert f"last 500 characters (of {len(head):,}:" in llm.sent[1][-1]["content"]
    assert ActionNode.continuation_tail_chars == CONTINUATION_TAIL_CHARS  # other nodes keep the default


def test_a_streamed_fill_continues_from_the_tail_too():
    head, rest = cut_off(50_000)
    llm = Script(Answer(head, "length"), Answer(rest))
    events = list(ActionNode.from_model(Ticket).stream("ctx", llm))
    assert len(events[-1].result.instance.title) == 50_000
    assert llm.sent[1][-2]["content"] == head[-CONTINUATION_TAIL_CHARS:]


@pytest.fixture(params=["openai", "ollama"])
def make_llm(request, loopback_without_proxy):
    def make(server, **kw):
        kw.setdefault("backoff", 0)
        if request.param == "openai":
            return OpenAICompatible(server.openai_url, "test-model", **kw)
        return Ollama(server.ollama_url, "test-model", **kw)

    return make


def test_a_huge_cut_off_answer_over_http_is_not_resent(make_llm):
    head, rest = cut_off(1_000_000)
    with start_server([Reply(head, finish_reason="length"), Reply(rest)]) as server:
        result = ActionNode.from_model(Ticket).fill("ctx", make_llm(server))
        ask, cont = server.requests
    assert len(result.instance.title) == 1_000_000
    assert cont.json["messages"][-2]["content"] == head[-CONTINUATION_TAIL_CHARS:]
    assert len(cont.body) < len(ask.body) + CONTINUATION_TAIL_CHARS + 1000


# --------------------------------------------------------------------------- what a failed fill keeps
def test_a_failed_fill_keeps_an_excerpt_of_each_answer_not_every_answer():
    no_title = '[CONTENT]{"severity": "high"}[/CONTENT]'
    no_severity = '[CONTENT]{"title": "Crash"}[/CONTENT]'
    # 21 answers of 500,000 characters each, alternating errors so that the loop goes on
    replies = [f"Thinking {k}. " + "." * 500_000 + (no_title if k % 2 else no_severity) for k in range(21)]
    llm = Script(*replies)
    with pytest.raises(FillFailed) as info:
        ActionNode.from_model(Ticket).fill("ctx", llm, max_retries=20)
    attempts = info.value.attempts
    assert len(llm.sent) == len(attempts) == 21
    for reply, attempt in zip(replies, attempts):
        assert attempt.raw_length == len(reply) and attempt.clipped
        head, tail = ATTEMPT_EXCERPT_CHARS // 2, ATTEMPT_EXCERPT_CHARS - ATTEMPT_EXCERPT_CHARS // 2
        assert attempt.raw.startswith(reply[:head]) and attempt.raw.endswith(reply[-tail:])
        assert f"[... {len(reply) - ATTEMPT_EXCERPT_CHARS:,} characters left out ...]" in attempt.raw
        assert len(attempt.raw) < ATTEMPT_EXCERPT_CHARS + 60
        assert attempt.errors  # the check read the whole answer
    # all a FillFailed holds: the excerpts, steps (a dropped text is kept as 4,000 characters), errors
    assert len(pickle.dumps(info.value)) < 21 * (ATTEMPT_EXCERPT_CHARS + 6000) < sum(map(len, replies)) / 20


def test_short_answers_are_kept_whole_and_the_valid_one_is_whole_in_content():
    big = "Let me see. " * 10_000 + GOOD
    llm = Script("nothing useful", big)
    result = ActionNode.from_model(Ticket).fill("ctx", llm)
    first, second = result.attempts
    assert first.raw == "nothing useful" and not first.clipped and first.raw_length == 14
    assert second.clipped and second.raw_length == len(big) and result.content == big


def test_the_excerpt_length_is_set_on_the_node():
    node = ActionNode.from_model(Ticket)
    node.attempt_excerpt_chars = 100
    with pytest.raises(FillFailed) as info:
        node.fill("ctx", Script("x" * 1000), max_retries=1)
    raw = info.value.attempts[0].raw
    assert raw == "x" * 50 + "\n[... 900 characters left out ...]\n" + "x" * 50


def test_a_continued_answer_is_described_by_its_whole_length():
    head = '[CONTENT]{"title": "' + "x" * 50_000
    llm = Script(Answer(head, "length"), Answer('", "severity": "urgent"}[/CONTENT]'), Answer("no"))
    with pytest.raises(FillFailed) as info:
        ActionNode.from_model(Ticket).fill("ctx", llm, max_retries=0)
    assert f"call 1 (ask): {len(head)} characters, joined with the next part" in str(info.value)


def test_a_huge_blank_answer_at_the_limit_still_gets_the_max_tokens_advice():
    llm = Script(Answer(" \n" * 20_000, "length"))
    with pytest.raises(FillFailed) as info:
        ActionNode.from_model(Ticket).fill("ctx", llm, max_retries=3)
    assert info.value.attempts[0].clipped and "raise the model's max_tokens" in str(info.value)


# --------------------------------------------------------------------------- the token budget
BAD = '[CONTENT]{"title": "x", "severity": "urgent"}[/CONTENT]'
WORSE = '[CONTENT]{"severity": "low"}[/CONTENT]'


def estimate(messages, text: str) -> int:
    size = sum(len(m["content"].encode("utf-8")) for m in messages) + len(text.encode("utf-8"))
    return -(-size // BYTES_PER_TOKEN_ESTIMATE)


def alternating(usage, n: int = 12):
    """n invalid answers whose errors differ from one to the next (so only the budget or
    max_retries stops the loop), each with `usage`."""
    return Script(*[Answer(BAD if k % 2 else WORSE, usage=usage) for k in range(n)])


def test_usage_with_a_none_total_is_estimated_not_a_type_error():
    llm = Script(Answer(GOOD, usage={"total_tokens": None}))
    result = ActionNode.from_model(Ticket).fill("ctx", llm, max_tokens=100_000)
    assert result.attempts[0].tokens == estimate(llm.sent[0], GOOD) > 0
    assert result.usage == {}  # nothing usable was reported


@pytest.mark.parametrize("usage", [
    {"total_tokens": None}, {"total_tokens": -1_000_000}, {"total_tokens": -1}, {"total_tokens": 0},
    {"total_tokens": "600"}, {"total_tokens": float("nan")}, {"total_tokens": float("-inf")},
    {"total_tokens": True}, {"total_tokens": [600]}, {}, None, "600 tokens", ["total_tokens", 600],
    {"prompt_tokens": -500, "completion_tokens": 10},
], ids=repr)
def test_unusable_usage_is_estimated_and_the_budget_still_stops_the_loop(usage):
    llm = alternating(usage)
    node = ActionNode.from_model(Ticket)
    per_call = estimate([{"content": node.compile("ctx")}], BAD)  # about the least a call counts
    budget = 3 * per_call
    with pytest.raises(FillFailed, match="token budget") as info:
        node.fill("ctx", llm, max_retries=10, max_tokens=budget)
    attempts = info.value.attempts
    assert len(llm.sent) == len(attempts) <= 3  # without the budget, 11 calls
    assert all(a.tokens == estimate(sent, raw) for a, sent, raw in zip(attempts, llm.sent, [a.raw for a in attempts]))
    assert sum(a.tokens for a in attempts) >= budget > sum(a.tokens for a in attempts[:-1])
    reported = FillResult(None, None, "", attempts).usage  # what was reported, summed: no error, nothing negative
    assert all(isinstance(v, int) and v >= 0 for v in reported.values())


def test_a_negative_report_never_gives_budget_back():
    llm = Script(Answer(WORSE, usage={"total_tokens": 600}), Answer(BAD, usage={"total_tokens": -600}),
                 Answer(WORSE, usage={"total_tokens": 600}), Answer(GOOD, usage={"total_tokens": 10}))
    with pytest.raises(FillFailed, match="token budget of 1300"):
        ActionNode.from_model(Ticket).fill("ctx", llm, max_tokens=1300)
    assert len(llm.sent) == 3  # 600 + (an estimate) + 600: the good fourth answer is never asked for


def test_total_tokens_is_trusted_and_prompt_plus_completion_stands_in_for_it():
    llm = Script(Answer(WORSE, usage={"total_tokens": 7}),
                 Answer(BAD, usage={"prompt_tokens": 10, "completion_tokens": 0, "total_tokens": None}),
                 Answer(GOOD, usage={"prompt_tokens": 2.5, "completion_tokens": 3}))
    result = ActionNode.from_model(Ticket).fill("ctx", llm, max_tokens=1000)
    assert [a.tokens for a in result.attempts] == [7, 10, 6]  # (a fraction rounds up)
    assert result.usage == {"total_tokens": 7, "prompt_tokens": 10, "completion_tokens": 3}


def test_answers_without_usage_spend_the_budget_by_estimate():
    llm = Script(WORSE, BAD, WORSE, BAD, GOOD)  # plain str answers: no usage at all
    node = ActionNode.from_model(Ticket)
    budget = 2 * estimate([{"content": node.compile("ctx")}], BAD)
    with pytest.raises(FillFailed, match="token budget"):
        node.fill("ctx", llm, max_tokens=budget, max_retries=10)
    assert len(llm.sent) == 2


def test_a_failed_call_counts_nothing():
    llm = Script(ConnectionError("reset"), GOOD)
    result = ActionNode.from_model(Ticket).fill("ctx", llm, max_tokens=10**6)
    assert [a.tokens for a in result.attempts] == [0, estimate(llm.sent[1], GOOD)]


def openai_body(text: str, usage) -> dict:
    return {"choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": usage}


def ollama_body(text: str, prompt_eval_count, eval_count) -> dict:
    return {"model": "m", "message": {"role": "assistant", "content": text}, "done": True, "done_reason": "stop",
            "prompt_eval_count": prompt_eval_count, "eval_count": eval_count}


@pytest.mark.parametrize("protocol, bodies", [
    ("openai", [openai_body(t, {"total_tokens": -10**9}) for t in (WORSE, BAD)]),
    ("openai", [openai_body(t, {"total_tokens": None, "prompt_tokens": None}) for t in (WORSE, BAD)]),
    ("ollama", [ollama_body(t, -10**9, 5) for t in (WORSE, BAD)]),
    ("ollama", [ollama_body(t, None, None) for t in (WORSE, BAD)]),
], ids=["openai-negative", "openai-null", "ollama-negative", "ollama-missing"])
def test_odd_usage_over_http_does_not_defeat_the_budget(protocol, bodies, loopback_without_proxy):
    node = ActionNode.from_model(Ticket)
    budget = 3 * estimate([{"content": node.compile("ctx")}], BAD)
    script = [Status(200, bodies[k % 2]) for k in range(12)]
    with start_server(script) as server:
        url = server.openai_url if protocol == "openai" else server.ollama_url
        llm = (OpenAICompatible if protocol == "openai" else Ollama)(url, "m", backoff=0)
        with pytest.raises(FillFailed, match="token budget"):
            node.fill("ctx", llm, max_retries=10, max_tokens=budget)
        assert len(server.requests) <= 3
