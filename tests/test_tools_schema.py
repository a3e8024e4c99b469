"""repair.tools with `tools`: names matched or refused, arguments aligned and validated
for OpenAI definitions, pydantic models and typed functions; tool_schema; strict mode."""

from __future__ import annotations

from typing import Annotated, Literal, Optional

import pytest
from pydantic import BaseModel, Field

from repair import RepairError, ValidationFailed
from repair.tools import parse_tool_calls, tool_schema


class GetWeather(BaseModel):
    """Current weather for a city."""

    city: str = Field(description="City name, in English")
    unit: Literal["celsius", "fahrenheit"] = "celsius"
    days: int = 1


def get_time(tz: str, twenty_four_hour: bool = True, note: Optional[str] = None) -> str:
    """The time now in a time zone.

    Args:
        tz: IANA zone name,
            e.g. Europe/Paris
        twenty_four_hour (bool): use a 24-hour clock

    Returns:
        the time
    """
    return tz


def book(room: Annotated[str, Field(description="Room id")], *args, people: int = 2, **kwargs) -> None:
    pass


SEARCH = {"type": "function", "function": {
    "name": "search_web", "description": "Search the web",
    "parameters": {"type": "object", "properties": {
        "query": {"type": "string"}, "max_results": {"type": "integer"},
        "safe": {"type": "string", "enum": ["off", "moderate", "strict"]},
    }, "required": ["query"], "additionalProperties": False},
}}

TOOLS = [GetWeather, get_time, SEARCH]


def call(name, arguments, tools=TOOLS, **kw):
    (got,) = parse_tool_calls({"role": "assistant", "tool_calls": [{"id": "c", "function": {"name": name, "arguments": arguments}}]},
                              tools, **kw)
    return got


def codes(c):
    return [s.code for s in c.steps]


# ---------------------------------------------------------------------- tool_schema

def test_tool_schema_of_a_pydantic_model():
    d = tool_schema(GetWeather)
    assert d["type"] == "function"
    f = d["function"]
    assert (f["name"], f["description"]) == ("GetWeather", "Current weather for a city.")
    assert f["parameters"]["required"] == ["city"]
    assert f["parameters"]["properties"]["city"]["description"] == "City name, in English"
    assert "title" not in f["parameters"]


def test_tool_schema_of_a_typed_function():
    f = tool_schema(get_time)["function"]
    assert f["name"] == "get_time" and f["description"] == "The time now in a time zone."
    params = f["parameters"]
    assert params["required"] == ["tz"]
    assert params["properties"]["tz"]["description"] == "IANA zone name, e.g. Europe/Paris"
    assert params["properties"]["twenty_four_hour"]["description"] == "use a 24-hour clock"
    assert params["properties"]["twenty_four_hour"]["type"] == "boolean"


def test_tool_schema_keeps_annotated_descriptions_and_skips_star_args():
    params = tool_schema(book)["function"]["parameters"]
    assert set(params["properties"]) == {"room", "people"}
    assert params["properties"]["room"]["description"] == "Room id"
    assert params["required"] == ["room"]
    assert "description" not in tool_schema(book)["function"]


def test_tool_schema_of_definitions_and_bad_objects():
    assert tool_schema(SEARCH) == SEARCH
    assert tool_schema(SEARCH["function"]) == SEARCH
    for bad in (42, {"function": {"parameters": {}}}, {"name": "f", "parameters": "x"}):
        with pytest.raises(TypeError):
            tool_schema(bad)


# ---------------------------------------------------------------------- names

ARGUMENTS = {"GetWeather": '{"city": "Paris"}', "get_time": '{"tz": "CET"}', "search_web": '{"query": "x"}'}

@pytest.mark.parametrize("written,tool,code", [
    ("get_weather", "GetWeather", "repair_key_convention"),
    ("getweather", "GetWeather", "repair_key_case"),
    ("GET_TIME", "get_time", "repair_key_case"),
    ("getTime", "get_time", "repair_key_convention"),
    ("serch_web", "search_web", "repair_key_typo"),
    ("functions.search_web", "search_web", "repair_key_convention"),
])
def test_unknown_names_matched_as_keys_are(written, tool, code):
    c = call(written, ARGUMENTS[tool])
    assert c.name == tool
    name_steps = [s for s in c.steps if s.path == "$.name"]
    assert [s.code for s in name_steps] == [code]
    assert name_steps[0].found == written and name_steps[0].put == tool


