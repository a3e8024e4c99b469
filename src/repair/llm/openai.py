"""OpenAICompatible: the OpenAI chat-completions protocol (vLLM, FastChat, LLaMA-Factory,
llama.cpp's server, OpenAI itself)."""

from __future__ import annotations

import copy
import re
from typing import TYPE_CHECKING, Any, Union

from ._body import MAX_RESPONSE_BYTES
from ._drive import Driven
from ._protocol import KEEP, JSONObject, Reply, _json_schema, _Keep, _Missing, _Refused, _server_message, _tool_list
from ._secrets import _Secret
from ._stream_protocol import _SSE, _json_object, _Malformed, _Progress, _ServerSaid, _Unit

if TYPE_CHECKING:
    from ._protocol import SchemaSource

    # "json_object" or "text", a whole {"type": ...} object, or a schema (see OpenAICompatible)
    ResponseFormat = Union[str, SchemaSource]
    # "auto", "none", "required", or {"type": "function", "function": {"name": ...}}
    ToolChoice = Union[str, JSONObject]


class OpenAICompatible(Driven):
    """Chat completions over HTTP: vLLM, FastChat, LLaMA-Factory, llama.cpp's server, OpenAI.

    POSTs {"model", "messages", "stream": false, **params} to `{base_url}/chat/completions`,
    with `Authorization: Bearer <api_key>` only when a key is given. `params` are sent as
    they are (temperature, max_tokens, top_p, stop, seed, ...).

    Structured output, sent top-level as the servers expect it:

    - `response_format`: "json_object" (or {"type": "json_object"}), a full
      {"type": "json_schema", "json_schema": {...}} as it is, or a JSON Schema dict or a
      pydantic model, sent as {"type": "json_schema", "json_schema": {"name": <its title>,
      "schema": <the schema>}};
    - `tools` (OpenAI tool definitions) and `tool_choice` ("auto", "none", "required" or
      {"type": "function", "function": {"name": ...}}), passed through; the calls come back
      in `Reply.tool_calls`;
    - `extra_body`: fields merged into the request body last, for what a server adds to the
      protocol, such as vLLM's {"guided_json": <schema>} (model, messages and stream are
      the adapter's own and cannot be set there).

    `stream(messages)` sends "stream": true and reads the Server-Sent Events
    (`data: {chunk}` ... `data: [DONE]`), handing out each `choices[0].delta.content`; it
    asks for the usage with "stream_options": {"include_usage": true} unless `params` has
    its own `stream_options`. Tool-call deltas go to `on_tool_call_delta`, and the calls
    they assemble into are the stream's `tool_calls` once it is done.
    """

    _path = "/chat/completions"
    _protocol = "OpenAI-compatible"
    _hint = "for vLLM, FastChat or LLaMA-Factory something like http://host:8000/v1"
    _accept = "text/event-stream"

    def __init__(self, base_url: str, model: str, api_key: str | None = None, *, timeout: float = 60.0,
                 max_retries: int = 2, backoff: float = 0.5, max_size: int | None = None,
                 max_response_bytes: int | None = MAX_RESPONSE_BYTES, response_format: ResponseFormat | None = None,
                 tools: list[JSONObject] | None = None, tool_choice: ToolChoice | None = None,
                 extra_body: JSONObject | None = None, **params: Any) -> None:
        super().__init__(base_url, model, timeout=timeout, max_retries=max_retries, backoff=backoff,
                         max_size=max_size, max_response_bytes=max_response_bytes)
        self._key = _Secret(api_key) if api_key else None
        self.params = params
        self.response_format = _response_format(response_format)
        self.tools = _tool_list(tools)
        self.tool_choice = _tool_choice(tool_choice)
        self.extra_body = _extra_body(extra_body)

    def with_options(self, *, response_format: ResponseFormat | None | _Keep = KEEP,
                     tools: list[JSONObject] | None | _Keep = KEEP, tool_choice: ToolChoice | None | _Keep = KEEP,
                     extra_body: JSONObject | None | _Keep = KEEP) -> OpenAICompatible:
        """A copy of this adapter with some request fields set (None clears one), checked and
        normalised as the constructor does; the adapter itself is left as it is. For settings
        that differ per call (ActionNode uses it for its modes):

            llm.with_options(response_format=Ticket)(messages)
            llm.with_options(tools=[tool_schema(Ticket)], tool_choice="required").stream(messages)
        """
        other = copy.copy(self)
        other.params = dict(self.params)
        if not isinstance(response_format, _Keep):
            other.response_format = _response_format(response_format)
        if not isinstance(tools, _Keep):
            other.tools = _tool_list(tools)
        if not isinstance(tool_choice, _Keep):
            other.tool_choice = _tool_choice(tool_choice)
        if not isinstance(extra_body, _Keep):
            other.extra_body = _extra_body(extra_body)
        return other

    def _fields(self) -> JSONObject:
        """The request's fields beside model, messages and stream."""
        fields = dict(self.params)
        for name in ("response_format", "tools", "tool_choice"):
            if getattr(self, name, None) is not None:
                fields[name] = getattr(self, name)
        fields.update(getattr(self, "extra_body", None) or {})
        return fields

    def _body(self, messages: list[JSONObject]) -> JSONObject:
        return {"model": self.model, "messages": messages, "stream": False, **self._fields()}

    def _stream_body(self, messages: list[JSONObject]) -> JSONObject:
        body = {"model": self.model, "messages": messages, **self._fields(), "stream": True}
        body.setdefault("stream_options", {"include_usage": True})
        return body

    def _framing(self, max_line: int | None) -> _SSE:
        return _SSE(max_line)

    def _stream_piece(self, unit: _Unit, progress: _Progress) -> str | None:
        """One chat.completion.chunk: text in choices[0].delta.content (role-only and empty
        deltas carry none), finish_reason in the last choice, usage in a chunk of its own."""
        if unit.data.strip() == "[DONE]":
            progress.finished = True
            return None
        chunk = _json_object(unit)
        if chunk.get("error"):
            raise _ServerSaid(_server_message(chunk, unit.data))
        if chunk.get("usage") is not None:
            progress.usage = _openai_usage(chunk["usage"])
        choices = chunk.get("choices")
        if not choices:
            return None  # the usage chunk has "choices": []
        if not isinstance(choices, list) or not all(isinstance(c, dict) for c in choices):
            raise _Malformed(f"{unit.where}: choices is not a list of objects")
        choice = next((c for c in choices if c.get("index", 0) == 0), None)
        if choice is None:
            return None  # another of n choices
        if choice.get("finish_reason") is not None:
            progress.finish_reason = choice["finish_reason"]
        delta = choice.get("delta")
        if delta is None:
            return None
        if not isinstance(delta, dict):
            raise _Malformed(f"{unit.where}: choices[0].delta is not an object")
        if isinstance(delta.get("refusal"), str):
            progress.refusal += delta["refusal"]
        if delta.get("tool_calls") is not None:
            _take_tool_call_deltas(delta["tool_calls"], unit, progress)
        content = delta.get("content")
        if content is not None and not isinstance(content, str):
            raise _Malformed(f"{unit.where}: choices[0].delta.content is not a string")
        return content or None

    def _read(self, data: JSONObject) -> Reply:
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise _Missing("choices[0]")
        choice = choices[0]
        message = choice.get("message")
        if not isinstance(message, dict):
            raise _Missing("choices[0].message")
        content = message.get("content")
        if content is None:
            if message.get("refusal"):
                raise _Refused(str(message["refusal"]))
            if "content" not in message and not message.get("tool_calls"):
                raise _Missing("choices[0].message.content")
            content = ""  # null content (tool calls, or a reasoning model cut off) is an empty answer
        if not isinstance(content, str):
            raise _Missing("choices[0].message.content as a string")
        tool_calls = message.get("tool_calls")
        if tool_calls is not None and not isinstance(tool_calls, list):
            raise _Missing("choices[0].message.tool_calls as a list")
        return Reply(content, choice.get("finish_reason"), _openai_usage(data.get("usage")), tool_calls)

    def __repr__(self) -> str:
        key = "'***'" if self._key is not None else "None"
        return (f"OpenAICompatible(base_url={self._shown_base()!r}, model={self.model!r}, "
                f"api_key={key})")


