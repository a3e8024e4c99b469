"""The I/O: run an adapter's retry loop (`_Adapter._exchange`) over httpx, blocking with
`call` or async with `acall`. The loop and every decision in it live in _protocol.py; a
driver only POSTs, reads the whole answer, and sleeps when told to; the client's network
backend keeps each attempt's waits within the timeout (_budget.py).

The same for a streamed answer: `TextStream` and `AsyncTextStream` run
`_Streaming._stream_exchange` (_stream_protocol.py), reading the body piece by piece and
handing out the text pieces the exchange decodes from it."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any

from ._budget import _Budget, bound_client
from ._body import _BodyError
from ._protocol import JSONObject, Messages, Reply, Wait, _Adapter, _messages
from ._stream_protocol import Done, Fail, Open, Piece, Read, ReadAll, Step, ToolCallDelta, _Streaming

if TYPE_CHECKING:
    import httpx

    from ._body import _Decoder

# what a streaming caller may pass to see each piece of a tool call as it arrives
OnToolCallDelta = Callable[[JSONObject], object]
# a transport failure, or the status, body and headers of a response
_Posted = Any  # (tuple[int, bytes, httpx.Headers] | BaseException: sent into the exchange, which checks it)
# the exceptions that are a failed attempt (httpx's transport errors, a body over its bound)
_Failures = tuple[type[BaseException], ...]


class Driven(_Streaming):
    """An adapter that can be called: the retry loop of _Adapter run over httpx, and the
    streaming exchange of _Streaming."""

    def __call__(self, messages: Messages) -> Reply:
        """Send `messages` and return the model's `Reply` (blocking; httpx.Client)."""
        return call(self, messages)

    async def acall(self, messages: Messages) -> Reply:
        """Send `messages` and return the model's `Reply` (async; httpx.AsyncClient)."""
        return await acall(self, messages)

    def stream(self, messages: Messages, *, on_tool_call_delta: OnToolCallDelta | None = None) -> TextStream:
        """Send `messages` asking for a streamed answer; iterate the returned `TextStream`
        for the text pieces as they arrive (blocking; httpx.Client). Nothing is sent before
        the first `next()`; bad messages raise ValueError here.

        `on_tool_call_delta(delta)` is called with each piece of a tool call as it arrives
        (a dict as the server sent it), in order with the text pieces; the calls they make
        up are the stream's `tool_calls` once it is done."""
        return TextStream(self, messages, on_tool_call_delta=on_tool_call_delta)

    def astream(self, messages: Messages, *, on_tool_call_delta: OnToolCallDelta | None = None) -> AsyncTextStream:
        """`stream` for async code: `async for piece in llm.astream(messages)`
        (httpx.AsyncClient)."""
        return AsyncTextStream(self, messages, on_tool_call_delta=on_tool_call_delta)


def call(adapter: _Adapter, messages: Messages) -> Reply:
    """Run the exchange with httpx.Client and time.sleep."""
    import httpx

    steps = adapter._exchange(messages)
    step = next(steps)  # builds the body: bad messages fail before a client is made
    budget = _Budget(adapter.timeout)
    with bound_client(httpx.Client(timeout=adapter.timeout), budget) as client:
        while not isinstance(step, Reply):
            if isinstance(step, Wait):
                time.sleep(step.seconds)
                step = next(steps)
            else:
                budget.reset()
                step = steps.send(_post(client, adapter, step.body))
    return step


async def acall(adapter: _Adapter, messages: Messages) -> Reply:
    """Run the exchange with httpx.AsyncClient and asyncio.sleep."""
    import asyncio

    import httpx

    steps = adapter._exchange(messages)
    step = next(steps)  # builds the body: bad messages fail before a client is made
    budget = _Budget(adapter.timeout)
    async with bound_client(httpx.AsyncClient(timeout=adapter.timeout), budget) as client:
        while not isinstance(step, Reply):
            if isinstance(step, Wait):
                await asyncio.sleep(step.seconds)
                step = next(steps)
            else:
                budget.reset()
                step = steps.send(await _apost(client, adapter, step.body))
    return step


def _post(client: httpx.Client, adapter: _Adapter, body: JSONObject) -> _Posted:
    """One attempt: (status, content, headers), or the transport exception it failed with.
    The client's network backend bounds the attempt's waits (_budget.py)."""
    import httpx

    try:
        with client.stream("POST", adapter.url, json=body, headers=adapter._headers(),
                           auth=_auth(adapter)) as response:
            decoder = adapter._decoder(response.status_code, response.headers)
            content = bytearray()
            for chunk in response.iter_raw():
                content += decoder.feed(chunk)
            content += decoder.end()
    except (httpx.TransportError, httpx.InvalidURL, _BodyError) as exc:
        return exc
    return response.status_code, bytes(content), response.headers


