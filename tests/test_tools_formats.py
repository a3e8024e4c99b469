"""repair.tools.parse_tool_calls: every source format, several calls, broken arguments.

Test names start with the format they cover (openai_, hermes_, mistral_, react_,
qwen_agent_, bare_), so `pytest -k hermes` runs one format.
"""

from __future__ import annotations

import json

import pytest

import repair
from repair import RepairError
from repair.tools import ToolCall, parse_tool_calls


def codes(call: ToolCall) -> list[str]:
    return [s.code for s in call.steps]


def simple(calls) -> list:
    return [(c.name, c.arguments) for c in calls]


def message(*calls, content=None) -> dict:
    return {"role": "assistant", "content": content, "tool_calls": [
        {"id": f"call_{name}", "type": "function", "function": {"name": name, "arguments": arguments}}
        for name, arguments in calls
    ]}


# ---------------------------------------------------------------------- OpenAI responses

def test_openai_response_with_two_calls():
    response = {"id": "chatcmpl-1", "object": "chat.completion", "choices": [{
        "index": 0, "finish_reason": "tool_calls",
        "message": message(("get_weather", '{"city": "Paris"}'), ("get_time", '{"tz": "CET"}')),
    }]}
    calls = parse_tool_calls(response)
    assert simple(calls) == [("get_weather", {"city": "Paris"}), ("get_time", {"tz": "CET"})]
    assert [c.id for c in calls] == ["call_get_weather", "call_get_time"]
    assert all(c.steps == () and c.span is None for c in calls)
    assert calls[0].raw == '{"city": "Paris"}'


def test_openai_message_alone_and_client_objects():
    class Dumped:  # what the official client's pydantic objects offer
        def __init__(self, data):
            self.data = data

        def model_dump(self):
            return self.data

    msg = message(("search", '{"q": "x"}'))
    assert simple(parse_tool_calls(msg)) == [("search", {"q": "x"})]
    assert simple(parse_tool_calls(Dumped(msg))) == [("search", {"q": "x"})]


def test_openai_message_without_calls_gives_none():
    assert parse_tool_calls({"role": "assistant", "content": "Hello!"}) == []
    assert parse_tool_calls({"role": "assistant", "content": None, "tool_calls": []}) == []
    assert parse_tool_calls({"choices": []}) == []


def test_openai_legacy_function_call():
    msg = {"role": "assistant", "content": None, "function_call": {"name": "f", "arguments": "{'a': True}"}}
    (call,) = parse_tool_calls(msg)
    assert (call.id, call.name, call.arguments) == ("call_0", "f", {"a": True})
    assert codes(call) == ["repair_single_quotes", "repair_python_literal"]


def test_openai_list_of_tool_calls_items():
    items = [{"id": "c1", "function": {"name": "a", "arguments": "{}"}},
             {"id": "c2", "function": {"name": "b", "arguments": '{"x": [1, 2,]}'}}]
    calls = parse_tool_calls(items)
    assert simple(calls) == [("a", {}), ("b", {"x": [1, 2]})]
    assert codes(calls[1]) == ["repair_trailing_comma"]


def test_openai_ollama_arguments_as_a_dict():
    msg = {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "f", "arguments": {"n": 1}}}]}
    (call,) = parse_tool_calls(msg)
    assert call.arguments == {"n": 1} and call.steps == () and call.raw == '{"n": 1}'


@pytest.mark.parametrize("arguments,value,expected", [
    ('{"city": "Paris", "unit": "C"', {"city": "Paris", "unit": "C"}, ["repair_missing_bracket"]),
    ('{"city": "Par', {"city": "Par"}, ["repair_truncated", "repair_missing_bracket"]),
    ("{'city': 'Paris'}", {"city": "Paris"}, ["repair_single_quotes"] * 2),
    ('```json\n{"city": "Paris"}\n```', {"city": "Paris"}, ["repair_markdown_fence"]),
    ('{"ok": True, "none": None}', {"ok": True, "none": None}, ["repair_python_literal"] * 2),
    ('"{\\"city\\": \\"Paris\\"}"', {"city": "Paris"}, ["repair_string_json"]),
    ('"\\"{\\\\\\"a\\\\\\": 1}\\""', {"a": 1}, ["repair_string_json", "repair_string_json"]),
    ('{\\"city\\": \\"Paris\\"}', {"city": "Paris"}, ["repair_escaped_json"]),
    ('[{"city": "Paris"}]', {"city": "Paris"}, ["repair_unwrap_list"]),
    ('{"a": 1 "b": 2}', {"a": 1, "b": 2}, ["repair_missing_comma"]),
    ('{city: "Paris" // done\n}', {"city": "Paris"}, ["repair_unquoted_key", "repair_comment"]),
    ("", {}, []),
    ("null", {}, []),
], ids=["unclosed", "cut-in-string", "single-quoted", "fenced", "python-literals", "string-holding-json",
        "encoded-twice", "escaped", "one-item-list", "missing-comma", "unquoted-and-comment", "empty", "null"])
