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
each whole HTTP attempt, however slowly the server trickles its answer.
Every failure is one `LLMError` carrying `.status`, `.attempts` and `.retryable`, whose
message says what to try next. The API key never appears in an error, a log record or a
repr, nor does a password given in base_url (`http://user:password@host/v1` is sent as
Basic auth).

`from_config(path)` reads a MetaGPT-style YAML file (`llm: {api_type, base_url, model,
api_key}`, top-level `repair_llm_output` and `max_retries`).

httpx and PyYAML are imported only when a request is made or a file is read, so
`import repair` stays light.
"""

from __future__ import annotations

import logging
import os
import re
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger("repair.llm")

__all__ = ["LLMConfig", "LLMError", "Ollama", "OpenAICompatible", "Reply", "from_config"]

_EXCERPT = 300  # characters of a server's body quoted in an error
MAX_RETRY_AFTER = 30.0  # seconds: a longer Retry-After is cut to this (the caller's budget decides the rest)


@dataclass(frozen=True)
class Reply:
    """One model answer: its text, why it stopped ("stop", "length", ...) and token usage
    as {"prompt_tokens", "completion_tokens", "total_tokens"} (None when the server gave none)."""

    text: str
    finish_reason: str | None = None
    usage: dict | None = None


class LLMError(Exception):
    """A final transport or protocol failure talking to a model server.

    `.status` is the HTTP status when there was a response, `.attempts` how many HTTP
    attempts were made, `.retryable` whether the failure was transient (a timeout, a
    connection failure, HTTP 5xx or 429: asking again later may work) rather than a request
    the server will always reject (other HTTP 4xx, a used-up quota, a body that is not a
    chat reply, a refusal);
    `ActionNode.fill` stops at once on the latter. `.retry_after` is the wait in seconds a
    429 or 5xx asked for in its Retry-After header (None when it sent none). The message
    says what to try next and never contains the API key.
    """

    def __init__(self, message: str, *, status: int | None = None, attempts: int = 0,
                 retryable: bool = False, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.attempts = attempts
        self.retryable = retryable
        self.retry_after = retry_after

    def __reduce__(self):
        return (_rebuild_error, (str(self), self.status, self.attempts, self.retryable, self.retry_after))


def _rebuild_error(message, status, attempts, retryable=False, retry_after=None):
    return LLMError(message, status=status, attempts=attempts, retryable=retryable, retry_after=retry_after)


class _Secret:
    """Holds a credential (the API key; Basic auth's (user, password)) so that no repr,
    vars() dump or debugger shows it."""

    __slots__ = ("value",)

    def __init__(self, value) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "'***'"

    __str__ = __repr__


# --------------------------------------------------------------------------- adapters
class _Adapter:
    """The retry loop shared by both protocols; subclasses say what to send and how to read."""

    _path = ""
    _protocol = ""
    _hint = ""

    def __init__(self, base_url: str, model: str, *, timeout: float, max_retries: int, backoff: float) -> None:
        if not isinstance(base_url, str) or not base_url.strip():
            raise ValueError("base_url must be a non-empty URL such as http://127.0.0.1:8000/v1")
        if not isinstance(model, str) or not model.strip():
            raise ValueError("model must be a non-empty model name")
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        # user:password@ in the URL becomes Basic auth kept out of base_url, so that neither
        # our messages nor httpx's own "HTTP Request: POST <url>" log line can show it
        self.base_url, self._basic = _split_userinfo(base_url.strip().rstrip("/"))
        self.model = model
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.backoff = float(backoff)
        self._key: _Secret | None = None

    # what subclasses provide
    def _body(self, messages: list[dict]) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    def _read(self, data: dict) -> Reply:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def url(self) -> str:
        """The endpoint every request is POSTed to."""
        return self.base_url + self._path

    def _headers(self) -> dict:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self._key is not None:
            headers["Authorization"] = "Bearer " + self._key.value
        return headers

    def _auth(self):
        if self._basic is None:
            return None
        import httpx

        return httpx.BasicAuth(*self._basic.value)

    def _redact(self, text: str) -> str:
        """`text` without the API key, the URL's password, or anything shaped like a key."""
        secrets = [self._key.value if self._key is not None else None,
                   self._basic.value[1] if self._basic is not None else None]
        for secret in secrets:
            if secret and len(secret) >= 4:  # a shorter "secret" would mangle the text, and protects nothing
                text = text.replace(secret, "***")
        return _mask_secrets(text)

    # ------------------------------------------------------------------ calling
    def __call__(self, messages: list[dict]) -> Reply:
        """Send `messages` and return the model's `Reply` (blocking; httpx.Client)."""
        import httpx

        body = self._body(_messages(messages))
        with httpx.Client(timeout=self.timeout) as client:
            attempt = 0
            while True:
                attempt += 1
                self._log_send(attempt)
                deadline = time.monotonic() + self.timeout
                try:
                    with client.stream("POST", self.url, json=body, headers=self._headers(), auth=self._auth()) as response:
                        content = bytearray()
                        for chunk in response.iter_bytes():
                            content += chunk
                            _check_deadline(deadline, self.timeout)
                except (httpx.TransportError, httpx.InvalidURL) as exc:
                    outcome = self._transport_failure(exc, attempt)
                else:
                    outcome = self._response(response.status_code, bytes(content), attempt, response.headers)
                delay = self._next(outcome, attempt)
                if isinstance(outcome, Reply):
                    return outcome
                time.sleep(delay)

    async def acall(self, messages: list[dict]) -> Reply:
        """Send `messages` and return the model's `Reply` (async; httpx.AsyncClient)."""
        import asyncio

        import httpx

        body = self._body(_messages(messages))
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            attempt = 0
            while True:
                attempt += 1
                self._log_send(attempt)
                deadline = time.monotonic() + self.timeout
                try:
                    async with client.stream("POST", self.url, json=body, headers=self._headers(),
                                             auth=self._auth()) as response:
                        content = bytearray()
                        async for chunk in response.aiter_bytes():
                            content += chunk
                            _check_deadline(deadline, self.timeout)
                except (httpx.TransportError, httpx.InvalidURL) as exc:
                    outcome = self._transport_failure(exc, attempt)
                else:
                    outcome = self._response(response.status_code, bytes(content), attempt, response.headers)
                delay = self._next(outcome, attempt)
                if isinstance(outcome, Reply):
                    return outcome
                await asyncio.sleep(delay)

    def _log_send(self, attempt: int) -> None:
        logger.debug("POST %s model=%s (attempt %d of %d)", self.url, self.model, attempt, self.max_retries + 1)

    def _next(self, outcome, attempt: int) -> float:
        """Return the Reply's zero delay, the backoff before a retry, or raise the final error."""
        if isinstance(outcome, Reply):
            logger.debug("%s answered: finish_reason=%s usage=%s", self.url, outcome.finish_reason, outcome.usage)
            return 0.0
        error, retryable, brief = outcome
        if retryable and attempt <= self.max_retries:
            asked = error.retry_after
            delay = self.backoff * 2 ** (attempt - 1) if asked is None else asked
            logger.warning("%s: %s; retrying in %g s (attempt %d of %d)",
                           self.url, brief, delay, attempt + 1, self.max_retries + 1)
            return delay
        logger.debug("giving up on %s after %d attempt(s): %s", self.url, attempt, brief)
        error.retryable = retryable
        raise error

    def _tries(self, attempt: int) -> str:
        return f"{attempt} attempt" + ("s" if attempt != 1 else "")

    def _transport_failure(self, exc, attempt: int):
        """(error, retryable, brief) for a timeout, a refused or a dropped connection."""
        import httpx

        detail = self._redact(str(exc) or type(exc).__name__)
        if isinstance(exc, httpx.TimeoutException):
            brief = f"no answer within {self.timeout:g} s ({type(exc).__name__})"
            advice = ("raise timeout= (a local model can need minutes for a long answer), "
                      "or check that the server is not overloaded")
        elif isinstance(exc, httpx.ConnectError):
            brief = f"could not connect ({detail})"
            advice = f"check that the server is running and that base_url is right ({self._hint})"
        elif isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
            msg = (f"{self.url}: {detail}; base_url must be a full http:// or https:// URL ({self._hint})")
            return LLMError(msg, attempts=attempt), False, detail
        else:
            brief = f"the connection failed ({detail})"
            advice = "check the server's log: it may have crashed or run out of memory on this request"
        msg = f"{self.url}: {brief} after {self._tries(attempt)}; {advice}"
        return LLMError(msg, attempts=attempt), True, brief

    def _response(self, status: int, content: bytes, attempt: int, headers=None):
        """A Reply for a good 200, else (error, retryable, brief)."""
        import json

        text = content.decode("utf-8", errors="replace")
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if status >= 300:
            return self._status_failure(status, data, text, attempt, headers or {})
        if not isinstance(data, dict):
            excerpt = self._redact(_excerpt(text)) or "an empty body"
            msg = (f"{self.url} answered HTTP {status} with a body that is not a JSON object: {excerpt!r}; "
                   f"is base_url the {self._protocol} endpoint ({self._hint})?")
            return LLMError(msg, status=status, attempts=attempt), False, "not JSON"
        if "error" in data and data["error"]:
            server = self._redact(_server_message(data, text))
            msg = f"{self.url} answered HTTP {status} with an error: {server}"
            return LLMError(msg, status=status, attempts=attempt), False, server
        try:
            return self._read(data)
        except _Refused as refused:
            msg = (f"{self.url}: the model refused to answer: {_excerpt(str(refused))}; "
                   "rephrase the request or use another model")
            return LLMError(self._redact(msg), status=status, attempts=attempt), False, "refused"
        except _Missing as missing:
            keys = ", ".join(sorted(map(str, data))) or "none"
            msg = (f"{self.url} answered HTTP {status} but the body has no {missing} (its keys: {keys}); "
                   f"is base_url the {self._protocol} endpoint ({self._hint})?")
            return LLMError(self._redact(msg), status=status, attempts=attempt), False, f"no {missing}"

    def _status_failure(self, status: int, data, text: str, attempt: int, headers):
        server = self._redact(_server_message(data, text))
        said = f": {server}" if server else ""
        brief = f"HTTP {status}{said}"
        retryable = status >= 500 or (status == 429 and not _quota_used_up(data))
        retry_after = _retry_after(headers.get("retry-after")) if retryable else None
        if retryable:
            said += f" ({self._tries(attempt)})"
        if status == 429:
            advice = ("the server is rate-limiting: lower concurrency, or raise max_retries and backoff"
                      if retryable else "the account is out of quota: check the plan and billing")
        elif retryable:
            advice = "the server failed: check its log (out of memory, model not loaded, crashed worker)"
        elif status in (401, 403):
            advice = ("check the API key (api_key=, or the REPAIR_LLM_API_KEY environment variable) "
                      "and that it may use this model")
        elif status == 404:
            advice = (f"check base_url ({self._hint}) and that the server serves the model {self.model!r}"
                      + (" (ollama pull it first)" if self._protocol == "Ollama" else ""))
        elif status < 400:
            advice = f"base_url redirects elsewhere: use the final URL ({self._hint})"
        else:
            advice = "the server rejected the request: check the model name and the extra parameters"
        msg = f"{self.url} answered HTTP {status}{said}; {advice}"
        return LLMError(msg, status=status, attempts=attempt, retry_after=retry_after), retryable, brief

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._shown_base()!r}, model={self.model!r})"

    def _shown_base(self) -> str:
        """base_url as repr shows it: with `user:***@` when Basic auth came in the URL."""
        if self._basic is None:
            return self.base_url
        scheme, _, rest = self.base_url.partition("://")
        return f"{scheme}://{self._basic.value[0]}:***@{rest}"


