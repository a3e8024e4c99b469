"""`repair fix` and `repair --version`, through main(argv) and as installed commands."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

import repair
from repair.cli import Exit, main


def run(argv, stdin: str = "", monkeypatch=None, capsys=None):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8"))))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_fix_file_and_explain(tmp_path, monkeypatch, capsys):
    path = tmp_path / "answer.txt"
    path.write_text("Sure!\n```json\n{'a': 1, 'b': [True,],}\n```", encoding="utf-8")
    code, out, err = run(["fix", "--explain", str(path)], monkeypatch=monkeypatch, capsys=capsys)
    assert code == Exit.OK
    assert json.loads(out) == {"a": 1, "b": [True]}
    assert out.count("\n") == 1  # data only on stdout
    assert "repair_markdown_fence" in err and "repair_trailing_comma" in err


def test_fix_stdin_dash_and_indent(monkeypatch, capsys):
    code, out, _ = run(["fix", "-", "--indent", "2"], "{a: 1}", monkeypatch, capsys)
    assert code == Exit.OK and out == '{\n  "a": 1\n}\n'


def test_valid_input_is_printed_unchanged(monkeypatch, capsys):
    code, out, err = run(["fix"], '{"a":1}\n', monkeypatch, capsys)
    assert (code, out, err) == (Exit.OK, '{"a":1}\n', "")


def test_check_exit_codes(tmp_path, monkeypatch, capsys):
    good, bad = tmp_path / "good.json", tmp_path / "bad.txt"
    good.write_text('{"a": 1}', encoding="utf-8")
    bad.write_text("{'a': 1}", encoding="utf-8")
    assert run(["fix", "--check", str(good)], monkeypatch=monkeypatch, capsys=capsys)[:2] == (Exit.OK, "")
    assert run(["fix", "--check", str(good), str(bad)], monkeypatch=monkeypatch, capsys=capsys)[:2] == (Exit.CHECK_FAILED, "")


def test_unrepairable_and_unreadable_go_on(tmp_path, monkeypatch, capsys):
    ok = tmp_path / "ok.txt"
    ok.write_text("[1, 2,]", encoding="utf-8")
    code, out, err = run(["fix", str(tmp_path / "missing.txt"), "-", str(ok)], "just prose", monkeypatch, capsys)
    assert code == Exit.UNREPAIRABLE
    assert out == "[1, 2]\n"  # the good input is still repaired
    assert "cannot read" in err and "no JSON value found" in err and "check that" in err


def test_strict_refusal_explains_what_to_do(monkeypatch, capsys):
    code, out, err = run(["fix", "--strict"], '{"a": "cut', monkeypatch, capsys)
    assert code == Exit.UNREPAIRABLE and out == "" and "without --strict" in err


def test_usage_errors(monkeypatch, capsys):
    assert run([], monkeypatch=monkeypatch, capsys=capsys)[0] == Exit.USAGE
    assert run(["fix", "--indent", "x"], monkeypatch=monkeypatch, capsys=capsys)[0] == Exit.USAGE


@pytest.mark.parametrize("command", [["repair"], [sys.executable, "-m", "repair"]])
def test_installed_commands(command):
    version = subprocess.run(command + ["--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.strip() == f"repair {repair.__version__}"
    fixed = subprocess.run(command + ["fix"], input="[CONTENT]{'x': None}[/CONTENT]", capture_output=True, text=True, timeout=60)
    assert fixed.returncode == 0 and json.loads(fixed.stdout) == {"x": None}
    refused = subprocess.run(command + ["fix"], input="nothing here", capture_output=True, text=True, timeout=60)
    assert refused.returncode == 3 and refused.stdout == "" and "no JSON value found" in refused.stderr


def test_broken_pipe_is_quiet():
    # `repair fix big | head -c 1`: the reader goes away; no traceback on stderr
    script = "import sys; sys.stdin.read(1)"
    reader = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE)
    writer = subprocess.run(
        ["repair", "fix", "-", "-", "-"], input="[" + "1," * 200000 + "]",
        stdout=reader.stdin, stderr=subprocess.PIPE, text=True, timeout=60,
    )
    reader.stdin.close()
    reader.wait(timeout=60)
    assert "Traceback" not in writer.stderr and "BrokenPipe" not in writer.stderr
