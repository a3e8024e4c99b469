"""`repair fix`: each input is one model output; print its repaired JSON, one per line."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

from ._common import EXIT_HELP, Exit, decode_text, display_name, err, positive_int, read_bytes

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any

    from ..errors import RepairError

FIX_EXAMPLES = """examples:
  echo "{'a': 1,}" | repair fix
  repair fix model_output.txt --indent 2
  repair fix --explain answer.txt 2> steps.log
  repair fix a.txt b.txt        # several files: JSONL, {"file": "a.txt", "value": ...} per line
  repair fix --check *.txt      # exit 1 if any file needed repair
  repair fix --schema myapp.models:Invoice invoice_answer.txt
  repair fix --in-place --indent 2 outputs/*.json
  curl -sN $URL/v1/chat/completions -d @req.json | repair fix --stream   # a snapshot per line as it grows
"""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `fix` on the `repair` subparsers."""
    fix = subparsers.add_parser(
        "fix", help="repair model outputs and print the JSON",
        description="Each input (file or - for stdin) is one model output; print its repaired JSON, one per line.",
        epilog=FIX_EXAMPLES + "\n" + EXIT_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fix.add_argument("files", nargs="*", metavar="FILE", help="input files; - or none for stdin")
    fix.add_argument("--indent", type=int, default=None, metavar="N", help="indent the output JSON by N spaces")
    fix.add_argument("--explain", action="store_true", help="print each repair step on stderr")
    fix.add_argument("--strict", action="store_true", help="refuse lossy repairs (truncation, choosing among values)")
    fix.add_argument("--check", action="store_true", help="print nothing; exit 1 if any input needed repair")
    fix.add_argument("--ensure-ascii", action="store_true", help="escape non-ASCII characters in the output")
    fix.add_argument("--schema", metavar="SPEC", help="align and validate against a JSON Schema file or module:Model")
    fix.add_argument("--max-size", type=positive_int, metavar="CHARS", help="refuse inputs longer than this (default: no limit)")
    fix.add_argument("--max-depth", type=positive_int, metavar="N", help="refuse values nested deeper than N containers (default: no limit)")
    fix.add_argument("--in-place", action="store_true",
                     help="write each repaired file back (temp file + rename; never half-written; a symlink is written "
                          "through to its target, hard links and the file mode are kept)")
    names = fix.add_mutually_exclusive_group()
    names.add_argument("--with-filename", action="store_true",
                       help="print a JSONL record {\"file\", \"value\"} per input even for one input (the default with several)")
    names.add_argument("--no-filename", action="store_true",
                       help="print the bare repaired JSON per input, one per line, even for several inputs")
    fix.add_argument("--stream", action="store_true",
                     help="read one input as it arrives and print a JSON snapshot line each time the value grows "
                          "({\"value\", \"complete\", \"tentative\", \"changed\"}), then the final value with \"final\": true")
    fix.add_argument("--format", choices=("auto", "text", "sse", "ndjson"), default="auto",
                     help="with --stream: the input is the model's text, an OpenAI-style SSE stream or Ollama's NDJSON "
                          "(default: auto, from the first bytes)")


def write_atomically(path: str, body: str) -> None:
    """Write next to the file, then rename over it: a reader sees the old file or the new
    one, never half of it, even if the process dies midway. A symlink is written through
    (its target gets the new text, the link stays a link); a file with other hard links is
    rewritten in place instead (a rename would cut it off from them); the mode is kept."""
    path = os.path.realpath(path)
    if os.stat(path).st_nlink > 1:
        with open(path, "r+", encoding="utf-8", newline="") as fh:
            fh.write(body)
            fh.truncate()
            fh.flush()
            os.fsync(fh.fileno())
        return
    directory = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix=".repair-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.chmod(tmp, os.stat(path).st_mode & 0o7777)
        except OSError:
            pass
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _hint(exc: RepairError, args: argparse.Namespace) -> str:
    """What to try next, chosen by the error's kind (never by its wording)."""
    if args.strict and exc.kind == "lossy_refused":
        return "run without --strict to accept this repair, with --explain to see every step."
    if exc.kind == "validation":
        return "the value does not fit the schema; see the errors above, or run with --explain."
    if exc.kind == "empty":
        return "the model returned nothing; check that the right file was given."
    if exc.kind == "limit":
        return "raise --max-size / --max-depth if such inputs are expected."
    return "the text holds no JSON object, array or value; check that the model was asked to answer in JSON."


def run(args: argparse.Namespace) -> int:
    """Run `repair fix`; returns an Exit code."""
    from ..core import repair
    from ..errors import RepairError
    from ..serialize import dumps

    files = args.files or ["-"]
    records = args.with_filename or (len(files) > 1 and not args.no_filename)
    status = Exit.OK
    out = sys.stdout
    schema: Any = None
    if args.schema:
        from ..schema_arg import SchemaArgError, load_schema

        try:
            schema = load_schema(args.schema)
        except SchemaArgError as exc:
            err(str(exc))
            return Exit.USAGE
    if args.in_place and "-" in files:
        err("--in-place needs file names, not stdin (-): the result has nowhere to go")
        return Exit.USAGE
    if args.stream:
        if len(files) > 1 or args.in_place or args.check:
            err("--stream reads one input (a file, or - for stdin) and prints snapshots; it goes with neither --in-place nor --check")
            return Exit.USAGE
        from .stream import run_stream

        return run_stream(files[0], args, schema)
    for path in files:
        name = display_name(path)
        try:
            text = decode_text(read_bytes(path))
        except OSError as exc:
            err(f"{name}: cannot read: {exc.strerror or exc}. Check the path and permissions.")
            status = Exit.UNREPAIRABLE
            continue
        try:
            result = repair(text, schema=schema, strict=args.strict, max_size=args.max_size, max_depth=args.max_depth)
        except RepairError as exc:
            err(f"{name}: {exc}. Nothing was {'written' if args.in_place else 'printed'} for it; {_hint(exc, args)}")
            status = Exit.UNREPAIRABLE
            continue
        if args.explain:
            for step in result.steps:
                print(f"{name}: {step}", file=sys.stderr)
        if args.check:
            if result.steps and status == Exit.OK:
                status = Exit.CHECK_FAILED
            continue
        if result.steps or args.indent is not None or args.ensure_ascii:
            body = dumps(result.value, indent=args.indent, ensure_ascii=args.ensure_ascii)
        else:
            body = result.original.strip()
        body = body.encode("utf-8", "backslashreplace").decode("utf-8") + "\n"
        if args.in_place:
            if body != text:
                try:
                    write_atomically(path, body)
                except OSError as exc:
                    err(f"{name}: cannot write the repaired file back: {exc.strerror or exc}"
                        f"{' (' + exc.filename + ')' if getattr(exc, 'filename', None) else ''}. The file is unchanged; "
                        "check the permissions of the file and of its directory (--in-place writes a temporary "
                        "file next to it), or print the result instead of --in-place.")
                    status = Exit.CANNOT_WRITE
            continue
        if records:  # one line each: the value re-serialized, never the input's own layout or --indent
            value = dumps(result.value, ensure_ascii=args.ensure_ascii).encode("utf-8", "backslashreplace").decode("utf-8")
            body = f'{{"file": {dumps(name, ensure_ascii=args.ensure_ascii)}, "value": {value}}}\n'
        out.write(body)
    out.flush()
    return status
