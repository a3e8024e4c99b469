"""Native JSON modes and tool calls: what the adapters send (response_format, tools,
tool_choice, extra_body for OpenAI-compatible servers; format and tools for Ollama) and
how they read tool calls back, one-shot and streamed, against the scripted servers on
127.0.0.1 (tests/llm_server.py, tests/stream_server.py), checked against the official
clients when they are installed."""

from __future__ import annotations

import asyncio
import json

import pytest
from pydantic import BaseModel

from stream_server import Reply, Stream, ToolCall
from repair.llm import Ollama, OpenAICompatible

MESSAGES = [{"role": "user", "content": "What is the weather in Paris?"}]
WEATHER = {"type": "function", "function": {
    "name": "get_weather", "description": "The weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"enum": ["C", "F"]}},
                   "required": ["city"]}}}
CALLS = (ToolCall("get_weather", {"city": "Paris", "unit": "C"}, id="call_a"),
         ToolCall("get_weather", {"city": "Zürich 青"}, id="call_b"))

pytestmark = pytest.mark.usefixtures("loopback_without_proxy")


class Colour(BaseModel):
    """A colour."""

    name: str
    hex: str



def openai(server, **kw):
    return OpenAICompatible(server.openai_url, "qwen2.5-7b", backoff=0, **kw)


def ollama(server, **kw):
    return Ollama(server.ollama_url, "llama3.1", backoff=0, **kw)


def openai_calls(calls=CALLS) -> list:
    return [c.openai() for c in calls]


# --------------------------------------------------------------------------- what OpenAICompatible sends
@pytest.mark.parametrize("given, sent", [
    ("json_object", {"type": "json_object"}),
    ({"type": "json_object"}, {"type": "json_object"}),
    ({"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}, "strict": True}},
     {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}, "strict": True}}),
    ({"title": "My colour!", "type": "object", "properties": {"name": {"type": "string"}}},
     {"type": "json_schema", "json_schema": {"name": "My_colour_", "schema": {
         "title": "My colour!", "type": "object", "properties": {"name": {"type": "string"}}}}}),
    ({"type": "array"}, {"type": "json_schema", "json_schema": {"name": "response", "schema": {"type": "array"}}}),
    (Colour, {"type": "json_schema", "json_schema": {"name": "Colour", "schema": Colour.model_json_schema()}}),
], ids=["string", "json_object", "json_schema as is", "schema dict", "untitled schema", "pydantic model"])
def test_response_format_is_sent_top_level_one_shot_and_streamed(serve, given, sent):
    server = serve(Reply('{"name": "blue", "hex": "#00f"}'), Stream(['{"name": "blue"', ', "hex": "#00f"}']))
    llm = openai(server, response_format=given, temperature=0)
    assert llm(MESSAGES).text == '{"name": "blue", "hex": "#00f"}'
    assert "".join(llm.stream(MESSAGES)) == '{"name": "blue", "hex": "#00f"}'
    one, streamed = (r.json for r in server.requests)
    assert one == {"model": "qwen2.5-7b", "messages": MESSAGES, "stream": False, "temperature": 0,
                   "response_format": sent}
    assert streamed["response_format"] == sent and streamed["stream"] is True


def test_vllm_guided_json_goes_in_extra_body_merged_last(serve):
    schema = Colour.model_json_schema()
    server = serve(Reply("{}"), Stream(["{}"]))
    llm = openai(server, extra_body={"guided_json": schema, "top_k": 20, "temperature": 0.2}, temperature=0)
    llm(MESSAGES)
    list(llm.stream(MESSAGES))
    for request in server.requests:
        assert request.json["guided_json"] == schema and request.json["top_k"] == 20
        assert request.json["temperature"] == 0.2  # extra_body is merged last
    assert "response_format" not in server.requests[0].json


def test_tools_and_tool_choice_are_passed_through(serve):
    choice = {"type": "function", "function": {"name": "get_weather"}}
    server = serve(Reply("", "tool_calls", tool_calls=CALLS[:1]), Stream([], "tool_calls", tool_calls=CALLS[:1]))
    llm = openai(server, tools=[WEATHER], tool_choice=choice)
    llm(MESSAGES)
    list(llm.stream(MESSAGES))
    for request in server.requests:
        assert request.json["tools"] == [WEATHER] and request.json["tool_choice"] == choice


@pytest.mark.parametrize("kw, error", [
    ({"response_format": "json"}, ValueError),
    ({"response_format": 42}, TypeError),
    ({"tools": WEATHER}, TypeError),
    ({"tools": ["get_weather"]}, TypeError),
    ({"tool_choice": 1}, TypeError),
    ({"extra_body": {"model": "other"}}, ValueError),
    ({"extra_body": ["guided_json"]}, TypeError),
])
def test_openai_options_are_checked_when_made(kw, error):
    with pytest.raises(error):
        OpenAICompatible("http://127.0.0.1:1/v1", "m", **kw)