def _take_tool_call_deltas(deltas: object, unit: _Unit, progress: _Progress) -> None:
    """Record `choices[0].delta.tool_calls` and assemble the calls as the official client does:
    by `index`, `id` and `type` set by the delta that carries them, `function.name` and
    `function.arguments` joined from their pieces."""
    if not isinstance(deltas, list) or not all(isinstance(d, dict) for d in deltas):
        raise _Malformed(f"{unit.where}: choices[0].delta.tool_calls is not a list of objects")
    for delta in deltas:
        index = delta.get("index", 0)
        function = delta.get("function") or {}
        if type(index) is not int or not isinstance(function, dict):
            raise _Malformed(f"{unit.where}: a tool-call delta has no whole-number index or a function that "
                             "is not an object")
        call = progress.tool_calls.setdefault(index, {"id": None, "type": "function",
                                                      "function": {"name": "", "arguments": ""}})
        for key in ("id", "type"):
            if isinstance(delta.get(key), str) and delta[key]:
                call[key] = delta[key]
        for key in ("name", "arguments"):
            piece = function.get(key)
            if piece is not None and not isinstance(piece, str):
                raise _Malformed(f"{unit.where}: a tool-call delta's function.{key} is not a string")
            call["function"][key] += piece or ""
        progress.deltas.append(delta)


def _response_format(value: ResponseFormat | None) -> JSONObject | None:
    """The response_format to send: see OpenAICompatible."""
    if value is None:
        return None
    if isinstance(value, str):
        if value not in ("json_object", "text"):
            raise ValueError(f'response_format as a string must be "json_object" or "text", not {value!r}')
        return {"type": value}
    if isinstance(value, dict) and value.get("type") in ("json_object", "json_schema", "text"):
        return dict(value)
    schema = _json_schema(value, "response_format")
    name = re.sub(r"[^A-Za-z0-9_-]", "_", str(schema.get("title") or "response"))[:64]
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema}}


def _tool_choice(value: ToolChoice | None) -> ToolChoice | None:
    if value is not None and not isinstance(value, (str, dict)):
        raise TypeError('tool_choice must be "auto", "none", "required" or a dict naming the function')
    return value


def _extra_body(value: JSONObject | None) -> JSONObject:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError("extra_body must be a dict of fields to add to the request body")
    own = sorted({"model", "messages", "stream"} & set(value))
    if own:
        raise ValueError(f"extra_body cannot set {', '.join(own)}: the adapter sends those itself")
    return dict(value)


def _openai_usage(usage: object) -> dict[str, int] | None:
    if not isinstance(usage, dict):
        return None
    prompt = usage.get("prompt_tokens")
    completion = usage.get("completion_tokens")
    prompt = prompt if isinstance(prompt, int) else 0
    completion = completion if isinstance(completion, int) else 0
    total = usage.get("total_tokens")
    total = total if isinstance(total, int) else prompt + completion
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": total}
