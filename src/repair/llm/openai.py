"""OpenAICompatible: the OpenAI chat-completions protocol (vLLM, FastChat, LLaMA-Factory,
llama.cpp's server, OpenAI itself)."""

from __future__ import annotations

from ._body import MAX_RESPONSE_BYTES
from ._drive import Driven
from ._protocol import Reply, _Missing, _Refused, _server_message
from ._secrets import _Secret
from ._stream_protocol import _SSE, _json_object, _Malformed, _Progress, _ServerSaid, _Unit


class OpenAICompatible(Driven):
    """Chat completions over HTTP: vLLM, FastChat, LLaMA-Factory, llama.cpp's server, OpenAI.

    POSTs {"model", "messages", "stream": false, **params} to `{base_url}/chat/completions`,
    with `Authorization: Bearer <api_key>` only when a key is given. `params` are sent as
    they are (temperature, max_tokens, top_p, stop, seed, response_format, ...).

    `stream(messages)` sends "stream": true and reads the Server-Sent Events
    (`data: {chunk}` ... `data: [DONE]`), handing out each `choices[0].delta.content`; it
    asks for the usage with "stream_options": {"include_usage": true} unless `params` has
    its own `stream_options`.
    """

    _path = "/chat/completions"
    _protocol = "OpenAI-compatible"
    _hint = "for vLLM, FastChat or LLaMA-Factory something like http://host:8000/v1"
    _accept = "text/event-stream"

    def __init__(self, base_url: str, model: str, api_key: str | None = None, *, timeout: float = 60.0,
                 max_retries: int = 2, backoff: float = 0.5, max_size: int | None = None,
                 max_response_bytes: int | None = MAX_RESPONSE_BYTES, **params) -> None:
        super().__init__(base_url, model, timeout=timeout, max_retries=max_retries, backoff=backoff,
                         max_size=max_size, max_response_bytes=max_response_bytes)
        self._key = _Secret(api_key) if api_key else None
        self.params = params

    def _body(self, messages: list[dict]) -> dict:
        return {"model": self.model, "messages": messages, "stream": False, **self.params}

    def _stream_body(self, messages: list[dict]) -> dict:
        body = {"model": self.model, "messages": messages, **self.params, "stream": True}
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
        content = delta.get("content")
        if content is not None and not isinstance(content, str):
            raise _Malformed(f"{unit.where}: choices[0].delta.content is not a string")
        return content or None

    def _read(self, data: dict) -> Reply:
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
        return Reply(content, choice.get("finish_reason"), _openai_usage(data.get("usage")))

    def __repr__(self) -> str:
        key = "'***'" if self._key is not None else "None"
        return (f"OpenAICompatible(base_url={self._shown_base()!r}, model={self.model!r}, "
                f"api_key={key})")


def _openai_usage(usage) -> dict | None:
    if not isinstance(usage, dict):
        return None
    prompt = usage.get("prompt_tokens")
    completion = usage.get("completion_tokens")
    prompt = prompt if isinstance(prompt, int) else 0
    completion = completion if isinstance(completion, int) else 0
    total = usage.get("total_tokens")
    total = total if isinstance(total, int) else prompt + completion
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": total}
