"""ActionNode against a real HTTP server on 127.0.0.1, over both protocols.

Each scenario checks the final value or error, how many model calls it took, and what
the client sent each time (the error feedback, the continuation request).
"""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, Field

from llm_server import Delay, Reply, Status, start_server
from repair import ActionNode, FillFailed
from repair.action import CONTINUE_PROMPT


class Ticket(BaseModel):
    title: str = Field(description="One line summary")
    severity: Literal["low", "high"]
    steps: list[str] = Field(description="Steps to reproduce")


GOOD = '[CONTENT]{"title": "Crash on save", "severity": "high", "steps": ["open", "save"]}[/CONTENT]'


pytestmark = pytest.mark.usefixtures("loopback_without_proxy")


def sent_messages(server):
    return [r.json["messages"] for r in server.requests]


def test_broken_then_missing_field_then_correct(make_llm):
    script = [
        Reply("I think the ticket is about saving. {broken"),  # no JSON value in it
        Reply('[CONTENT]{"title": "Crash on save", "steps": ["open", "save"]}[/CONTENT]'),  # a field missing
        Reply(GOOD),
    ]
    with start_server(script) as server:
        result = ActionNode.from_model(Ticket).fill("App crashes when saving", llm=make_llm(server))
        sent = sent_messages(server)
    assert result.instance == Ticket(title="Crash on save", severity="high", steps=["open", "save"])
    assert len(sent) == 3 and [a.kind for a in result.attempts] == ["ask", "reask", "reask"]
    assert sent[1][-2]["content"] == "I think the ticket is about saving. {broken"  # the failed text, once
    assert "$.severity: Field required" in sent[2][-1]["content"]
    assert len(sent[2]) == 3 and "{broken" not in str(sent[2])  # no growing transcript
    assert all(a.usage and a.usage["total_tokens"] > 0 for a in result.attempts)
    assert result.usage["total_tokens"] == sum(a.usage["total_tokens"] for a in result.attempts)


def test_local_repair_needs_one_call(make_llm):
    script = [Reply("```json\n{'Title': 'Crash on save', 'Severity': 'HIGH', 'steps': 'open',}\n```")]
    with start_server(script) as server:
        result = ActionNode.from_model(Ticket).fill("ctx", llm=make_llm(server))
        assert len(server.requests) == 1
    assert result.instance.severity == "high" and result.instance.steps == ["open"]


def test_cut_off_reply_is_continued(make_llm):
    script = [
        Reply('[CONTENT]{"title": "Crash on save", "severity": "high", "steps": ["open", "sa', finish_reason="length"),
        Reply('ve"]}[/CONTENT]'),
    ]
    with start_server(script) as server:
        result = ActionNode.from_model(Ticket).fill("ctx", llm=make_llm(server))
        sent = sent_messages(server)
    assert result.instance.steps == ["open", "save"]
    assert [a.kind for a in result.attempts] == ["ask", "continue"]
    assert result.attempts[0].finish_reason == "length"
    assert sent[1][-1]["content"] == CONTINUE_PROMPT and sent[1][-2]["role"] == "assistant"


def test_server_error_then_ok_is_one_attempt(make_llm):
    with start_server([Status(500), Reply(GOOD)]) as server:
        result = ActionNode.from_model(Ticket).fill("ctx", llm=make_llm(server, backoff=0.01))
        assert len(server.requests) == 2  # the adapter retried the 500
    assert len(result.attempts) == 1 and result.instance.title == "Crash on save"


def test_hang_past_the_timeout_is_retried(make_llm):
    with start_server([Delay(30), Reply(GOOD)]) as server:
        # (1 s: the timeout must also let the good answer through on a loaded machine)
        result = ActionNode.from_model(Ticket).fill("ctx", llm=make_llm(server, timeout=1, backoff=0.01))
        assert len(server.requests) == 2
    assert result.instance.severity == "high"


def test_reply_that_never_validates(make_llm):
    bad = '[CONTENT]{"title": "x", "severity": "urgent", "steps": []}[/CONTENT]'
    worse = '[CONTENT]{"title": "x", "severity": "critical"}[/CONTENT]'
    with start_server([Reply(bad), Reply(worse), Reply(bad)]) as server:
        with pytest.raises(FillFailed) as info:
            ActionNode.from_model(Ticket).fill("ctx", llm=make_llm(server), max_retries=2)
        assert len(server.requests) == 3
    err = info.value
    assert len(err.attempts) == 3 and err.value == {"title": "x", "severity": "urgent", "steps": []}
    assert "2 re-ask(s) used" in str(err)
    lines = str(err).splitlines()  # one line per call, saying what was wrong with it
    assert lines[1].startswith("  call 1 (ask): 1 error(s): $.severity: Input should be 'low' or 'high'")
    assert lines[2].startswith("  call 2 (reask): 2 error(s): ") and "$.steps: Field required" in lines[2]
    assert lines[3].startswith("  call 3 (reask): 1 error(s): $.severity")
    assert lines[4].startswith("Next: ") and "at line" not in str(err)


def test_async_fill_over_http(make_llm):
    import asyncio

    with start_server([Reply("nothing useful"), Reply(GOOD)]) as server:
        result = asyncio.run(ActionNode.from_model(Ticket).afill("ctx", llm=make_llm(server)))
        assert len(server.requests) == 2
    assert result.instance.title == "Crash on save"


@pytest.mark.parametrize("repair_output, calls", [(True, 1), (False, 2)])
def test_config_file_drives_the_loop(tmp_path, repair_output, calls):
    from repair.llm import from_config

    single_quoted = "[CONTENT]{'title': 'Crash on save', 'severity': 'high', 'steps': ['open']}[/CONTENT]"
    with start_server([Reply(single_quoted), Reply(GOOD)]) as server:
        config = tmp_path / "config2.yaml"
        config.write_text(
            f"llm:\n  api_type: open_llm\n  base_url: {server.openai_url}\n  model: test-model\n"
            f"repair_llm_output: {str(repair_output).lower()}\nmax_retries: 2\n",
            encoding="utf-8",
        )
        result = ActionNode.from_model(Ticket).fill("ctx", llm=from_config(config))
        assert len(server.requests) == calls  # without local repair, single quotes cost a re-ask
    assert result.instance.title == "Crash on save"
