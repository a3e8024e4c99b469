"""ActionNode.stream / astream: the partial instance while the model writes, re-asks as
fill makes them, the result on the last event.

Scripted callbacks hand out pieces (no network); the last tests use the real adapters
against the streaming server on 127.0.0.1 (tests/stream_server.py).
"""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from repair import ActionNode, FillFailed
from repair.action import CONTINUE_PROMPT, StreamEvent
from repair.action_stream import JOIN_LOOKAHEAD
from repair.llm import LLMError


class Ticket(BaseModel):
    title: str = Field(description="One line summary")
    severity: Literal["low", "high"]
    steps: list[str] = Field(description="Steps to reproduce")


GOOD = '[CONTENT]{"title": "Crash on save", "severity": "high", "steps": ["open", "save"]}[/CONTENT]'
BAD = '[CONTENT]{"title": "Crash on save", "severity": "urgent", "steps": ["open"]}[/CONTENT]'
WORSE = '[CONTENT]{"title": "Crash", "severity": "critical"}[/CONTENT]'


def cut(text: str, size: int = 3) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]


class Pieces(list):
    """A streamed answer as a callback may return it: an iterable of pieces that says,
    like a TextStream, how it ended."""

    def __init__(self, pieces, finish_reason=None, usage=None) -> None:
        super().__init__(pieces)
        self.finish_reason = finish_reason
        self.usage = usage


class Script:
    """A fake model: each call takes the next step (the last one repeats) and returns it;
    a str step is streamed in pieces of `size` characters (a generator), other steps are
    returned as they are (a Pieces, a one-shot reply, an exception to raise)."""

    def __init__(self, *steps, size: int = 3) -> None:
        self.steps = list(steps)
        self.size = size
        self.sent: list[list[dict]] = []

    def take(self, messages):
        self.sent.append([dict(m) for m in messages])
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, BaseException):
            raise step
        return step

    def __call__(self, messages):
        step = self.take(messages)
        return iter(cut(step, self.size)) if isinstance(step, str) else step


class OneShot(Script):
    def __call__(self, messages):
        return self.take(messages)


def run(llm, **kw) -> tuple[list[StreamEvent], object]:
    """Every event of a streaming fill, and the generator's return value."""
    events = []
    gen = ActionNode.from_model(Ticket).stream("ctx", llm=llm, **kw)
    while True:
        try:
            events.append(next(gen))
        except StopIteration as stop:
            return events, stop.value


def arun(llm, **kw) -> list[StreamEvent]:
    async def collect():
        return [e async for e in ActionNode.from_model(Ticket).astream("ctx", llm=llm, **kw)]

    return asyncio.run(collect())


def live_values(node_stream):
    """Each event with a copy of its value as it was then (snapshots are live)."""
    return [(e, copy.deepcopy(e.value)) for e in node_stream]


def same_attempts(a, b) -> None:
    assert [(x.kind, x.raw, x.errors, x.finish_reason, x.usage, x.error) for x in a] == \
        [(x.kind, x.raw, x.errors, x.finish_reason, x.usage, x.error) for x in b]


# --------------------------------------------------------------------------- one valid answer
def test_a_valid_answer_streamed_in_small_pieces_grows_then_validates():
    llm = Script(GOOD, size=2)
    gen = ActionNode.from_model(Ticket).stream("ctx", llm=llm)
    seen = live_values(gen)
    events = [e for e, _ in seen]
    shown = [v for _, v in seen]
    assert len(events) > 5 and all(e.attempt == 1 and e.kind == "ask" for e in events)
    assert [e.final for e in events] == [False] * (len(events) - 1) + [True]
    titles = [v["title"] for v in shown if isinstance(v, dict) and "title" in v]
    assert titles and all("Crash on save".startswith(t) for t in titles)  # strings only grow
    assert titles == sorted(titles, key=len) and len(set(titles)) > 2
    for before, after in zip(shown, shown[1:]):  # nothing disappears: each value extends the one before
        assert set(before or {}) <= set(after)
    last = events[-1]
    assert last.result.instance == Ticket(title="Crash on save", severity="high", steps=["open", "save"])
    assert last.value == last.result.value == {"title": "Crash on save", "severity": "high", "steps": ["open", "save"]}
    assert last.snapshot.complete and {"$", "$.title", "$.steps[1]"} <= last.snapshot.done
    assert last.errors == [] and len(llm.sent) == 1
    assert last.result.attempts[0].raw == GOOD


