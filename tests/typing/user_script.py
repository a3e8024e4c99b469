"""A user's script against repair's public API: `mypy --strict` must accept it as it is
(tests/test_typing.py), so every annotation below is what the API promises. It also runs:
each value is checked at run time too."""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Iterator, Literal, TypedDict

from pydantic import BaseModel

import repair
from repair import RepairError, RepairResult, Snapshot, Step, StreamParser, ValidationFailed
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


def main() -> None:
    results()
    parsing()
    several()
    streaming()
    tool_calls()
    tool_call_stream()
    assert asyncio.run(async_streaming()) == {"a": 1}


if __name__ == "__main__":
    main()
