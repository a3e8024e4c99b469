"""The typed API: `mypy --strict` accepts a user's script against the public API
(tests/typing/user_script.py). (The whole package is checked by the test command's
`python -m mypy`, configured in pyproject.toml: checking it here too cost the suite 11 s.)

Imports the checker reaches outside the files given are analysed but their errors not
reported (`--follow-imports=silent`), as for a user with the package installed: modules
not yet typed (see [tool.mypy] in pyproject.toml) do not fail these tests, and a type
they get wrong still shows up in the user script.
"""

from __future__ import annotations

import importlib.util
import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
USER_SCRIPT = ROOT / "tests" / "typing" / "user_script.py"

needs_mypy = pytest.mark.skipif(importlib.util.find_spec("mypy") is None,
                                reason="mypy is not installed (pip install -e '.[test]')")


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mypy-cache")


def _mypy(cache: Path, *targets: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, MYPYPATH=str(SRC))  # this checkout's package, not an installed one
    cmd = [sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--cache-dir", str(cache), *targets]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


@needs_mypy
def test_a_user_script_against_the_public_api_passes_mypy_strict(mypy_cache: Path) -> None:
    proc = _mypy(mypy_cache, str(USER_SCRIPT.relative_to(ROOT)))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_user_script_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """(Its annotations are checked by mypy; its values here.)"""
    monkeypatch.syspath_prepend(str(SRC))
    runpy.run_path(str(USER_SCRIPT), run_name="__main__")
