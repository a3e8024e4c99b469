"""What both adapters share, without the I/O: Reply and LLMError, checking the arguments,
the headers, the retry loop as a generator (_Adapter._exchange, run by _drive.py both sync
and async), classifying each answer or failure into a Reply or an LLMError, and the retry
decision (backoff, Retry-After, what is worth retrying)."""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Union

from ._body import ACCEPT_ENCODING, MAX_RESPONSE_BYTES, _BodyError, _Decoder
from ._secrets import _mask_secrets, _Secret, _split_userinfo

logger = logging.getLogger("repair.llm")

_EXCERPT = 300  # characters of a server's body quoted in an error
MAX_RETRY_AFTER = 30.0  # seconds: a longer Retry-After is cut to this (the caller's budget decides the rest)

# A JSON object as it goes over the wire (a request body, a message, a tool definition or
# call, a usage): the protocols' fields are checked where they are read, so values are Any.
JSONObject = dict[str, Any]
# the messages of a call: OpenAI-style {"role", "content"} objects (or one user message as a str)
Messages = Union[Sequence[Mapping[str, Any]], str]

if TYPE_CHECKING:
    from pydantic import BaseModel, TypeAdapter

    # a JSON Schema as the adapters take it: the schema itself, or a pydantic model (or
    # TypeAdapter) to take it from
    SchemaSource = Union[JSONObject, type[BaseModel], TypeAdapter[Any]]