async def _apost(client: httpx.AsyncClient, adapter: _Adapter, body: JSONObject) -> _Posted:
    """`_post` for httpx.AsyncClient."""
    import httpx

    try:
        async with client.stream("POST", adapter.url, json=body, headers=adapter._headers(),
                                 auth=_auth(adapter)) as response:
            decoder = adapter._decoder(response.status_code, response.headers)
            content = bytearray()
            async for chunk in response.aiter_raw():
                content += decoder.feed(chunk)
            content += decoder.end()
    except (httpx.TransportError, httpx.InvalidURL, _BodyError) as exc:
        return exc
    return response.status_code, bytes(content), response.headers


def _auth(adapter: _Adapter) -> httpx.BasicAuth | None:
    """Basic auth from a `user:password@` that came in base_url, else None."""
    if adapter._basic is None:
        return None
    import httpx

    return httpx.BasicAuth(*adapter._basic.value)


# ------------------------------------------------------------------ streaming
class _StreamState:
    """What both streams hold: the text so far and, once it is complete, how it ended."""

    def __init__(self, adapter: _Streaming, messages: Messages, on_tool_call_delta: OnToolCallDelta | None = None,
                 ) -> None:
        _messages(messages)  # bad messages fail here; nothing is sent before the first piece is asked for
        if on_tool_call_delta is not None and not callable(on_tool_call_delta):
            raise TypeError("on_tool_call_delta must be a callable taking one dict")
        self._adapter = adapter
        self._steps = adapter._stream_exchange(messages)
        self._pieces: list[str] = []
        self._chars = 0
        self._on_tool_call_delta = on_tool_call_delta
        self.finish_reason: str | None = None
        self.usage: dict[str, int] | None = None
        self.tool_calls: list[JSONObject] | None = None
        self.tool_call_deltas: list[JSONObject] = []
        self.done = False

    @property
    def text(self) -> str:
        """The text handed out so far (all of it once `done`)."""
        return "".join(self._pieces)

    @property
    def reply(self) -> Reply | None:
        """The whole answer as the one-shot call returns it, once `done`; None before."""
        return Reply(self.text, self.finish_reason, self.usage, self.tool_calls) if self.done else None

    def _hand(self, piece: Piece) -> str | None:
        """A text piece to hand out, or None for a tool-call delta (given to the callback)."""
        if isinstance(piece, ToolCallDelta):
            self.tool_call_deltas.append(piece.delta)
            if self._on_tool_call_delta is not None:
                self._on_tool_call_delta(piece.delta)
            return None
        self._pieces.append(piece)
        self._chars += len(piece)
        return piece

    def _end(self, step: Done | Fail) -> None:
        if isinstance(step, Fail):
            raise step.error
        self.finish_reason, self.usage, self.done = step.finish_reason, step.usage, True
        self.tool_calls = step.tool_calls

    def __repr__(self) -> str:
        state = "done" if self.done else "open"
        return f"{type(self).__name__}({self._adapter!r}, {state}, {self._chars} characters)"


class TextStream(_StreamState):
    """A streamed answer: an iterator of its text pieces (str), each as it arrives.

    Once the iterator is exhausted, `done` is True and `finish_reason`, `usage`,
    `tool_calls` (the shapes `Reply` has; OpenAI's tool calls assembled from their deltas,
    `function.arguments` joined into one string) and `text` (the whole answer) are set;
    `reply` is the `Reply` the one-shot call would have returned. `tool_call_deltas` lists
    the tool-call pieces as they arrived (see `on_tool_call_delta` of `stream`). A failure raises `LLMError` from `next()`, after the
    pieces that arrived intact before it. Use it in a `with` block, or call `close()`, to
    let go of the connection when you stop reading early.
    """

    def __init__(self, adapter: _Streaming, messages: Messages, on_tool_call_delta: OnToolCallDelta | None = None,
                 ) -> None:
        super().__init__(adapter, messages, on_tool_call_delta)
        self._run = _run(adapter, self._steps, self)

    def __iter__(self) -> TextStream:
        return self

    def __next__(self) -> str:
        return next(self._run)

    def close(self) -> None:
        """Stop reading and close the connection (nothing happens when already finished)."""
        self._run.close()

    def __enter__(self) -> TextStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncTextStream(_StreamState):
    """`TextStream` for async code: an async iterator of the text pieces, with the same
    attributes; `aclose()` or `async with` lets go of the connection early."""

    def __init__(self, adapter: _Streaming, messages: Messages, on_tool_call_delta: OnToolCallDelta | None = None,
                 ) -> None:
        super().__init__(adapter, messages, on_tool_call_delta)
        self._run = _arun(adapter, self._steps, self)

    def __aiter__(self) -> AsyncTextStream:
        return self

    async def __anext__(self) -> str:
        return await self._run.__anext__()

    async def aclose(self) -> None:
        """Stop reading and close the connection (nothing happens when already finished)."""
        await self._run.aclose()

    async def __aenter__(self) -> AsyncTextStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def _run(adapter: _Streaming, steps: Generator[Step, Any, None], owner: _StreamState) -> Generator[str, None, None]:
    """Run a streaming exchange with httpx.Client and time.sleep, yielding the text pieces."""
    import httpx

    failures = (httpx.RequestError, httpx.InvalidURL, _BodyError)
    step = next(steps)
    budget = _Budget(adapter.timeout)
    with bound_client(httpx.Client(timeout=adapter.timeout), budget) as client:
        while isinstance(step, (Open, Wait)):
            if isinstance(step, Wait):
                time.sleep(step.seconds)
                step = next(steps)
                continue
            budget.reset()
            with contextlib.ExitStack() as attempt:  # closes this attempt's response
                try:
                    response = attempt.enter_context(client.stream(
                        "POST", adapter.url, json=step.body, headers=adapter._headers(adapter._accept),
                        auth=_auth(adapter)))
                except failures as exc:
                    step = steps.send(exc)
                    continue
                step = steps.send((response.status_code, response.headers))
                chunks = _decoded(response.iter_raw(), adapter._decoder(response.status_code, response.headers))
                while isinstance(step, (Read, ReadAll)):
                    if isinstance(step, ReadAll):
                        step = steps.send(_read_all(chunks, failures))
                        continue
                    for piece in step.pieces:
                        text = owner._hand(piece)
                        if text is not None:
                            yield text
                    step = steps.send(_read_next(chunks, failures))
    assert isinstance(step, (Done, Fail))  # (the exchange ends with one; the connection is closed by now)
    for piece in step.pieces:
        text = owner._hand(piece)
        if text is not None:
            yield text
    owner._end(step)


