"""A user's script against repair's public API: `mypy --strict` must accept it as it is
(tests/test_typing.py), so every annotation below is what the API promises. It also runs:
each value is checked at run time too."""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Iterator, Literal, TypedDict

from pydantic import BaseModel

import repair
from repair import (ActionNode, Attempt, FillFailed, FillResult, RepairError, RepairResult, Snapshot, Step,
                    StreamParser, ValidationFailed)
from repair.action import StreamEvent
from repair.llm import LLMError, Ollama, OpenAICompatible, Reply
from repair.tools import CallSnapshot, ToolCall, ToolCallStream, parse_tool_calls, tool_schema


class Invoice(BaseModel):
    number: str
    total: float


TEXT = 'Sure! ```json\n{"number": "A-1", "total": "12.50",}\n```'


def results() -> None:
    result: RepairResult = repair.repair(TEXT)
    value: Any = result.value
    assert isinstance(value, dict)
    text: str = result.text
    steps: tuple[Step, ...] = result.steps
    start, end = result.span
    span: tuple[int, int] = (start, end)
    changed: bool = result.changed
    lossy: bool = result.lossy
    truncated: bool = result.truncated
    assert changed and not lossy and not truncated and span[0] < span[1] and text.startswith("{")
    first: Step = steps[0]
    code: str = first.code
    pos: int = first.pos
    line: int = first.line
    lossy_step: bool = first.lossy
    record: dict[str, str | int | bool] = first.to_dict()
    assert code.startswith("repair_") and pos >= 0 and line >= 1 and not lossy_step and record["code"] == code
    fixed: str = repair.repair_json(TEXT, indent=2)
    assert fixed.startswith("{")
    also_bytes: Any = repair.loads(b"[1, 2,]")
    assert also_bytes == [1, 2]


def parsing() -> None:
    invoice: Invoice = repair.parse(TEXT, Invoice)
    total: float = invoice.total
    numbers: list[int] = repair.parse('["1", 2]', list[int])
    mapping: dict[str, int] = repair.parse('{"a": "1"}', dict[str, int])
    by_schema: Any = repair.parse('{"n": "3"}', {"type": "object", "properties": {"n": {"type": "integer"}}})
    assert total == 12.5 and numbers == [1, 2] and mapping == {"a": 1} and by_schema == {"n": 3}
    try:
        repair.parse('{"number": "A-2"}', Invoice)
    except ValidationFailed as exc:
        where: tuple[str | int, ...] = exc.errors[0]["loc"]
        steps: tuple[Step, ...] = exc.steps
        assert where == ("total",) and isinstance(steps, tuple)
    try:
        repair.loads("no JSON here", strict=True)
    except RepairError as err:
        kind: str = err.kind
        lineno: int = err.lineno
        assert kind == "no_value" and lineno == 1


def several() -> None:
    all_results: list[RepairResult] = repair.repair_all('{"a": 1}\n{"a": 2}')
    values: list[Any] = repair.loads_all('{"a": 1}\n{"a": 2}')
    assert [r.value for r in all_results] == values == [{"a": 1}, {"a": 2}]


def streaming() -> None:
    parser = StreamParser(Invoice)
    snap: Snapshot = parser.feed('{"number": "A-1", ')
    done: frozenset[str] = snap.done
    changed: frozenset[str] = snap.changed
    complete: bool = snap.complete
    parser.feed(b'"total": 3}')
    final: RepairResult = parser.close()
    assert not complete and isinstance(done, frozenset) and "$" in changed and final.value == {"number": "A-1", "total": 3}
    snaps: Iterator[Snapshot] = repair.stream(['{"a": [1,', " 2]}"])
    last: Snapshot | None = None
    for last in snaps:
        pass
    assert last is not None and last.value == {"a": [1, 2]}


class Weather(BaseModel):
    """Current weather for a city."""

    city: str
    unit: Literal["c", "f"] = "c"


def get_time(zone: str, hour24: bool = True) -> str:
    """The time in a zone.

    Args:
        zone: an IANA time zone, e.g. Europe/Oslo
    """
    return zone


class _Function(TypedDict):  # the shape of the OpenAI client's ChatCompletionToolParam
    name: str
    parameters: dict[str, object]


class _FunctionTool(TypedDict):
    type: Literal["function"]
    function: _Function


def tool_calls() -> None:
    text = 'Let me check. <tool_call>{"name": "weather", "arguments": {"City": "Oslo", "unit": "C",}}</tool_call>'
    calls: list[ToolCall] = parse_tool_calls(text, tools=[get_time, Weather])
    call = calls[0]
    call_id: str = call.id
    name: str = call.name
    arguments: dict[str, Any] = call.arguments
    steps: tuple[Step, ...] = call.steps
    raw: str = call.raw
    span: tuple[int, int] | None = call.span
    parsed: Any = call.parsed
    changed: bool = call.changed
    lossy: bool = call.lossy
    assert call_id == "call_0" and name == "Weather" and arguments == {"city": "Oslo", "unit": "c"}
    assert "repair_key_case" in [s.code for s in steps] and raw.startswith("<tool_call>") and span is not None
    assert isinstance(parsed, Weather) and changed and not lossy
    response: dict[str, Any] = {"choices": [{"message": {"role": "assistant", "content": None, "tool_calls": [
        {"id": "call_1", "type": "function", "function": {"name": "get_time", "arguments": "{'zone': 'UTC'"}}]}}]}
    (timed,) = parse_tool_calls(response, tools=get_time, strict=True)
    wire: dict[str, Any] = timed.to_dict()
    assert timed.parsed == {"zone": "UTC", "hour24": True} and wire["function"]["arguments"] == '{"zone": "UTC"}'
    definition: dict[str, Any] = tool_schema(get_time)
    assert definition["function"]["parameters"]["required"] == ["zone"]
    typed: _FunctionTool = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
    (looked,) = parse_tool_calls('{"name": "lookup", "arguments": {}}', tools=[typed, tool_schema(Weather)])
    assert looked.name == "lookup" and looked.arguments == {} and parse_tool_calls("no calls here") == []