def test_the_return_value_is_the_result_and_snapshots_are_aligned_to_the_schema():
    llm = Script("[CONTENT]{'Title': 'Crash', 'SEVERITY': 'HIGH', 'steps': 'open',}[/CONTENT]")
    events, returned = run(llm)
    assert returned is events[-1].result and returned.instance.severity == "high"
    for e in events:  # keys aligned as they arrive: never a key the schema does not know
        assert set(e.value or {}) <= {"title", "severity", "steps"}
    assert {s.code for s in events[-1].snapshot.steps} >= {"repair_key_case", "repair_single_quotes"}


def test_the_events_changed_paths_say_what_grew():
    events, _ = run(Script(GOOD, size=1))
    assert all(e.snapshot.changed for e in events[:-1])  # an event comes only when the value changed
    assert any("$.steps[0]" in e.snapshot.changed for e in events)
    assert events[-1].snapshot.changed == frozenset()  # the last snapshot was already the whole value


# --------------------------------------------------------------------------- re-asks
def test_an_invalid_answer_is_reasked_and_the_second_attempt_streamed():
    llm = Script(BAD, GOOD)
    events, result = run(llm)
    assert {e.attempt for e in events} == {1, 2}
    first = [e for e in events if e.attempt == 1]
    second = [e for e in events if e.attempt == 2]
    assert all(e.kind == "ask" for e in first) and all(e.kind == "reask" for e in second)
    # the first call ends with the event that says why it is asked again
    assert [e.errors for e in first if e.errors] == [first[-1].errors]
    assert first[-1].errors[0]["loc"] == ("severity",) and first[-1].value["severity"] == "urgent"
    assert second[0].value != first[-1].value  # a fresh answer, read from its start
    assert second[-1].result is result and result.value["severity"] == "high"
    assert [a.kind for a in result.attempts] == ["ask", "reask"]
    assert "$.severity" in llm.sent[1][-1]["content"] and llm.sent[1][-2]["content"] == BAD


@pytest.mark.parametrize("script", [
    (BAD, GOOD),
    ("no JSON here", "", BAD, GOOD),
    (Pieces(cut(GOOD[:50]), "length"), GOOD[50:]),
    (ConnectionError("went away"), GOOD),
], ids=["reask", "empty-and-prose", "continued", "failed-call"])
def test_the_same_calls_and_attempts_as_fill(script):
    streamed = Script(*script)
    _, result = run(streamed, max_retries=5)
    one_shot = OneShot(*[s if not isinstance(s, Pieces) else as_reply(s) for s in script])
    filled = ActionNode.from_model(Ticket).fill("ctx", llm=one_shot, max_retries=5)
    assert streamed.sent == one_shot.sent  # the same messages, call by call
    same_attempts(result.attempts, filled.attempts)
    assert result.value == filled.value and result.content == filled.content


@dataclass
class Reply:
    text: str
    finish_reason: str | None = None
    usage: dict | None = None


def as_reply(pieces: Pieces) -> Reply:
    """The one-shot reply a streamed answer stands for."""
    return Reply("".join(pieces), pieces.finish_reason, pieces.usage)


def test_fill_failed_after_the_retry_limit():
    llm = Script(BAD, WORSE, BAD)
    events = []
    with pytest.raises(FillFailed) as info:
        for event in ActionNode.from_model(Ticket).stream("ctx", llm=llm, max_retries=2):
            events.append(event)
    err = info.value
    assert len(llm.sent) == 3 and len(err.attempts) == 3 and "2 re-ask(s) used" in str(err)
    assert {e.attempt for e in events} == {1, 2, 3} and not any(e.final for e in events)
    assert [e.attempt for e in events if e.errors] == [1, 2]  # the last answer's errors are the exception's
    assert err.value == {"title": "Crash on save", "severity": "urgent", "steps": ["open"]}


def test_the_same_errors_twice_stop_early_as_in_fill():
    llm = Script(BAD)
    with pytest.raises(FillFailed, match="same errors"):
        run(llm, max_retries=5)
    assert len(llm.sent) == 2