def test_openai_broken_arguments(arguments, value, expected):
    (call,) = parse_tool_calls(message(("f", arguments)))
    assert call.arguments == value
    assert codes(call) == expected


def test_openai_lossy_arguments_say_so():
    (call,) = parse_tool_calls(message(("f", '{"city": "Par')))
    assert call.lossy and call.changed
    (call,) = parse_tool_calls(message(("f", '{"city": "Paris"')))
    assert not call.lossy and call.changed


def test_openai_step_positions_are_in_the_arguments_string():
    (call,) = parse_tool_calls(message(("f", '{\n  "a": 1,\n  "b": [1, 2,]\n}')))
    (step,) = call.steps
    assert (step.code, step.line, step.col) == ("repair_trailing_comma", 3, 13)
    assert call.raw[step.pos] == ","


@pytest.mark.parametrize("arguments,message_part", [
    ("[1, 2]", "they are a list, not an object"),
    ('"Paris"', "they are a string, not an object"),
    ("42", "they are a number, not an object"),
    ("I cannot call this tool", "no JSON value found"),
])
def test_openai_arguments_that_are_no_object_are_refused(arguments, message_part):
    with pytest.raises(RepairError) as err:
        parse_tool_calls(message(("lookup", arguments)))
    assert "the arguments of tool 'lookup' cannot be read" in str(err.value)
    assert message_part in str(err.value)


@pytest.mark.parametrize("source,message_part", [
    ({"choices": "x"}, "'choices' is not a list"),
    ({"role": "assistant", "tool_calls": {"a": 1}}, "'tool_calls' is a dict, not a list"),
    ([{"function": {"arguments": "{}"}}], "tool call 0 has no name"),
    ([["a"]], "tool call 0 is a list, not an object"),
    ([{"id": "x", "function": {"name": "a", "arguments": "{}"}}, {"id": "x", "function": {"name": "b", "arguments": "{}"}}],
     "the same id 'x'"),
    ([{"function": {"name": " ", "arguments": "{}"}}], "has no name"),
])
def test_openai_malformed_sources_are_refused_clearly(source, message_part):
    with pytest.raises(RepairError) as err:
        parse_tool_calls(source)
    assert message_part in str(err.value)
    assert "(at " in str(err.value)


def test_openai_strict_refuses_a_cut_argument():
    with pytest.raises(RepairError) as err:
        parse_tool_calls(message(("f", '{"q": "cut of')), strict=True)
    assert err.value.kind == "lossy_refused" and "repair_truncated" in str(err.value)
    assert simple(parse_tool_calls(message(("f", '{"q": 1')), strict=True)) == [("f", {"q": 1})]


def test_openai_content_holding_hermes_calls():
    # a server without a tool parser hands the model's text back as content
    msg = {"role": "assistant", "content": '<tool_call>\n{"name": "f", "arguments": {"a": 1}}\n</tool_call>'}
    assert simple(parse_tool_calls(msg)) == [("f", {"a": 1})]


def test_openai_ids_are_generated_stably():
    msg = {"role": "assistant", "tool_calls": [{"function": {"name": "a", "arguments": "{}"}},
                                               {"function": {"name": "b", "arguments": "{}"}}]}
    assert [c.id for c in parse_tool_calls(msg)] == ["call_0", "call_1"]
    assert parse_tool_calls(msg) == parse_tool_calls(msg)


def test_openai_to_dict_round_trips():
    (call,) = parse_tool_calls(message(("f", "{'a': 'é'}")))
    again = parse_tool_calls([call.to_dict()])
    assert simple(again) == [("f", {"a": "é"})] and again[0].steps == () and again[0].id == "call_f"


# ---------------------------------------------------------------------- Hermes / Qwen tags

def test_hermes_two_blocks_last_one_cut_off():
    text = ('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>\n'
            '<tool_call>\n{"name": "get_time", "arguments": {"tz": "CE')
    calls = parse_tool_calls(text)
    assert simple(calls) == [("get_weather", {"city": "Paris"}), ("get_time", {"tz": "CE"})]
    assert calls[0].steps == ()
    assert calls[0].raw.startswith("<tool_call>") and calls[0].raw.endswith("</tool_call>")
    assert calls[0].span == (0, len(calls[0].raw))
    assert {"repair_truncated", "repair_missing_bracket", "repair_xml_tag"} <= set(codes(calls[1]))
    assert text[calls[1].span[0]:calls[1].span[1]] == calls[1].raw


