"""Ollama: Ollama's native /api/chat protocol."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any, Union

from ._body import MAX_RESPONSE_BYTES
from ._drive import Driven
from ._protocol import KEEP, JSONObject, Reply, _json_schema, _Keep, _Missing, _server_message, _tool_list
from ._stream_protocol import _NDJSON, _json_object, _Malformed, _Progress, _ServerSaid, _Unit

if TYPE_CHECKING:
    from ._protocol import SchemaSource

    # "json", or a schema (Ollama's structured outputs)
    Format = Union[str, SchemaSource]


class Ollama(Driven):
    """Ollama's native chat API.

    POSTs {"model", "messages", "stream": false, "options": {...}} to `{base_url}/chat`
    (base_url like http://127.0.0.1:11434/api); `options` are Ollama's model options
    (temperature, num_ctx, num_predict, seed, ...) and are left out when none are given.
    `done_reason` becomes `finish_reason`, prompt_eval_count and eval_count become usage.

    Sent top-level, beside `options`: `format` ("json", or a JSON Schema dict or a pydantic
    model for its schema: Ollama's structured outputs), `tools` (tool definitions, as
    OpenAI's; the calls come back in `Reply.tool_calls`, each `function.arguments` an
    object), and `extra_body`, fields merged into the body last (keep_alive, think, ...).
    A top-level field given as a model option is refused, as Ollama would ignore it.

    `stream(messages)` sends "stream": true and reads the newline-delimited JSON answer,
    one object a line, handing out each `message.content` until the line with "done": true;
    tool calls arrive whole in a line's `message.tool_calls`.
    """

    _path = "/chat"
    _protocol = "Ollama"
    _hint = "for Ollama http://127.0.0.1:11434/api"
    _accept = "application/x-ndjson"

    def __init__(self, base_url: str, model: str, *, timeout: float = 60.0, max_retries: int = 2,
                 backoff: float = 0.5, max_size: int | None = None,
                 max_response_bytes: int | None = MAX_RESPONSE_BYTES, format: Format | None = None,
                 tools: list[JSONObject] | None = None, extra_body: JSONObject | None = None,
                 **options: Any) -> None:
        super().__init__(base_url, model, timeout=timeout, max_retries=max_retries, backoff=backoff,
                         max_size=max_size, max_response_bytes=max_response_bytes)
        if isinstance(options.get("options"), dict):  # options={...} rather than keywords: the same
            options = {**options.pop("options"), **options}
        misplaced = sorted(_TOP_LEVEL & set(options))
        if misplaced:
            raise ValueError(f"{', '.join(misplaced)} is a top-level field of Ollama's /api/chat, not a model "
                             "option: pass it in extra_body={...}, where it is sent as it is")
        self.options = options
        self.format = _format(format)
        self.tools = _tool_list(tools)
        self.extra_body = _extra_body(extra_body)

    def with_options(self, *, format: Format | None | _Keep = KEEP, tools: list[JSONObject] | None | _Keep = KEEP,
                     extra_body: JSONObject | None | _Keep = KEEP) -> Ollama:
        """A copy of this adapter with some request fields set (None clears one), checked and
        normalised as the constructor does; the adapter itself is left as it is:

            llm.with_options(format=Ticket)(messages)
        """
        other = copy.copy(self)
        other.options = dict(self.options)
        if not isinstance(format, _Keep):
            other.format = _format(format)
        if not isinstance(tools, _Keep):
            other.tools = _tool_list(tools)
        if not isinstance(extra_body, _Keep):
            other.extra_body = _extra_body(extra_body)
        return other

    def _body(self, messages: list[JSONObject], stream: bool = False) -> JSONObject:
        body = {"model": self.model, "messages": messages, "stream": stream}
        if self.options:
            body["options"] = dict(self.options)
        for name in ("format", "tools"):
            if getattr(self, name, None) is not None:
                body[name] = getattr(self, name)
        body.update(getattr(self, "extra_body", None) or {})
        return body

    def _stream_body(self, messages: list[JSONObject]) -> JSONObject:
        return self._body(messages, stream=True)

    def _framing(self, max_line: int | None) -> _NDJSON:
        return _NDJSON(max_line)

    def _stream_piece(self, unit: _Unit, progress: _Progress) -> str | None:
        """One line: text in message.content; the last line has "done": true, done_reason
        and the token counts. Ollama reports a failure as a line {"error": "..."}."""
        line = _json_object(unit)
        if line.get("error"):
            raise _ServerSaid(_server_message(line, unit.data))
        message = line.get("message")
        if message is None and not line.get("done"):
            raise _Malformed(f"{unit.where} has neither message nor \"done\": true")
        if message is not None and not isinstance(message, dict):
            raise _Malformed(f"{unit.where}: message is not an object")
        content = message.get("content") if message else None
        if content is not None and not isinstance(content, str):
            raise _Malformed(f"{unit.where}: message.content is not a string")
        calls = message.get("tool_calls") if message else None
        if calls is not None:
            if not isinstance(calls, list) or not all(isinstance(c, dict) for c in calls):
                raise _Malformed(f"{unit.where}: message.tool_calls is not a list of objects")
            for call in calls:  # each arrives whole
                progress.tool_calls[len(progress.tool_calls)] = call
                progress.deltas.append(call)
        if line.get("done") is True:
            progress.finished = True
            progress.finish_reason = line.get("done_reason")
            progress.usage = _usage(line)
        return content or None

    def _read(self, data: JSONObject) -> Reply:
        message = data.get("message")
        if not isinstance(message, dict):
            raise _Missing("message")
        content = message.get("content")
        if not isinstance(content, str):
            raise _Missing("message.content")
        tool_calls = message.get("tool_calls")
        if tool_calls is not None and not isinstance(tool_calls, list):
            raise _Missing("message.tool_calls as a list")
        return Reply(content, data.get("done_reason"), _usage(data), tool_calls)


# fields of /api/chat beside options: given as model options, Ollama would ignore them
_TOP_LEVEL = frozenset({"keep_alive", "think", "options", "stream", "messages", "model"})


def _format(value: Format | None) -> str | JSONObject | None:
    if value is None or value == "json":
        return value
    return _json_schema(value, 'format (Ollama\'s structured outputs: "json" or a JSON Schema)')


def _extra_body(value: JSONObject | None) -> JSONObject:
    if value is not None and not isinstance(value, dict):
        raise TypeError("extra_body must be a dict of fields to add to the request body")
    own = sorted({"model", "messages", "stream"} & set(value or {}))
    if own:
        raise ValueError(f"extra_body cannot set {', '.join(own)}: the adapter sends those itself")
    return dict(value or {})


def _usage(data: JSONObject) -> dict[str, int] | None:
    """prompt_eval_count and eval_count as OpenAI-style usage (None when neither is there)."""
    prompt, completion = data.get("prompt_eval_count"), data.get("eval_count")
    if not (isinstance(prompt, int) or isinstance(completion, int)):
        return None
    prompt = prompt if isinstance(prompt, int) else 0
    completion = completion if isinstance(completion, int) else 0
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
