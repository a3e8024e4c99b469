"""`repair fixtures`: run a directory of captured model outputs as a regression suite
(`check`), and capture a new output as a case for a person to review (`add`).

The layout and the three laws are those of fixtures/README.md:

- `<family>/<name>.txt` is the raw output, with exactly one of `<name>.json` (the expected
  value, `json.dumps(value, indent=2, ensure_ascii=False) + "\\n"`) or `<name>.err` (a
  substring of the RepairError message), and optionally `<name>.steps` (codes that must
  appear);
- a schema case has also one of `<name>.schema.json` or `<name>.model` (`module:Name`).

Law 1: the repair equals the expected file byte for byte and takes the listed steps.
Law 2: repairing the repaired text, and the expected file, takes zero steps.
Law 3: an `.err` case raises RepairError whose message contains the `.err` text.

`check_case` is shared with the pytest plugin (repair.pytest_plugin).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

DIFF_LINES = 40  # a failing case's diff is trimmed to this many lines

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
either a "raw"/"text" field or "file" and "line"; the line, or the block starting there,
is read back from that file). --raw and --record force either reading. The expected .json
is the current repair (or an .err with the error when it cannot be repaired): review it.
"""


def add_fixtures_parser(subparsers) -> None:
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


def _err(msg: str) -> None:
    print(f"repair: {msg}", file=sys.stderr)


# ---------------------------------------------------------------- the three laws


@dataclass
class Outcome:
    """The result of one case: `problem` is None when every law holds."""

    name: str
    path: Path
    problem: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.problem is None

    def report(self) -> str:
        if self.ok:
            return f"ok   {self.name}"
        head = f"FAIL {self.name}: {self.problem}"
        if not self.detail:
            return head
        return head + "\n" + "\n".join("    " + line for line in self.detail.splitlines())


