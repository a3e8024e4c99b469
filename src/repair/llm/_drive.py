"""The I/O: run an adapter's retry loop (`_Adapter._exchange`) over httpx, blocking with
`call` or async with `acall`. The loop and every decision in it live in _protocol.py; a
driver only POSTs, reads the whole answer within the timeout, and sleeps when told to."""

from __future__ import annotations

import time

from ._protocol import Reply, Wait, _Adapter


class Driven(_Adapter):
    """An adapter that can be called: the retry loop of _Adapter run over httpx."""

    def __call__(self, messages: list[dict]) -> Reply:
        """Send `messages` and return the model's `Reply` (blocking; httpx.Client)."""
        return call(self, messages)

    async def acall(self, messages: list[dict]) -> Reply:
        """Send `messages` and return the model's `Reply` (async; httpx.AsyncClient)."""
        return await acall(self, messages)


def call(adapter, messages: list[dict]) -> Reply:
    """Run the exchange with httpx.Client and time.sleep."""
    import httpx

    steps = adapter._exchange(messages)
    step = next(steps)  # builds the body: bad messages fail before a client is made
    with httpx.Client(timeout=adapter.timeout) as client:
        while not isinstance(step, Reply):
            if isinstance(step, Wait):
                time.sleep(step.seconds)
                step = next(steps)
            else:
                step = steps.send(_post(client, adapter, step.body))
    return step


async def acall(adapter, messages: list[dict]) -> Reply:
    """Run the exchange with httpx.AsyncClient and asyncio.sleep."""
    import asyncio

    import httpx

    steps = adapter._exchange(messages)
    step = next(steps)  # builds the body: bad messages fail before a client is made
    async with httpx.AsyncClient(timeout=adapter.timeout) as client:
        while not isinstance(step, Reply):
            if isinstance(step, Wait):
                await asyncio.sleep(step.seconds)
                step = next(steps)
            else:
                step = steps.send(await _apost(client, adapter, step.body))
    return step


def _post(client, adapter, body: dict):
    """One attempt: (status, content, headers), or the transport exception it failed with."""
    import httpx

    deadline = time.monotonic() + adapter.timeout
    try:
        with client.stream("POST", adapter.url, json=body, headers=adapter._headers(),
                           auth=_auth(adapter)) as response:
            content = bytearray()
            for chunk in response.iter_bytes():
                content += chunk
                _check_deadline(deadline, adapter.timeout)
    except (httpx.TransportError, httpx.InvalidURL) as exc:
        return exc
    return response.status_code, bytes(content), response.headers


async def _apost(client, adapter, body: dict):
    """`_post` for httpx.AsyncClient."""
    import httpx

    deadline = time.monotonic() + adapter.timeout
    try:
        async with client.stream("POST", adapter.url, json=body, headers=adapter._headers(),
                                 auth=_auth(adapter)) as response:
            content = bytearray()
            async for chunk in response.aiter_bytes():
                content += chunk
                _check_deadline(deadline, adapter.timeout)
    except (httpx.TransportError, httpx.InvalidURL) as exc:
        return exc
    return response.status_code, bytes(content), response.headers


def _auth(adapter):
    """Basic auth from a `user:password@` that came in base_url, else None."""
    if adapter._basic is None:
        return None
    import httpx

    return httpx.BasicAuth(*adapter._basic.value)


def _check_deadline(deadline: float, timeout: float) -> None:
    """httpx's timeout bounds each read; this bounds the whole answer, for a server that
    trickles it a few bytes at a time."""
    if time.monotonic() > deadline:
        import httpx

        raise httpx.ReadTimeout(f"the answer was still arriving after {timeout:g} s")
