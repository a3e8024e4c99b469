"""The fixture laws: check captured model outputs against the repairs they must give.

A fixtures folder (fixtures/README.md) holds one case per `<family>/<name>.txt`, the raw
model output, with exactly one of `<name>.json` (the expected value, written as
`canonical(value)`) or `<name>.err` (a substring of the refusal's message), optionally
`<name>.steps` (codes that must appear), and for a schema case one of
`<name>.schema.json` or `<name>.model` (`module:Name`). A case passes when the three laws
hold:

1. `repair.repair(txt)` succeeds and `canonical(value)` equals the `.json` file byte for
   byte. The comparison is of JSON text, so types count (`1`, `1.0` and `true` all
   differ, as do `"1"` and `1`) and so does key order. Every code in `.steps` appears. For
   a schema case, every schema step names a JSON path and `repair.parse` validates.
2. The repair is a fixed point: repairing its text takes no steps and gives the same
   value, and repairing the `.json` file takes no steps.
3. A `.err` case raises `RepairError`, with a line and column, whose message contains the
   `.err` text.

    from repair.testing import check_case, load_cases

    for case in load_cases("fixtures"):
        result = check_case(case)
        if not result.passed:
            print(result.report())

`repair fixtures check`, the pytest plugin (`pytest --repair-fixtures DIR`) and repair's
own test suite all run this one checker. It needs no pytest.
"""

from __future__ import annotations

import difflib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Union

if TYPE_CHECKING:
    from .steps import Step

StrPath = Union[str, os.PathLike[str]]  # a folder or file, as str or Path

__all__ = ["Case", "CaseResult", "Failure", "canonical", "check_case", "check_dir", "load_cases"]

DIFF_LINES = 40  # a failure's diff is trimmed to this many lines

# Failure.law: "1", "2", "3" for the laws; "schema" for a schema case's extra checks;
# "case" for a case whose files are missing or broken; "internal" for an unexpected exception.
LAWS = ("1", "2", "3", "schema", "case", "internal")


@dataclass(frozen=True)
class Case:
    """One fixture case: `txt` is the raw output; the other files sit beside it."""

    id: str  # "<family>/<name>", or "<name>" for a case given on its own
    txt: Path
    root: Path  # the fixtures folder the case was loaded from

    def sibling(self, suffix: str) -> Path:
        """The case's file with this suffix (".json", ".err", ".steps", ".model", ...)."""
        return self.txt.with_name(self.txt.name[: -len(".txt")] + suffix)

    @property
    def family(self) -> str:
        return self.txt.parent.name

    @property
    def is_schema(self) -> bool:
        """A schema case: in a `schema` family, or with a `.schema.json` or `.model` file."""
        return (self.family == "schema" or self.sibling(".schema.json").exists()
                or self.sibling(".model").exists())