class _Fail(Exception):
    def __init__(self, problem: str, detail: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.detail = detail


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def _pretty(value) -> str:
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    return json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n"


def _diff(expected: str, got: str, expected_name: str) -> str:
    lines = list(difflib.unified_diff(expected.splitlines(), got.splitlines(), f"expected {expected_name}", "got", lineterm=""))
    if len(lines) > DIFF_LINES:
        lines = lines[:DIFF_LINES] + [f"... ({len(lines) - DIFF_LINES} more diff lines)"]
    return "\n".join(lines)


def _steps_text(steps) -> str:
    return "\n".join(f"step: {s}" for s in steps) or "step: (none)"


def find_cases(root: Path) -> list[Path]:
    """Every case's .txt: `root/<family>/<name>.txt`, or `root/<name>.txt` when root is a family."""
    return sorted(set(root.glob("*.txt")) | set(root.glob("*/*.txt")))


def case_name(txt: Path, root: Path) -> str:
    try:
        rel = txt.relative_to(root)
    except ValueError:
        rel = Path(txt.parent.name) / txt.name
    return rel.with_suffix("").as_posix()


def _sibling(txt: Path, suffix: str) -> Path:
    return txt.with_name(txt.name[: -len(".txt")] + suffix)


def _schema_paths(root: Path) -> None:
    """`.model` references name modules in the suite's sibling tests/ (of DIR, or of its parent
    when DIR is one family) or the cwd."""
    root = root.resolve()
    for extra in (os.getcwd(), str(root.parent.parent / "tests"), str(root.parent / "tests")):
        if os.path.isdir(extra) and extra not in sys.path:
            sys.path.insert(0, extra)


def _load_schema(txt: Path, root: Path):
    from .schema_arg import SchemaArgError, load_schema

    schema_file, model_file = _sibling(txt, ".schema.json"), _sibling(txt, ".model")
    if schema_file.exists() == model_file.exists():
        raise _Fail("a schema case needs exactly one of NAME.schema.json or NAME.model")
    if schema_file.exists():
        try:
            return json.loads(_read(schema_file))
        except ValueError as exc:
            raise _Fail(f"{schema_file.name} is not valid JSON ({exc})") from None
    spec = _read(model_file).strip()
    _schema_paths(root)
    try:
        return load_schema(spec)
    except SchemaArgError as exc:
        if spec.startswith("tests."):
            try:
                return load_schema(spec.removeprefix("tests."))
            except SchemaArgError:
                pass
        raise _Fail(f"cannot load the schema {spec!r} from {model_file.name}", str(exc)) from None


def is_schema_case(txt: Path) -> bool:
    return (txt.parent.name == "schema" or _sibling(txt, ".schema.json").exists()
            or _sibling(txt, ".model").exists())


def check_case(txt: Path, root: Path | None = None) -> Outcome:
    """Run one case under the three laws; never raises for a failing or broken case."""
    txt = Path(txt)
    root = Path(root) if root is not None else txt.parent.parent
    out = Outcome(case_name(txt, root), txt)
    try:
        _check(txt, root)
    except _Fail as fail:
        out.problem, out.detail = fail.problem, fail.detail
    except Exception as exc:  # noqa: BLE001 - one broken case never stops the run
        out.problem = f"internal error: {type(exc).__name__}: {exc}"
    return out


def _check(txt: Path, root: Path) -> None:
    import repair
    from .errors import RepairError

    schema = _load_schema(txt, root) if is_schema_case(txt) else None
    text = _read(txt)
    json_file, err_file = _sibling(txt, ".json"), _sibling(txt, ".err")
    if json_file.exists() == err_file.exists():
        raise _Fail("needs exactly one of NAME.json (the expected value) or NAME.err (a refusal)")
    if err_file.exists():  # law 3
        want = _read(err_file).strip()
        try:
            result = repair.repair(text, schema=schema)
        except RepairError as exc:
            if want not in str(exc):
                raise _Fail("law 3: the error message does not contain the .err text",
                            f"expected substring: {want!r}\ngot message:        {str(exc)!r}") from None
            if not (isinstance(exc.lineno, int) and isinstance(exc.colno, int)):
                raise _Fail("law 3: the RepairError has no line and column") from None
            return
        raise _Fail("law 3: expected a RepairError, but the text was repaired",
                    "got:\n" + _pretty(result.value) + _steps_text(result.steps))

    expected_text = _read(json_file)
    try:
        expected = json.loads(expected_text)
    except ValueError as exc:
        raise _Fail(f"{json_file.name} is not valid JSON ({exc})") from None
    try:
        result = repair.repair(text, schema=schema)
    except RepairError as exc:
        raise _Fail(f"law 1: the repair failed: {exc}",
                    "if the text must be refused, replace the .json by an .err holding part of this message") from None
    got = _pretty(result.value)
    if got != expected_text:  # law 1, byte for byte
        if got == _pretty(expected):
            problem = "law 1: same value, but the .json is not json.dumps(value, indent=2, ensure_ascii=False) + newline"
        else:
            problem = "law 1: the repaired value differs from the expected .json"
        raise _Fail(problem, _diff(expected_text, got, json_file.name) + "\n" + _steps_text(result.steps))
    steps_file = _sibling(txt, ".steps")
    if steps_file.exists():
        wanted = _read(steps_file).split()
        got_codes = {s.code for s in result.steps}
        missing = [c for c in wanted if c not in got_codes]
        if missing:
            raise _Fail(f"law 1: missing steps {', '.join(missing)}", _steps_text(result.steps))
    if schema is not None:
        for step in result.steps:
            info = repair.CODES.get(step.code)
            if info is not None and info.pass_name == "schema" and not str(getattr(step, "path", "") or "").startswith("$"):
                raise _Fail(f"a schema step names no JSON path: {step}")
    # law 2: the repair is a fixed point, and so is the expected file
    again = repair.repair(result.text, schema=schema)
    if again.steps or _pretty(again.value) != expected_text:
        raise _Fail("law 2: repairing the repaired text takes steps or changes the value",
                    _steps_text(again.steps) + ("\n" + _diff(expected_text, _pretty(again.value), json_file.name)
                                                if _pretty(again.value) != expected_text else ""))
    expected_again = repair.repair(expected_text, schema=schema)
    if expected_again.steps:
        raise _Fail(f"law 2: repairing the expected {json_file.name} takes steps", _steps_text(expected_again.steps))
    if schema is not None:
        try:
            repair.parse(text, schema)
        except RepairError as exc:
            raise _Fail(f"repair.parse does not validate the value: {exc}") from None


# ---------------------------------------------------------------- check


def _check_command(args) -> int:
    from .cli import Exit

    root = Path(args.dir)
    if not root.is_dir():
        _err(f"no fixtures directory at {args.dir!r}; give the directory (repair fixtures check path/to/fixtures), "
             f"or start one with: repair fixtures add NAME --from output.txt --dir {args.dir}")
        return Exit.USAGE
    cases = find_cases(root)
    if not cases:
        _err(f"no cases in {args.dir!r}: a case is <family>/<name>.txt with a .json or .err next to it "
             "(see `repair fixtures check --help`)")
        return Exit.USAGE
    passed = failed = 0
    out = sys.stdout
    for txt in cases:
        outcome = check_case(txt, root)
        if outcome.ok:
            passed += 1
        else:
            failed += 1
            out.write(outcome.report() + "\n")
            out.flush()
    out.write(f"{passed} passed, {failed} failed\n")
    out.flush()
    return Exit.CHECK_FAILED if failed else Exit.OK


# ---------------------------------------------------------------- add


class _Usage(Exception):
    pass


def _read_input(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    try:
        with open(source, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise _Usage(f"{source}: cannot read: {exc.strerror or exc}. Check the path, or use - for stdin.") from None


def _as_record(data: bytes, forced: bool):
    """The scan record in data, or None when data is a raw output."""
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        if forced:
            raise _Usage("--record: the input is not UTF-8 JSON") from None
        return None
    lines = [line for line in text.splitlines() if line.strip()]
    records = []
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


def _text_from_record(rec) -> str:
    for key in ("raw", "text"):
        if isinstance(rec.get(key), str):
            return rec[key]
    path, lineno = rec["file"], rec["line"]
    if path in ("-", "<stdin>"):
        raise _Usage("the record comes from stdin, which cannot be read again; capture the text itself with --from FILE")
    from .scan import _units

    stats = {"bytes": 0}
    try:
        with open(path, "rb") as fh:
            if rec.get("kind") == "field":
                raise _Usage("the record is from `repair scan --field`; copy the model's text from that line "
                             f"({path}:{lineno}) into a file and use --from FILE")
            for unit in _units(fh, path, None, stats):
                if unit[1] == lineno:
                    text = unit[3]
                    break
                if unit[1] > lineno:
                    raise _Usage(f"{path}:{lineno}: no JSON-like value starts on that line any more; has the file changed?")
            else:
                raise _Usage(f"{path}:{lineno}: the file has no such value (it has fewer lines, or changed since the scan)")
    except OSError as exc:
        raise _Usage(f"{path}: cannot read the file named by the record: {exc.strerror or exc}. "
                     "Run from the directory the scan ran in, or capture the text with --from FILE.") from None
    if isinstance(text, (bytes, bytearray)):  # scan's units may carry undecoded bytes
        text = bytes(text).decode("utf-8", errors="replace")
    if text.endswith("\r\n"):
        return text[:-2]
    return text[:-1] if text.endswith("\n") else text


def _write_new(path: Path, body: bytes) -> None:
    with open(path, "xb") as fh:  # x: never overwrite
        fh.write(body)


def _add_command(args) -> int:
    from .cli import Exit
    from .core import repair
    from .errors import RepairError

    name, family = args.name, args.family
    for label, part in (("NAME", name), ("--family", family)):
        if not part or part in (".", "..") or "/" in part or "\\" in part or part.endswith(".txt"):
            _err(f"{label} {part!r}: give a plain name without slashes or extension (e.g. unclosed-fence)")
            return Exit.USAGE
    if args.source not in (None, "-"):
        _err(f"unexpected argument {args.source!r}: give the input with --from FILE, or - for stdin")
        return Exit.USAGE
    source = args.from_ or "-"
    folder = Path(args.dir) / family
    base = folder / name
    existing = [p for p in (folder / f"{name}{s}" for s in (".txt", ".json", ".err", ".steps", ".schema.json", ".model")) if p.exists()]
    if existing:
        _err(f"case {family}/{name} already exists ({', '.join(str(p) for p in existing)}); "
             "pick another NAME, or delete the old files first")
        return Exit.USAGE
    if source == "-" and sys.stdin is not None and sys.stdin.isatty():
        _err("nothing piped in: give the output with --from FILE, or pipe it in (cat answer.txt | repair fixtures add NAME)")
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
        _err(str(exc))
        return Exit.USAGE
    folder.mkdir(parents=True, exist_ok=True)
    try:
        result = repair(text)
    except RepairError as exc:
        result, expected_body = None, exc.msg
    else:
        expected_body = _pretty(result.value)
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
        _err(f"case {family}/{name} was created meanwhile; pick another NAME")
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
    if not outcome.ok:
        out.write(outcome.report() + "\n")
        _err("the new case fails its own laws (the current repair is not a fixed point); keep it as a "
             "regression to fix, or delete its files")
        return Exit.CHECK_FAILED
    out.flush()
    return Exit.OK


def run_fixtures(args) -> int:
    """Run `repair fixtures check|add`; returns a repair.cli.Exit code."""
    from .cli import Exit

    command = getattr(args, "fixtures_command", None)
    if command == "check":
        return _check_command(args)
    if command == "add":
        return _add_command(args)
    _err("fixtures needs a subcommand: repair fixtures check [DIR], or repair fixtures add NAME --from FILE "
         "(see repair fixtures --help)")
    return Exit.USAGE