class _Keep:
    """The default of `with_options`' arguments: leave that setting as it is."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()


@dataclass(frozen=True)
class Reply:
    """One model answer: its text, why it stopped ("stop", "length", "tool_calls", ...), token
    usage as {"prompt_tokens", "completion_tokens", "total_tokens"} (None when the server gave
    none), and the tool calls the model made: the server's `message.tool_calls` list as it
    sent it (OpenAI: `function.arguments` a JSON string; Ollama: an object), None when it
    sent none. The text of an answer that is only tool calls is "".
    """

    text: str
    finish_reason: str | None = None
    usage: dict[str, int] | None = None
    tool_calls: list[JSONObject] | None = None


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

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (_rebuild_error, (str(self), self.status, self.attempts, self.retryable, self.retry_after))


# what a failed attempt comes to: (the error, whether it is worth retrying, a brief for the log)
_Failure = tuple[LLMError, bool, str]


def _rebuild_error(message: str, status: int | None, attempts: int, retryable: bool = False,
                   retry_after: float | None = None) -> LLMError:
    return LLMError(message, status=status, attempts=attempts, retryable=retryable, retry_after=retry_after)


@dataclass(frozen=True)
class Post:
    """A step of `_Adapter._exchange`: POST `body` (one HTTP attempt)."""

    body: JSONObject


@dataclass(frozen=True)
class Wait:
    """A step of `_Adapter._exchange`: sleep `seconds` before the next attempt."""

    seconds: float


class _Adapter:
    """The retry loop shared by both protocols; subclasses say what to send and how to read."""

    _path = ""
    _protocol = ""
    _hint = ""
    max_response_bytes: int | None = MAX_RESPONSE_BYTES  # (for adapters pickled before it existed)

    def __init__(self, base_url: str, model: str, *, timeout: float, max_retries: int, backoff: float,
                 max_size: int | None = None, max_response_bytes: int | None = MAX_RESPONSE_BYTES) -> None:
        if not isinstance(base_url, str) or not base_url.strip():
            raise ValueError("base_url must be a non-empty URL such as http://127.0.0.1:8000/v1")
        if not isinstance(model, str) or not model.strip():
            raise ValueError("model must be a non-empty model name")
        if max_retries < 0:
            raise ValueError("max_retries must be 0 or more")
        if max_size is not None and (type(max_size) is not int or max_size < 1):
            raise ValueError(f"max_size must be a whole number of characters >= 1 or None, not {max_size!r}")
        if max_response_bytes is not None and (type(max_response_bytes) is not int or max_response_bytes < 1):
            raise ValueError("max_response_bytes must be a whole number of bytes >= 1 or None, "
                             f"not {max_response_bytes!r}")
        # user:password@ in the URL becomes Basic auth kept out of base_url, so that neither
        # our messages nor httpx's own "HTTP Request: POST <url>" log line can show it
        self.base_url, self._basic = _split_userinfo(base_url.strip().rstrip("/"))
        self.model = model
        self.timeout = float(timeout)
        self.max_retries = int(max_retries)
        self.backoff = float(backoff)
        self.max_size = max_size
        self.max_response_bytes = max_response_bytes
        self._key: _Secret[str] | None = None

    # what subclasses provide
    def _body(self, messages: list[JSONObject]) -> JSONObject:  # pragma: no cover - abstract
        raise NotImplementedError

    def _read(self, data: JSONObject) -> Reply:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def url(self) -> str:
        """The endpoint every request is POSTed to."""
        return self.base_url + self._path

    def _headers(self, accept: str = "application/json") -> dict[str, str]:
        headers = {"Content-Type": "application/json", "Accept": accept, "Accept-Encoding": ACCEPT_ENCODING}
        if self._key is not None:
            headers["Authorization"] = "Bearer " + self._key.value
        return headers

    def _decoder(self, status: int, headers: Mapping[str, str]) -> _Decoder:
        """Decodes the raw body of a response with these headers, within max_response_bytes."""
        return _Decoder(str(headers.get("content-encoding", "")), self.max_response_bytes, status)

    def _redact(self, text: str) -> str:
        """`text` without the API key, the URL's password, or anything shaped like a key."""
        secrets = [self._key.value if self._key is not None else None,
                   self._basic.value[1] if self._basic is not None else None]
        for secret in secrets:
            if secret and len(secret) >= 4:  # a shorter "secret" would mangle the text, and protects nothing
                text = text.replace(secret, "***")
        return _mask_secrets(text)

    def _quote(self, text: str) -> str:
        """An excerpt of a server's `text` for an error message: masked first, then cut, so a
        key that straddles the cut is masked whole rather than cut to a prefix no pattern knows."""
        return _excerpt(self._redact(text))

    # ------------------------------------------------------------------ calling
    # (`__call__` and `acall`, the I/O, are added by _drive.Driven, which the adapters
    # subclass: this module stays free of I/O and imports nothing from the drivers)

    def _exchange(self, messages: Messages) -> Generator[Post | Wait | Reply, Any, None]:
        """The retry loop without the I/O, which the sync and the async driver both run.

        Yields `Post(body)`: POST it to `self.url` and send back what came of it, either
        (status, content, headers) or the transport exception; then, when that attempt
        failed and another may be made, `Wait(seconds)`: sleep, then carry on with next().
        The last thing it yields is the Reply; or it raises the final LLMError.
        """
        body = self._body(_messages(messages))
        attempt = 0
        while True:
            attempt += 1
            self._log_send(attempt)
            result = yield Post(body)
            outcome: Reply | _Failure
            if isinstance(result, BaseException):
                outcome = self._transport_failure(result, attempt)
            else:
                status, content, headers = result
                outcome = self._response(status, content, attempt, headers)
                if isinstance(outcome, Reply) and self.max_size is not None and len(outcome.text) > self.max_size:
                    outcome = self._oversize(status, attempt), False, "over max_size"
            delay = self._next(outcome, attempt)
            if isinstance(outcome, Reply):
                yield outcome
                return
            yield Wait(delay)

    def _log_send(self, attempt: int) -> None:
        logger.debug("POST %s model=%s (attempt %d of %d)", self.url, self.model, attempt, self.max_retries + 1)

    def _next(self, outcome: Reply | _Failure, attempt: int) -> float:
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

    def _oversize(self, status: int, attempt: int) -> LLMError:
        """The answer's text is longer than max_size characters (never retried: it would be again)."""
        msg = (f"{self.url}: the answer passed max_size={self.max_size:,} characters; raise max_size "
               "(or leave it unset) if answers this long are expected, or lower max_tokens")
        return LLMError(msg, status=status, attempts=attempt)

    def _transport_failure(self, exc: BaseException, attempt: int) -> _Failure:
        """(error, retryable, brief) for a timeout, a refused or a dropped connection, or a
        body too large, corrupt or in an encoding we did not ask for."""
        import httpx

        if isinstance(exc, _BodyError):
            msg = self._redact(f"{self.url}: {exc}")
            return LLMError(msg, status=exc.status, attempts=attempt), exc.retryable, str(exc)

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

    def _response(self, status: int, content: bytes, attempt: int,
                  headers: Mapping[str, str] | None = None) -> Reply | _Failure:
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
            excerpt = self._quote(text) or "an empty body"
            msg = (f"{self.url} answered HTTP {status} with a body that is not a JSON object: {excerpt!r}; "
                   f"is base_url the {self._protocol} endpoint ({self._hint})?")
            return LLMError(msg, status=status, attempts=attempt), False, "not JSON"
        if "error" in data and data["error"]:
            server = self._quote(_server_message(data, text))
            msg = f"{self.url} answered HTTP {status} with an error: {server}"
            return LLMError(msg, status=status, attempts=attempt), False, server
        try:
            return self._read(data)
        except _Refused as refused:
            msg = (f"{self.url}: the model refused to answer: {self._quote(str(refused))}; "
                   "rephrase the request or use another model")
            return LLMError(self._redact(msg), status=status, attempts=attempt), False, "refused"
        except _Missing as missing:
            keys = ", ".join(sorted(map(str, data))) or "none"
            msg = (f"{self.url} answered HTTP {status} but the body has no {missing} (its keys: {keys}); "
                   f"is base_url the {self._protocol} endpoint ({self._hint})?")
            return LLMError(self._redact(msg), status=status, attempts=attempt), False, f"no {missing}"

    def _status_failure(self, status: int, data: object, text: str, attempt: int,
                        headers: Mapping[str, str]) -> _Failure:
        server = self._quote(_server_message(data, text))
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


