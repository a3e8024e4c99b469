"""The package's shape: which module may import which, what `import repair` loads, and
one file per named pass.

The import graph is read from the source with `ast` (module-level and function-level
imports alike, relative imports resolved), so a lazy import inside a function counts.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PKG = SRC / "repair"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def _imports(name: str, path: Path) -> set[str]:
    """The package modules `name` imports anywhere in its file."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                # `import repair.x.y` imports each package on the way
                parts = alias.name.split(".")
                found.update(".".join(parts[:i]) for i in range(1, len(parts) + 1) if ".".join(parts[:i]) in MODULES)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target not in MODULES:
                continue
            names = [f"{target}.{a.name}" for a in node.names]
            submodules = [n for n in names if n in MODULES]
            found.update(submodules)
            if len(submodules) < len(names) or node.module:
                found.add(target)  # names taken from the module itself
    found.discard(name)
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def find_cycle(graph: dict[str, set[str]]):
    """One import cycle as a list of modules (first == last), or None. Iterative DFS."""
    WHITE, GREY, BLACK = 0, 1, 2
    color = dict.fromkeys(graph, WHITE)
    for root in sorted(graph):
        if color[root] != WHITE:
            continue
        stack = [(root, iter(sorted(graph[root])))]
        path = [root]
        color[root] = GREY
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                path.pop()
                color[node] = BLACK
            elif color.get(child, BLACK) == GREY:
                return path[path.index(child):] + [child]
            elif color.get(child) == WHITE:
                color[child] = GREY
                path.append(child)
                stack.append((child, iter(sorted(graph[child]))))
    return None


def test_the_graph_reader_sees_every_kind_of_import():
    """(So the checks below are not vacuous.)"""
    assert "repair.lexical.parser" in GRAPH["repair.core"]  # from .lexical.parser import ...
    assert "repair.schema" in GRAPH["repair.core"]  # a function-level `from .schema import ...`
    assert "repair.schema.coerce" in GRAPH["repair.schema.align"]  # from . import coerce
    assert "repair.lexical.trivia" in GRAPH["repair.extract"]  # from ..lexical.trivia import ...
    assert len(MODULES) > 40


def test_find_cycle_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles():
    cycle = find_cycle(GRAPH)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def _under(prefix: str):
    return [name for name in MODULES if name == prefix or name.startswith(prefix + ".")]


def _forbidden(prefix: str, banned: list[str]):
    bad = []
    for name in _under(prefix):
        for dep in GRAPH[name]:
            if any(dep == b or dep.startswith(b + ".") for b in banned):
                bad.append(f"{name} imports {dep}")
    return sorted(bad)


LAYERS = [
    ("repair.extract", ["repair.lexical.parser", "repair.core", "repair.schema"]),
    ("repair.lexical", ["repair.extract", "repair.core", "repair.schema", "repair.cli"]),
    ("repair.schema", ["repair.core", "repair.extract", "repair.lexical", "repair.cli"]),
    ("repair.scan", ["repair.cli", "repair.llm", "repair.action"]),
]


@pytest.mark.parametrize("prefix,banned", LAYERS, ids=[p for p, _ in LAYERS])
def test_layering(prefix, banned):
    assert _under(prefix)
    assert _forbidden(prefix, banned) == []


def test_nothing_in_the_library_imports_the_cli():
    bad = [f"{name} imports {dep}" for name in MODULES
           if not (name.startswith("repair.cli") or name == "repair.__main__")
           for dep in GRAPH[name] if dep == "repair.cli" or dep.startswith("repair.cli.")]
    assert bad == []


def test_the_engine_gets_its_stop_markers_from_the_pipeline_not_from_extraction():
    assert "repair.extract.tags" not in GRAPH["repair.lexical.parser"]
    assert {"repair.extract", "repair.lexical.parser"} <= GRAPH["repair.core"]


def test_import_repair_stays_light():
    code = (
        "import sys, repair\n"
        "heavy = ['repair.cli', 'repair.testing', 'pydantic', 'httpx', 'yaml', 'jsonschema', 'repair.llm', 'repair.action']\n"
        "print(' '.join(m for m in heavy if m in sys.modules))\n"
        "print(repair.loads('{a: 1,}'))\n"
    )
    env = dict(os.environ, PYTHONPATH=str(SRC))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    loaded, value = proc.stdout.splitlines()
    assert loaded == ""
    assert value == "{'a': 1}"


PASS_FILES = [
    "extract/fences.py", "extract/tags.py", "extract/think.py", "extract/prose.py", "extract/choose.py",
    "lexical/strings.py", "lexical/numbers.py", "lexical/literals.py", "lexical/trivia.py", "lexical/brackets.py",
    "schema/keys.py", "schema/coerce.py", "schema/shape.py",
    "cli/fix.py", "cli/scan.py", "cli/fixtures.py",
    "scan/inputs.py", "scan/encodings.py", "scan/batches.py", "scan/units.py", "scan/records.py", "scan/output.py",
    "scan/process.py", "scan/local.py", "scan/lifeline.py",
    "scan/storage.py", "scan/ranges.py", "scan/dask.py", "scan/partitions.py", "integrations/ray.py",
    "llm/openai.py", "llm/ollama.py", "llm/config.py",
]


@pytest.mark.parametrize("path", PASS_FILES)
def test_each_named_pass_has_its_file(path):
    assert (PKG / path).is_file()


def test_the_old_quick_path_is_gone():
    assert not (PKG / "quick.py").exists()
    assert "repair.quick" not in MODULES
    assert not any("quick" in dep for deps in GRAPH.values() for dep in deps)