# --------------------------------------------------------------------------- per-call options: with_options
def test_openai_with_options_is_a_configured_copy_normalised_as_the_constructor(serve):
    server = serve(Reply("{}"))
    base = openai(server, api_key="sk-test-0123456789abcdef", temperature=0, tools=[WEATHER], tool_choice="auto")
    copy = base.with_options(response_format=Colour, tools=None, tool_choice=None, extra_body={"top_k": 5})
    assert copy is not base and copy.model == base.model and copy.timeout == base.timeout
    assert copy.response_format == {"type": "json_schema",
                                    "json_schema": {"name": "Colour", "schema": Colour.model_json_schema()}}
    assert (copy.tools, copy.tool_choice, copy.extra_body) == (None, None, {"top_k": 5})
    assert (base.response_format, base.tools, base.tool_choice, base.extra_body) == (None, [WEATHER], "auto", {})
    copy.params["seed"] = 1
    assert base.params == {"temperature": 0}  # (the copy's params are its own)
    assert base.with_options().tools == [WEATHER]  # nothing given: nothing changed
    copy(MESSAGES)
    sent = server.requests[0]
    assert sent.json == {"model": "qwen2.5-7b", "messages": MESSAGES, "stream": False, "temperature": 0, "seed": 1,
                         "response_format": copy.response_format, "top_k": 5}
    assert sent.headers["authorization"] == "Bearer sk-test-0123456789abcdef" and "sk-test" not in repr(copy)


def test_ollama_with_options_is_a_configured_copy(serve):
    server = serve(Reply("{}"), Stream(["{}"]))
    base = ollama(server, num_ctx=8192)
    copy = base.with_options(format=Colour, tools=[WEATHER], extra_body={"keep_alive": "5m"})
    assert (base.format, base.tools, base.extra_body) == (None, None, {})
    copy(MESSAGES)
    list(copy.stream(MESSAGES))
    for request in server.requests:
        assert request.json["format"] == Colour.model_json_schema() and request.json["tools"] == [WEATHER]
        assert request.json["keep_alive"] == "5m" and request.json["options"] == {"num_ctx": 8192}
    assert copy.with_options(format=None).format is None and copy.format == Colour.model_json_schema()


@pytest.mark.parametrize("kw, error", [
    ({"response_format": "json"}, ValueError), ({"tools": WEATHER}, TypeError), ({"tool_choice": 1}, TypeError),
    ({"extra_body": {"messages": []}}, ValueError), ({"temperature": 0}, TypeError),
])
def test_openai_with_options_checks_what_it_is_given(kw, error):
    with pytest.raises(error):
        OpenAICompatible("http://127.0.0.1:1/v1", "m").with_options(**kw)


@pytest.mark.parametrize("kw, error", [
    ({"format": 3}, TypeError), ({"tools": "get_weather"}, TypeError), ({"extra_body": {"model": "x"}}, ValueError),
    ({"response_format": Colour}, TypeError),
])
def test_ollama_with_options_checks_what_it_is_given(kw, error):
    with pytest.raises(error):
        Ollama("http://127.0.0.1:1/api", "m").with_options(**kw)


# --------------------------------------------------------------------------- OpenAI tool calls read back
def test_one_shot_tool_calls_are_the_raw_message_tool_calls(serve):
    server = serve(Reply("", "tool_calls", tool_calls=CALLS), Reply("Let me check.", "tool_calls", tool_calls=CALLS[:1]),
                   Reply("no tools"))
    llm = openai(server, tools=[WEATHER])
    reply = llm(MESSAGES)
    assert (reply.text, reply.finish_reason, reply.tool_calls) == ("", "tool_calls", openai_calls())
    assert json.loads(reply.tool_calls[1]["function"]["arguments"]) == {"city": "Zürich 青"}
    reply = asyncio.run(llm.acall(MESSAGES))
    assert reply.text == "Let me check." and reply.tool_calls == openai_calls(CALLS[:1])
    assert llm(MESSAGES).tool_calls is None


@pytest.mark.parametrize("cut", [None, 1, 5])
def test_streamed_tool_call_deltas_are_handed_over_and_assembled(serve, cut):
    server = serve(Stream(["Checking"], "tool_calls", usage=(9, 4), tool_calls=CALLS, cut=cut))
    seen = []
    stream = openai(server, tools=[WEATHER]).stream(MESSAGES, on_tool_call_delta=seen.append)
    assert list(stream) == ["Checking"]  # tool calls are not text
    assert stream.finish_reason == "tool_calls" and stream.tool_calls == openai_calls()
    assert stream.reply.tool_calls == openai_calls() and stream.reply.text == "Checking"
    assert seen == stream.tool_call_deltas
    assert seen[0] == {"index": 0, "id": "call_a", "type": "function",
                       "function": {"name": "get_weather", "arguments": ""}}
    assert "".join(d["function"]["arguments"] for d in seen if d["index"] == 1) == json.dumps({"city": "Zürich 青"})
    assert len(seen) > 4  # the arguments came in pieces


