"""`repair fixtures`: run a directory of captured model outputs as a regression suite
(`check`), and capture a new output as a case for a person to review (`add`).

The layout and the three laws are those of fixtures/README.md; the checker is
`repair.testing`, the same one the pytest plugin and repair's own tests run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ._common import Exit, err, read_bytes

TYPE_CHECKING = False  # (typing for type checkers only: see steps.py)
if TYPE_CHECKING:
    from typing import Any

    from ..core import RepairResult

FIXTURES_EXIT_HELP = """exit codes:
  0    success (check: every case passed; add: the case was written)
  1    check: at least one case failed (a regression); add: the new case fails its own laws
  2    usage error (no such directory, a case that already exists, unreadable input)
  130  interrupted
"""

FIXTURES_EXAMPLES = """examples:
  repair fixtures check                      # ./fixtures
  repair fixtures check tests/captured       # any directory in the same layout
  repair fixtures add bad-quotes --from answer.txt
  pbpaste | repair fixtures add odd-fence --family fences
  repair scan --only failed agent.log | head -1 | repair fixtures add scan-failure
"""

CHECK_EXAMPLES = """examples:
  repair fixtures check
  repair fixtures check path/to/fixtures
  repair fixtures check fixtures/quotes      # one family

layout (fixtures/README.md):
  <family>/<name>.txt      raw model output, byte-exact
  <family>/<name>.json     expected value (json.dumps(v, indent=2, ensure_ascii=False) + newline), or
  <family>/<name>.err      a substring the RepairError message must contain
  <family>/<name>.steps    optional: step codes that must appear, one per line
  <name>.schema.json or <name>.model (module:Name): a schema case, aligned before comparing
"""

ADD_EXAMPLES = """examples:
  repair fixtures add single-quotes --from answer.txt --family quotes
  cat answer.txt | repair fixtures add single-quotes
  repair scan --only failed agent.log | sed -n 3p | repair fixtures add cut-in-key --family truncation

The input is a raw model output, or one `repair scan` record (a JSON object with "ok" and
either a "raw"/"text" field or "file" and "line"; the value at the record's "span" on that
line, or the block starting there, is read back from that file). A `scan --field PATH`
record names its field ("field": PATH): the model's text is read back from that JSONL line. --raw and --record force either reading. The expected .json
is the current repair (or an .err with the error when it cannot be repaired): review it.
"""


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `fixtures` (with `check` and `add`) on the `repair` subparsers."""
    fmt = argparse.RawDescriptionHelpFormatter
    p = subparsers.add_parser(
        "fixtures", help="run or extend a regression suite of captured model outputs",
        description="A fixtures directory holds raw model outputs with the value repair must recover "
                    "from each (fixtures/README.md). `check` runs every case under the three laws; `add` "
                    "captures a new output as a case whose expected value is the current repair.",
        epilog=FIXTURES_EXAMPLES + "\n" + FIXTURES_EXIT_HELP, formatter_class=fmt,
    )
    sub = p.add_subparsers(dest="fixtures_command", metavar="SUBCOMMAND")
    check = sub.add_parser(
        "check", help="run every case and print a diff for each one that fails",
        description="Run every case in DIR under the three laws: the repair equals the expected .json "
                    "(with the listed .steps), repairing it again takes no steps, and an .err case is "
                    "refused with that message. Prints one line and a diff per failing case, then "
                    "`N passed, M failed`.",
        epilog=CHECK_EXAMPLES + "\n" + FIXTURES_EXIT_HELP, formatter_class=fmt,
    )
    check.add_argument("dir", nargs="?", default="fixtures", metavar="DIR", help="the fixtures directory (default: ./fixtures)")
    add = sub.add_parser(
        "add", help="capture a raw output as a new case, expected value = the current repair",
        description="Write DIR/FAMILY/NAME.txt from a file, stdin, or a `repair scan` record, and "
                    "NAME.json with its current repair (or NAME.err when it cannot be repaired), for a "
                    "person to review. An existing case is never overwritten.",
        epilog=ADD_EXAMPLES + "\n" + FIXTURES_EXIT_HELP, formatter_class=fmt,
    )
    add.add_argument("name", metavar="NAME", help="the case name, kebab-case, after the defect (e.g. unclosed-fence)")
    add.add_argument("source", nargs="?", default=None, metavar="-", help="- reads stdin (the default without --from)")
    add.add_argument("--from", dest="from_", metavar="FILE", default=None, help="read the raw output (or a scan record) from FILE; - for stdin")
    add.add_argument("--dir", default="fixtures", metavar="DIR", help="the fixtures directory (default: ./fixtures)")
    add.add_argument("--family", default="captured", metavar="FAMILY", help="the family folder (default: captured)")
    kind = add.add_mutually_exclusive_group()
    kind.add_argument("--raw", action="store_true", help="the input is the raw output, even if it looks like a scan record")
    kind.add_argument("--record", action="store_true", help="the input is a scan record (JSON with raw/text, or file+line)")


