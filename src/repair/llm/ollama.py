"""Ollama: Ollama's native /api/chat protocol."""

from __future__ import annotations

from ._drive import Driven
from ._protocol import Reply, _Missing


class Ollama(Driven):
    """Ollama's native chat API.

    POSTs {"model", "messages", "stream": false, "options": {...}} to `{base_url}/chat`
    (base_url like http://127.0.0.1:11434/api); `options` are Ollama's model options
    (temperature, num_ctx, num_predict, seed, ...) and are left out when none are given.
    `done_reason` becomes `finish_reason`, prompt_eval_count and eval_count become usage.
    """

    _path = "/chat"
    _protocol = "Ollama"
    _hint = "for Ollama http://127.0.0.1:11434/api"

    def __init__(self, base_url: str, model: str, *, timeout: float = 60.0, max_retries: int = 2,
                 backoff: float = 0.5, **options) -> None:
        super().__init__(base_url, model, timeout=timeout, max_retries=max_retries, backoff=backoff)
        self.options = options

    def _body(self, messages: list[dict]) -> dict:
        body = {"model": self.model, "messages": messages, "stream": False}
        if self.options:
            body["options"] = dict(self.options)
        return body

    def _read(self, data: dict) -> Reply:
        message = data.get("message")
        if not isinstance(message, dict):
            raise _Missing("message")
        content = message.get("content")
        if not isinstance(content, str):
            raise _Missing("message.content")
        prompt, completion = data.get("prompt_eval_count"), data.get("eval_count")
        usage = None
        if isinstance(prompt, int) or isinstance(completion, int):
            prompt = prompt if isinstance(prompt, int) else 0
            completion = completion if isinstance(completion, int) else 0
            usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
        return Reply(content, data.get("done_reason"), usage)