class OpenAICompatible(_Adapter):
    """Chat completions over HTTP: vLLM, FastChat, LLaMA-Factory, llama.cpp's server, OpenAI.

    POSTs {"model", "messages", "stream": false, **params} to `{base_url}/chat/completions`,
    with `Authorization: Bearer <api_key>` only when a key is given. `params` are sent as
    they are (temperature, max_tokens, top_p, stop, seed, response_format, ...).
    """

    _path = "/chat/completions"
    _protocol = "OpenAI-compatible"
    _hint = "for vLLM, FastChat or LLaMA-Factory something like http://host:8000/v1"

    def __init__(self, base_url: str, model: str, api_key: str | None = None, *, timeout: float = 60.0,
                 max_retries: int = 2, backoff: float = 0.5, **params) -> None:
        super().__init__(base_url, model, timeout=timeout, max_retries=max_retries, backoff=backoff)
        self._key = _Secret(api_key) if api_key else None
        self.params = params

    def _body(self, messages: list[dict]) -> dict:
        return {"model": self.model, "messages": messages, "stream": False, **self.params}

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


class Ollama(_Adapter):
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


class _Missing(Exception):
    """A 200 body lacks a field the protocol promises (internal)."""


class _Refused(Exception):
    """An OpenAI refusal: content null with a `refusal` text (internal)."""


