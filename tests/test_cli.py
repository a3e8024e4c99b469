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
    assert out == f'{{"file": {json.dumps(str(ok))}, "value": [1, 2]}}\n'  # the good input is still repaired
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


def test_fix_with_schema(tmp_path, monkeypatch, capsys):
    schema = tmp_path / "s.json"
    schema.write_text(json.dumps({"type": "object", "properties": {"user_id": {"type": "integer"}},
                                  "required": ["user_id"], "additionalProperties": False}), encoding="utf-8")
    code, out, _ = run(["fix", "--schema", str(schema)], '{"userId": "7", "x": 1}', monkeypatch, capsys)
    assert code == Exit.OK and json.loads(out) == {"user_id": 7}
    code, out, err = run(["fix", "--schema", str(schema)], '{"name": "a"}', monkeypatch, capsys)
    assert code == Exit.UNREPAIRABLE and out == "" and "user_id" in err and "schema" in err
    code, _, err = run(["fix", "--schema", "nosuch.module:Model"], "{}", monkeypatch, capsys)
    assert code == Exit.USAGE and "cannot import" in err


def test_fix_in_place(tmp_path, monkeypatch, capsys):
    broken, valid, prose = tmp_path / "a.txt", tmp_path / "b.json", tmp_path / "c.txt"
    broken.write_text("{'a': 1,}", encoding="utf-8")
    valid.write_text('{"b": 2}\n', encoding="utf-8")
    prose.write_text("no json", encoding="utf-8")
    before = valid.stat().st_mtime_ns
    code, out, _ = run(["fix", "--in-place", str(broken), str(valid), str(prose)], monkeypatch=monkeypatch, capsys=capsys)
    assert code == Exit.UNREPAIRABLE and out == ""
    assert broken.read_text(encoding="utf-8") == '{"a": 1}\n'
    assert valid.stat().st_mtime_ns == before  # unchanged files are not rewritten
    assert prose.read_text(encoding="utf-8") == "no json"  # a failure leaves the file alone
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".repair-")] == []
    assert run(["fix", "--in-place", "-"], "{}", monkeypatch, capsys)[0] == Exit.USAGE


def test_in_place_never_leaves_a_half_written_file(tmp_path, monkeypatch):
    import os

    from repair.cli import fix

    target = tmp_path / "a.txt"
    target.write_text("{'a': 1}", encoding="utf-8")

    def crash(src, dst):
        raise KeyboardInterrupt  # the process is stopped between writing and renaming

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        fix.write_atomically(str(target), '{"a": 1}\n')
    assert target.read_text(encoding="utf-8") == "{'a': 1}"  # the original is intact
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]  # and no temp file is left


# ---------------------------------------------------------------- several files, --in-place


def test_several_files_give_jsonl_with_the_file(tmp_path, monkeypatch, capsys):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text('{\n  "a": 1\n}\n', encoding="utf-8")  # valid, over several lines: still one record line
    b.write_text("{'b': [1,],}", encoding="utf-8")
    code, out, err = run(["fix", str(a), str(b)], monkeypatch=monkeypatch, capsys=capsys)
    assert code == Exit.OK and err == ""
    assert [json.loads(line) for line in out.splitlines()] == [{"file": str(a), "value": {"a": 1}},
                                                                {"file": str(b), "value": {"b": [1]}}]
    code, out, _ = run(["fix", "--no-filename", str(a), str(b)], monkeypatch=monkeypatch, capsys=capsys)
    assert out == '{\n  "a": 1\n}\n{"b": [1]}\n'  # the bare values, as for one file
    code, out, _ = run(["fix", "--with-filename", "--indent", "2", str(b)], monkeypatch=monkeypatch, capsys=capsys)
    assert json.loads(out) == {"file": str(b), "value": {"b": [1]}} and out.count("\n") == 1


def test_in_place_writes_through_a_symlink_and_keeps_links_and_mode(tmp_path, monkeypatch, capsys):
    import os
    import stat

    target = tmp_path / "real.txt"
    target.write_text("{'a': 1}", encoding="utf-8")
    os.chmod(target, 0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    assert run(["fix", "--in-place", str(link)], monkeypatch=monkeypatch, capsys=capsys)[0] == Exit.OK
    assert link.is_symlink() and target.read_text(encoding="utf-8") == '{"a": 1}\n'
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    first = tmp_path / "first.txt"
    first.write_text("[1, 2,]", encoding="utf-8")
    second = tmp_path / "second.txt"
    os.link(first, second)
    assert run(["fix", "--in-place", str(first)], monkeypatch=monkeypatch, capsys=capsys)[0] == Exit.OK
    assert second.read_text(encoding="utf-8") == "[1, 2]\n" and os.stat(first).st_ino == os.stat(second).st_ino


def test_in_place_in_a_read_only_directory_is_a_clean_error(tmp_path, monkeypatch, capsys):
    import os
    import tempfile

    path = tmp_path / "a.txt"
    path.write_text("{'a': 1}", encoding="utf-8")
    if os.geteuid() == 0:  # root writes anywhere: make the directory refuse the temporary file as it would
        def refuse(*args, dir=None, **kwargs):
            raise PermissionError(13, "Permission denied", dir)
        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    else:
        os.chmod(tmp_path, 0o555)
    try:
        code, out, err = run(["fix", "--in-place", str(path)], monkeypatch=monkeypatch, capsys=capsys)
    finally:
        os.chmod(tmp_path, 0o755)
    assert code == Exit.CANNOT_WRITE == 5 and out == ""
    assert "a.txt: cannot write the repaired file back: Permission denied" in err and "Traceback" not in err
    assert path.read_text(encoding="utf-8") == "{'a': 1}"
    code, out, _ = run(["fix", "--help"], monkeypatch=monkeypatch, capsys=capsys)
    assert "5    fix --in-place" in out
