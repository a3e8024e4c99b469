#!/usr/bin/env python3
"""Schema mode side by side: every case of fixtures/schema/ through five approaches.

    python benchmarks/schema_compare.py                  # prints the table, writes benchmarks/SCHEMA_RESULTS.md
    python benchmarks/schema_compare.py --out /tmp/s.md  # elsewhere
    python benchmarks/schema_compare.py --wait 60        # first wait for >= 60 cases (120 s polls, 40 min cap)

Approaches (all see the same raw text and the same schema):

  ours              repair.parse(text, S)
  jr-schema         json_repair.loads(text, schema=S, schema_repair_mode="standard"), then validate
  jr-salvage        json_repair.loads(text, schema=S, schema_repair_mode="salvage"), then validate
  jr+pydantic       json_repair.loads(text) with no schema, then validate (lax), as Instructor does
  json+pydantic     json.loads(text), then validate (lax): strict JSON

S is a pydantic model or TypeAdapter type (`<name>.model` = `schema_models:Name` from
tests/schema_models.py) or a JSON Schema dict (`<name>.schema.json`). json_repair takes a
pydantic BaseModel or a dict; other TypeAdapter types (`list[Person]`, `Literal[...]`, a
dataclass, a TypedDict) are given to it as `TypeAdapter(S).json_schema()`.

"Validate" is `TypeAdapter(S).validate_python(value)` (pydantic's default lax mode) for a
model or type, and jsonschema for a `.schema.json` case (ours validates with the same
jsonschema, internally). A case with `<name>.json` is right when the approach returns a
value that validates and equals the expected value: for a model or type both sides are
validated and compared as `dump_python(mode="json", by_alias=True)`, for a JSON Schema
case the plain values are compared (numbers by value, booleans apart from numbers). A case
with `<name>.err` (must refuse) is right when the approach raises or returns nothing that
validates; a value that validates there is a *wrong value produced on a must-refuse
case*, counted separately, as are validated values that differ from the expected value
on the other cases ("silently wrong").

Sub-families come from the case name prefix (keys-, values-, enums-, shape-, candidates-,
refuse-); fixtures/schema/NOTES.md documents the cases. Nothing here is asserted by the
test suite.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import importlib.metadata
import json
import os
import platform
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SRC = ROOT / "src"
TESTS = ROOT / "tests"
FIXTURES = ROOT / "fixtures" / "schema"

# Always measure this checkout's engine, installed or not; the models live in tests/.
sys.path.insert(0, str(SRC))
sys.path.insert(0, str(TESTS))

import jsonschema  # noqa: E402
import json_repair  # noqa: E402
from pydantic import BaseModel, TypeAdapter  # noqa: E402

import repair  # noqa: E402

FAMILIES = ["keys", "values", "enums", "shape", "candidates", "refuse"]
RIGHT, REFUSED, WRONG = "right", "refused", "wrong"  # outcome of one approach on one case


# --------------------------------------------------------------------------- cases


class Case:
    def __init__(self, txt: Path) -> None:
        self.name = txt.stem
        self.family = self.name.split("-", 1)[0] if self.name.split("-", 1)[0] in FAMILIES else "other"
        self.text = _read(txt)
        schema_file, model_file = txt.with_suffix(".schema.json"), txt.with_suffix(".model")
        if schema_file.exists():
            self.schema = json.loads(_read(schema_file))
            self.kind = "jsonschema"
            self.model_ref = ""
        else:
            ref = _read(model_file).strip()
            module_name, _, attr = ref.partition(":")
            module = importlib.import_module(module_name.removeprefix("tests."))
            self.schema = getattr(module, attr)
            self.kind = "pydantic"
            self.model_ref = attr
        err = txt.with_suffix(".err")
        self.must_refuse = err.exists()
        self.expected = None if self.must_refuse else json.loads(_read(txt.with_suffix(".json")))


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def load_cases() -> list[Case]:
    return [Case(p) for p in sorted(FIXTURES.glob("*.txt"))]


def wait_for_cases(minimum: int, poll: float = 120.0, cap: float = 40 * 60) -> int:
    start = time.monotonic()
    while True:
        n = len(list(FIXTURES.glob("*.txt")))
        if n >= minimum or time.monotonic() - start >= cap:
            return n
        print(f"fixtures/schema has {n} cases, waiting for {minimum} ...", file=sys.stderr)
        time.sleep(poll)


# --------------------------------------------------------------------------- validation and comparison


class Checker:
    """Validates a produced value against the case's schema and compares like with like."""

    def __init__(self, case: Case) -> None:
        self.case = case
        if case.kind == "pydantic":
            self.adapter = TypeAdapter(case.schema)
            self.expected = None if case.must_refuse else self.dump(self.adapter.validate_python(case.expected))
        else:
            cls = jsonschema.validators.validator_for(case.schema)
            self.validator = cls(case.schema)
            self.expected = case.expected

    def dump(self, validated):
        return self.adapter.dump_python(validated, mode="json", by_alias=True)

    def validate_plain(self, value):
        """(True, comparable form) if `value` validates, else (False, None)."""
        if self.case.kind == "pydantic":
            try:
                return True, self.dump(self.adapter.validate_python(value))
            except Exception:  # ValidationError, or anything a validator may raise
                return False, None
        try:
            ok = self.validator.is_valid(value)
        except Exception:
            ok = False
        return (True, value) if ok else (False, None)

    def outcome(self, valid: bool, comparable) -> str:
        """RIGHT, WRONG (a validated value that is not the expected one, or any validated
        value on a must-refuse case) or REFUSED (raised, or nothing that validates)."""
        if self.case.must_refuse:
            return WRONG if valid else RIGHT
        if not valid:
            return REFUSED
        return RIGHT if same(comparable, self.expected) else WRONG