# ---------------------------------------------------------------- check


def _check_command(args: argparse.Namespace) -> int:
    root = Path(args.dir)
    if not root.is_dir():
        err(f"no fixtures directory at {args.dir!r}; give the directory (repair fixtures check path/to/fixtures), "
             f"or start one with: repair fixtures add NAME --from output.txt --dir {args.dir}")
        return Exit.USAGE
    from ..testing import check_case, load_cases

    cases = load_cases(root)
    if not cases:
        err(f"no cases in {args.dir!r}: a case is <family>/<name>.txt with a .json or .err next to it "
             "(see `repair fixtures check --help`)")
        return Exit.USAGE
    passed = failed = 0
    out = sys.stdout
    for case in cases:
        result = check_case(case)
        if result.passed:
            passed += 1
        else:
            failed += 1
            out.write(result.report() + "\n")
            out.flush()
    out.write(f"{passed} passed, {failed} failed\n")
    out.flush()
    return Exit.CHECK_FAILED if failed else Exit.OK


# ---------------------------------------------------------------- add


class _Usage(Exception):
    pass


def _read_input(source: str) -> bytes:
    try:
        return read_bytes(source)
    except OSError as exc:
        raise _Usage(f"{source}: cannot read: {exc.strerror or exc}. Check the path, or use - for stdin.") from None


def _as_record(data: bytes, forced: bool) -> dict[str, Any] | None:
    """The scan record in data, or None when data is a raw output."""
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        if forced:
            raise _Usage("--record: the input is not UTF-8 JSON") from None
        return None
    lines = [line for line in text.splitlines() if line.strip()]
    records: list[dict[str, Any]] = []
    for line in lines:
        try:
            obj = json.loads(line)
        except ValueError:
            obj = None
        looks = isinstance(obj, dict) and (
            isinstance(obj.get("raw"), str) or isinstance(obj.get("text"), str)
            or (isinstance(obj.get("file"), str) and isinstance(obj.get("line"), int)))
        if not looks or (not forced and not isinstance(obj.get("ok"), bool)):
            if forced:
                raise _Usage("--record: the input is not a scan record (a JSON object with a \"raw\" or \"text\" "
                             "string, or \"file\" and \"line\")")
            return None
        records.append(obj)
    if not records:
        if forced:
            raise _Usage("--record: the input is empty")
        return None
    if len(records) > 1:
        raise _Usage(f"the input holds {len(records)} scan records; give one (e.g. `sed -n 2p` or `head -1`), "
                     "or --raw to capture the text as it is")
    return records[0]


def _text_from_record(rec: dict[str, Any]) -> str:
    for key in ("raw", "text"):
        given = rec.get(key)
        if isinstance(given, str):
            return given
    path, lineno = rec["file"], rec["line"]
    if path in ("-", "<stdin>"):
        raise _Usage("the record comes from stdin, which cannot be read again; capture the text itself with --from FILE")
    from ..scan import InputError
    from ..scan.local import read_units
    from ..scan.records import decode, get_field

    given = rec.get("field")
    field = given if isinstance(given, str) else None
    if rec.get("kind") == "field" and field is None:
        raise _Usage("the record is from `repair scan --field` but does not say which field; add "
                     "\"field\": \"PATH\" to it (the --field PATH of the scan), or copy the model's text into a file "
                     "and use --from FILE")
    try:
        for unit_line, kind, raw, notes in read_units(path, field):
            if unit_line == lineno:
                break
            if unit_line > lineno:
                raise _Usage(f"{path}:{lineno}: no JSON-like value starts on that line any more; has the file changed?")
        else:
            raise _Usage(f"{path}:{lineno}: the file has no such value (it has fewer lines, or changed since the scan)")
    except InputError as exc:
        raise _Usage(f"cannot read the file named by the record: {exc}. Run from the directory the scan ran in, "
                     "or capture the text with --from FILE.") from None
    text = decode(raw, [])
    if kind == "field":
        assert field is not None  # (read_units gives "field" units only for a field)
        try:
            text = get_field(json.loads(text), field)
        except (ValueError, LookupError) as exc:
            raise _Usage(f"{path}:{lineno}: cannot read field {field!r} back: {exc}") from None
        if not isinstance(text, str):
            raise _Usage(f"{path}:{lineno}: field {field!r} holds a JSON value, not a model's text: nothing to capture")
        return text
    span = rec.get("span")
    if kind == "line" and isinstance(span, list) and len(span) == 2 and all(isinstance(n, int) for n in span):
        return text[span[0]:span[1]]  # the value itself, not the log text around it
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith("\n") else text