def test_a_stream_that_breaks_off_is_asked_again_with_the_same_messages():
    def broken():
        yield from cut(GOOD[:40])
        raise LLMError("the stream broke off", retryable=True)

    llm = Script(broken(), GOOD)
    events, result = run(llm)
    first = [e for e in events if e.attempt == 1]
    assert first[-1].errors[0]["type"] == "call_failed" and "broke off" in first[-1].errors[0]["msg"]
    assert [e.kind for e in events if e.attempt == 2][0] == "ask"  # a retry of the same call
    assert llm.sent[0] == llm.sent[1] and result.attempts[0].error.startswith("LLMError")


def test_a_stream_error_that_asking_again_cannot_fix_ends_at_once():
    def refused():
        yield "[CONTENT]{"
        raise LLMError("the model refused to answer")

    llm = Script(refused(), GOOD)
    with pytest.raises(FillFailed) as info:
        run(llm)
    assert len(llm.sent) == 1 and isinstance(info.value.__cause__, LLMError)


# --------------------------------------------------------------------------- cut off
def test_a_cut_off_stream_is_continued_and_the_value_goes_on_growing():
    head = '[CONTENT]{"title": "Crash on save", "severity": "high", "steps": ["op'
    tail = 'en", "save"]}[/CONTENT]'
    llm = Script(Pieces(cut(head), "length", {"total_tokens": 30}), Pieces(cut(tail), "stop", {"total_tokens": 40}))
    gen = ActionNode.from_model(Ticket).stream("ctx", llm=llm)
    seen = live_values(gen)
    kinds = [(e.attempt, e.kind) for e, _ in seen]
    assert (1, "ask") in kinds and (2, "continue") in kinds
    first = [v for e, v in seen if e.attempt == 1][-1]
    second = [v for e, v in seen if e.attempt == 2]
    assert first == {"title": "Crash on save", "severity": "high"}  # (a list's first string waits)
    assert second[0]["title"] == "Crash on save"  # not read from scratch: it goes on
    result = seen[-1][0].result
    assert result.instance.steps == ["open", "save"] and result.content == head + tail
    assert [(a.kind, a.finish_reason) for a in result.attempts] == [("ask", "length"), ("continue", "stop")]
    assert result.usage == {"total_tokens": 70}
    assert llm.sent[1][-1]["content"] == CONTINUE_PROMPT and llm.sent[1][-2]["content"] == head


def test_a_long_continuation_that_reopens_the_block_and_repeats_itself_is_joined():
    words = " ".join(f"word{i}" for i in range(80))
    head = '[CONTENT]{"title": "' + words[:150]
    tail = '[CONTENT]\n' + words[130:] + '", "severity": "low", "steps": ["a"]}[/CONTENT]'
    assert len(tail) > JOIN_LOOKAHEAD
    llm = Script(Pieces(cut(head, 7), "length"), Pieces(cut(tail, 7)))
    gen = ActionNode.from_model(Ticket).stream("ctx", llm=llm)
    seen = live_values(gen)
    titles = [v["title"] for e, v in seen if isinstance(v, dict) and "title" in v]
    assert all(words.startswith(t) for t in titles)  # no repeated overlap, no "[CONTENT]" in the text
    assert seen[-1][0].result.value["title"] == words
    streamed_before_end = [v for e, v in seen if e.attempt == 2 and not e.final]
    assert len(streamed_before_end) > 2  # the continuation was shown while it arrived


def test_a_continuation_whose_join_changes_late_is_read_again():
    head = '[CONTENT]{"title": "Crash on save", "severity": "high", "steps": ["op'
    # a re-opened block followed by more blank space than the look-ahead holds back: the
    # early join keeps blank space the join of the whole continuation drops
    tail = "[CONTENT]" + " " * (JOIN_LOOKAHEAD + 40) + 'en", "save"]}[/CONTENT]'
    llm = Script(Pieces(cut(head), "length"), Pieces(cut(tail, 5)))
    events, result = run(llm)
    assert result.instance.steps == ["open", "save"]
    assert events[-1].value == result.value and events[-1].final


def test_a_short_continuation_in_one_piece():
    head = '[CONTENT]{"title": "Crash on save", "severity": "high", "steps": ["open"'
    llm = OneShot(as_reply(Pieces([head], "length")), ', "save"]}[/CONTENT]')
    events, result = run(llm)
    assert [(e.attempt, e.kind) for e in events] == [(1, "ask"), (2, "continue"), (2, "continue")]
    assert events[1].value["steps"] == ["open", "save"] and result.instance.steps == ["open", "save"]