def _check_deadline(deadline: float, timeout: float) -> None:
    """httpx's timeout bounds each read; this bounds the whole answer, for a server that
    trickles it a few bytes at a time."""
    if time.monotonic() > deadline:
        import httpx

        raise httpx.ReadTimeout(f"the answer was still arriving after {timeout:g} s")


def _messages(messages) -> list[dict]:
    if isinstance(messages, str):
        return [{"role": "user", "content": messages}]
    out = [dict(m) for m in messages]
    for i, m in enumerate(out):
        if "role" not in m or "content" not in m:
            raise ValueError(f"messages[{i}] needs 'role' and 'content' keys, got {sorted(m)}")
    return out


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


def _server_message(data, text: str) -> str:
    """The error message a server put in its body: OpenAI's {"error": {"message"}}, Ollama's
    {"error": "..."}, vLLM/FastChat's {"message"}, FastAPI's {"detail"}; else a text excerpt."""
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict) and error.get("message"):
            return _excerpt(str(error["message"]))
        if isinstance(error, str) and error:
            return _excerpt(error)
        for key in ("message", "detail"):
            if data.get(key):
                return _excerpt(str(data[key]))
    return _excerpt(text)


def _quota_used_up(data) -> bool:
    """A 429 that will not pass by waiting: OpenAI's `insufficient_quota` error code/type."""
    error = data.get("error") if isinstance(data, dict) else None
    return isinstance(error, dict) and "insufficient_quota" in (error.get("code"), error.get("type"))