async def _arun(adapter: _Streaming, steps: Generator[Step, Any, None], owner: _StreamState,
                ) -> AsyncGenerator[str, None]:
    """`_run` with httpx.AsyncClient and asyncio.sleep (an async generator cannot delegate
    to another, so the attempt is written out here too)."""
    import asyncio

    import httpx

    failures = (httpx.RequestError, httpx.InvalidURL, _BodyError)
    step = next(steps)
    budget = _Budget(adapter.timeout)
    async with bound_client(httpx.AsyncClient(timeout=adapter.timeout), budget) as client:
        while isinstance(step, (Open, Wait)):
            if isinstance(step, Wait):
                await asyncio.sleep(step.seconds)
                step = next(steps)
                continue
            budget.reset()
            async with contextlib.AsyncExitStack() as attempt:
                try:
                    response = await attempt.enter_async_context(client.stream(
                        "POST", adapter.url, json=step.body, headers=adapter._headers(adapter._accept),
                        auth=_auth(adapter)))
                except failures as exc:
                    step = steps.send(exc)
                    continue
                step = steps.send((response.status_code, response.headers))
                chunks = _adecoded(response.aiter_raw(), adapter._decoder(response.status_code, response.headers))
                while isinstance(step, (Read, ReadAll)):
                    if isinstance(step, ReadAll):
                        step = steps.send(await _aread_all(chunks, failures))
                        continue
                    for piece in step.pieces:
                        text = owner._hand(piece)
                        if text is not None:
                            yield text
                    step = steps.send(await _aread_next(chunks, failures))
    assert isinstance(step, (Done, Fail))  # (the exchange ends with one)
    for piece in step.pieces:
        text = owner._hand(piece)
        if text is not None:
            yield text
    owner._end(step)


def _decoded(raw: Iterator[bytes], decoder: _Decoder) -> Iterator[bytes]:
    """The body's raw chunks, decoded (and bounded) as they arrive."""
    for chunk in raw:
        yield decoder.feed(chunk)
    yield decoder.end()


async def _adecoded(raw: AsyncIterator[bytes], decoder: _Decoder) -> AsyncIterator[bytes]:
    async for chunk in raw:
        yield decoder.feed(chunk)
    yield decoder.end()


def _read_next(chunks: Iterator[bytes], failures: _Failures) -> bytes | BaseException:
    """The next non-empty piece of the body, b"" at its end, or the exception it failed with."""
    try:
        chunk = b""
        for chunk in chunks:
            if chunk:
                break
    except failures as exc:
        return exc
    return chunk


def _read_all(chunks: Iterator[bytes], failures: _Failures) -> bytes | BaseException:
    """The rest of the body, or the exception reading it failed with."""
    content = bytearray()
    while True:
        chunk = _read_next(chunks, failures)
        if isinstance(chunk, BaseException):
            return chunk
        if not chunk:
            return bytes(content)
        content += chunk


async def _aread_next(chunks: AsyncIterator[bytes], failures: _Failures) -> bytes | BaseException:
    try:
        chunk = b""
        async for chunk in chunks:
            if chunk:
                break
    except failures as exc:
        return exc
    return chunk


async def _aread_all(chunks: AsyncIterator[bytes], failures: _Failures) -> bytes | BaseException:
    content = bytearray()
    while True:
        chunk = await _aread_next(chunks, failures)
        if isinstance(chunk, BaseException):
            return chunk
        if not chunk:
            return bytes(content)
        content += chunk