# --------------------------------------------------------------------------- what llm may be
def test_a_one_shot_callable_gives_one_snapshot_per_answer():
    llm = OneShot("nothing useful", GOOD)
    events, result = run(llm)
    assert [(e.attempt, bool(e.errors), e.final) for e in events] == [(1, True, False), (2, False, False),
                                                                       (2, False, True)]
    assert events[0].value is None and not events[0].snapshot.started
    assert events[1].value == result.value


def test_bytes_pieces_split_inside_a_character():
    data = GOOD.replace("Crash on save", "Absturz beim Speichern \u00fc\u4e2d\U0001f600").encode("utf-8")
    llm = Script(Pieces([data[i:i + 1] for i in range(len(data))]))
    events, result = run(llm)
    assert result.instance.title == "Absturz beim Speichern \u00fc\u4e2d\U0001f600"
    assert all("\ufffd" not in (e.value or {}).get("title", "") for e in events)


def test_none_pieces_are_nothing_and_a_cut_character_at_the_end_is_replaced():
    data = GOOD.encode("utf-8")
    llm = Script(Pieces([None, data, None, "\u00fc".encode("utf-8")[:1]]))
    events, result = run(llm)
    assert result.content == GOOD + "\ufffd" and result.instance.title == "Crash on save"


def test_an_iterable_that_fails_to_start_is_a_failed_call():
    class Unstartable:
        def __iter__(self):
            raise OSError("no stream today")

        def __aiter__(self):
            raise OSError("no stream today")

    events, result = run(Script(Unstartable(), GOOD))
    assert result.attempts[0].error == "OSError: no stream today"
    assert arun(Script(Unstartable(), GOOD))[-1].result.attempts[0].error == "OSError: no stream today"


def test_pieces_of_the_wrong_type_are_a_programming_error():
    with pytest.raises(TypeError, match="str or bytes"):
        run(Script(Pieces(["[CONTENT]{", 42])))
    with pytest.raises(TypeError, match="return a str"):
        run(OneShot({"title": "x"}))

    async def pieces(messages):
        yield GOOD

    with pytest.raises(TypeError, match="astream"):
        run(pieces)


def test_an_async_one_shot_callback_in_the_sync_stream():
    async def answer(messages):
        await asyncio.sleep(0)
        return GOOD

    events, result = run(answer)
    assert result.instance.severity == "high" and len(events) == 2


def test_stopping_early_closes_the_models_stream():
    closed = []

    def pieces():
        try:
            yield from cut(GOOD)
        finally:
            closed.append(True)

    gen = ActionNode.from_model(Ticket).stream("ctx", llm=Script(pieces()))
    next(gen)
    next(gen)
    gen.close()
    assert closed == [True]


def test_an_adapter_like_object_is_streamed_through_its_stream_method():
    class Adapter:
        def __init__(self) -> None:
            self.calls = []

        def __call__(self, messages):  # pragma: no cover - stream must not use it
            raise AssertionError("the one-shot call was used")

        def stream(self, messages):
            self.calls.append(messages)
            return Pieces(cut(GOOD), "stop", {"total_tokens": 9})

    llm = Adapter()
    events, result = run(llm)
    assert len(llm.calls) == 1 and len(events) > 5 and result.attempts[0].usage == {"total_tokens": 9}


def test_a_failing_stream_method_counts_as_a_failed_call():
    class Adapter:
        def stream(self, messages):
            raise ConnectionError("refused")

    with pytest.raises(FillFailed) as info:
        run(Adapter(), max_retries=1)
    assert [a.error for a in info.value.attempts] == ["ConnectionError: refused"] * 2


def test_the_node_remembers_the_streamed_answer():
    node = ActionNode.from_model(Ticket)
    for event in node.stream("ctx", llm=Script(BAD, GOOD)):
        pass
    assert node.content == GOOD and node.instruct_content == event.result.instance


# --------------------------------------------------------------------------- async
def test_async_generator_callback_reask():
    sent = []

    async def llm(messages):
        sent.append(messages)
        for piece in cut(BAD if len(sent) == 1 else GOOD):
            await asyncio.sleep(0)
            yield piece

    events = arun(llm)
    assert {e.attempt for e in events} == {1, 2} and events[-1].final
    assert [e.attempt for e in events if e.errors] == [1]
    assert events[-1].result.instance.severity == "high" and len(sent) == 2


