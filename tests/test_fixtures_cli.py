"""`repair fixtures check|add` through main(argv), and the pytest plugin (repair.pytest_plugin)."""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import pytest

from repair.cli import Exit, main

pytest_plugins = ["pytester"]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def run(argv, stdin: bytes | None = None, monkeypatch=None) -> int:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    return main(argv)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def _read(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    """A temp copy of a few families, one .err case among them, and a schema case."""
    root = tmp_path / "fixtures"
    for family in ("quotes", "commas", "prose"):
        shutil.copytree(FIXTURES / family, root / family)
    schema = root / "schema"
    schema.mkdir()
    for name in ("values-currency-dollar", "refuse-yes-or-no"):  # .model cases, one of them refused
        for f in FIXTURES.joinpath("schema").glob(name + ".*"):
            shutil.copy(f, schema / f.name)
    for f in FIXTURES.joinpath("schema").glob("*.schema.json"):  # and one JSON Schema case
        stem = f.name[: -len(".schema.json")]
        for g in FIXTURES.joinpath("schema").glob(stem + ".*"):
            shutil.copy(g, schema / g.name)
        break
    return root


def _count(root: Path) -> int:
    return len(list(root.glob("*/*.txt")))


# ---------------------------------------------------------------- check


def test_check_all_pass(suite: Path, capsys) -> None:
    assert list(suite.glob("prose/*.err")), "the copy should hold an .err case"
    assert list(suite.glob("schema/*.model")) and list(suite.glob("schema/*.schema.json"))
    assert run(["fixtures", "check", str(suite)]) == Exit.OK
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == f"{_count(suite)} passed, 0 failed"
    assert "FAIL" not in out


def test_check_one_family_dir(suite: Path, capsys) -> None:
    assert run(["fixtures", "check", str(suite / "schema")]) == Exit.OK  # .model resolves from tests/ here too
    assert capsys.readouterr().out.endswith(" passed, 0 failed\n")


def test_check_broken_expected_shows_diff(suite: Path, capsys) -> None:
    case = sorted((suite / "quotes").glob("*.json"))[0]
    value = json.loads(_read(case))
    value["__extra__"] = 1
    _write(case, json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    assert run(["fixtures", "check", str(suite)]) == Exit.CHECK_FAILED
    out = capsys.readouterr().out
    name = f"quotes/{case.stem}"
    fail_lines = [line for line in out.splitlines() if line.startswith("FAIL")]
    assert fail_lines == [f"FAIL {name}: law 1: the repaired value differs from the expected .json"]
    assert f"--- expected {case.name}" in out and "+++ got" in out
    assert '-  "__extra__": 1' in out
    assert out.splitlines()[-1] == f"{_count(suite) - 1} passed, 1 failed"


def test_check_non_canonical_expected(suite: Path, capsys) -> None:
    case = sorted((suite / "commas").glob("*.json"))[0]
    _write(case, json.dumps(json.loads(_read(case))))  # same value, not pretty-printed
    assert run(["fixtures", "check", str(suite)]) == Exit.CHECK_FAILED
    assert "same value, but the .json is not" in capsys.readouterr().out


def test_check_err_case(tmp_path: Path, capsys) -> None:
    root = tmp_path / "fx"
    _write(root / "prose" / "refusal.txt", "I'm sorry, I cannot help with that.")
    _write(root / "prose" / "refusal.err", "no JSON value found")
    _write(root / "prose" / "wrong-err.txt", "I'm sorry.")
    _write(root / "prose" / "wrong-err.err", "something else entirely")
    _write(root / "prose" / "not-refused.txt", "{'a': 1}")
    _write(root / "prose" / "not-refused.err", "no JSON value found")
    assert run(["fixtures", "check", str(root)]) == Exit.CHECK_FAILED
    out = capsys.readouterr().out
    assert "FAIL prose/wrong-err: law 3: the error message does not contain the .err text" in out
    assert "FAIL prose/not-refused: law 3: expected a RepairError, but the text was repaired" in out
    assert "prose/refusal" not in out
    assert out.splitlines()[-1] == "1 passed, 2 failed"


def test_check_schema_case_regression(suite: Path, capsys) -> None:
    case = suite / "schema" / "values-currency-dollar.json"
    value = json.loads(_read(case))
    key = next(iter(value))
    value[key] = "changed"
    _write(case, json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    assert run(["fixtures", "check", str(suite)]) == Exit.CHECK_FAILED
    out = capsys.readouterr().out
    assert "FAIL schema/values-currency-dollar: law 1" in out
    assert '+  "changed"' not in out and '-  "' + key + '": "changed"' in out


def test_check_missing_steps_and_orphan(tmp_path: Path, capsys) -> None:
    root = tmp_path / "fx"
    _write(root / "commas" / "trailing.txt", "[1, 2,]")
    _write(root / "commas" / "trailing.json", "[\n  1,\n  2\n]\n")
    _write(root / "commas" / "trailing.steps", "repair_trailing_comma\nrepair_truncated\n")
    _write(root / "commas" / "orphan.txt", "[1]")
    assert run(["fixtures", "check", str(root)]) == Exit.CHECK_FAILED
    out = capsys.readouterr().out
    assert "FAIL commas/trailing: law 1: missing steps repair_truncated" in out
    assert "FAIL commas/orphan: needs exactly one of NAME.json" in out


def test_check_missing_dir(tmp_path: Path, capsys) -> None:
    assert run(["fixtures", "check", str(tmp_path / "nope")]) == Exit.USAGE
    err = capsys.readouterr().err
    assert "no fixtures directory" in err and "repair fixtures check path/to/fixtures" in err


def test_no_subcommand(capsys) -> None:
    assert run(["fixtures"]) == Exit.USAGE
    assert "repair fixtures check" in capsys.readouterr().err


def test_help_lists_examples_and_exit_codes(capsys) -> None:
    for argv in (["fixtures", "--help"], ["fixtures", "check", "--help"], ["fixtures", "add", "--help"]):
        assert run(argv) == Exit.OK
        out = capsys.readouterr().out
        assert "examples:" in out and "exit codes:" in out and "130" in out


# ---------------------------------------------------------------- add


def test_add_from_file(tmp_path: Path, capsys, monkeypatch) -> None:
    raw = "Sure!\n```json\n{'name': 'Ada', 'langs': ['en',],}\n```"
    src = tmp_path / "answer.txt"
    src.write_bytes(raw.encode())
    root = tmp_path / "fx"
    assert run(["fixtures", "add", "single-quotes", "--from", str(src), "--dir", str(root), "--family", "quotes"]) == Exit.OK
    out = capsys.readouterr().out
    assert (root / "quotes" / "single-quotes.txt").read_bytes() == raw.encode()  # byte-exact, no newline added
    assert _read(root / "quotes" / "single-quotes.json") == '{\n  "name": "Ada",\n  "langs": [\n    "en"\n  ]\n}\n'
    assert str(root / "quotes" / "single-quotes.json") in out and "repair_single_quotes" in out
    assert run(["fixtures", "check", str(root)]) == Exit.OK  # the new case passes its own laws
    assert capsys.readouterr().out == "1 passed, 0 failed\n"


def test_add_from_stdin_default_family(tmp_path: Path, capsys, monkeypatch) -> None:
    root = tmp_path / "fx"
    assert run(["fixtures", "add", "py-literals", "--dir", str(root)], stdin=b"{a: None, b: True}", monkeypatch=monkeypatch) == Exit.OK
    assert (root / "captured" / "py-literals.txt").read_bytes() == b"{a: None, b: True}"
    assert json.loads(_read(root / "captured" / "py-literals.json")) == {"a": None, "b": True}
    assert run(["fixtures", "add", "dash", "-", "--dir", str(root)], stdin=b"[1,]", monkeypatch=monkeypatch) == Exit.OK
    assert _read(root / "captured" / "dash.json") == "[\n  1\n]\n"


def test_add_unrepairable_writes_err(tmp_path: Path, capsys, monkeypatch) -> None:
    root = tmp_path / "fx"
    assert run(["fixtures", "add", "refusal", "--dir", str(root)], stdin=b"I cannot do that.", monkeypatch=monkeypatch) == Exit.OK
    assert not (root / "captured" / "refusal.json").exists()
    assert "no JSON value" in _read(root / "captured" / "refusal.err")
    assert run(["fixtures", "check", str(root)]) == Exit.OK


def test_add_from_scan_record_file_line(tmp_path: Path, capsys, monkeypatch) -> None:
    log = tmp_path / "agent.log"
    log.write_text("12:00 INFO start\n12:01 INFO got {'a': 1, 'b': [1, 2,]}\n12:02 INFO done\n", encoding="utf-8")
    record = {"file": str(log), "line": 2, "kind": "line", "ok": True, "steps": ["repair_single_quotes"], "value": {}}
    root = tmp_path / "fx"
    stdin = (json.dumps(record) + "\n").encode()
    assert run(["fixtures", "add", "log-line", "--dir", str(root)], stdin=stdin, monkeypatch=monkeypatch) == Exit.OK
    assert _read(root / "captured" / "log-line.txt") == "12:01 INFO got {'a': 1, 'b': [1, 2,]}"
    assert json.loads(_read(root / "captured" / "log-line.json")) == {"a": 1, "b": [1, 2]}


def test_add_from_scan_record_block_and_raw_field(tmp_path: Path, capsys, monkeypatch) -> None:
    log = tmp_path / "agent.log"
    log.write_text("INFO answer:\n```json\n{\"a\": 1,\n \"b\": 'x'\n```\nINFO next\n", encoding="utf-8")
    rec = tmp_path / "rec.jsonl"
    rec.write_text(json.dumps({"file": str(log), "line": 2, "kind": "block", "ok": False, "steps": [], "error": "x"}) + "\n")
    root = tmp_path / "fx"
    assert run(["fixtures", "add", "block", "--from", str(rec), "--dir", str(root)]) == Exit.OK
    assert _read(root / "captured" / "block.txt") == "```json\n{\"a\": 1,\n \"b\": 'x'\n```"
    assert json.loads(_read(root / "captured" / "block.json")) == {"a": 1, "b": "x"}
    # a record carrying the text itself; --record needs no "ok"
    rec.write_text(json.dumps({"raw": "{'k': [1,2"}))
    assert run(["fixtures", "add", "raw-field", "--record", "--from", str(rec), "--dir", str(root)]) == Exit.OK
    assert _read(root / "captured" / "raw-field.txt") == "{'k': [1,2"
    # --raw keeps a record-looking input as it is
    assert run(["fixtures", "add", "as-is", "--raw", "--from", str(rec), "--dir", str(root)]) == Exit.OK
    assert _read(root / "captured" / "as-is.txt") == rec.read_text()


def test_add_record_problems(tmp_path: Path, capsys, monkeypatch) -> None:
    root = tmp_path / "fx"
    gone = json.dumps({"file": str(tmp_path / "gone.log"), "line": 3, "ok": False}).encode()
    assert run(["fixtures", "add", "x", "--dir", str(root)], stdin=gone, monkeypatch=monkeypatch) == Exit.USAGE
    assert "cannot read the file named by the record" in capsys.readouterr().err
    two = (json.dumps({"raw": "{", "ok": False}) + "\n" + json.dumps({"raw": "[", "ok": False}) + "\n").encode()
    assert run(["fixtures", "add", "x", "--dir", str(root)], stdin=two, monkeypatch=monkeypatch) == Exit.USAGE
    assert "give one" in capsys.readouterr().err
    assert not (root / "captured" / "x.txt").exists()


def test_add_refuses_to_overwrite(tmp_path: Path, capsys, monkeypatch) -> None:
    root = tmp_path / "fx"
    _write(root / "quotes" / "taken.txt", "{'a': 1}")
    _write(root / "quotes" / "taken.json", '{\n  "a": 1\n}\n')
    before = {p.name: p.read_bytes() for p in (root / "quotes").iterdir()}
    code = run(["fixtures", "add", "taken", "--family", "quotes", "--dir", str(root)], stdin=b"[2]", monkeypatch=monkeypatch)
    assert code == Exit.USAGE
    err = capsys.readouterr().err
    assert "already exists" in err and "pick another NAME" in err and "delete the old files" in err
    assert {p.name: p.read_bytes() for p in (root / "quotes").iterdir()} == before
    # an .err alone also counts as an existing case
    _write(root / "quotes" / "half.err", "x")
    assert run(["fixtures", "add", "half", "--family", "quotes", "--dir", str(root)], stdin=b"[2]", monkeypatch=monkeypatch) == Exit.USAGE


def test_add_bad_name_and_missing_file(tmp_path: Path, capsys) -> None:
    assert run(["fixtures", "add", "../evil", "--from", "x", "--dir", str(tmp_path)]) == Exit.USAGE
    assert "without slashes" in capsys.readouterr().err
    assert run(["fixtures", "add", "ok-name", "--from", str(tmp_path / "missing.txt"), "--dir", str(tmp_path)]) == Exit.USAGE
    assert "cannot read" in capsys.readouterr().err
    assert not list(tmp_path.rglob("*.txt"))


# ---------------------------------------------------------------- the pytest plugin


def _plugin_suite(root: Path) -> None:
    _write(root / "quotes" / "single.txt", "{'a': 1}")
    _write(root / "quotes" / "single.json", '{\n  "a": 1\n}\n')
    _write(root / "commas" / "trailing.txt", "[1, 2,]")
    _write(root / "commas" / "trailing.json", "[\n  1,\n  2\n]\n")
    _write(root / "commas" / "trailing.steps", "repair_trailing_comma\n")
    _write(root / "prose" / "refusal.txt", "Sorry, no.")
    _write(root / "prose" / "refusal.err", "no JSON value found")
    _write(root / "quotes" / "regressed.txt", "{'a': 2}")
    _write(root / "quotes" / "regressed.json", '{\n  "a": 3\n}\n')


def test_plugin_runs_cases(pytester) -> None:
    _plugin_suite(pytester.path / "fixtures")
    pytester.makepyfile(test_mine="def test_own():\n    pass\n")
    result = pytester.runpytest_subprocess("--repair-fixtures", "fixtures", "-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines([
        "*collected 5 items",
        "*test_mine.py::test_own PASSED*",
        "fixtures/commas/trailing.txt PASSED*",
        "fixtures/prose/refusal.txt PASSED*",
        "fixtures/quotes/regressed.txt FAILED*",
        "fixtures/quotes/single.txt PASSED*",
        "*law 1: the repaired value differs from the expected .json*",
        '*-  "a": 3*',
        "FAILED fixtures/quotes/regressed.txt - law 1*",
    ])


def test_plugin_ini_option(pytester) -> None:
    _plugin_suite(pytester.path / "captured")
    pytester.makeini("[pytest]\nrepair_fixtures = captured\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", "not regressed")
    result.assert_outcomes(passed=3, deselected=1)


def test_plugin_without_option_collects_nothing_extra(pytester) -> None:
    _plugin_suite(pytester.path / "fixtures")
    pytester.makepyfile(test_mine="def test_own():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*collected 1 item"])
    assert "fixtures/" not in result.stdout.str()


def test_plugin_missing_dir_is_a_usage_error(pytester) -> None:
    result = pytester.runpytest("--repair-fixtures", "nope", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*nope is not a directory*"])


def test_plugin_is_registered_as_a_pytest11_entry_point() -> None:
    from importlib.metadata import entry_points

    found = [ep for ep in entry_points(group="pytest11") if ep.name == "repair"]
    assert [ep.value for ep in found] == ["repair.pytest_plugin"]


def test_add_from_a_scan_field_record(tmp_path: Path, capsys, monkeypatch) -> None:
    log = tmp_path / "calls.jsonl"
    log.write_text(json.dumps({"id": 1}) + "\n" + json.dumps({"response": "Sure! {'a': 1,}"}) + "\n", encoding="utf-8")
    assert main(["scan", "--field", "response", "--only", "changed", str(log)]) == Exit.OK
    record = capsys.readouterr().out.splitlines()[-1]
    assert json.loads(record)["field"] == "response"
    root = tmp_path / "fx"
    assert run(["fixtures", "add", "from-field", "--dir", str(root)], stdin=(record + "\n").encode(),
               monkeypatch=monkeypatch) == Exit.OK
    assert _read(root / "captured" / "from-field.txt") == "Sure! {'a': 1,}"


def test_add_takes_the_value_at_the_record_span(tmp_path: Path, capsys, monkeypatch) -> None:
    log = tmp_path / "a.log"
    log.write_text("INFO request={'q': 1} response={\"n\": [1,]}\n", encoding="utf-8")
    assert main(["scan", str(log)]) == Exit.OK
    second = capsys.readouterr().out.splitlines()[1]
    root = tmp_path / "fx"
    assert run(["fixtures", "add", "second", "--dir", str(root)], stdin=second.encode(), monkeypatch=monkeypatch) == Exit.OK
    assert _read(root / "captured" / "second.txt") == '{"n": [1,]}'


@pytest.mark.parametrize("name", ["bad\nname", "tab\there", "esc\x1b[31m"])
def test_add_refuses_names_with_control_characters(tmp_path: Path, capsys, monkeypatch, name) -> None:
    root = tmp_path / "fx"
    assert run(["fixtures", "add", name, "--dir", str(root)], stdin=b"[1,]", monkeypatch=monkeypatch) == Exit.USAGE
    assert "control character" in capsys.readouterr().err
    assert run(["fixtures", "add", "ok", "--family", name, "--dir", str(root)], stdin=b"[1,]",
               monkeypatch=monkeypatch) == Exit.USAGE
    assert not root.exists() or not list(root.rglob("*.txt"))


def test_add_does_not_follow_a_family_symlink_out_of_the_directory(tmp_path: Path, capsys, monkeypatch) -> None:
    root = tmp_path / "fx"
    root.mkdir()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / "captured").symlink_to(outside)
    assert run(["fixtures", "add", "x", "--dir", str(root)], stdin=b"[1,]", monkeypatch=monkeypatch) == Exit.USAGE
    assert "symbolic link" in capsys.readouterr().err
    assert list(outside.iterdir()) == []