class _Missing(Exception):
    """A 200 body lacks a field the protocol promises (internal)."""


class _Refused(Exception):
    """An OpenAI refusal: content null with a `refusal` text (internal)."""


def _messages(messages: Messages) -> list[JSONObject]:
    if isinstance(messages, str):
        return [{"role": "user", "content": messages}]
    out = [dict(m) for m in messages]
    for i, m in enumerate(out):
        if "role" not in m or "content" not in m:
            raise ValueError(f"messages[{i}] needs 'role' and 'content' keys, got {sorted(m)}")
    return out


def _json_schema(value: SchemaSource | object, what: str) -> JSONObject:
    """A JSON Schema: a dict as it is, or the schema of a pydantic model class (or a pydantic
    TypeAdapter)."""
    if isinstance(value, dict):
        return value
    if isinstance(value, type) and callable(getattr(value, "model_json_schema", None)):
        schema: JSONObject = getattr(value, "model_json_schema")()
        return schema
    if callable(getattr(value, "json_schema", None)) and callable(getattr(value, "validate_python", None)):
        schema = getattr(value, "json_schema")()
        return schema
    raise TypeError(f"{what} must be a JSON Schema (a dict) or a pydantic model, not {type(value).__name__}")


def _tool_list(tools: Iterable[JSONObject] | None, what: str = "tools") -> list[JSONObject] | None:
    """Tool definitions, passed through as a list of dicts (None for none)."""
    if tools is None:
        return None
    if isinstance(tools, (str, bytes, dict)) or not all(isinstance(t, dict) for t in tools):
        raise TypeError(f"{what} must be a list of tool definitions (dicts such as "
                        '{"type": "function", "function": {"name": ..., "parameters": {...}}})')
    return [dict(t) for t in tools]


def _server_message(data: object, text: str) -> str:
    """The error message a server put in its body: OpenAI's {"error": {"message"}}, Ollama's
    {"error": "..."}, vLLM/FastChat's {"message"}, FastAPI's {"detail"}; else the whole text.
    Uncut: the caller masks credentials in it before cutting it to an excerpt (`_Adapter._quote`)."""
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
        if isinstance(error, str) and error:
            return error
        for key in ("message", "detail"):
            if data.get(key):
                return str(data[key])
    return text


def _quota_used_up(data: object) -> bool:
    """A 429 that will not pass by waiting: OpenAI's `insufficient_quota` error code/type."""
    error = data.get("error") if isinstance(data, dict) else None
    return isinstance(error, dict) and "insufficient_quota" in (error.get("code"), error.get("type"))


def _retry_after(value: str | None) -> float | None:
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