@dataclass(frozen=True)
class Failure:
    """One broken law: `problem` is the one-line summary (it starts with "law N: " for
    the three laws), `detail` what differed (a diff, the steps taken)."""

    law: str
    problem: str
    detail: str = ""

    def __str__(self) -> str:
        return self.problem


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case: `passed` when `failures` is empty."""

    case: Case
    failures: tuple[Failure, ...] = field(default_factory=tuple)

    @property
    def id(self) -> str:
        return self.case.id

    @property
    def passed(self) -> bool:
        return not self.failures

    def report(self) -> str:
        """`ok   ID`, or one `FAIL ID: problem` line per failure, each with its detail indented."""
        if self.passed:
            return f"ok   {self.id}"
        parts = []
        for failure in self.failures:
            parts.append(f"FAIL {self.id}: {failure.problem}")
            if failure.detail:
                parts.append("\n".join("    " + line for line in failure.detail.splitlines()))
        return "\n".join(parts)


def canonical(value: Any) -> str:
    """The one text a `.json` file holds for a value: `json.dumps(value, indent=2,
    ensure_ascii=False) + "\\n"` (a pydantic model as its JSON-mode dump). Type-aware:
    1, 1.0, true and "1" all give different text. TypeError for a value that is not
    plain JSON (a Decimal, a datetime): such a value never equals an expected file."""
    if hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def load_cases(root: StrPath) -> list[Case]:
    """Every case in `root`: `root/<family>/<name>.txt`, or `root/<name>.txt` when `root`
    is one family; sorted by path."""
    root = Path(root)
    found = sorted(set(root.glob("*.txt")) | set(root.glob("*/*.txt")))
    return [Case(_case_id(txt, root), txt, root) for txt in found]


def check_dir(root: StrPath) -> Iterator[CaseResult]:
    """Check every case in `root`, in order."""
    for case in load_cases(root):
        yield check_case(case)


def check_case(case: Case | StrPath, root: StrPath | None = None) -> CaseResult:
    """Check one case (a `Case`, or the path of its `.txt` with `root` its fixtures
    folder, by default the folder above its family) under the three laws. Never raises
    for a failing or broken case: that is a failure in the result."""
    if not isinstance(case, Case):
        txt = Path(case)
        root = Path(root) if root is not None else txt.parent.parent
        case = Case(_case_id(txt, root), txt, root)
    failures: list[Failure] = []
    try:
        _check(case, failures)
    except _Stop:
        pass
    except Exception as exc:  # noqa: BLE001 - one broken case never stops a run
        failures.append(Failure("internal", f"internal error: {type(exc).__name__}: {exc}"))
    return CaseResult(case, tuple(failures))


# ---------------------------------------------------------------- the laws


class _Stop(Exception):
    """The case cannot be checked further (its files are broken, or the repair failed)."""


def _check(case: Case, failures: list[Failure]) -> None:
    import repair
    from .errors import RepairError

    def fail(law: str, problem: str, detail: str = "") -> None:
        failures.append(Failure(law, problem, detail))

    def stop(law: str, problem: str, detail: str = "") -> _Stop:
        fail(law, problem, detail)
        return _Stop()

    schema = _load_schema(case, stop) if case.is_schema else None
    text = _read(case.txt)
    json_file, err_file = case.sibling(".json"), case.sibling(".err")
    if json_file.exists() == err_file.exists():
        raise stop("case", "needs exactly one of NAME.json (the expected value) or NAME.err (a refusal)")

    if err_file.exists():  # law 3
        want = _read(err_file).strip()
        try:
            result = repair.repair(text, schema=schema)
        except RepairError as exc:
            if want not in str(exc):
                fail("3", "law 3: the error message does not contain the .err text",
                     f"expected substring: {want!r}\ngot message:        {str(exc)!r}")
            elif not (isinstance(exc.lineno, int) and isinstance(exc.colno, int)):
                fail("3", "law 3: the RepairError has no line and column")
            return
        raise stop("3", "law 3: expected a RepairError, but the text was repaired",
                   "got:\n" + _shown(result.value) + _steps_text(result.steps))

    expected_text = _read(json_file)
    try:
        expected = json.loads(expected_text)
    except ValueError as exc:
        raise stop("case", f"{json_file.name} is not valid JSON ({exc})") from None
    try:
        result = repair.repair(text, schema=schema)
    except RepairError as exc:
        raise stop("1", f"law 1: the repair failed: {exc}",
                   "if the text must be refused, replace the .json by an .err holding part of this message") from None

    # law 1: the canonical text of the value, byte for byte
    try:
        got = canonical(result.value)
    except (TypeError, ValueError) as exc:
        raise stop("1", f"law 1: the repaired value is not plain JSON ({exc})", _steps_text(result.steps)) from None
    if got != expected_text:
        if got == canonical(expected):
            problem = "law 1: same value, but the .json is not json.dumps(value, indent=2, ensure_ascii=False) + newline"
        else:
            problem = "law 1: the repaired value differs from the expected .json"
        fail("1", problem, _diff(expected_text, got, f"expected {json_file.name}") + "\n" + _steps_text(result.steps))
    if _same_text(result.text) != got:
        fail("1", "law 1: the repaired text does not decode to the repaired value", f"text: {result.text[:200]!r}")
    steps_file = case.sibling(".steps")
    if steps_file.exists():
        codes = {s.code for s in result.steps}
        missing = [c for c in _read(steps_file).split() if c not in codes]
        if missing:
            fail("1", f"law 1: missing steps {', '.join(missing)}", _steps_text(result.steps))
    if schema is not None:
        for step in result.steps:
            info = repair.CODES.get(step.code)
            if info is not None and info.pass_name == "schema" and not str(getattr(step, "path", "") or "").startswith("$"):
                fail("schema", f"a schema step names no JSON path: {step}")
                break

    # law 2: the repair is a fixed point, and so is the expected file
    again = repair.repair(result.text, schema=schema)
    again_text = canonical(again.value)
    if again.steps or again_text != got:
        label = f"expected {json_file.name}" if got == expected_text else "first repair"
        fail("2", "law 2: repairing the repaired text takes steps or changes the value",
             _steps_text(again.steps) + ("\n" + _diff(got, again_text, label) if again_text != got else ""))
    expected_again = repair.repair(expected_text, schema=schema)
    if expected_again.steps:
        fail("2", f"law 2: repairing the expected {json_file.name} takes steps", _steps_text(expected_again.steps))

    if schema is not None:
        try:
            repair.parse(text, schema)
        except RepairError as exc:
            fail("schema", f"repair.parse does not validate the value: {exc}")


def _same_text(text: str) -> str | None:
    """The canonical text of the value `text` decodes to, or None when it does not decode."""
    try:
        return canonical(json.loads(text))
    except ValueError:
        return None


# ---------------------------------------------------------------- schema cases


def _load_schema(case: Case, stop: Callable[..., _Stop]) -> Any:
    from .schema_arg import SchemaArgError, load_schema

    schema_file, model_file = case.sibling(".schema.json"), case.sibling(".model")
    if schema_file.exists() == model_file.exists():
        raise stop("case", "a schema case needs exactly one of NAME.schema.json or NAME.model")
    if schema_file.exists():
        try:
            return json.loads(_read(schema_file))
        except ValueError as exc:
            raise stop("case", f"{schema_file.name} is not valid JSON ({exc})") from None
    spec = _read(model_file).strip()
    _model_paths(case.root)
    try:
        return load_schema(spec)
    except SchemaArgError as exc:
        if spec.startswith("tests."):
            try:
                return load_schema(spec.removeprefix("tests."))
            except SchemaArgError:
                pass
        raise stop("case", f"cannot load the schema {spec!r} from {model_file.name}", str(exc)) from None


def _model_paths(root: Path) -> None:
    """`.model` references name modules in the suite's sibling tests/ (of the fixtures
    folder, or of its parent when the folder is one family) or the current directory."""
    root = root.resolve()
    for extra in (os.getcwd(), str(root.parent.parent / "tests"), str(root.parent / "tests")):
        if os.path.isdir(extra) and extra not in sys.path:
            sys.path.insert(0, extra)


# ---------------------------------------------------------------- helpers


def _case_id(txt: Path, root: Path) -> str:
    try:
        rel = txt.relative_to(root)
    except ValueError:
        rel = Path(txt.parent.name) / txt.name
    return rel.with_suffix("").as_posix()


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def _shown(value: Any) -> str:
    try:
        return canonical(value)
    except (TypeError, ValueError):
        return repr(value) + "\n"


def _diff(expected: str, got: str, expected_name: str) -> str:
    lines = list(difflib.unified_diff(expected.splitlines(), got.splitlines(), expected_name, "got", lineterm=""))
    if len(lines) > DIFF_LINES:
        lines = lines[:DIFF_LINES] + [f"... ({len(lines) - DIFF_LINES} more diff lines)"]
    return "\n".join(lines)


def _steps_text(steps: Iterable[Step]) -> str:
    return "\n".join(f"step: {s}" for s in steps) or "step: (none)"