def tool_call_stream() -> None:
    calls = ToolCallStream(Weather)
    for first, piece in ((True, '{"ci'), (False, 'ty": "Bergen"'), (False, "}")):
        delta: dict[str, Any] = {"index": 0, "function": {"arguments": piece}}
        if first:
            delta.update(id="call_9", function={"name": "Weather", "arguments": piece})
        touched: list[CallSnapshot] = calls.feed({"choices": [{"delta": {"tool_calls": [delta]}}]})
        snap = touched[0]
        so_far: Any = snap.arguments
        complete: bool = snap.complete
        done: ToolCall | None = snap.call
        error: RepairError | None = snap.error
        assert (done is not None) == complete and error is None and (so_far is None) == first
    finished: list[ToolCall] = calls.close()
    assert [(c.id, c.arguments) for c in finished] == [("call_9", {"city": "Bergen"})]


async def _chunks() -> AsyncIterator[str]:
    for chunk in ('{"a": ', "1}"):
        yield chunk


async def async_streaming() -> Any:
    value: Any = None
    async for snap in repair.astream(_chunks()):
        value = snap.value
    return value


ANSWER = '[CONTENT]{"number": "A-1", "total": "3"}[/CONTENT]'


def model(messages: list[dict[str, Any]]) -> str:
    """A model of your own: any callable taking the messages."""
    return ANSWER


def tool_model(messages: list[dict[str, Any]]) -> Reply:
    call = {"id": "c1", "type": "function", "function": {"name": "Invoice", "arguments": '{"number": "A-2", "total": 4,'}}
    return Reply("", "tool_calls", None, [call])


def action_nodes() -> None:
    node: ActionNode[Invoice] = ActionNode.from_model(Invoice)
    result: FillResult[Invoice] = node.fill("Bill A-1", model, max_retries=1)
    invoice: Invoice = result.instance
    total: float = result.instance.total
    content: str = result.content
    attempts: list[Attempt] = result.attempts
    usage: dict[str, int] = result.usage
    assert invoice.number == "A-1" and total == 3 and content == ANSWER and attempts[0].kind == "ask" and usage == {}
    called: Invoice = node.fill("Bill A-2", tool_model, mode="tools").instance
    assert called.total == 4 and node.tool_definition()["function"]["name"] == node.tool_name() == "Invoice"
    last: StreamEvent[FillResult[Invoice]] | None = None
    for last in node.stream("Bill A-1", model, mode="json_schema"):
        pass
    streamed = last.result if last is not None else None
    assert streamed is not None and streamed.instance.number == "A-1"
    plain = ActionNode("answer", int, "The answer")  # built from children or a type: validated by a model made for it
    value: Any = plain.fill("6 * 7", lambda messages: '[CONTENT]{"answer": 42}[/CONTENT]').value
    assert value == {"answer": 42}
    try:
        node.fill("Bill nothing", lambda messages: "no JSON here", max_retries=0)
    except FillFailed as failed:
        errors: list[Attempt] = failed.attempts
        assert errors[0].errors[0]["type"] == "no_json"


async def async_action_nodes() -> Invoice:
    node = ActionNode.from_model(Invoice)
    result = await node.afill("Bill A-1", model)
    async for event in node.astream("Bill A-1", model):
        if event.result is not None:
            assert event.result.instance == result.instance
    return result.instance


def adapters() -> None:
    llm = OpenAICompatible("http://127.0.0.1:9/v1", "qwen", temperature=0)
    forced: OpenAICompatible = llm.with_options(response_format=Invoice, tool_choice="required")
    schema: dict[str, Any] | None = forced.response_format
    local: Ollama = Ollama("http://127.0.0.1:9/api", "llama3.1").with_options(format=Invoice, extra_body={"think": False})
    assert schema is not None and schema["type"] == "json_schema" and local.format == Invoice.model_json_schema()
    reply = Reply("{}", "stop", {"total_tokens": 3}, None)
    text: str = reply.text
    calls: list[dict[str, Any]] | None = reply.tool_calls
    assert text == "{}" and calls is None
    try:
        llm.with_options(tools=None, extra_body={"model": "other"})
    except ValueError:
        pass
    error: LLMError = LLMError("no", status=500, retryable=True)
    assert error.retryable and error.status == 500


def main() -> None:
    results()
    parsing()
    several()
    streaming()
    tool_calls()
    tool_call_stream()
    assert asyncio.run(async_streaming()) == {"a": 1}
    action_nodes()
    assert asyncio.run(async_action_nodes()).number == "A-1"
    adapters()


if __name__ == "__main__":
    main()