def same(a, b) -> bool:
    """JSON equality: numbers by value (1 == 1.0), booleans never equal to numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


# --------------------------------------------------------------------------- approaches


def json_repair_schema(case: Case):
    """What json_repair's schema mode accepts: a BaseModel class or a JSON Schema dict."""
    if case.kind == "jsonschema":
        return case.schema
    if isinstance(case.schema, type) and issubclass(case.schema, BaseModel):
        return case.schema
    return TypeAdapter(case.schema).json_schema()


def run_ours(case: Case, check: Checker):
    try:
        validated = repair.parse(case.text, case.schema)
    except repair.RepairError as exc:
        return check.outcome(False, None), str(exc)[:120]
    # parse() validated with the same TypeAdapter (or jsonschema) the others go through.
    comparable = check.dump(validated) if case.kind == "pydantic" else validated
    return check.outcome(True, comparable), comparable


def make_jr_schema(mode: str):
    def run(case: Case, check: Checker):
        try:
            value = json_repair.loads(case.text, schema=json_repair_schema(case), schema_repair_mode=mode)
        except Exception as exc:  # json_repair raises ValueError when the value does not fit
            return check.outcome(False, None), f"{type(exc).__name__}: {exc}"[:80]
        valid, comparable = check.validate_plain(value)
        return check.outcome(valid, comparable), value

    return run


def run_jr_pydantic(case: Case, check: Checker):
    try:
        value = json_repair.loads(case.text)
    except Exception as exc:
        return check.outcome(False, None), f"{type(exc).__name__}: {exc}"[:80]
    valid, comparable = check.validate_plain(value)
    return check.outcome(valid, comparable), value


def run_json_pydantic(case: Case, check: Checker):
    try:
        value = json.loads(case.text)
    except ValueError as exc:
        return check.outcome(False, None), f"{type(exc).__name__}"
    valid, comparable = check.validate_plain(value)
    return check.outcome(valid, comparable), value


APPROACHES = [
    ("ours", "`repair.parse(text, S)`", run_ours),
    ("jr-schema", '`json_repair.loads(text, schema=S, schema_repair_mode="standard")` + validate', make_jr_schema("standard")),
    ("jr-salvage", '`json_repair.loads(text, schema=S, schema_repair_mode="salvage")` + validate', make_jr_schema("salvage")),
    ("jr+pydantic", "`json_repair.loads(text)` + `model_validate` (lax), as Instructor does", run_jr_pydantic),
    ("json+pydantic", "`json.loads(text)` + `model_validate` (lax)", run_json_pydantic),
]


# --------------------------------------------------------------------------- run and report


def run_all(cases: list[Case]):
    results: dict[str, dict[str, tuple[str, object]]] = defaultdict(dict)  # approach -> case -> (outcome, detail)
    seconds: dict[str, float] = defaultdict(float)
    for case in cases:
        check = Checker(case)
        for name, _, fn in APPROACHES:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                outcome, detail = fn(case, check)
                seconds[name] += time.perf_counter() - t0
            results[name][case.name] = (outcome, detail)
    return results, seconds


def summarize(cases: list[Case], results):
    families = [f for f in FAMILIES + ["other"] if any(c.family == f for c in cases)]
    rows = []
    for name, _, _ in APPROACHES:
        res = results[name]
        row = {"approach": name}
        for fam in families:
            members = [c for c in cases if c.family == fam]
            row[fam] = (sum(res[c.name][0] == RIGHT for c in members), len(members))
        value_cases = [c for c in cases if not c.must_refuse]
        refuse_cases = [c for c in cases if c.must_refuse]
        row["value"] = (sum(res[c.name][0] == RIGHT for c in value_cases), len(value_cases))
        row["refuse"] = (sum(res[c.name][0] == RIGHT for c in refuse_cases), len(refuse_cases))
        row["all"] = (sum(res[c.name][0] == RIGHT for c in cases), len(cases))
        row["wrong_on_refuse"] = sum(res[c.name][0] == WRONG for c in refuse_cases)
        row["silently_wrong"] = sum(res[c.name][0] == WRONG for c in value_cases)
        rows.append(row)
    return families, rows