def _inside(path: Path, root: Path) -> bool:
    """Does `path`, links resolved, stay inside `root`?"""
    try:
        path.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def _write_new(path: Path, body: bytes) -> None:
    with open(path, "xb") as fh:  # x: never overwrite
        fh.write(body)


def _add_command(args: argparse.Namespace) -> int:
    from ..core import repair
    from ..errors import RepairError
    from ..testing import canonical, check_case

    name, family = args.name, args.family
    for label, part in (("NAME", name), ("--family", family)):
        if not part or part in (".", "..") or "/" in part or "\\" in part or part.endswith(".txt"):
            err(f"{label} {part!r}: give a plain name without slashes or extension (e.g. unclosed-fence)")
            return Exit.USAGE
        if any(ord(c) < 32 or ord(c) == 127 for c in part):
            err(f"{label} {part!r}: holds a control character (a newline, a tab, an escape); give a plain name "
                "(e.g. unclosed-fence)")
            return Exit.USAGE
    if args.source not in (None, "-"):
        err(f"unexpected argument {args.source!r}: give the input with --from FILE, or - for stdin")
        return Exit.USAGE
    source = args.from_ or "-"
    folder = Path(args.dir) / family
    base = folder / name
    if folder.is_symlink() or (folder.exists() and not _inside(folder, Path(args.dir))):
        err(f"{folder}: the family folder is a symbolic link{' out of ' + args.dir if not _inside(folder, Path(args.dir)) else ''}; "
            "fixtures are written only inside the fixtures directory: pick another --family, or replace the link "
            "with a real folder")
        return Exit.USAGE
    existing = [p for p in (folder / f"{name}{s}" for s in (".txt", ".json", ".err", ".steps", ".schema.json", ".model")) if p.exists()]
    if existing:
        err(f"case {family}/{name} already exists ({', '.join(str(p) for p in existing)}); "
             "pick another NAME, or delete the old files first")
        return Exit.USAGE
    if source == "-" and sys.stdin is not None and sys.stdin.isatty():
        err("nothing piped in: give the output with --from FILE, or pipe it in (cat answer.txt | repair fixtures add NAME)")
        return Exit.USAGE
    try:
        data = _read_input(source)
        rec = None if args.raw else _as_record(data, forced=args.record)
        if rec is not None:
            text = _text_from_record(rec)
            data = text.encode("utf-8", "surrogateescape")
        else:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _Usage(f"the input is not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                             "fixtures are UTF-8 text: convert it first (e.g. iconv -t UTF-8)") from None
    except _Usage as exc:
        err(str(exc))
        return Exit.USAGE
    folder.mkdir(parents=True, exist_ok=True)
    result: RepairResult | None
    try:
        repaired = repair(text)
    except RepairError as exc:
        result, expected_body = None, exc.msg
    else:
        result, expected_body = repaired, canonical(repaired.value)
    txt_path = Path(str(base) + ".txt")
    expected_path = Path(str(base) + (".json" if result is not None else ".err"))
    try:
        _write_new(txt_path, data)
        try:
            _write_new(expected_path, expected_body.encode("utf-8"))
        except BaseException:
            txt_path.unlink(missing_ok=True)
            raise
    except FileExistsError:
        err(f"case {family}/{name} was created meanwhile; pick another NAME")
        return Exit.USAGE
    out = sys.stdout
    out.write(f"wrote {txt_path}\n")
    if result is not None:
        out.write(f"wrote {expected_path} (the current repair; review it before committing)\n")
        for step in result.steps:
            out.write(f"  {step}\n")
        if not result.steps:
            out.write("  no steps: the output was already valid JSON\n")
        out.write(f"to pin step codes the policy makes certain, list them in {base}.steps\n")
    else:
        out.write(f"wrote {expected_path} (cannot be repaired: {expected_body}); review it before committing\n")
    outcome = check_case(txt_path, Path(args.dir))
    if not outcome.passed:
        out.write(outcome.report() + "\n")
        err("the new case fails its own laws (the current repair is not a fixed point); keep it as a "
             "regression to fix, or delete its files")
        return Exit.CHECK_FAILED
    out.flush()
    return Exit.OK


def run(args: argparse.Namespace) -> int:
    """Run `repair fixtures check|add`; returns an Exit code."""
    command = getattr(args, "fixtures_command", None)
    if command == "check":
        return _check_command(args)
    if command == "add":
        return _add_command(args)
    err("fixtures needs a subcommand: repair fixtures check [DIR], or repair fixtures add NAME --from FILE "
         "(see repair fixtures --help)")
    return Exit.USAGE
