"""A real HTTP model server that streams, for tests: OpenAI's Server-Sent Events on
POST /v1/chat/completions and Ollama's newline-delimited JSON on POST /api/chat.

    with start_stream_server([Status(503), Stream(["{\\"a\\"", ": 1}"])]) as server:
        pieces = list(OpenAICompatible(server.openai_url, "m").stream(messages))

It is tests/llm_server.py's server (127.0.0.1, a free port, one script step a request, the
last step repeating, `server.requests`) with a handler that also knows these steps; the
one-shot steps (`Reply`, `Status`, `Delay`, `Drop`, `Trickle`) work as they do there.

- `Stream(pieces, finish_reason="stop", usage=None, *, end=True, cut=None, then="end")`:
  a 200 streamed with chunked transfer encoding, as vLLM, OpenAI and Ollama send it, in
  the protocol of the path. OpenAI: a role-only chunk first, one chunk per piece, a chunk
  with the finish_reason, a usage chunk (`"choices": []`) when `usage=(prompt,
  completion)`, then `data: [DONE]` (left out with `end=False`). Ollama: one line per
  piece, then the `"done": true` line with done_reason and the counts (left out with
  `end=False`). `cut=n` cuts the body into HTTP chunks of n bytes (so events, lines and
  UTF-8 characters are split between chunks); by default each event or line is a chunk.
  `tool_calls=(ToolCall(...), ...)` streams tool calls after the text: OpenAI as a delta
  with the id, type and name and then the arguments in pieces of `arguments_piece`
  characters, each `{"index": i, "function": {"arguments": ...}}`; Ollama as one line whose
  `message.tool_calls` holds the whole calls.
- `Raw(chunks, content_type="text/event-stream", then="end")`: exactly these chunks (str
  or bytes) as a 200's chunked body.
- `then` says what follows the body: "end" (the chunked body ends properly), "stall"
  (nothing more, until the server closes: a client's timeout must end it), "cut" (the
  socket closes in the middle of the chunked body), "repeat" (the last chunk again and
  again, up to `REPEAT_CAP` times, every `REPEAT_INTERVAL` s: a stream that does not end).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from llm_server import OLLAMA_PATH, Delay, Drop, LLMServer, Reply, Request, Status, ToolCall, Trickle, _Handler

__all__ = ["Delay", "Drop", "Raw", "Reply", "Status", "Stream", "ToolCall", "Trickle", "ollama_line", "openai_event",
           "start_stream_server"]

REPEAT_CAP = 20_000  # a hang guard: a client that never gives up sees the stream end after this
REPEAT_INTERVAL = 0.002


@dataclass(frozen=True)
class Stream:
    pieces: tuple | list
    finish_reason: str | None = "stop"
    usage: tuple | None = None  # (prompt_tokens, completion_tokens)
    end: bool = True
    cut: int | None = None
    then: str = "end"
    tool_calls: tuple = ()
    arguments_piece: int = 7


@dataclass(frozen=True)
class Raw:
    chunks: tuple | list
    content_type: str = "text/event-stream"
    then: str = "end"


def openai_event(content: str | None = None, *, role: str | None = None, finish_reason: str | None = None,
                 usage: tuple | None = None, model: str = "scripted", tool_calls: list | None = None) -> bytes:
    """One `data: {chat.completion.chunk}` event as OpenAI sends it."""
    chunk = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1704067200, "model": model,
             "system_fingerprint": None, "choices": []}
    if usage is None or content is not None or role is not None or finish_reason is not None or tool_calls:
        delta = {}
        if role is not None:
            delta["role"] = role
        if content is not None:
            delta["content"] = content
        if tool_calls is not None:
            delta["tool_calls"] = tool_calls
        chunk["choices"] = [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}]
    if usage is not None:
        prompt, completion = usage
        chunk["usage"] = {"prompt_tokens": prompt, "completion_tokens": completion,
                          "total_tokens": prompt + completion}
    return b"data: " + json.dumps(chunk, ensure_ascii=False).encode("utf-8") + b"\n\n"


def ollama_line(content: str = "", *, done: bool = False, done_reason: str | None = None,
                usage: tuple | None = None, model: str = "scripted") -> bytes:
    """One line of Ollama's /api/chat stream."""
    line = {"model": model, "created_at": "2024-01-01T00:00:00Z",
            "message": {"role": "assistant", "content": content}, "done": done}
    if done:
        prompt, completion = usage if usage is not None else (0, 0)
        line.update(done_reason=done_reason, total_duration=1000, load_duration=10,
                    prompt_eval_count=prompt, prompt_eval_duration=100, eval_count=completion,
                    eval_duration=800)
    return json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n"


