"""LLM adapters: an OpenAI-compatible chat client and an Ollama /api/chat client.

Both are callables that take OpenAI-style messages (a list of {"role", "content"}) and
return a `Reply` with the text, the finish reason and the token usage, so they plug
straight into `ActionNode.fill` (sync) and `ActionNode.afill` (async, via `.acall`):

    >>> from repair.llm import OpenAICompatible, Ollama
    >>> vllm = OpenAICompatible("http://localhost:8000/v1", "Qwen/Qwen2.5-7B-Instruct", temperature=0)
    >>> local = Ollama("http://127.0.0.1:11434/api", "llama3.1", num_ctx=8192)

Timeouts, connection errors, HTTP 5xx and 429 (rate limited) are retried `max_retries` times
with exponential backoff (`backoff * 2**n` seconds), or after the server's `Retry-After`
when it sends one (at most MAX_RETRY_AFTER seconds); a 429 that says the quota is used up,
any other 4xx, or a 200 whose body is not a chat reply, fails at once. `timeout` bounds
each whole HTTP attempt, response head included, however slowly the server trickles it;
`max_response_bytes` (32 MiB by default) bounds the body once decompressed.

Native JSON modes are sent top-level: `OpenAICompatible(..., response_format=...,
tools=..., tool_choice=..., extra_body=...)` and `Ollama(..., format=..., tools=...,
extra_body=...)`; `Reply.tool_calls` and a stream's `tool_calls` (and
`on_tool_call_delta`) give the tool calls back. `adapter.with_options(response_format=...,
tools=..., tool_choice=...)` (Ollama: `format=`, `tools=`) returns a configured copy, for
settings that change from call to call.
Every failure is one `LLMError` carrying `.status`, `.attempts` and `.retryable`, whose
message says what to try next. The API key never appears in an error, a log record or a
repr, nor does a password given in base_url (`http://user:password@host/v1` is sent as
Basic auth).

`stream(messages)` asks for a streamed answer and returns a `TextStream`, an iterator of
the text pieces as they arrive (`astream` gives an `AsyncTextStream` for `async for`);
once it is exhausted, its `finish_reason`, `usage`, `text` and `reply` say how it ended:

    >>> for piece in vllm.stream(messages):
    ...     print(piece, end="")

It keeps the one-shot guarantees: the same retries, but only until the first byte of the
streamed body has arrived (after that a failure raises `LLMError`: part of the answer has
been handed out); `timeout` bounds each wait for the server and their sum in each attempt
(the time you take between pieces does not count); `max_size` (characters, off by
default, for one-shot answers too) bounds the text; a malformed event or line raises
`LLMError` saying which; the key stays hidden.

`from_config(path)` reads a MetaGPT-style YAML file (`llm: {api_type, base_url, model,
api_key}`, top-level `repair_llm_output` and `max_retries`).

httpx and PyYAML are imported only when a request is made or a file is read, so
`import repair` stays light.

One concern a file: openai.py and ollama.py hold one adapter each, _protocol.py what they
share without I/O (Reply, LLMError, the retry loop as a generator, classifying answers and
failures, the retry decision), _stream_protocol.py the same for streaming (the SSE and
NDJSON framing, fed bytes, and the streaming exchange), _body.py the decoding and size
bound of a response body, fed bytes, _drive.py the httpx I/O that runs both sync or async
(and the TextStream classes), _budget.py the time budget of an attempt enforced in httpx's
network backend, _secrets.py the hiding and masking of credentials, config.py from_config.
"""

from __future__ import annotations

from ._protocol import MAX_RETRY_AFTER, LLMError, Reply  # noqa: F401 (public, outside __all__ as before)
from ._drive import AsyncTextStream, TextStream
from .config import LLMConfig, from_config
from .ollama import Ollama
from .openai import OpenAICompatible

# not public, but imported from here: _mask_secrets by code written before repair.action
# took it from ._secrets (which mypy --strict wants); pickles made when this package was
# one module name repair.llm._Secret
# (inside a pickled adapter) and repair.llm._rebuild_error (a pickled LLMError)
from ._protocol import _rebuild_error  # noqa: F401
from ._secrets import _mask_secrets, _Secret  # noqa: F401

__all__ = ["AsyncTextStream", "LLMConfig", "LLMError", "Ollama", "OpenAICompatible", "Reply", "TextStream",
           "from_config"]
