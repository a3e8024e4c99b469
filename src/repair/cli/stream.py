"""`repair fix --stream`: read one model output as it arrives (a pipe from `curl -N`, a
model's raw text) and print a JSON snapshot line each time the value grows.

Each line is `{"value": ..., "complete": ..., "tentative": ..., "changed": [...]}`; the
last is the whole text's repair with `"final": true` and its step codes. The input may be
the model's text or a captured stream (OpenAI-style SSE, Ollama NDJSON), told apart by its
first bytes unless `--format` says.
"""

from __future__ import annotations

import os
import sys

from ._common import Exit, display_name, err

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    import argparse
    from typing import Any, Iterator

    from ..llm.wire import WireText

_CHUNK = 65536


def _chunks(path: str) -> Iterator[bytes]:
    """The input's bytes as they arrive: os.read returns what the pipe holds, without
    waiting for a full buffer."""
    if path == "-":
        fd = sys.stdin.fileno()
        while True:
            data = os.read(fd, _CHUNK)
            if not data:
                return
            yield data
    else:
        with open(path, "rb") as fh:
            while True:
                data = fh.read(_CHUNK)
                if not data:
                    return
                yield data


def run_stream(path: str, args: argparse.Namespace, schema: Any) -> int:
    from ..errors import RepairError
    from ..llm import LLMError
    from ..llm.wire import WireText, sniff
    from ..serialize import dumps
    from ..streaming import StreamParser

    name = display_name(path)
    parser = StreamParser(schema, strict=args.strict)
    out = sys.stdout
    wire: WireText | None = None
    kind: str = args.format

    def emit(record: dict[str, Any]) -> None:
        line = dumps(record, indent=None, ensure_ascii=args.ensure_ascii)
        out.write(line.encode("utf-8", "backslashreplace").decode("utf-8") + "\n")
        out.flush()

    def take(text: str | bytes) -> None:
        snap = parser.feed(text)
        if snap.changed and snap.started:
            emit({"value": snap.value, "complete": snap.complete, "tentative": snap.tentative,
                  "changed": sorted(snap.changed)})

    try:
        for data in _chunks(path):
            if kind == "auto":
                kind = sniff(data)
            if kind == "text":
                take(data)
                continue
            if wire is None:
                wire = WireText(kind)
            take(wire.feed(data))
        if wire is not None:
            take(wire.end())
        result = parser.close()
    except OSError as exc:
        err(f"{name}: cannot read: {exc.strerror or exc}. Check the path and permissions.")
        return Exit.UNREPAIRABLE
    except LLMError as exc:
        err(f"{name}: the {kind} stream is malformed: {exc}. Try --format text to read it as the model's own text.")
        return Exit.UNREPAIRABLE
    except RepairError as exc:
        err(f"{name}: {exc}. The snapshots above were partial; nothing final was printed.")
        return Exit.UNREPAIRABLE
    if args.explain:
        for step in result.steps:
            print(f"{name}: {step}", file=sys.stderr)
    record: dict[str, Any] = {"value": result.value, "complete": True, "tentative": False, "final": True,
              "lossy": result.lossy, "steps": [s.code for s in result.steps]}
    if wire is not None and wire.finish_reason is not None:
        record["finish_reason"] = wire.finish_reason
    emit(record)
    return Exit.OK