def test_hermes_with_think_block_and_prose():
    text = ('<think>Maybe <tool_call>{"name": "draft", "arguments": {}}</tool_call>?</think>\n'
            'I will look it up.\n<tool_call>{"name": "search", "arguments": {"q": "x"}}</tool_call>')
    assert simple(parse_tool_calls(text)) == [("search", {"q": "x"})]


def test_hermes_single_quotes_and_python_literals_in_the_block():
    (call,) = parse_tool_calls("<tool_call>{'name': 'f', 'arguments': {'flag': True, 'x': None}}</tool_call>")
    assert call.arguments == {"flag": True, "x": None}
    assert "repair_python_literal" in codes(call) and "repair_single_quotes" in codes(call)


def test_hermes_arguments_written_as_a_json_string():
    (call,) = parse_tool_calls('<tool_call>{"name": "f", "arguments": "{\\"a\\": 1}"}</tool_call>')
    assert call.arguments == {"a": 1} and codes(call) == ["repair_string_json"]


def test_hermes_fence_inside_the_tag_and_function_call_tag():
    text = '<function_call>\n```json\n{"name": "f", "arguments": {"a": 1}}\n```\n</function_call>'
    (call,) = parse_tool_calls(text)
    assert call.arguments == {"a": 1} and "repair_markdown_fence" in codes(call)


def test_hermes_step_positions_are_in_the_block():
    text = 'Sure.\n<tool_call>{"name": "f", "arguments": {"a": [1, 2,]}}</tool_call>'
    (call,) = parse_tool_calls(text)
    (step,) = call.steps
    assert step.code == "repair_trailing_comma" and call.raw[step.pos] == ","
    assert call.span[0] == text.index("<tool_call>")


def test_hermes_block_with_a_list_of_calls():
    text = '<tool_call>[{"name": "a", "arguments": {"x": 1,}}, {"name": "b", "arguments": {"y": 2}}]</tool_call>'
    a, b = parse_tool_calls(text)
    assert simple([a, b]) == [("a", {"x": 1}), ("b", {"y": 2})]
    assert codes(a) == ["repair_trailing_comma"] and codes(b) == []


def test_hermes_parameters_key_and_key_spellings():
    (call,) = parse_tool_calls('<tool_call>{"name": "f", "parameters": {"a": 1}}</tool_call>')
    assert call.arguments == {"a": 1} and call.steps == ()
    (call,) = parse_tool_calls('<tool_call>{"Name": "f", "args": {"a": 1}}</tool_call>')
    assert call.arguments == {"a": 1}
    assert sorted(s.path for s in call.steps) == ["$.arguments", "$.name"]


def test_hermes_block_without_a_value_is_refused_where_it_is():
    text = "Calling now.\n<tool_call>get_weather(city=Paris)</tool_call>"
    with pytest.raises(RepairError) as err:
        parse_tool_calls(text)
    assert "the <tool_call> block holds no JSON value" in str(err.value)
    assert (err.value.lineno, err.value.colno) == (2, 12)


def test_hermes_block_without_a_name_is_refused():
    with pytest.raises(RepairError, match="holds no tool call"):
        parse_tool_calls('<tool_call>{"arguments": {"a": 1}}</tool_call>')


def test_hermes_bytes_source():
    assert simple(parse_tool_calls('<tool_call>{"name": "f", "arguments": {"s": "é"}}</tool_call>'.encode())) == [("f", {"s": "é"})]


# ---------------------------------------------------------------------- Mistral

def test_mistral_list_of_calls():
    text = '[TOOL_CALLS] [{"name": "a", "arguments": {"x": 1}, "id": "abc123def"}, {"name": "b", "arguments": {"y": 2}}]'
    a, b = parse_tool_calls(text)
    assert simple([a, b]) == [("a", {"x": 1}), ("b", {"y": 2})]
    assert (a.id, b.id) == ("abc123def", "call_1")
    assert a.raw == b.raw == text and a.span == (0, len(text))


def test_mistral_list_cut_off_in_the_second_call():
    text = '[TOOL_CALLS] [{"name": "a", "arguments": {"x": 1}}, {"name": "b", "arguments": {"y": "cu'
    a, b = parse_tool_calls(text)
    assert a.steps == () and b.arguments == {"y": "cu"} and b.lossy


