"""ActionNode: prompt, local repair first, targeted re-asks, continuation, budgets."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Literal, Optional

import pytest
from pydantic import BaseModel, Field

import repair
from repair import ActionNode, FillFailed
from repair.action import CONTINUE_PROMPT, join_continuation


class PRD(BaseModel):
    """Product requirements."""

    original_requirements: str = Field(description="The user's request, restated")
    product_goals: list[str] = Field(description="Up to three goals")
    priority: Literal["P0", "P1", "P2"]
    notes: Optional[str] = None


GOOD = '[CONTENT]{"original_requirements": "todo app", "product_goals": ["fast"], "priority": "P1"}[/CONTENT]'


class Script:
    """A fake model: replies in order, records every message list it was sent."""

    def __init__(self, *replies) -> None:
        self.replies = list(replies)
        self.sent: list[list[dict]] = []

    def __call__(self, messages):
        self.sent.append([dict(m) for m in messages])
        return self.replies.pop(0)


@dataclass
class Reply:
    text: str
    finish_reason: str | None = None
    usage: dict | None = None


def test_compile_has_context_format_fields_and_neutral_example():
    prompt = ActionNode.from_model(PRD).compile("Build a todo CLI")
    assert prompt.startswith("## context\nBuild a todo CLI")
    assert "[CONTENT]" in prompt and "[/CONTENT]" in prompt
    assert "- product_goals: list of string  # Up to three goals" in prompt
    assert '- priority: one of "P0", "P1", "P2"' in prompt
    assert '"original_requirements": "<string: original_requirements>"' in prompt  # a placeholder, not content


def test_metagpt_style_children_and_local_repair_without_reask():
    node = ActionNode("PRD", children=[
        ActionNode("Original Requirements", str, "Restate the request"),
        ActionNode("Product Goals", list[str], "Up to three goals"),
        ActionNode("Anything UNCLEAR", Optional[str], "Open questions"),
    ])
    llm = Script("Sure!\n[CONTENT]\n{'Original requirements': 'A todo app', 'product goals': 'fast',}\n[CONTENT]")
    result = node.fill("Build a todo app", llm)
    assert len(llm.sent) == 1  # fixed locally: key case, quotes, comma, closer tag, str -> list
    assert result.value == {"Original Requirements": "A todo app", "Product Goals": ["fast"]}
    assert getattr(result.instance, "Product Goals") == ["fast"]
    assert node.instruct_content is result.instance and node.content.startswith("Sure!")
    assert {s.code for s in result.attempts[0].steps} >= {"repair_key_case", "repair_single_quotes", "repair_wrap_list"}


def test_broken_then_missing_field_then_correct():
    llm = Script(
        "I cannot help with that.",
        '[CONTENT]{"original_requirements": "todo app", "priority": "P1"}[/CONTENT]',
        GOOD,
    )
    result = ActionNode.from_model(PRD).fill("ctx", llm)
    assert result.instance.product_goals == ["fast"]
    assert [a.kind for a in result.attempts] == ["ask", "reask", "reask"]
    second, third = llm.sent[1], llm.sent[2]
    assert second[-2] == {"role": "assistant", "content": "I cannot help with that."}
    assert "no JSON value found" in second[-1]["content"]
    assert "$.product_goals: Field required" in third[-1]["content"]
    # no growing transcript: the third call shows only the latest failed answer
    assert len(third) == 3 and "I cannot help" not in str(third)


def test_cut_off_reply_is_continued_and_joined():
    llm = Script(
        Reply('[CONTENT]{"original_requirements": "todo app", "product_go', "length"),
        Reply('als": ["fast"], "priority": "P0"}[/CONTENT]', "stop"),
    )
    result = ActionNode.from_model(PRD).fill("ctx", llm)
    assert result.instance.priority == "P0"
    assert [a.kind for a in result.attempts] == ["ask", "continue"]
    cont = llm.sent[1]
    assert cont[-1]["content"] == CONTINUE_PROMPT and cont[-2]["role"] == "assistant"


def test_structure_cut_without_finish_reason_is_continued_too():
    llm = Script('[CONTENT]{"original_requirements": "a", "product_goals": ["b"]', ', "priority": "P2"}')
    assert ActionNode.from_model(PRD).fill("ctx", llm).instance.priority == "P2"


def test_same_errors_twice_stop_early():
    bad = '[CONTENT]{"original_requirements": "a", "product_goals": ["b"], "priority": "urgent"}[/CONTENT]'
    llm = Script(bad, bad, bad, bad)
    with pytest.raises(FillFailed) as info:
        ActionNode.from_model(PRD).fill("ctx", llm, max_retries=5)
    assert len(llm.sent) == 2 and "same errors" in str(info.value)
    assert info.value.value["priority"] == "urgent" and isinstance(info.value, repair.RepairError)


def test_retry_budget_and_best_partial_value():
    llm = Script(
        '[CONTENT]{"original_requirements": "a"}[/CONTENT]',  # two errors
        '[CONTENT]{"original_requirements": "a", "product_goals": ["b"]}[/CONTENT]',  # one error
        '[CONTENT]{"product_goals": ["b"]}[/CONTENT]',  # two errors again
    )
    with pytest.raises(FillFailed) as info:
        ActionNode.from_model(PRD).fill("ctx", llm, max_retries=2)
    err = info.value
    assert len(err.attempts) == 3 and len(llm.sent) == 3
    assert err.value == {"original_requirements": "a", "product_goals": ["b"]}
    assert [e["loc"] for e in err.errors] == [("priority",)]


def test_token_budget():
    llm = Script(Reply("nope", usage={"total_tokens": 600}),
                 Reply('[CONTENT]{"original_requirements": "a"}[/CONTENT]', usage={"total_tokens": 600}), GOOD)
    with pytest.raises(FillFailed, match="token budget"):
        ActionNode.from_model(PRD).fill("ctx", llm, max_tokens=1000)
    assert len(llm.sent) == 2


def test_usage_is_summed():
    llm = Script(Reply("no", usage={"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12}),
                 Reply(GOOD, usage={"prompt_tokens": 20, "completion_tokens": 30, "total_tokens": 50}))
    result = ActionNode.from_model(PRD).fill("ctx", llm)
    assert result.usage == {"prompt_tokens": 30, "completion_tokens": 32, "total_tokens": 62}


def test_without_local_repair_single_quotes_cost_a_reask():
    single = "[CONTENT]{'original_requirements': 'a', 'product_goals': ['b'], 'priority': 'P0'}[/CONTENT]"
    llm = Script(single, GOOD)
    result = ActionNode.from_model(PRD).fill("ctx", llm, repair_llm_output=False)
    assert len(llm.sent) == 2 and result.attempts[0].errors[0]["type"] == "json_invalid"


def test_async_callbacks():
    async def answer(messages):
        await asyncio.sleep(0)
        return GOOD

    node = ActionNode.from_model(PRD)
    assert asyncio.run(node.afill("ctx", answer)).instance.priority == "P1"
    assert asyncio.run(node.afill("ctx", Script(GOOD))).instance.priority == "P1"  # sync callback in afill
    assert node.fill("ctx", answer).instance.priority == "P1"  # async callback in fill


def test_every_attempt_is_logged(caplog):
    with caplog.at_level(logging.INFO, logger="repair.action"):
        ActionNode.from_model(PRD).fill("ctx", Script("nothing", GOOD))
    lines = [r.getMessage() for r in caplog.records if r.name == "repair.action"]
    assert len(lines) == 2 and "1 error" in lines[0] and lines[1].endswith("valid")


def test_leaf_node():
    node = ActionNode("Language", str, "The language of the user")
    assert node.fill("ctx", Script('[CONTENT]{"language": "en_us"}[/CONTENT]')).value == {"Language": "en_us"}


def test_join_continuation_drops_reopened_fence_and_overlap():
    assert join_continuation('{"a": "hel', '```json\n"a": "hello"}') == '{"a": "hello"}'  # repeated, then reopened
    assert join_continuation('{"a": "hello wor', 'o wor' + 'ld"}') == '{"a": "hello world"}'
    assert join_continuation("[CONTENT]{", "[CONTENT] \"x\": 1}") == '[CONTENT]{"x": 1}'
