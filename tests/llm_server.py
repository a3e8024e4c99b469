"""A real HTTP model server for tests, speaking OpenAI's and Ollama's chat protocols.

    with start_server([Reply("{bad json"), Status(500), Reply('{"a": 1}')]) as server:
        llm = OpenAICompatible(server.openai_url, "m")      # http://127.0.0.1:<port>/v1
        ...
        server.requests[0].json["messages"]                 # what the client sent

It listens on 127.0.0.1 on a free port (stdlib ThreadingHTTPServer in a daemon thread) and
answers POST /v1/chat/completions (OpenAI-compatible) and POST /api/chat (Ollama). Each
request takes the next step of the SCRIPT, whichever path it came on; when the script is
used up the last step repeats (so `[Status(500)]` is a server that always fails). Steps:

- `Reply(content, finish_reason="stop", prompt_tokens=None, completion_tokens=None,
  tool_calls=())`, or a plain str: a chat answer in the protocol of the path (token counts
  default to word counts); `tool_calls` are `ToolCall(name, arguments)`s, sent as OpenAI
  sends them (`function.arguments` a JSON string, content null when it is "") or as Ollama
  does (`function.arguments` an object); `arguments` given as a str is sent as it is;
- `Status(code, body=None, headers=())`: that HTTP status with `body` (a dict is sent as
  JSON, a str as it is; None gives the protocol's usual error body) and extra headers
  (`(("Retry-After", "2"),)`). `Status(200, {...})` sends a 200 with
  any body you like, e.g. a malformed one;
- `Delay(seconds, then=None)`: wait, then carry out `then` (default a Reply), so a client
  with a shorter timeout gives up first;
- `Drop()`: close the connection without answering;
- `Trickle(interval, then=None)`: send the headers of `then` (default a Reply) at once, then
  its body one byte every `interval` seconds, so every read is quick but the whole answer
  takes long (a client must bound the whole request, not each read);
- `TrickleHead(interval, then=None, padding=300)`: send the status line at once, then the
  headers (`padding` bytes of an extra header first) one byte every `interval` seconds,
  then the body of `then` (default a Reply) at once: a client must bound the wait for the
  response head too;
- `Encoded(body, encoding="gzip", status=200)`: `body` (bytes, already compressed) sent
  with `Content-Encoding: encoding`, e.g. a small gzip body that expands to a huge one.

Every request is recorded in `server.requests` as a `Request` with `.method`, `.path`,
`.headers` (lower-case names) and `.json` (the parsed body, or None) and `.body` (text).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["Delay", "Drop", "Encoded", "ToolCall", "Reply", "Request", "Status", "Trickle", "TrickleHead", "start_server"]


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict | str  # a str is sent as it is (OpenAI): broken JSON, as models write it
    id: str = "call_1"

    @property
    def arguments_text(self) -> str:
        return self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments)

    def openai(self) -> dict:
        return {"id": self.id, "type": "function",
                "function": {"name": self.name, "arguments": self.arguments_text}}

    def ollama(self) -> dict:
        return {"function": {"name": self.name, "arguments": self.arguments}}


@dataclass(frozen=True)
class Reply:
    content: str
    finish_reason: str | None = "stop"
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    tool_calls: tuple = ()


@dataclass(frozen=True)
class Status:
    code: int
    body: object = None
    headers: tuple = ()  # extra response headers, as (name, value) pairs


@dataclass(frozen=True)
class Delay:
    seconds: float
    then: object = None


@dataclass(frozen=True)
class Drop:
    pass


@dataclass(frozen=True)
class Trickle:
    interval: float
    then: object = None


@dataclass(frozen=True)
class TrickleHead:
    interval: float
    then: object = None
    padding: int = 300


@dataclass(frozen=True)
class Encoded:
    body: bytes
    encoding: str = "gzip"
    status: int = 200


@dataclass
class Request:
    method: str
    path: str
    headers: dict
    body: str
    json: object = None
    at: float = field(default_factory=time.monotonic)


OPENAI_PATH = "/v1/chat/completions"
OLLAMA_PATH = "/api/chat"


class _Handler(BaseHTTPRequestHandler):
    server: "LLMServer"
    protocol_version = "HTTP/1.0"  # one request per connection: steps never share a socket

    def log_message(self, format, *args):  # keep test output clean
        pass

    def do_GET(self):
        self._send(404, {"error": f"no GET route {self.path}; POST {OPENAI_PATH} or {OLLAMA_PATH}"})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        request = Request("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body, parsed)
        step = self.server._take(request)
        if self.path not in (OPENAI_PATH, OLLAMA_PATH):
            self._send(404, {"error": {"message": f"unknown path {self.path}", "type": "not_found"}})
            return
        self._run(step, request)

    def _run(self, step, request: Request) -> None:
        if isinstance(step, str):
            step = Reply(step)
        if isinstance(step, Delay):
            if self.server._stop.wait(step.seconds):
                return  # the server is closing
            self._run(step.then if step.then is not None else Reply("late"), request)
        elif isinstance(step, Trickle):
            inner = step.then if step.then is not None else Reply("late")
            if isinstance(inner, str):
                inner = Reply(inner)
            if isinstance(inner, Status):
                code, body = inner.code, inner.body if inner.body is not None else {"error": "scripted"}
            else:
                code, body = 200, self._reply_body(inner, request)
            self._send(code, body, trickle=step.interval)
        elif isinstance(step, TrickleHead):
            inner = step.then if step.then is not None else Reply("late")
            if isinstance(inner, str):
                inner = Reply(inner)
            data = json.dumps(self._reply_body(inner, request)).encode("utf-8")
            head = (b"X-Padding: " + b"p" * step.padding + b"\r\nContent-Type: application/json\r\n"
                    + b"Content-Length: %d\r\n\r\n" % len(data))
            try:
                self.wfile.write(b"HTTP/1.0 200 OK\r\n")
                self.wfile.flush()
                for i in range(len(head)):
                    self.wfile.write(head[i:i + 1])
                    self.wfile.flush()
                    if self.server._stop.wait(step.interval):
                        return  # the server is closing
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up
        elif isinstance(step, Encoded):
            self._send(step.status, step.body, headers=(("Content-Encoding", step.encoding),))
        elif isinstance(step, Drop):
            self.close_connection = True  # the handler returns without a byte; the socket closes
        elif isinstance(step, Status):
            body = step.body
            if body is None:
                message = f"scripted HTTP {step.code}"
                body = ({"error": message} if self.path == OLLAMA_PATH
                        else {"error": {"message": message, "type": "server_error", "code": step.code}})
            self._send(step.code, body, headers=step.headers)
        elif isinstance(step, Reply):
            self._send(200, self._reply_body(step, request))
        else:
            raise TypeError(f"unknown script step {step!r}")

    def _reply_body(self, step: Reply, request: Request) -> dict:
        sent = request.json if isinstance(request.json, dict) else {}
        model = sent.get("model", "scripted")
        words = sum(len(str(m.get("content", "")).split()) for m in sent.get("messages", []) if isinstance(m, dict))
        prompt = step.prompt_tokens if step.prompt_tokens is not None else words
        completion = step.completion_tokens if step.completion_tokens is not None else len(step.content.split())
        if self.path == OLLAMA_PATH:
            return {
                "model": model,
                "created_at": "2024-01-01T00:00:00Z",
                "message": {"role": "assistant", "content": step.content,
                            **({"tool_calls": [c.ollama() for c in step.tool_calls]} if step.tool_calls else {})},
                "done": True,
                "done_reason": step.finish_reason,
                "prompt_eval_count": prompt,
                "eval_count": completion,
            }
        message = {"role": "assistant", "content": step.content}
        if step.tool_calls:
            message = {"role": "assistant", "content": step.content or None,
                       "tool_calls": [c.openai() for c in step.tool_calls]}
        return {
            "id": f"chatcmpl-{len(self.server.requests)}",
            "object": "chat.completion",
            "created": 1704067200,
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": step.finish_reason}],
            "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                      "total_tokens": prompt + completion},
        }

    def _send(self, code: int, body, trickle: float | None = None, headers=()) -> None:
        if isinstance(body, bytes):
            data = body
        else:
            data = body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode("utf-8")
        try:
            self.send_response(code)
            self.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            if trickle is None:
                self.wfile.write(data)
                return
            self.wfile.flush()
            for i in range(len(data)):
                self.wfile.write(data[i:i + 1])
                self.wfile.flush()
                if self.server._stop.wait(trickle):
                    return  # the server is closing
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timed out) before we answered


class LLMServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, script) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = list(script)
        if not self.script:
            raise ValueError("the script needs at least one step")
        self.requests: list[Request] = []
        self._index = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def handle_error(self, request, client_address):  # a client hanging up is not a test failure
        pass

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def openai_url(self) -> str:
        return self.url + "/v1"

    @property
    def ollama_url(self) -> str:
        return self.url + "/api"

    def _take(self, request: Request):
        with self._lock:
            self.requests.append(request)
            step = self.script[min(self._index, len(self.script) - 1)]
            self._index += 1
            return step

    def start(self) -> "LLMServer":
        self._thread.start()
        return self

    def close(self) -> None:
        self._stop.set()
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "LLMServer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def start_server(script) -> LLMServer:
    """Start a scripted server on 127.0.0.1 (a free port) and return it; close it with
    `.close()` or use it as a context manager."""
    return LLMServer(script).start()