def test_mistral_list_steps_go_to_their_call():
    text = "[TOOL_CALLS] [{'name': 'a', 'arguments': {}}, {\"name\": \"b\", \"arguments\": {\"v\": [1,]}}]"
    a, b = parse_tool_calls(text)
    assert set(codes(a)) == {"repair_single_quotes"} and codes(b) == ["repair_trailing_comma"]


def test_mistral_v11_name_and_args_markers():
    text = '[TOOL_CALLS]get_weather[ARGS]{"city": "Paris"}[TOOL_CALLS]get_time[ARGS]{"tz": "CET"}'
    calls = parse_tool_calls(text)
    assert simple(calls) == [("get_weather", {"city": "Paris"}), ("get_time", {"tz": "CET"})]
    assert calls[1].raw == '[TOOL_CALLS]get_time[ARGS]{"tz": "CET"}'


def test_mistral_v11_without_args_marker_and_with_call_id():
    assert simple(parse_tool_calls('[TOOL_CALLS]f{"a": 1}')) == [("f", {"a": 1})]
    (call,) = parse_tool_calls('[TOOL_CALLS]f[CALL_ID]x1y2z3w4q[ARGS]{"a": 1}')
    assert call.id == "x1y2z3w4q"


def test_mistral_v11_cut_off_arguments():
    (call,) = parse_tool_calls("[TOOL_CALLS]search[ARGS]{'q': 'weather in")
    assert call.arguments == {"q": "weather in"}
    step = next(s for s in call.steps if s.code == "repair_single_quotes")
    assert call.raw[step.pos] == "'"


def test_mistral_single_object_after_marker():
    assert simple(parse_tool_calls('[TOOL_CALLS] {"name": "f", "arguments": {}}')) == [("f", {})]


@pytest.mark.parametrize("text,message_part", [
    ("[TOOL_CALLS]", "followed by neither a list of calls nor a tool name"),
    ("[TOOL_CALLS] ???", "followed by neither"),
    ("[TOOL_CALLS]f[ARGS] nothing here", "the arguments of tool 'f' after [TOOL_CALLS] cannot be read"),
])
def test_mistral_unreadable_is_refused(text, message_part):
    with pytest.raises(RepairError) as err:
        parse_tool_calls(text)
    assert message_part in str(err.value)


# ---------------------------------------------------------------------- ReAct

REACT = """Thought: I should look up the weather first.
Action: get_weather
Action Input: {"city": "Paris"}
Observation: {"temp": 21}
Thought: Now the time.
Action: get_time
Action Input: {'tz': 'CET'}
"""


def test_react_several_steps():
    a, b = parse_tool_calls(REACT)
    assert simple([a, b]) == [("get_weather", {"city": "Paris"}), ("get_time", {"tz": "CET"})]
    assert a.steps == () and a.raw == 'Action: get_weather\nAction Input: {"city": "Paris"}'
    assert REACT[b.span[0]:b.span[1]] == b.raw
    assert set(codes(b)) == {"repair_single_quotes"}
    assert all(b.raw[s.pos] == "'" for s in b.steps)


def test_react_single_action_cut_off():
    (call,) = parse_tool_calls('Thought: search.\nAction: search\nAction Input: {"query": "population of Reyk')
    assert call.arguments == {"query": "population of Reyk"} and call.lossy


def test_react_name_in_backticks_is_a_step():
    (call,) = parse_tool_calls('Action: `search`\nAction Input: {"q": 1}')
    assert call.name == "search" and codes(call) == ["repair_markdown_value"]
    assert call.steps[0].path == "$.name"


def test_react_fenced_input_and_final_answer():
    text = 'Action: calc\nAction Input: ```json\n{"expr": "1+1"}\n```\nObservation: 2\nThought: done\nFinal Answer: 2'
    (call,) = parse_tool_calls(text)
    assert call.arguments == {"expr": "1+1"} and codes(call) == ["repair_markdown_fence"]


def test_react_final_answer_only_has_no_calls():
    assert parse_tool_calls("Thought: I know this.\nFinal Answer: 42") == []


def test_react_input_without_json_is_refused_where_it_is():
    with pytest.raises(RepairError) as err:
        parse_tool_calls("Thought: x\nAction: search\nAction Input: Paris weather\nObservation: {\"a\": 1}")
    assert "the Action Input of 'search' holds no JSON value" in str(err.value)
    assert err.value.lineno == 3


def test_react_modelscope_style_lowercase_and_spacing():
    (call,) = parse_tool_calls('action:  modelscope_text-ie \naction input:   {"text": "x", "schema": {"人物": null}}')
    assert call.name == "modelscope_text-ie" and call.arguments == {"text": "x", "schema": {"人物": None}}


# ---------------------------------------------------------------------- Qwen-Agent markers

