"""ActionNode's modes against scripted servers on 127.0.0.1 speaking OpenAI's and Ollama's
protocols: "text" (the [CONTENT] prompt), "json_schema" (the server is given the node's
schema) and "tools" (the node is one tool the model calls). Each test checks what the
client sent (the request body's fields per mode and protocol) and what the fill made of
the answers: repaired, validated, re-asked, continued; one-shot and streamed."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Literal

import pytest
from pydantic import BaseModel, Field

from stream_server import Reply, Stream, ToolCall
from repair import ActionNode, FillFailed
from repair.action import CONTINUE_PROMPT
from repair.llm import Ollama, OpenAICompatible
from repair.tools import tool_schema

pytestmark = pytest.mark.usefixtures("loopback_without_proxy")


class Ticket(BaseModel):
    """A bug report."""

    title: str = Field(description="One line summary")
    severity: Literal["low", "high"]
    steps: list[str] = Field(description="Steps to reproduce")


JSON = '{"title": "Crash on save", "severity": "high", "steps": ["open", "save"]}'
ARGS = {"title": "Crash on save", "severity": "high", "steps": ["open", "save"]}
FORCED = {"type": "function", "function": {"name": "Ticket"}}



@pytest.fixture(params=["openai", "ollama"])
def protocol(request):
    return request.param


def adapter(server, protocol, **kw):
    if protocol == "openai":
        return OpenAICompatible(server.openai_url, "test-model", backoff=0, **kw)
    return Ollama(server.ollama_url, "test-model", backoff=0, **kw)


def node() -> ActionNode[Ticket]:
    return ActionNode.from_model(Ticket)


def prompt_of(request) -> str:
    return request.json["messages"][-1]["content"]


# --------------------------------------------------------------------------- what each mode sends
def test_text_mode_is_the_default_and_sends_no_structured_output_fields(serve, protocol):
    server = serve(Reply(f"[CONTENT]{JSON}[/CONTENT]"))
    result = node().fill("The app crashes on save", adapter(server, protocol))
    assert result.instance == Ticket(**ARGS)
    body = server.requests[0].json
    assert not {"response_format", "tools", "tool_choice", "format"} & set(body)
    assert "[CONTENT]" in prompt_of(server.requests[0])


def test_json_schema_mode_sends_the_schema_and_a_shorter_prompt(serve, protocol):
    server = serve(Reply(JSON))
    llm = adapter(server, protocol, temperature=0)
    result = node().fill("The app crashes on save", llm, mode="json_schema")
    assert result.instance == Ticket(**ARGS) and result.content == JSON
    body = server.requests[0].json
    if protocol == "openai":
        assert body["response_format"] == {"type": "json_schema", "json_schema": {
            "name": "Ticket", "schema": Ticket.model_json_schema()}}
        assert body["temperature"] == 0 and "format" not in body
    else:
        assert body["format"] == Ticket.model_json_schema() and body["options"] == {"temperature": 0}
    assert "tools" not in body and "tool_choice" not in body
    prompt = prompt_of(server.requests[0])
    assert "[CONTENT]" not in prompt and "The app crashes on save" in prompt
    assert "One line summary" in prompt and "Steps to reproduce" in prompt  # the field descriptions stay
    assert llm.response_format is None if protocol == "openai" else llm.format is None  # (the adapter is untouched)


def test_tools_mode_sends_the_node_as_one_forced_tool(serve, protocol):
    server = serve(Reply("", "tool_calls", tool_calls=(ToolCall("Ticket", ARGS),)))
    result = node().fill("The app crashes on save", adapter(server, protocol), mode="tools")
    assert result.instance == Ticket(**ARGS) and result.value == ARGS
    body = server.requests[0].json
    assert body["tools"] == [tool_schema(Ticket)]
    assert body["tools"][0]["function"]["description"] == "A bug report."
    if protocol == "openai":
        assert body["tool_choice"] == FORCED
    else:
        assert "tool_choice" not in body  # (Ollama has none: the prompt asks for the call)
    assert "response_format" not in body and "format" not in body
    prompt = prompt_of(server.requests[0])
    assert "Call the tool Ticket" in prompt and "[CONTENT]" not in prompt and "One line summary" in prompt
    assert [a.errors for a in result.attempts] == [[]]


def test_an_unknown_mode_is_refused_before_any_call(serve):
    server = serve(Reply(JSON))
    with pytest.raises(ValueError, match="mode must be one of 'text', 'json_schema', 'tools'"):
        node().fill("ctx", adapter(server, "openai"), mode="json")
    assert server.requests == []


# --------------------------------------------------------------------------- json_schema: repaired, continued
def test_json_schema_mode_still_repairs_and_reasks(serve, protocol):
    server = serve(Reply('{"title": "Crash", "severity": "HIGH", "steps": ["open",]}'),
                   Reply('{"title": "Crash", "severity": "urgent", "steps": []}'), Reply(JSON))
    result = node().fill("ctx", adapter(server, protocol), mode="json_schema")
    assert result.instance.severity == "high" and len(server.requests) == 1  # repaired locally
    server2 = serve(Reply('{"title": "Crash", "severity": "urgent", "steps": []}'), Reply(JSON))
    result = node().fill("ctx", adapter(server2, protocol), mode="json_schema")
    assert [a.kind for a in result.attempts] == ["ask", "reask"]
    feedback = prompt_of(server2.requests[1])
    assert "$.severity" in feedback and "complete JSON object, nothing else" in feedback and "[CONTENT]" not in feedback
    key = "response_format" if protocol == "openai" else "format"
    assert all(key in r.json for r in server2.requests)  # a re-ask asks for the schema too


def test_json_schema_mode_continues_a_cut_off_answer_without_the_schema(serve, protocol):
    head = '{"title": "Crash on save", "severity": "high", "steps": ["op'
    server = serve(Reply(head, "length"), Reply('en", "save"]}'))
    result = node().fill("ctx", adapter(server, protocol), mode="json_schema")
    assert result.instance == Ticket(**ARGS) and result.content == JSON
    assert [(a.kind, a.finish_reason) for a in result.attempts] == [("ask", "length"), ("continue", "stop")]
    ask, cont = (r.json for r in server.requests)
    key = "response_format" if protocol == "openai" else "format"
    assert key in ask and key not in cont  # constrained decoding could not go on from the middle of a string
    assert cont["messages"][-2] == {"role": "assistant", "content": head}
    assert cont["messages"][-1]["content"] == CONTINUE_PROMPT


# --------------------------------------------------------------------------- tools: repaired, re-asked
def test_tools_mode_repairs_broken_arguments_of_an_openai_call(serve):
    broken = "{'title': 'Crash on save', 'Severity': 'high', 'steps': ['open', 'save'],"  # quotes, key case, cut
    server = serve(Reply("", "tool_calls", tool_calls=(ToolCall("ticket", broken),)))
    result = node().fill("ctx", adapter(server, "openai"), mode="tools")
    assert result.instance == Ticket(**ARGS) and len(server.requests) == 1
    attempt = result.attempts[0]
    assert attempt.raw == broken and attempt.finish_reason == "tool_calls" and attempt.errors == []
    codes = {s.code for s in attempt.steps}
    assert {"repair_single_quotes", "repair_truncated", "repair_key_case"} <= codes  # (key case: the name too)
    assert result.content == broken  # (the content of a tool-call answer is its arguments)


def test_tools_mode_reasks_when_the_arguments_do_not_validate(serve, protocol):
    bad = {"title": "Crash", "severity": "urgent", "steps": ["open"]}
    server = serve(Reply("", "tool_calls", tool_calls=(ToolCall("Ticket", bad),)),
                   Reply("", "tool_calls", tool_calls=(ToolCall("Ticket", ARGS),)))
    result = node().fill("ctx", adapter(server, protocol), mode="tools")
    assert result.instance == Ticket(**ARGS)
    assert [(a.kind, [e["loc"] for e in a.errors]) for a in result.attempts] == [("ask", [("severity",)]),
                                                                               ("reask", [])]
    reask = server.requests[1].json
    assert reask["tools"] == [tool_schema(Ticket)] and reask.get("tool_choice") == (FORCED if protocol == "openai" else None)
    shown, feedback = reask["messages"][-2:]
    assert shown["role"] == "assistant" and '"urgent"' in shown["content"]
    assert "$.severity" in feedback["content"] and "call the tool Ticket again" in feedback["content"]


def test_a_tool_only_answer_is_not_empty_but_no_call_and_no_text_is(serve):
    server = serve(Reply(""), Reply("", "tool_calls", tool_calls=(ToolCall("Ticket", ARGS),)))
    result = node().fill("ctx", adapter(server, "openai"), mode="tools")
    assert [e["type"] for e in result.attempts[0].errors] == ["empty"] and result.attempts[1].errors == []


def test_tools_mode_reads_json_written_as_text_when_the_model_does_not_call(serve, protocol):
    server = serve(Reply(f"Here it is: {JSON}"))
    result = node().fill("ctx", adapter(server, protocol), mode="tools")
    assert result.instance == Ticket(**ARGS) and result.content == f"Here it is: {JSON}"


def test_a_call_of_another_tool_is_reasked_saying_so(serve):
    server = serve(Reply("", "tool_calls", tool_calls=(ToolCall("get_weather", {"city": "Paris"}),)),
                   Reply("", "tool_calls", tool_calls=(ToolCall("Ticket", ARGS),)))
    result = node().fill("ctx", adapter(server, "openai"), mode="tools")
    assert "get_weather" in result.attempts[0].errors[0]["msg"] and result.attempts[1].errors == []


def test_tools_mode_without_local_repair_needs_json_as_it_stands(serve):
    server = serve(Reply("", "tool_calls", tool_calls=(ToolCall("Ticket", JSON[:-1] + ",}"),)),
                   Reply("", "tool_calls", tool_calls=(ToolCall("Ticket", ARGS),)))
    result = node().fill("ctx", adapter(server, "openai"), mode="tools", repair_llm_output=False)
    assert [e["type"] for e in result.attempts[0].errors] == ["json_invalid"] and result.instance == Ticket(**ARGS)


def test_tools_mode_gives_up_with_fill_failed_as_fill_does(serve):
    server = serve(Reply("", "tool_calls", tool_calls=(ToolCall("Ticket", {"title": "x"}),)))
    with pytest.raises(FillFailed, match="the same errors came back twice") as info:
        node().fill("ctx", adapter(server, "ollama"), mode="tools")
    assert info.value.value == {"title": "x"} and {e["loc"] for e in info.value.errors} == {("severity",), ("steps",)}


def test_afill_in_each_mode(serve, protocol):
    server = serve(Reply(JSON), Reply("", "tool_calls", tool_calls=(ToolCall("Ticket", ARGS),)))
    llm = adapter(server, protocol)
    first = asyncio.run(node().afill("ctx", llm, mode="json_schema"))
    second = asyncio.run(node().afill("ctx", llm, mode="tools"))
    assert first.instance == second.instance == Ticket(**ARGS)
    assert ("response_format" if protocol == "openai" else "format") in server.requests[0].json
    assert "tools" in server.requests[1].json


def test_a_callable_of_your_own_gets_the_mode_prompt_and_its_tool_calls_are_read():
    """A callable is called with the messages only (sending the schema or the tool is its
    part: node.output_model(), node.tool_definition()); what it returns is read per mode."""
    seen = []

    def llm(messages):
        seen.append(messages)
        call = {"id": "c1", "type": "function", "function": {"name": "Ticket", "arguments": "{'title': 'Crash on save',"
                                                             " 'severity': 'high', 'steps': ['open', 'save']}"}}
        return SimpleNamespace(text=None, finish_reason="tool_calls", usage=None, tool_calls=[call])

    the_node = node()
    result = the_node.fill("ctx", llm, mode="tools")
    assert result.instance == Ticket(**ARGS) and "Call the tool Ticket" in seen[0][-1]["content"]
    assert the_node.tool_definition() == tool_schema(Ticket) and the_node.tool_name() == "Ticket"
    assert node().fill("ctx", lambda messages: JSON, mode="json_schema").instance == Ticket(**ARGS)


# --------------------------------------------------------------------------- streams in each mode
def pieces(text: str, size: int = 6) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]


def test_a_json_schema_stream_grows_and_is_sent_with_the_schema(serve, protocol):
    server = serve(Stream(pieces(JSON)))
    events = list(node().stream("ctx", adapter(server, protocol), mode="json_schema"))
    assert len(events) > 5 and events[-1].result.instance == Ticket(**ARGS)
    assert events[-3].value.get("title") == "Crash on save"
    body = server.requests[0].json
    assert body["stream"] is True and ("response_format" if protocol == "openai" else "format") in body


def test_a_cut_off_json_schema_stream_is_continued_without_the_schema(serve, protocol):
    head = '{"title": "Crash on save", "severity": "high", "steps": ["op'
    server = serve(Stream(pieces(head), finish_reason="length"), Stream(pieces('en", "save"]}')))
    events = list(node().stream("ctx", adapter(server, protocol), mode="json_schema"))
    result = events[-1].result
    assert result.instance == Ticket(**ARGS) and [a.kind for a in result.attempts] == ["ask", "continue"]
    key = "response_format" if protocol == "openai" else "format"
    assert key in server.requests[0].json and key not in server.requests[1].json


def test_a_tools_stream_shows_the_arguments_as_they_arrive(serve):
    server = serve(Stream(["Let me file it."], "tool_calls", tool_calls=(ToolCall("Ticket", ARGS),),
                          arguments_piece=5))
    events = list(node().stream("ctx", adapter(server, "openai"), mode="tools"))
    titles = [e.value.get("title") for e in events if isinstance(e.value, dict)]
    assert len(set(titles)) >= 3 and titles[-1] == "Crash on save"  # the string grew piece by piece
    assert all("Crash on save".startswith(t) for t in titles)
    result = events[-1].result
    assert result.instance == Ticket(**ARGS) and result.attempts[0].finish_reason == "tool_calls"
    body = server.requests[0].json
    assert body["stream"] is True and body["tools"] == [tool_schema(Ticket)] and body["tool_choice"] == FORCED


def test_a_tools_stream_repairs_broken_streamed_arguments_and_reasks(serve):
    broken = "{'title': 'Crash', 'severity': 'urgent', 'steps': ['open',"
    server = serve(Stream([], "tool_calls", tool_calls=(ToolCall("Ticket", broken),)),
                   Stream([], "tool_calls", tool_calls=(ToolCall("Ticket", ARGS),)))
    events = list(node().stream("ctx", adapter(server, "openai"), mode="tools"))
    why = [e for e in events if e.errors]
    assert len(why) == 1 and why[0].errors[0]["loc"] == ("severity",) and why[0].value["severity"] == "urgent"
    result = events[-1].result
    assert result.instance == Ticket(**ARGS) and {e.attempt for e in events} == {1, 2}
    assert result.attempts[0].raw == broken and result.attempts[0].steps  # read with local repair


def test_an_ollama_tools_stream_reads_the_whole_call(serve):
    server = serve(Stream([], "stop", tool_calls=(ToolCall("Ticket", ARGS),)))
    events = list(node().stream("ctx", adapter(server, "ollama"), mode="tools"))
    assert events[-1].result.instance == Ticket(**ARGS) and events[-1].result.content == JSON
    assert "tool_choice" not in server.requests[0].json and server.requests[0].json["tools"] == [tool_schema(Ticket)]


def test_astream_in_tools_and_json_schema_modes(serve, protocol):
    server = serve(Stream([], "tool_calls", tool_calls=(ToolCall("Ticket", ARGS),)), Stream(pieces(JSON)))

    async def collect(mode):
        return [event async for event in node().astream("ctx", adapter(server, protocol), mode=mode)]

    tools_events = asyncio.run(collect("tools"))
    schema_events = asyncio.run(collect("json_schema"))
    assert tools_events[-1].result.instance == schema_events[-1].result.instance == Ticket(**ARGS)
    assert "tools" in server.requests[0].json and server.requests[1].json["stream"] is True


def test_a_one_shot_callable_streamed_in_tools_mode_gives_the_arguments_snapshot():
    call = {"function": {"name": "Ticket", "arguments": ARGS}}
    events = list(node().stream("ctx", lambda m: SimpleNamespace(text="", tool_calls=[call]), mode="tools"))
    assert events[0].value == ARGS and events[-1].result.instance == Ticket(**ARGS)