def test_streamed_tool_call_deltas_come_in_order_with_the_text(serve):
    server = serve(Stream(["a", "b"], "tool_calls", tool_calls=CALLS[:1]))
    order = []
    stream = openai(server).stream(MESSAGES, on_tool_call_delta=lambda d: order.append("delta"))
    for piece in stream:
        order.append(piece)
    assert order[:2] == ["a", "b"] and set(order[2:]) == {"delta"}


def test_async_stream_assembles_tool_calls_too(serve):
    server = serve(Stream([], "tool_calls", tool_calls=CALLS))

    async def go():
        stream = openai(server).astream(MESSAGES)
        return [p async for p in stream], stream

    pieces, stream = asyncio.run(go())
    assert pieces == [] and stream.tool_calls == openai_calls() and stream.text == ""


def test_a_stream_answered_in_one_piece_keeps_its_tool_calls(serve):
    server = serve(Reply("", "tool_calls", tool_calls=CALLS))  # application/json to a stream request
    seen = []
    stream = openai(server).stream(MESSAGES, on_tool_call_delta=seen.append)
    assert list(stream) == [] and stream.tool_calls == openai_calls() and seen == openai_calls()


def test_malformed_tool_call_deltas_say_which(serve):
    from stream_server import Raw

    server = serve(Raw([b'data: {"choices": [{"index": 0, "delta": {"tool_calls": {"index": 0}}}]}\n\n']),
                   Raw([b'data: {"choices": [{"index": 0, "delta": {"tool_calls": [{"index": "0"}]}}]}\n\n']))
    from repair.llm import LLMError

    with pytest.raises(LLMError, match="delta.tool_calls is not a list of objects"):
        list(openai(server).stream(MESSAGES))
    with pytest.raises(LLMError, match="no whole-number index"):
        list(openai(server).stream(MESSAGES))


# --------------------------------------------------------------------------- Ollama
@pytest.mark.parametrize("given, sent", [
    ("json", "json"),
    ({"type": "object", "properties": {"name": {"type": "string"}}}, {"type": "object", "properties": {"name": {"type": "string"}}}),
    (Colour, Colour.model_json_schema()),
], ids=["json", "schema", "pydantic model"])
def test_ollama_format_is_sent_top_level_and_options_stay_options(serve, given, sent):
    server = serve(Reply('{"name": "red"}'), Stream(['{"name": "red"}']))
    llm = ollama(server, format=given, num_ctx=8192, temperature=0)
    assert llm(MESSAGES).text == '{"name": "red"}'
    assert "".join(llm.stream(MESSAGES)) == '{"name": "red"}'
    for request, stream in zip(server.requests, (False, True)):
        assert request.json == {"model": "llama3.1", "messages": MESSAGES, "stream": stream,
                                "options": {"num_ctx": 8192, "temperature": 0}, "format": sent}


def test_ollama_tools_and_their_calls_with_arguments_as_objects(serve):
    server = serve(Reply("", "stop", tool_calls=CALLS), Stream([], "stop", tool_calls=CALLS))
    llm = ollama(server, tools=[WEATHER], extra_body={"keep_alive": "5m"})
    reply = llm(MESSAGES)
    assert reply.tool_calls == [c.ollama() for c in CALLS] and reply.text == ""
    assert reply.tool_calls[1]["function"]["arguments"] == {"city": "Zürich 青"}
    seen = []
    stream = llm.stream(MESSAGES, on_tool_call_delta=seen.append)
    assert list(stream) == [] and stream.tool_calls == [c.ollama() for c in CALLS] == seen
    for request in server.requests:
        assert request.json["tools"] == [WEATHER] and request.json["keep_alive"] == "5m"
        assert "options" not in request.json


def test_ollama_refuses_top_level_fields_given_as_options_and_takes_an_options_dict(serve):
    with pytest.raises(ValueError, match="keep_alive is a top-level field.*extra_body"):
        Ollama("http://127.0.0.1:1/api", "m", keep_alive="5m")
    with pytest.raises(TypeError, match="format"):
        Ollama("http://127.0.0.1:1/api", "m", format=3)
    with pytest.raises(ValueError, match="extra_body cannot set stream"):
        Ollama("http://127.0.0.1:1/api", "m", extra_body={"stream": True})
    assert Ollama("http://127.0.0.1:1/api", "m", options={"num_ctx": 1}, seed=2).options == {"num_ctx": 1, "seed": 2}


