"""`repair fix --stream`: snapshots as the input arrives, from a pipe, a file, or a
captured SSE / NDJSON stream."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from repair.llm import LLMError
from repair.llm.wire import WireText, sniff

CMD = [sys.executable, "-m", "repair", "fix", "--stream"]


def _run(stdin: bytes, *extra: str):
    return subprocess.run([*CMD, *extra], input=stdin, capture_output=True, check=False)


def _lines(out: bytes) -> list[dict]:
    return [json.loads(line) for line in out.decode().splitlines()]


def test_a_snapshot_line_comes_out_for_each_piece_before_the_input_ends():
    """The pipe stays open: each line is read before the next piece is written, so the
    command must answer a piece as it arrives (no waiting for the end of stdin)."""
    proc = subprocess.Popen(CMD, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        seen = []
        for piece in ['{"title": "Weekly', ' sync", "items": [1, ', '2, 3], "ok": tr', 'ue}']:
            proc.stdin.write(piece.encode())
            proc.stdin.flush()
            seen.append(json.loads(proc.stdout.readline()))
        proc.stdin.close()
        final = json.loads(proc.stdout.readline())
        assert proc.wait() == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert seen[0]["value"] == {"title": "Weekly"} and not seen[0]["complete"]
    assert seen[1]["value"] == {"title": "Weekly sync", "items": [1]}
    assert seen[2]["value"] == {"title": "Weekly sync", "items": [1, 2, 3]}  # `tr` is not shown yet
    assert seen[3]["value"]["ok"] is True and seen[3]["complete"] and "$.ok" in seen[3]["changed"]
    assert final == {"value": {"title": "Weekly sync", "items": [1, 2, 3], "ok": True}, "complete": True,
                     "tentative": False, "final": True, "lossy": False, "steps": []}


def _sse(*pieces: str, finish: str = "stop") -> bytes:
    events = [{"choices": [{"index": 0, "delta": {"role": "assistant"}}]}]
    events += [{"choices": [{"index": 0, "delta": {"content": p}}]} for p in pieces]
    events.append({"choices": [{"index": 0, "delta": {}, "finish_reason": finish}]})
    body = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    return body.encode()


def test_a_captured_sse_stream_gives_the_model_text_repaired():
    proc = _run(_sse("Sure:\n```json\n{'a': [1, ", "2,], 'b': None}", "\n```"))
    assert proc.returncode == 0, proc.stderr
    final = _lines(proc.stdout)[-1]
    assert final["value"] == {"a": [1, 2], "b": None} and final["finish_reason"] == "stop"
    assert "repair_single_quotes" in final["steps"]


def test_an_ollama_ndjson_stream():
    lines = [{"model": "m", "message": {"role": "assistant", "content": p}, "done": False} for p in ['{"n": ', "4", "2}"]]
    lines.append({"model": "m", "message": {"role": "assistant", "content": ""}, "done": True, "done_reason": "length"})
    proc = _run("".join(json.dumps(x) + "\n" for x in lines).encode())
    assert proc.returncode == 0, proc.stderr
    final = _lines(proc.stdout)[-1]
    assert final["value"] == {"n": 42} and final["finish_reason"] == "length"


def test_format_text_reads_an_sse_looking_input_as_model_text(tmp_path):
    path = tmp_path / "answer.txt"
    path.write_bytes(b'data: {"x": 1}\n')
    proc = subprocess.run([*CMD, "--format", "text", str(path)], capture_output=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert _lines(proc.stdout)[-1]["value"] == {"x": 1}


def test_a_malformed_stream_says_where_and_exits_3():
    proc = _run(b"data: {not json\n\n")
    assert proc.returncode == 3
    assert b"event 1 (line 1) is not JSON" in proc.stderr and b"--format text" in proc.stderr
    assert b"Traceback" not in proc.stderr


def test_prose_only_exits_3_without_a_final_line():
    proc = _run(b"I could not find any data, sorry.")
    assert proc.returncode == 3 and proc.stdout == b""
    assert b"no JSON value" in proc.stderr and b"Traceback" not in proc.stderr


@pytest.mark.parametrize("extra", [["a.txt", "b.txt"], ["--check"], ["--in-place", "a.txt"]])
def test_stream_refuses_options_it_cannot_honour(extra, tmp_path):
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("{}")
    proc = subprocess.run([*CMD, *extra], capture_output=True, check=False, cwd=tmp_path)
    assert proc.returncode == 2 and b"--stream reads one input" in proc.stderr


def test_stream_with_a_schema_file(tmp_path):
    schema = tmp_path / "person.schema.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
                                  "required": ["name", "age"], "additionalProperties": False}))
    proc = _run(b'{"Name": "Ada", "age": "36", "x": 1}', "--schema", str(schema))
    assert proc.returncode == 0, proc.stderr
    assert _lines(proc.stdout)[-1]["value"] == {"name": "Ada", "age": 36}


# ---------------------------------------------------------------------------------------
# the wire reader
# ---------------------------------------------------------------------------------------

def test_sniff():
    assert sniff(b'data: {"choices": []}') == "sse"
    assert sniff(b': keep-alive\n\n') == "sse"
    assert sniff(b'{"model": "m", "message": {"content": "x"}, "done": false}\n') == "ndjson"
    assert sniff(b'{"a": 1}') == "text"
    assert sniff(b"Sure! ```json") == "text"


def test_wire_text_split_at_every_byte():
    body = _sse('{"city": "Zürich', ' 東京"}')
    for cut in range(1, len(body)):
        wire = WireText("sse")
        text = wire.feed(body[:cut]) + wire.feed(body[cut:]) + wire.end()
        assert text == '{"city": "Zürich 東京"}' and wire.finish_reason == "stop"


def test_wire_text_server_error_event():
    wire = WireText("sse")
    with pytest.raises(LLMError, match="overloaded"):
        wire.feed(b'data: {"error": {"message": "overloaded"}}\n\n')


def test_wire_text_unknown_format():
    with pytest.raises(ValueError, match="sse"):
        WireText("xml")


def test_stream_flag_is_in_help():
    proc = subprocess.run([sys.executable, "-m", "repair", "fix", "--help"], capture_output=True, check=False,
                          env={**os.environ, "COLUMNS": "120"})
    assert b"--stream" in proc.stdout and b"--format" in proc.stdout