def test_exact_name_takes_no_step():
    assert codes(call("get_time", '{"tz": "CET"}')) == []


@pytest.mark.parametrize("written", ["delete_everything", "get", "weather_get_now_please"])
def test_unknown_name_refused_naming_the_tools(written):
    with pytest.raises(RepairError) as err:
        call(written, "{}")
    assert err.value.kind == "validation"
    assert f"unknown tool {written!r}" in str(err.value)
    assert "'GetWeather', 'get_time', 'search_web'" in str(err.value)


def test_ambiguous_typo_is_refused():
    tools = [{"name": "read_file", "parameters": {}}, {"name": "read_fill", "parameters": {}}]
    with pytest.raises(RepairError, match="unknown tool 'read_fila'"):
        call("read_fila", "{}", tools=tools)


def test_strict_refuses_a_typo_name_but_not_a_case_change():
    with pytest.raises(RepairError) as err:
        call("serch_web", '{"query": "x"}', strict=True)
    assert err.value.kind == "lossy_refused"
    assert call("Search_Web", '{"query": "x"}', strict=True).name == "search_web"


# ---------------------------------------------------------------------- alignment

def test_pydantic_tool_aligned_and_parsed():
    c = call("GetWeather", '{"City": "Paris", "Unit": "Celsius", "days": "3"}')
    assert c.arguments == {"city": "Paris", "unit": "celsius", "days": 3}
    assert isinstance(c.parsed, GetWeather) and c.parsed.days == 3
    assert {"repair_key_case", "repair_enum_match", "repair_coerce_number"} <= set(codes(c))
    assert all(s.path.startswith("$.arguments.") for s in c.steps)


def test_function_tool_parsed_as_keyword_arguments():
    c = call("get_time", "{'TZ': 'CET', 'twentyFourHour': 'no'}")
    assert c.arguments == {"tz": "CET", "twenty_four_hour": False}
    assert c.parsed == {"tz": "CET", "twenty_four_hour": False, "note": None}
    assert get_time(**c.parsed) == "CET"


def test_definition_tool_drops_unknown_keys_as_lossy():
    c = call("search_web", '{"query": "x", "maxResults": "5", "safe": "Moderate", "junk": 1}')
    assert c.arguments == {"query": "x", "max_results": 5, "safe": "moderate"}
    assert "repair_extra_key" in codes(c) and c.lossy
    assert c.parsed == c.arguments
    with pytest.raises(RepairError, match="repair_extra_key"):
        call("search_web", '{"query": "x", "junk": 1}', strict=True)


def test_alignment_on_a_hermes_text():
    text = '<tool_call>{"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\", \\"days\\": \\"2 days\\"}"}</tool_call>'
    (c,) = parse_tool_calls(text, TOOLS)
    assert (c.name, c.arguments) == ("GetWeather", {"city": "Paris", "days": 2})
    assert codes(c)[0] == "repair_string_json"


def test_alignment_of_cut_off_arguments():
    c = call("search_web", '{"query": "weather in Par')
    assert c.arguments == {"query": "weather in Par"} and "repair_truncated" in codes(c)


def test_arguments_that_do_not_fit_raise_validation_failed():
    with pytest.raises(ValidationFailed) as err:
        call("GetWeather", '{"unit": "kelvin"}')
    locs = sorted(e["loc"] for e in err.value.errors)
    assert locs == [("arguments", "city"), ("arguments", "unit")]
    assert err.value.value == {"unit": "kelvin"}


def test_a_single_tool_may_be_given_alone():
    (c,) = parse_tool_calls('{"name": "get_time", "arguments": {"tz": "UTC"}}', get_time)
    assert c.parsed["tz"] == "UTC"


def test_two_tools_with_one_name_are_refused():
    with pytest.raises(RepairError, match="two tools are named 'search_web'"):
        parse_tool_calls("", [SEARCH, SEARCH])


def test_a_tool_that_is_neither_is_a_type_error():
    with pytest.raises(TypeError, match="not int"):
        parse_tool_calls("", [42])


def test_definition_without_parameters_takes_any_object():
    (c,) = parse_tool_calls({"name": "ping", "arguments": '{"a": 1}'}, [{"type": "function", "function": {"name": "ping"}}])
    assert c.arguments == {"a": 1} and c.steps == ()