def table(cases, results, seconds) -> list[str]:
    families, rows = summarize(cases, results)
    fam_head = [f"{f}-" for f in families]
    head = ["approach", *fam_head, "value cases", "must-refuse cases", "all", "wrong values on must-refuse", "silently wrong values", "ms/case"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [row["approach"]]
        cells += [f"{row[f][0]}/{row[f][1]}" for f in families]
        cells += [f"{row['value'][0]}/{row['value'][1]}", f"{row['refuse'][0]}/{row['refuse'][1]}"]
        a, n = row["all"]
        cells += [f"**{a}/{n}** ({100 * a / max(n, 1):.0f}%)", str(row["wrong_on_refuse"]), str(row["silently_wrong"])]
        cells.append(f"{1000 * seconds[row['approach']] / max(len(cases), 1):.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def per_case(cases, results) -> list[str]:
    mark = {RIGHT: "ok", REFUSED: "refused", WRONG: "**WRONG**"}
    names = [n for n, _, _ in APPROACHES]
    lines = ["| case | schema | expects | " + " | ".join(names) + " |", "|" + "---|" * (3 + len(names))]
    for c in cases:
        schema = c.model_ref or "JSON Schema"
        expects = "refuse" if c.must_refuse else "value"
        cells = []
        for n in names:
            outcome = results[n][c.name][0]
            cells.append("ok (refused)" if outcome == RIGHT and c.must_refuse else mark[outcome])
        lines.append(f"| {c.name} | {schema} | {expects} | " + " | ".join(cells) + " |")
    return lines


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "?"


def report(cases, results, seconds) -> str:
    n_model = sum(c.kind == "pydantic" for c in cases)
    n_refuse = sum(c.must_refuse for c in cases)
    out = [
        "# Schema mode: side by side",
        "",
        f"Generated by `python benchmarks/schema_compare.py` on {datetime.date.today().isoformat()}: "
        f"Python {platform.python_version()}, repair {repair.__version__} (this checkout), "
        f"json_repair {_version('json_repair')}, pydantic {_version('pydantic')}, jsonschema {_version('jsonschema')}.",
        "",
        f"{len(cases)} cases from `fixtures/schema/` ({n_model} pydantic models or TypeAdapter types from "
        f"`tests/schema_models.py`, {len(cases) - n_model} JSON Schema dicts; {n_refuse} must-refuse cases). "
        "The cases were written for this library's policy (docs/policy.md §6; fixtures/schema/NOTES.md "
        "records the decisions), so the expected values are ours: read the other columns as "
        "\"agrees with that policy\", not as an absolute score; ours passing them all is by "
        "construction (tests/test_schema_fixtures.py pins every case). Refusing is easy for an "
        "approach that repairs little, so the must-refuse column alone says nothing: the "
        "wrong-value counts are the safety measure.",
        "",
        "Approaches:",
        "",
    ]
    out += [f"- **{name}**: {desc}" for name, desc, _ in APPROACHES]
    out += [
        "",
        "A value case is right when the value validates and equals the expected one (models: both "
        "validated, compared as `dump_python(mode=\"json\", by_alias=True)`; JSON Schema: plain values). "
        "A must-refuse case is right when the approach raises or returns nothing that validates; "
        "**wrong values on must-refuse** counts values that validate there (the bar for ours is 0). "
        "**Silently wrong values** are validated values that differ from the expected value on value "
        "cases: worse than a refusal, since nothing tells the caller. Column `<family>-` counts the "
        "right cases of that name prefix. ms/case is wall time per case, one call, "
        "schema compilation included (not a benchmark of speed).",
        "",
        *table(cases, results, seconds),
        "",
        "## Per case",
        "",
        *per_case(cases, results),
        "",
    ]
    wrong_ours = [c.name for c in cases if results["ours"][c.name][0] != RIGHT]
    out += ["## Cases ours does not get right", ""]
    if not wrong_ours:
        out += ["None.", ""]
    for name in wrong_ours:
        outcome, detail = results["ours"][name]
        out += [f"- `{name}`: {outcome}: `{json.dumps(detail, default=str)[:200]}`"]
    out.append("")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(HERE / "SCHEMA_RESULTS.md"), help="markdown file to write")
    ap.add_argument("--wait", type=int, default=0, metavar="N", help="first wait until fixtures/schema has N cases (120 s polls, 40 min cap)")
    args = ap.parse_args(argv)
    if args.wait:
        wait_for_cases(args.wait)
    cases = load_cases()
    if not cases:
        print("no cases in fixtures/schema/", file=sys.stderr)
        return 1
    results, seconds = run_all(cases)
    print("\n".join(table(cases, results, seconds)))
    wrong_ours = [c.name for c in cases if results["ours"][c.name][0] != RIGHT]
    if wrong_ours:
        print("\nours not right on: " + ", ".join(wrong_ours))
    text = report(cases, results, seconds)
    Path(args.out).write_text(text, encoding="utf-8")
    print(f"\nwrote {os.path.relpath(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