# --------------------------------------------------------------------------- the official clients read the same
def test_the_official_openai_client_reads_the_same_tool_calls(serve):
    openai_client = pytest.importorskip("openai", reason="the official openai client is not installed")
    server = serve(Reply("", "tool_calls", tool_calls=CALLS), Stream([], "tool_calls", tool_calls=CALLS, cut=3))
    client = openai_client.OpenAI(base_url=server.openai_url, api_key="k", max_retries=0, timeout=10)
    message = client.chat.completions.create(model="m", messages=MESSAGES, tools=[WEATHER]).choices[0].message
    theirs = [{"id": c.id, "type": c.type, "function": {"name": c.function.name, "arguments": c.function.arguments}}
              for c in message.tool_calls]
    assert message.content is None and theirs == openai_calls()

    with client.chat.completions.stream(model="m", messages=MESSAGES, tools=[WEATHER]) as events:
        final = events.get_final_completion().choices[0].message
    theirs = [{"id": c.id, "type": c.type, "function": {"name": c.function.name, "arguments": c.function.arguments}}
              for c in final.tool_calls]
    server2 = serve(Stream([], "tool_calls", tool_calls=CALLS, cut=3))
    stream = openai(server2).stream(MESSAGES)
    list(stream)
    assert theirs == stream.tool_calls == openai_calls()


def test_the_official_ollama_client_reads_the_same_tool_calls(serve):
    ollama_client = pytest.importorskip("ollama", reason="the official ollama client is not installed")
    server = serve(Reply("", "stop", tool_calls=CALLS), Stream([], "stop", tool_calls=CALLS))
    client = ollama_client.Client(host=server.url, timeout=10)
    response = client.chat(model="m", messages=MESSAGES, tools=[WEATHER], format="json")
    theirs = [{"function": {"name": c.function.name, "arguments": dict(c.function.arguments)}}
              for c in response.message.tool_calls]
    streamed = [c for part in client.chat(model="m", messages=MESSAGES, tools=[WEATHER], stream=True)
                for c in (part.message.tool_calls or [])]
    streamed = [{"function": {"name": c.function.name, "arguments": dict(c.function.arguments)}} for c in streamed]
    ours = [c.ollama() for c in CALLS]
    assert theirs == streamed == ours
    # and the official client sends format and tools top-level, as the adapter does
    sent = server.requests[0].json
    assert sent["format"] == "json" and sent["tools"][0]["function"]["name"] == "get_weather"


# --------------------------------------------------------------------------- from_config
def test_from_config_sets_the_json_modes(tmp_path, monkeypatch, serve):
    from repair.llm import from_config

    monkeypatch.delenv("REPAIR_LLM_API_KEY", raising=False)
    server = serve(Reply("{}"))
    path = tmp_path / "c.yaml"
    path.write_text(f"""
llm:
  api_type: open_llm
  base_url: {server.openai_url}
  model: m
  response_format: json_object
  extra_body: {{guided_json: {{type: object}}}}
  max_response_bytes: 1000000
""")
    llm = from_config(path).llm
    llm(MESSAGES)
    assert server.requests[0].json["response_format"] == {"type": "json_object"}
    assert server.requests[0].json["guided_json"] == {"type": "object"} and llm.max_response_bytes == 1_000_000

    path.write_text(f"llm:\n  api_type: ollama\n  base_url: {server.ollama_url}\n  model: m\n"
                    "  format: {type: object, properties: {a: {type: integer}}}\n  temperature: 0\n")
    llm = from_config(path).llm
    llm(MESSAGES)
    assert server.requests[1].json["format"] == {"type": "object", "properties": {"a": {"type": "integer"}}}
    assert server.requests[1].json["options"] == {"temperature": 0}


@pytest.mark.parametrize("lines, field", [
    ("  api_type: ollama\n  base_url: http://h/api\n  response_format: json_object\n", "llm.format"),
    ("  api_type: open_llm\n  base_url: http://h/v1\n  format: json\n", "llm.response_format"),
    ("  api_type: open_llm\n  base_url: http://h/v1\n  response_format: json\n", "json_object"),
    ("  api_type: open_llm\n  base_url: http://h/v1\n  extra_body: [1]\n", "llm.extra_body"),
    ("  api_type: open_llm\n  base_url: http://h/v1\n  extra_body: {model: x}\n", "extra_body cannot set model"),
    ("  api_type: ollama\n  base_url: http://h/api\n  max_response_bytes: 0\n", "llm.max_response_bytes"),
])
def test_from_config_names_a_bad_mode(tmp_path, lines, field):
    from repair.llm import from_config

    path = tmp_path / "c.yaml"
    path.write_text("llm:\n  model: m\n" + lines)
    with pytest.raises(ValueError) as info:
        from_config(path)
    assert field in str(info.value) and str(path) in str(info.value)
