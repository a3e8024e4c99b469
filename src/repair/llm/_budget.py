"""The time an attempt may spend waiting on the network, enforced where httpx waits.

httpx's timeout bounds each wait (connecting, sending, one read), never their sum: a server
that trickles its response head, or its body, a byte at a time keeps every read quick and
the call blocked for as long as it likes. So the drivers give httpx a network backend whose
every wait is counted against one `_Budget` per attempt and never allowed to outlast what
is left of it: connecting, sending the request, reading the head and the body. The time a
streaming caller takes between pieces is not a wait on the network, so it does not count.

httpx has no public way to choose the network backend of the client it builds (with the
proxies it reads from the environment), so `bound_client` swaps it into each connection
pool the client made; on an httpx where that is not possible it says so in a warning and
the per-read timeout alone applies.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from ._protocol import logger

if TYPE_CHECKING:
    import ssl


class _Budget:
    """Seconds of network waiting left in the current attempt (`reset` starts an attempt)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.spent = 0.0

    def reset(self) -> None:
        self.spent = 0.0

    @property
    def message(self) -> str:
        return f"the answer was still arriving after {self.timeout:g} s"

    @contextlib.contextmanager
    def wait(self, timeout: float | None, timeout_error: type[Exception]) -> Iterator[float]:
        """Around one network wait: yields the timeout to give it (httpx's, or what is left of
        the budget when that is less), counts the time it took, and raises `timeout_error`
        (an httpcore timeout class, which httpx turns into its own) when the budget ran out."""
        left = self.timeout - self.spent
        if left <= 0:
            raise timeout_error(self.message)
        start = time.monotonic()
        try:
            yield left if timeout is None else min(timeout, left)
        except Exception as exc:
            import httpcore

            if isinstance(exc, httpcore.TimeoutException) and self.timeout - self.spent - (time.monotonic() - start) <= 0:
                raise timeout_error(self.message) from None
            raise
        finally:
            self.spent += time.monotonic() - start


if TYPE_CHECKING:
    import httpcore
    import httpx
    from httpcore._backends.base import SOCKET_OPTION  # (the type httpcore's own signatures use)

    _Client = TypeVar("_Client", httpx.Client, httpx.AsyncClient)
    _Wrappers = tuple[Callable[[httpcore.NetworkBackend, _Budget], httpcore.NetworkBackend],
                      Callable[[httpcore.AsyncNetworkBackend, _Budget], httpcore.AsyncNetworkBackend]]


def _backends() -> _Wrappers:
    """The wrapping classes, built on first use so that httpcore is imported only then."""
    import httpcore

    class Stream(httpcore.NetworkStream):
        def __init__(self, inner: httpcore.NetworkStream, budget: _Budget) -> None:
            self._inner, self._budget = inner, budget

        def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            with self._budget.wait(timeout, httpcore.ReadTimeout) as left:
                return self._inner.read(max_bytes, left)

        def write(self, buffer: bytes, timeout: float | None = None) -> None:
            with self._budget.wait(timeout, httpcore.WriteTimeout) as left:
                self._inner.write(buffer, left)

        def close(self) -> None:
            self._inner.close()

        def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                      timeout: float | None = None) -> httpcore.NetworkStream:
            with self._budget.wait(timeout, httpcore.ConnectTimeout) as left:
                return Stream(self._inner.start_tls(ssl_context, server_hostname, left), self._budget)

        def get_extra_info(self, info: str) -> Any:
            return self._inner.get_extra_info(info)

    class Backend(httpcore.NetworkBackend):
        def __init__(self, inner: httpcore.NetworkBackend, budget: _Budget) -> None:
            self._inner, self._budget = inner, budget

        def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                        socket_options: Iterable[SOCKET_OPTION] | None = None) -> httpcore.NetworkStream:
            with self._budget.wait(timeout, httpcore.ConnectTimeout) as left:
                return Stream(self._inner.connect_tcp(host, port, left, local_address=local_address,
                                                      socket_options=socket_options), self._budget)

        def connect_unix_socket(self, path: str, timeout: float | None = None,
                                socket_options: Iterable[SOCKET_OPTION] | None = None) -> httpcore.NetworkStream:
            with self._budget.wait(timeout, httpcore.ConnectTimeout) as left:
                return Stream(self._inner.connect_unix_socket(path, left, socket_options=socket_options),
                              self._budget)

        def sleep(self, seconds: float) -> None:
            self._inner.sleep(seconds)

    class AsyncStream(httpcore.AsyncNetworkStream):
        def __init__(self, inner: httpcore.AsyncNetworkStream, budget: _Budget) -> None:
            self._inner, self._budget = inner, budget

        async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
            with self._budget.wait(timeout, httpcore.ReadTimeout) as left:
                return await self._inner.read(max_bytes, left)

        async def write(self, buffer: bytes, timeout: float | None = None) -> None:
            with self._budget.wait(timeout, httpcore.WriteTimeout) as left:
                await self._inner.write(buffer, left)

        async def aclose(self) -> None:
            await self._inner.aclose()

        async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                            timeout: float | None = None) -> httpcore.AsyncNetworkStream:
            with self._budget.wait(timeout, httpcore.ConnectTimeout) as left:
                return AsyncStream(await self._inner.start_tls(ssl_context, server_hostname, left), self._budget)

        def get_extra_info(self, info: str) -> Any:
            return self._inner.get_extra_info(info)

    class AsyncBackend(httpcore.AsyncNetworkBackend):
        def __init__(self, inner: httpcore.AsyncNetworkBackend, budget: _Budget) -> None:
            self._inner, self._budget = inner, budget

        async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                              local_address: str | None = None,
                              socket_options: Iterable[SOCKET_OPTION] | None = None) -> httpcore.AsyncNetworkStream:
            with self._budget.wait(timeout, httpcore.ConnectTimeout) as left:
                return AsyncStream(await self._inner.connect_tcp(host, port, left, local_address=local_address,
                                                                 socket_options=socket_options), self._budget)

        async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                      socket_options: Iterable[SOCKET_OPTION] | None = None,
                                      ) -> httpcore.AsyncNetworkStream:
            with self._budget.wait(timeout, httpcore.ConnectTimeout) as left:
                return AsyncStream(await self._inner.connect_unix_socket(path, left, socket_options=socket_options),
                                   self._budget)

        async def sleep(self, seconds: float) -> None:
            await self._inner.sleep(seconds)

    return Backend, AsyncBackend


_warned = False


def bound_client(client: _Client, budget: _Budget) -> _Client:
    """`client` (an httpx.Client or AsyncClient), with every connection it opens, directly or
    through a proxy from the environment, waiting on the network within `budget`."""
    global _warned
    backend, async_backend = _backends()
    wrap: Callable[[Any, _Budget], object] = async_backend if client.__class__.__name__ == "AsyncClient" else backend
    # (httpx's private attributes: read with getattr, as they may change; see the module's docstring)
    transports = [getattr(client, "_transport", None), *getattr(client, "_mounts", {}).values()]
    pools = [getattr(t, "_pool", None) for t in transports if t is not None]
    if pools and all(hasattr(pool, "_network_backend") for pool in pools):
        for pool in pools:
            setattr(pool, "_network_backend", wrap(getattr(pool, "_network_backend"), budget))
    elif not _warned:
        _warned = True
        logger.warning("this httpx does not let repair.llm bound the whole of each attempt: timeout= "
                       "bounds each read only, and a server that trickles its response can hold a call longer")
    return client