class _StreamHandler(_Handler):
    def _run(self, step, request: Request) -> None:
        if isinstance(step, Stream):
            chunks = self._ollama(step, request) if self.path == OLLAMA_PATH else self._openai(step, request)
            if step.cut is not None:
                body = b"".join(chunks)
                chunks = [body[i:i + step.cut] for i in range(0, len(body), step.cut)]
            content_type = "application/x-ndjson" if self.path == OLLAMA_PATH else "text/event-stream; charset=utf-8"
            self._stream(chunks, content_type, step.then)
        elif isinstance(step, Raw):
            chunks = [c.encode("utf-8") if isinstance(c, str) else c for c in step.chunks]
            self._stream(chunks, step.content_type, step.then)
        else:
            super()._run(step, request)

    @staticmethod
    def _model(request: Request) -> str:
        return request.json.get("model", "scripted") if isinstance(request.json, dict) else "scripted"

    def _openai(self, step: Stream, request: Request) -> list[bytes]:
        model = self._model(request)
        chunks = [openai_event("", role="assistant", model=model)]
        chunks += [openai_event(piece, model=model) for piece in step.pieces]
        for i, call in enumerate(step.tool_calls):
            head = {"index": i, "id": call.id, "type": "function", "function": {"name": call.name, "arguments": ""}}
            chunks.append(openai_event(model=model, tool_calls=[head]))
            arguments = call.arguments_text
            for k in range(0, len(arguments), step.arguments_piece):
                piece = {"index": i, "function": {"arguments": arguments[k:k + step.arguments_piece]}}
                chunks.append(openai_event(model=model, tool_calls=[piece]))
        if step.end:
            chunks.append(openai_event(finish_reason=step.finish_reason, model=model) if step.finish_reason
                          else openai_event(model=model))
            if step.usage is not None:
                chunks.append(openai_event(usage=step.usage, model=model))
            chunks.append(b"data: [DONE]\n\n")
        return chunks

    def _ollama(self, step: Stream, request: Request) -> list[bytes]:
        model = self._model(request)
        chunks = [ollama_line(piece, model=model) for piece in step.pieces]
        if step.tool_calls:
            line = json.loads(ollama_line("", model=model))
            line["message"]["tool_calls"] = [call.ollama() for call in step.tool_calls]
            chunks.append(json.dumps(line).encode("utf-8") + b"\n")
        if step.end:
            chunks.append(ollama_line(done=True, done_reason=step.finish_reason, usage=step.usage, model=model))
        return chunks

    def _stream(self, chunks: list[bytes], content_type: str, then: str) -> None:
        """A 200 with a chunked body, each of `chunks` written and flushed on its own."""
        self.protocol_version = "HTTP/1.1"  # chunked transfer encoding is HTTP/1.1's
        self.close_connection = True
        try:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.flush()
            for chunk in chunks:
                self._chunk(chunk)
            if then == "end":
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            elif then == "stall":
                self.server._stop.wait()
            elif then == "repeat":
                for _ in range(REPEAT_CAP):
                    self._chunk(chunks[-1])
                    if self.server._stop.wait(REPEAT_INTERVAL):
                        return
            elif then == "cut":
                pass  # the handler returns: the socket closes with the chunked body unfinished
            else:
                raise ValueError(f"unknown then={then!r}")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading

    def _chunk(self, data: bytes) -> None:
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()


class StreamServer(LLMServer):
    def __init__(self, script) -> None:
        super().__init__(script)
        self.RequestHandlerClass = _StreamHandler


def start_stream_server(script) -> StreamServer:
    """Start a scripted streaming server on 127.0.0.1 (a free port); close it with
    `.close()` or use it as a context manager."""
    server = StreamServer(script)
    server.start()
    return server
