"""Fixtures shared by several test modules."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# No test may depend on how fast the machine is: hypothesis's default 200 ms deadline and
# its too_slow health check both do. Nor on which examples a run happens to draw: the
# default run is derandomized (the same examples every time, no example database), and a
# longer hunt (REPAIR_PROPERTY_SCALE or REPAIR_FUZZ_SCALE set) draws fresh ones, whose
# finds become @example lines. Tests that set their own settings keep them.
_HUNT = any(os.environ.get(name) for name in ("REPAIR_PROPERTY_SCALE", "REPAIR_FUZZ_SCALE"))
settings.register_profile("machine-independent", deadline=None, suppress_health_check=[HealthCheck.too_slow],
                          derandomize=not _HUNT)
settings.load_profile("machine-independent")


@pytest.fixture
def loopback_without_proxy(monkeypatch):
    """A proxy in the environment must not stand between the client and the test server
    on 127.0.0.1 (used by the modules that talk HTTP, as `pytestmark`)."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def serve(loopback_without_proxy):
    """`serve(step, ...)` starts a scripted loopback server (one-shot and streamed answers,
    tests/stream_server.py) that is closed after the test. test_llm.py has its own, for the
    one-shot server's hostile steps."""
    from stream_server import start_stream_server

    servers = []

    def start(*script):
        server = start_stream_server(script)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture(params=["openai", "ollama"])
def make_llm(request):
    """`make_llm(server, **kw)`: an adapter for each protocol, pointed at a scripted server
    (modules that need other defaults define their own)."""
    from repair.llm import Ollama, OpenAICompatible

    def make(server, **kw):
        if request.param == "openai":
            return OpenAICompatible(server.openai_url, "test-model", api_key="sk-secret", **kw)
        return Ollama(server.ollama_url, "test-model", **kw)

    return make