def test_async_variants_of_the_callback():
    async def one_shot(messages):
        return GOOD

    async def returns_pieces(messages):
        return Pieces(cut(GOOD))

    for llm in (one_shot, returns_pieces, Script(GOOD), OneShot(GOOD)):
        events = arun(llm)
        assert events[-1].result.instance.title == "Crash on save"
    assert len(arun(one_shot)) == 2 and len(arun(returns_pieces)) > 5


def test_async_adapter_like_object_and_its_failures():
    closed = []

    class Adapter:
        def __init__(self, fail: bool) -> None:
            self.fail = fail

        def astream(self, messages):
            if self.fail:
                raise ConnectionError("refused")

            def pieces():  # a sync generator: closed once read
                try:
                    yield from cut(GOOD)
                finally:
                    closed.append(True)

            return pieces()

    assert arun(Adapter(False))[-1].result.instance.title == "Crash on save" and closed == [True]
    with pytest.raises(FillFailed) as info:
        arun(Adapter(True), max_retries=1)
    assert [a.error for a in info.value.attempts] == ["ConnectionError: refused"] * 2


def test_async_cut_off_and_failure():
    head = '[CONTENT]{"title": "Crash on save", "severity": "high", "steps": ["op'
    events = arun(Script(Pieces(cut(head), "length"), 'en"]}[/CONTENT]'))
    assert [a.kind for a in events[-1].result.attempts] == ["ask", "continue"]
    with pytest.raises(FillFailed):
        arun(Script(BAD, WORSE), max_retries=1)


def test_async_stream_that_breaks_off_and_early_close():
    closed = []

    class Broken:
        def __init__(self) -> None:
            self.n = 0

        def __aiter__(self):
            return self

        async def __anext__(self):
            self.n += 1
            if self.n > 3:
                raise ConnectionError("reset")
            return "[CONTENT]"[self.n - 1]

        async def aclose(self):
            closed.append(True)

    events = arun(Script(Broken(), GOOD))
    assert events[-1].result.attempts[0].error == "ConnectionError: reset" and closed == [True]

    async def first_two():
        gen = ActionNode.from_model(Ticket).astream("ctx", llm=Script(Broken()))
        async for _ in gen:
            break
        await gen.aclose()

    closed.clear()
    asyncio.run(first_two())
    assert closed == [True]


# --------------------------------------------------------------------------- the real adapters
pytest.importorskip("httpx")


def test_the_real_adapters_stream_a_reask_over_http(serve, make_llm):
    from stream_server import Stream

    server = serve(Stream(cut(BAD, 4), usage=(10, 5), cut=7), Stream(cut(GOOD, 4), usage=(20, 8), cut=7))
    events, result = run(make_llm(server))
    assert len(server.requests) == 2 and all(r.json["stream"] is True for r in server.requests)
    assert {e.attempt for e in events} == {1, 2} and len([e for e in events if e.attempt == 2]) > 5
    assert result.instance.steps == ["open", "save"] and result.content == GOOD
    assert result.usage["total_tokens"] == 43
    assert server.requests[1].json["messages"][-2]["content"] == BAD


def test_the_real_adapters_continue_a_cut_off_stream_async(serve, make_llm):
    from stream_server import Stream

    head = '[CONTENT]{"title": "Crash on save", "severity": "high", "steps": ["op'
    server = serve(Stream(cut(head), finish_reason="length"), Stream(cut('en", "save"]}[/CONTENT]')))
    events = arun(make_llm(server))
    result = events[-1].result
    assert [(a.kind, a.finish_reason) for a in result.attempts] == [("ask", "length"), ("continue", "stop")]
    assert result.instance.steps == ["open", "save"]
    assert server.requests[1].json["messages"][-1]["content"] == CONTINUE_PROMPT


def test_a_stream_cut_mid_answer_is_asked_again_over_http(serve, make_llm):
    from stream_server import Stream

    server = serve(Stream(cut(GOOD[:30]), end=False, then="cut"), Stream(cut(GOOD)))
    events, result = run(make_llm(server))
    assert len(server.requests) == 2 and result.attempts[0].error.startswith("LLMError")
    assert [e.errors[0]["type"] for e in events if e.errors] == ["call_failed"]
    assert result.instance.title == "Crash on save"