def test_qwen_agent_function_and_args_markers():
    text = '✿FUNCTION✿: get_weather\n✿ARGS✿: {"city": "Paris"}\n✿RESULT✿: sunny\n✿FUNCTION✿: get_time\n✿ARGS✿: {"tz": "CET"'
    calls = parse_tool_calls(text)
    assert simple(calls) == [("get_weather", {"city": "Paris"}), ("get_time", {"tz": "CET"})]
    assert codes(calls[1]) == ["repair_missing_bracket"]


# ---------------------------------------------------------------------- bare objects

def test_bare_object_with_prose_and_fence():
    (call,) = parse_tool_calls('Here you go:\n```json\n{"name": "f", "arguments": {"a": 1}}\n```')
    assert call.arguments == {"a": 1} and "repair_markdown_fence" in codes(call)


def test_bare_llama_parameters_form():
    (call,) = parse_tool_calls('{"name": "get_weather", "parameters": {"city": "Paris"}}')
    assert (call.name, call.arguments, call.steps) == ("get_weather", {"city": "Paris"}, ())


def test_bare_list_of_calls_and_dict_source():
    text = '[{"name": "a", "arguments": {"x": 1}}, {"name": "b", "arguments": {}}]'
    assert simple(parse_tool_calls(text)) == [("a", {"x": 1}), ("b", {})]
    assert simple(parse_tool_calls({"name": "a", "arguments": '{"x": 1}'})) == [("a", {"x": 1})]
    assert simple(parse_tool_calls({"type": "function", "function": {"name": "a", "arguments": "{}"}})) == [("a", {})]


def test_bare_two_objects_one_per_line():
    text = '{"name": "a", "arguments": {"x": 1}}\n{"name": "b", "arguments": {"y": 2}}\n'
    assert simple(parse_tool_calls(text)) == [("a", {"x": 1}), ("b", {"y": 2})]


def test_bare_python_dict_repr():
    (call,) = parse_tool_calls("{'name': 'f', 'arguments': {'when': None, 'ok': False}}")
    assert call.arguments == {"when": None, "ok": False}


def test_bare_values_that_are_not_calls_are_ignored():
    assert parse_tool_calls('{"name": "Ada", "age": 3}') == []
    assert parse_tool_calls("The answer is 42.") == []
    assert parse_tool_calls("") == []
    assert parse_tool_calls("   ") == []


def test_wrong_source_type_is_a_type_error():
    with pytest.raises(TypeError, match="not int"):
        parse_tool_calls(42)


def test_top_level_names():
    assert repair.parse_tool_calls is parse_tool_calls
    assert repair.ToolCall is ToolCall
    assert repair.tools.tool_schema is repair.tool_schema


def test_repr_and_json_of_a_call():
    (call,) = parse_tool_calls(message(("f", "{'a': 1}")))
    assert "ToolCall(id='call_f', name='f'" in repr(call)
    assert json.loads(call.to_dict()["function"]["arguments"]) == {"a": 1}


def test_qwen_agent_single_quotes_and_no_input():
    (call,) = parse_tool_calls("\u273fFUNCTION\u273f: `image_gen`\n\u273fARGS\u273f: {'prompt': 'a cat', 'n': 2,}")
    assert (call.name, call.arguments) == ("image_gen", {"prompt": "a cat", "n": 2})
    assert {"repair_single_quotes", "repair_trailing_comma", "repair_markdown_value"} <= set(codes(call))
    with pytest.raises(RepairError, match="the Action Input of 'image_gen' holds no JSON value"):
        parse_tool_calls("\u273fFUNCTION\u273f: image_gen\n\u273fARGS\u273f: a cat\n\u273fRESULT\u273f: ok")


def test_qwen_agent_with_tools():
    tool = {"name": "image_gen", "parameters": {"type": "object", "properties": {"prompt": {"type": "string"}}}}
    (call,) = parse_tool_calls('\u273fFUNCTION\u273f: ImageGen\n\u273fARGS\u273f: {"Prompt": "a cat"}', [tool])
    assert (call.name, call.arguments) == ("image_gen", {"prompt": "a cat"})


def test_hermes_cut_inside_a_key_of_the_arguments():
    (call,) = parse_tool_calls('<tool_call>\n{"name": "f", "arguments": {"a": 1, "lo')
    assert call.arguments == {"a": 1, "lo": None} and call.lossy  # (the engine's policy for a cut key)


def test_react_action_counts_only_at_a_line_start():
    text = 'We took no Action: none\nAction Input: {"a": 1}\n  Action: real\n  Action Input: {"b": 2}'
    assert simple(parse_tool_calls(text)) == [("real", {"b": 2})]