def _retry_after(value) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), clamped to
    [0, MAX_RETRY_AFTER]; None when absent or unreadable (then the backoff applies)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None or when.tzinfo is None:
            return None
        import datetime

        seconds = (when - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _EXCERPT else text[:_EXCERPT] + "..."


_SECRET_SHAPES = [
    (re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{8,}"), r"\1\2***"),
    (re.compile(r"\b(sk-)[A-Za-z0-9_-]{12,}"), r"\1***"),
    (re.compile(r"(?i)\b((?:api[_-]?key|access[_-]?token|auth[_-]?token|secret|password)[\"']?\s*[:=]\s*[\"']?)"
                r"[^\s\"',;&]{6,}"), r"\1***"),
]


def _mask_secrets(text: str) -> str:
    """Mask what looks like a credential in an error text: `Bearer <token>`, `sk-...`
    keys, and `api_key=...` / `"password": "..."` style pairs. For errors whose key we do
    not hold (a callback of your own); the adapters also mask their own key exactly."""
    for pattern, replacement in _SECRET_SHAPES:
        text = pattern.sub(replacement, text)
    return text


def _split_userinfo(url: str):
    """(url without `user:password@`, _Secret((user, password)) or None)."""
    from urllib.parse import unquote, urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
    except ValueError:
        return url, None  # httpx will say what is wrong with it
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, host = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    return urlunsplit(parts._replace(netloc=host)), _Secret((unquote(user), unquote(password)))


# --------------------------------------------------------------------------- config
@dataclass(frozen=True)
class LLMConfig:
    """What `from_config` read: the adapter to call, whether to repair its output locally
    (MetaGPT's `repair_llm_output`), and the re-ask budget for `ActionNode.fill`."""

    llm: OpenAICompatible | Ollama
    repair_llm_output: bool = True
    max_retries: int = 3


_API_TYPES = ("open_llm", "ollama", "openai")
_OPENAI_URL = "https://api.openai.com/v1"


def from_config(path) -> LLMConfig:
    """Read a MetaGPT-style YAML config::

        llm:
          api_type: open_llm          # open_llm | ollama | openai (default openai, as in MetaGPT)
          base_url: http://127.0.0.1:8000/v1
          model: Qwen/Qwen2.5-7B-Instruct
          api_key: ...                # optional; else $REPAIR_LLM_API_KEY, then $OPENAI_API_KEY (openai)
          timeout: 120                # optional, seconds
          temperature: 0              # optional; also top_p, max_token (MetaGPT's spelling)
        repair_llm_output: true       # false: no local repair, validation and re-ask only
        max_retries: 3                # re-asks for ActionNode.fill

    A missing or invalid field raises ValueError naming the field and the file.
    """
    import yaml

    path = Path(path)
    where = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected a mapping with an `llm:` section at the top level")
    section = raw.get("llm")
    if section is None:
        raise ValueError(f"{where}: `llm` is missing: add an `llm:` section with api_type, base_url and model")
    if not isinstance(section, dict):
        raise ValueError(f"{where}: `llm` must be a mapping (api_type, base_url, model, api_key)")

    api_type = section.get("api_type", "openai")
    if not isinstance(api_type, str) or api_type.strip().lower() not in _API_TYPES:
        raise ValueError(f"{where}: `llm.api_type` must be one of {', '.join(_API_TYPES)}, got {api_type!r}")
    api_type = api_type.strip().lower()

    model = section.get("model")
    if model is None or (isinstance(model, str) and not model.strip()):
        raise ValueError(f"{where}: `llm.model` is missing: the model name the server serves")
    if not isinstance(model, str):
        raise ValueError(f"{where}: `llm.model` must be a string, got {type(model).__name__}")

    base_url = section.get("base_url")
    if base_url is None or (isinstance(base_url, str) and not base_url.strip()):
        if api_type != "openai":
            example = "http://127.0.0.1:11434/api" if api_type == "ollama" else "http://127.0.0.1:8000/v1"
            raise ValueError(f"{where}: `llm.base_url` is missing (for {api_type}, something like {example})")
        base_url = _OPENAI_URL
    if not isinstance(base_url, str) or not base_url.strip().lower().startswith(("http://", "https://")):
        raise ValueError(f"{where}: `llm.base_url` must be an http:// or https:// URL, got {base_url!r}")
    base_url = base_url.strip()

    timeout = section.get("timeout", 60.0)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ValueError(f"{where}: `llm.timeout` must be a positive number of seconds, got {timeout!r}")

    params = {}
    for name, key in (("temperature", "temperature"), ("top_p", "top_p"), ("max_token", "max_tokens")):
        value = section.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{where}: `llm.{name}` must be a number, got {value!r}")
        params[key] = value

    repair_output = raw.get("repair_llm_output")
    if "repair_llm_output" in section:
        warnings.warn(
            f"{where}: `repair_llm_output` is under `llm:`, where MetaGPT ignores it (its issue #934); "
            "move it to the top level of the file. It is honoured here"
            + (" but the top-level value wins" if repair_output is not None else ""),
            UserWarning, stacklevel=2,
        )
        if repair_output is None:
            repair_output = section["repair_llm_output"]
            field_name = "llm.repair_llm_output"
        else:
            field_name = "repair_llm_output"
    else:
        field_name = "repair_llm_output"
    if repair_output is None:
        repair_output = True
    if not isinstance(repair_output, bool):
        raise ValueError(f"{where}: `{field_name}` must be true or false, got {repair_output!r}")

    max_retries = raw.get("max_retries", 3)
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
        raise ValueError(f"{where}: `max_retries` must be a whole number of 0 or more, got {max_retries!r}")

    if api_type == "ollama":
        options = dict(params)
        if "max_tokens" in options:
            options["num_predict"] = options.pop("max_tokens")
        llm = Ollama(base_url, model, timeout=float(timeout), **options)
    else:
        key = section.get("api_key")
        if key is not None and not isinstance(key, str):
            raise ValueError(f"{where}: `llm.api_key` must be a string")  # never echo the value
        if not key:
            key = os.environ.get("REPAIR_LLM_API_KEY") or None
        if not key and api_type == "openai":
            key = os.environ.get("OPENAI_API_KEY") or None
            if not key:
                raise ValueError(f"{where}: `llm.api_key` is missing: put it in the file or set "
                                 "REPAIR_LLM_API_KEY or OPENAI_API_KEY")
        llm = OpenAICompatible(base_url, model, key, timeout=float(timeout), **params)
    return LLMConfig(llm=llm, repair_llm_output=repair_output, max_retries=max_retries)
