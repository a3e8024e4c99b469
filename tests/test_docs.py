"""The README and the policy document every step code, and nothing outside the vocabulary."""

from __future__ import annotations

import re
from pathlib import Path

from repair import CODES

ROOT = Path(__file__).resolve().parents[1]


def test_readme_lists_every_code() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [code for code in CODES if f"`{code}`" not in readme]
    assert not missing


def test_docs_name_no_unknown_code() -> None:
    for doc in ("README.md", "docs/policy.md"):
        text = (ROOT / doc).read_text(encoding="utf-8")
        api = {"repair_json", "repair_all", "repair_llm_output", "repair_fixtures", "repair_batch"}  # API and option names
        log_fields = {"repair_code", "repair_pos", "repair_line", "repair_col", "repair_lossy", "repair_path"}
        unknown = set(re.findall(r"repair_[a-z_]+", text)) - set(CODES) - api - log_fields
        assert not unknown, f"{doc}: {sorted(unknown)}"


def test_fixture_steps_files_use_known_codes() -> None:
    for path in (ROOT / "fixtures").glob("**/*.steps"):
        for code in path.read_text(encoding="utf-8").split():
            assert code in CODES, f"{path}: {code}"
