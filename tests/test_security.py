r"""Security checks on the package source: model output is data, never code, and no regex
can be made to backtrack catastrophically.

1. Code execution. An AST walk over every module of src/repair: no `eval`, `exec` or the
   builtin `compile`; no pickle, marshal, shelve, dill or jsonpickle; no `yaml.load`
   without a safe loader (`yaml.safe_load` is fine) and no `yaml.unsafe_load`/`full_load`;
   no subprocess, `os.system`, `os.popen`, `os.exec*`, `os.spawn*` (the package never needs
   to start a process; `__import__` of a constant module name is allowed). The checker is
   itself tested on a module that does all of these. Then the same at run time: with
   those functions wrapped, repairing text that is Python, shell, YAML or pickle code
   (`__import__('os').system(...)`) never hands the text to any of them.

2. ReDoS. Every regular expression of the package: compiled patterns held by module
   globals (also inside dicts, tuples and classes) of every module found by walking the
   package, every `re.<function>(pattern, ...)` call site found in the AST (f-string
   patterns instantiated with their module-level constants, or a placeholder), and every
   pattern the package compiles while repairing the fixtures or importing the package
   afresh (dynamic ones such as the enum matchers of schema alignment and the byte
   patterns of `repair scan`). Each is parsed with the stdlib's regex parser and checked
   for the shapes that backtrack catastrophically (`backtracking_findings`): a repeat or
   alternation inside a loop that can share out the same text in more than one way
   (`(a+)+$`, `(a|a)*$`), two unbounded repeats over overlapping characters before
   something that can fail (`\d+\.?\d*$`), and, for patterns that scan a text, a repeat
   that runs to the end of a run and fails where every character of the run can start a
   new attempt (`\[CONTENT\](.*?)\[/CONTENT\]`). Possessive repeats, atomic groups and
   lookarounds commit, and the checker knows it. This is a proof on the pattern, not a
   measurement: it holds on any machine, however loaded. The checker itself is tested on
   known-bad and known-linear patterns.

Patterns the checker reports but that are safe as used are listed in KNOWN_SAFE_PATTERNS
with the reason.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import multiprocessing as mp
import pkgutil
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import repair

try:  # Python 3.11+
    import re._constants as sre_c
    import re._parser as sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as sre_c  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

PACKAGE_DIR = Path(repair.__file__).resolve().parent
TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS.parent / "fixtures"
MODULE_FILES = sorted(PACKAGE_DIR.rglob("*.py"))


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


# =======================================================================================
# 1. No code execution
# =======================================================================================

FORBIDDEN_MODULES = {"pickle", "cPickle", "_pickle", "marshal", "shelve", "dill", "jsonpickle", "subprocess", "pty"}
FORBIDDEN_CALLS = {
    "eval", "exec", "compile", "builtins.eval", "builtins.exec", "builtins.compile", "__import__",
    "os.system", "os.popen", "os.startfile", "yaml.unsafe_load", "yaml.unsafe_load_all",
    "yaml.full_load", "yaml.full_load_all", "yaml.load_all",
}
FORBIDDEN_PREFIXES = ("os.exec", "os.spawn", "os.posix_spawn") + tuple(f"{m}." for m in FORBIDDEN_MODULES)
SAFE_YAML_LOADERS = {"yaml.SafeLoader", "yaml.CSafeLoader"}
UNSAFE_YAML_NAMES = {"yaml.Loader", "yaml.UnsafeLoader", "yaml.FullLoader", "yaml.CLoader",
                     "yaml.CUnsafeLoader", "yaml.CFullLoader"}


def _aliases(tree: ast.AST) -> dict[str, str]:
    """Local name -> dotted origin, from every import in the module (any scope)."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                names[a.asname or a.name.split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                names[a.asname or a.name] = f"{node.module}.{a.name}"
    return names


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


def code_execution_findings(source: str, filename: str = "<module>") -> list[str]:
    """Every construct of section 1 in `source`, as "file:line: what"."""
    tree = ast.parse(source, filename)
    aliases = _aliases(tree)
    found = []

    def report(node: ast.AST, what: str) -> None:
        found.append(f"{filename}:{getattr(node, 'lineno', 0)}: {what}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] in FORBIDDEN_MODULES:
                    report(node, f"imports {a.name}")
        elif isinstance(node, ast.ImportFrom) and node.module:
            root = node.module.split(".")[0]
            if root in FORBIDDEN_MODULES:
                report(node, f"imports from {node.module}")
            for a in node.names:
                full = f"{node.module}.{a.name}"
                if full in FORBIDDEN_CALLS or full.startswith(FORBIDDEN_PREFIXES) or full in UNSAFE_YAML_NAMES:
                    report(node, f"imports {full}")
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if node.id in ("eval", "exec", "__builtins__"):
                report(node, f"uses {node.id}")
        elif isinstance(node, ast.Attribute):
            name = _dotted(node, aliases)
            if name in UNSAFE_YAML_NAMES:
                report(node, f"uses {name}")
            if name and name.startswith("builtins.") and name.split(".")[1] in ("eval", "exec", "compile"):
                report(node, f"uses {name}")
        if isinstance(node, ast.Call):
            name = _dotted(node.func, aliases)
            if name is None:
                continue
            if name == "__import__" and node.args and isinstance(node.args[0], ast.Constant):
                continue  # __import__("enum"): a fixed module, not data
            if name in FORBIDDEN_CALLS or name.startswith(FORBIDDEN_PREFIXES):
                report(node, f"calls {name}")
            elif name == "yaml.load":
                loader = node.args[1] if len(node.args) > 1 else next(
                    (k.value for k in node.keywords if k.arg == "Loader"), None)
                if loader is None or _dotted(loader, aliases) not in SAFE_YAML_LOADERS:
                    report(node, "calls yaml.load without SafeLoader")
            elif name in ("getattr", "builtins.getattr") and node.args and \
                    _dotted(node.args[0], aliases) in ("builtins", "__builtins__"):
                report(node, "getattr on builtins")
    return found


@pytest.mark.parametrize("path", MODULE_FILES, ids=lambda p: str(p.relative_to(PACKAGE_DIR)))
def test_no_code_execution_in_source(path):
    found = code_execution_findings(path.read_text(encoding="utf-8"), str(path.relative_to(PACKAGE_DIR)))
    assert not found, "\n".join(found)


_EVIL_MODULE = '''
import os, subprocess, pickle
import marshal as m
import yaml
from yaml import load as yload, Loader
from subprocess import run
from os import system as sh
import builtins

def f(text):
    eval(text)
    exec(text)
    compile(text, "<x>", "exec")
    builtins.eval(text)
    getattr(builtins, "exec")(text)
    __import__(text)
    pickle.loads(text)
    m.loads(text)
    yaml.load(text)
    yaml.load(text, Loader=yaml.Loader)
    yaml.unsafe_load(text)
    yaml.full_load(text)
    subprocess.run(text, shell=True)
    os.system(text)
    os.popen(text)
    os.execv(text, [])
    os.spawnl(0, text)
    sh(text)
    g = eval
    return g
'''

_SAFE_MODULE = '''
import re, json, yaml, os
pattern = re.compile(r"a+")

def f(text, path):
    json.loads(text)
    yaml.safe_load(text)
    yaml.load(text, Loader=yaml.SafeLoader)
    yaml.load(text, yaml.CSafeLoader)
    pattern.sub("", text)
    os.path.join(path, "x")
    return compile_me(text)

def compile_me(text):
    return re.compile(re.escape(text))
'''


def test_code_execution_checker_catches_each_construct():
    found = "\n".join(code_execution_findings(_EVIL_MODULE))
    for what in (
        "imports subprocess", "imports pickle", "imports marshal", "imports from subprocess",
        "imports os.system", "imports yaml.Loader", "calls eval", "calls exec", "calls compile",
        "calls builtins.eval", "getattr on builtins", "calls __import__", "calls pickle.loads",
        "calls marshal.loads", "calls yaml.load without SafeLoader", "uses yaml.Loader",
        "calls yaml.unsafe_load", "calls yaml.full_load", "calls subprocess.run", "calls os.system",
        "calls os.popen", "calls os.execv", "calls os.spawnl", "uses eval",
    ):
        assert what in found, f"{what!r} not reported; got:\n{found}"
    assert code_execution_findings(_SAFE_MODULE) == []


PAYLOADS = (
    "__import__('os').system('touch {marker}')",
    "{{'a': __import__('os').system('touch {marker}')}}",
    '{{"a": eval("open(\'{marker}\', \'w\')")}}',
    "```python\nimport os\nos.system('touch {marker}')\n```",
    "[CONTENT]{{'cmd': exec('open(\"{marker}\", \"w\")')}}[/CONTENT]",
    "{{'a': (lambda: open('{marker}', 'w'))()}}",
    "!!python/object/apply:os.system ['touch {marker}']",
    "cos\nsystem\n(S'touch {marker}'\ntR.",  # a pickle opcode stream
    "{{\"a\": \"$(touch {marker})\", \"b\": `touch {marker}`}}",
)


def test_code_in_model_output_is_never_run(tmp_path, monkeypatch):
    """Text that is Python, shell, YAML or pickle code comes back as data (or is refused).
    Meanwhile eval, exec, compile, pickle/marshal loads, yaml.load, os.system, os.popen and
    subprocess are wrapped: none of them may see the model's text, and the marker file the
    payloads would create never appears. (They still work, for imports that need them.)"""
    import marshal
    import os
    import pickle
    import subprocess

    import yaml

    marker = tmp_path / "pwned"
    seen = []

    def spy(name, real):
        def wrapper(*args, **kwargs):
            if any(str(marker) in repr(a)[:100_000] for a in (*args, *kwargs.values())):
                seen.append(name)
            return real(*args, **kwargs)
        return wrapper

    for mod, name in ((builtins, "eval"), (builtins, "exec"), (builtins, "compile"), (pickle, "loads"),
                      (pickle, "load"), (marshal, "loads"), (os, "system"), (os, "popen"),
                      (subprocess, "Popen"), (subprocess, "run"), (yaml, "load"), (yaml, "unsafe_load")):
        monkeypatch.setattr(mod, name, spy(f"{getattr(mod, '__name__', mod)}.{name}", getattr(mod, name)))
    schema = {"type": "object", "properties": {"a": {"type": "string"}}}
    for payload in PAYLOADS:
        text = payload.format(marker=marker)
        for call, kwargs in ((repair.repair, {}), (repair.loads, {}), (repair.repair_json, {}),
                             (repair.loads, {"schema": schema})):
            try:
                call(text, **kwargs)
            except repair.RepairError:
                pass
        assert not seen, f"{payload!r} reached {seen}"
        assert not marker.exists(), payload


# =======================================================================================
# 2. ReDoS
# =======================================================================================

_METHODS_ANCHORED = {"match", "fullmatch"}
_METHODS_SCAN = {"search", "finditer", "findall", "sub", "subn", "split"}
_RE_FUNCS = _METHODS_ANCHORED | _METHODS_SCAN | {"compile"}

# Patterns the checker reports that cannot backtrack catastrophically as the package uses
# them, keyed by their source (a changed pattern is checked afresh), with the reason.
# Delete an entry once its pattern no longer has the shape.
KNOWN_SAFE_PATTERNS: dict[str | bytes, str] = {}


@dataclass
class PatternCase:
    ident: str
    pattern: str | bytes
    flags: int
    origin: str
    uses: set[str] = field(default_factory=set)  # regex methods the package calls on it

    @property
    def scanned(self) -> bool:
        """Whether it scans a text (a failed attempt starts again one character on), or
        how it is used is unknown."""
        return not self.uses or bool(self.uses & _METHODS_SCAN)

    @property
    def fullmatch(self) -> bool:
        """Whether the end of the pattern can fail: it is used with fullmatch, or how it
        is used is unknown."""
        return not self.uses or "fullmatch" in self.uses


# -- discovery --------------------------------------------------------------------------


def _import_optional(name: str):
    """The module, or None when it needs an optional extra that is not installed. Any
    other import error (the package's own modules among them) is raised."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        if not exc.name or exc.name.split(".")[0] == "repair":
            raise
        return None


def _import_all() -> list:
    """Every module of the package, found by walking it (so a module that moves into a
    subpackage is still found)."""
    mods = []
    for info in pkgutil.walk_packages(repair.__path__, "repair."):
        if info.name.endswith("__main__"):
            continue  # running it is the CLI
        module = _import_optional(info.name)
        if module is not None:
            mods.append(module)
    return [repair] + mods


def _is_pattern(obj) -> bool:
    return isinstance(obj, re.Pattern) or (type(obj).__name__ == "Pattern" and type(obj).__module__.startswith("regex"))


def _patterns_in(obj, name: str, depth: int = 0):
    if _is_pattern(obj):
        yield name, obj
    elif depth >= 3:
        return
    elif isinstance(obj, dict):
        for k, v in list(obj.items()):
            yield from _patterns_in(v, f"{name}[{k!r}]", depth + 1)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for i, v in enumerate(obj):
            yield from _patterns_in(v, f"{name}[{i}]", depth + 1)


def module_patterns() -> list[tuple[str, str, object]]:
    """(module, name, pattern) for every compiled pattern held by a module of the package."""
    found = []
    for mod in _import_all():
        for name, value in list(vars(mod).items()):
            if isinstance(value, type) and value.__module__ == mod.__name__:
                for attr, v in list(vars(value).items()):
                    for n, p in _patterns_in(v, f"{name}.{attr}"):
                        found.append((mod.__name__, n, p))
            else:
                for n, p in _patterns_in(value, name):
                    found.append((mod.__name__, n, p))
    return found


def _module_constants(tree: ast.Module) -> dict[str, str | bytes]:
    consts = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, (str, bytes)):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    consts[t.id] = node.value.value
    return consts


def _flags_of(node: ast.AST | None, aliases) -> int | None:
    if node is None:
        return 0
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        a, b = _flags_of(node.left, aliases), _flags_of(node.right, aliases)
        return None if a is None or b is None else a | b
    name = _dotted(node, aliases)
    if name and name.startswith(("re.", "regex.")):
        value = getattr(re, name.split(".", 1)[1], None)
        return int(value) if value is not None else None
    return None


def _pattern_text(node: ast.AST, consts: dict[str, str]) -> tuple[str | None, bool]:
    """(pattern source, exact?) of a pattern argument: a string constant, a module-level
    string constant, or an f-string whose holes are such constants (else a placeholder)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
        return node.value, True
    if isinstance(node, ast.Name) and node.id in consts:
        return consts[node.id], True
    if isinstance(node, ast.JoinedStr):
        parts, exact = [], True
        for v in node.values:
            if isinstance(v, ast.Constant):
                parts.append(str(v.value))
            elif isinstance(v, ast.FormattedValue) and isinstance(v.value, ast.Name) and v.value.id in consts:
                parts.append(consts[v.value.id])
            else:
                parts.append("x")  # a hole we cannot know: the structure around it is tested
                exact = False
        return "".join(parts), exact
    return None, False


@dataclass
class Site:
    module: str
    file: str
    line: int
    pattern: str | None
    exact: bool
    flags: int
    uses: set[str]
    assigned_to: str | None  # NAME = re.compile(...)


def _parents(tree: ast.AST) -> dict[int, ast.AST]:
    return {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _method_uses(trees: dict[str, ast.Module]) -> dict[str, set[str]]:
    """Global name -> regex methods called on it anywhere (`NAME.match`, `mod.NAME.search`,
    `NAME[k][0].match`)."""
    uses: dict[str, set[str]] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in (_METHODS_ANCHORED | _METHODS_SCAN):
                base = node.value
                while isinstance(base, ast.Subscript):
                    base = base.value
                if isinstance(base, ast.Name):
                    uses.setdefault(base.id, set()).add(node.attr)
                elif isinstance(base, ast.Attribute):
                    uses.setdefault(base.attr, set()).add(node.attr)
    return uses


def regex_sites() -> tuple[list[Site], dict[str, set[str]]]:
    """Every `re.<function>(pattern, ...)` call in the package, and how names are used."""
    trees = {_module_name(p): ast.parse(p.read_text(encoding="utf-8"), str(p)) for p in MODULE_FILES}
    sites = []
    for mod, tree in trees.items():
        aliases = _aliases(tree)
        consts = _module_constants(tree)
        # names a pattern is built from whose value is computed, not written (chars.P, the
        # possessive marker): their value in the imported module
        if not mod.endswith("__main__"):  # importing it would run the CLI
            module = _import_optional(mod)
            own = vars(module) if module is not None else {}
            consts.update({k: v for k, v in own.items() if isinstance(v, str) and k not in consts})
        parents = _parents(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = _dotted(node.func, aliases)
            if not name or name.split(".")[0] not in ("re", "regex") or name.count(".") != 1:
                continue
            func = name.split(".")[1]
            if func not in _RE_FUNCS or not node.args:
                continue
            pattern, exact = _pattern_text(node.args[0], consts)
            nflag = {"compile": 1, "match": 2, "fullmatch": 2, "search": 2, "finditer": 2, "findall": 2,
                     "split": 3, "sub": 4, "subn": 4}[func]
            flag_node = node.args[nflag] if len(node.args) > nflag else next(
                (k.value for k in node.keywords if k.arg == "flags"), None)
            flags = _flags_of(flag_node, aliases)
            uses = {func} if func != "compile" else set()
            parent = parents.get(id(node))
            assigned = None
            if func == "compile":
                if isinstance(parent, ast.Attribute):
                    uses.add(parent.attr)
                elif isinstance(parent, ast.Assign) and len(parent.targets) == 1 \
                        and isinstance(parent.targets[0], ast.Name):
                    assigned = parent.targets[0].id  # NAME.method(...) uses, here or elsewhere
                elif isinstance(parent, ast.AnnAssign) and isinstance(parent.target, ast.Name):
                    assigned = parent.target.id  # (`NAME: AlwaysMatches = re.compile(...)`: the same)
            sites.append(Site(mod, f"{mod.rsplit('.', 1)[-1]}.py", node.lineno, pattern, exact,
                              flags if flags is not None else 0, uses, assigned))
    return sites, _method_uses(trees)


def _capture(conn) -> None:
    """In a forked child: import the package afresh with `re._compile` watched, repair
    the fixtures, and send back (module, line) -> {(pattern, flags)} for every pattern
    compiled from the package's own code (str or bytes, through any `re` function)."""
    seen: dict[tuple[str, int], set] = {}
    real = re._compile

    def spy(pattern, flags):
        f = sys._getframe(1)
        while f is not None and f.f_globals.get("__name__") == "re":
            f = f.f_back
        if f is not None and str(f.f_globals.get("__name__", "")).startswith("repair"):
            if isinstance(pattern, (str, bytes)):
                flags = int(flags) & ~re.UNICODE if isinstance(pattern, bytes) else int(flags)
                seen.setdefault((f.f_globals["__name__"], f.f_lineno), set()).add((pattern, flags & ~re.ASCII))
        return real(pattern, flags)

    try:
        for name in [m for m in sys.modules if m == "repair" or m.startswith("repair.")]:
            del sys.modules[name]
        re._compile = spy
        globals()["repair"] = importlib.import_module("repair")
        _import_all()
        _workload()
        # patterns compiled on first use (runs.LazyPattern): compiled here if the fixtures did not
        for name in [m for m in sys.modules if m.startswith("repair.")]:
            for value in list(vars(sys.modules[name]).values()):
                if type(value).__name__ == "LazyPattern":
                    value.match("")
        conn.send(seen)
    except BaseException as exc:  # noqa: BLE001 - reported by the parent
        conn.send(exc if isinstance(exc, Exception) else RuntimeError(repr(exc)))
    finally:
        conn.close()


_RUNTIME: dict = {}


def runtime_patterns() -> dict[tuple[str, int], set]:
    """The capture, done once per session; empty (with the error kept for
    test_every_pattern_is_found) if it failed, so collection never breaks."""
    if "seen" not in _RUNTIME:
        _RUNTIME["seen"], _RUNTIME["error"] = {}, None
        if "fork" not in mp.get_all_start_methods():  # pragma: no cover
            _RUNTIME["error"] = "needs fork"
            return _RUNTIME["seen"]
        ctx = mp.get_context("fork")
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_capture, args=(child,), daemon=True)
        proc.start()
        child.close()
        try:
            # a hang guard, not a speed test: the capture takes about a second
            got = parent.recv() if parent.poll(300) else TimeoutError("capture took over 300 s")
        except EOFError:
            got = RuntimeError("the capture process died")
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join()
        if isinstance(got, Exception):
            _RUNTIME["error"] = f"{type(got).__name__}: {got}"
        else:
            _RUNTIME["seen"] = got
    return _RUNTIME["seen"]


def _workload() -> None:
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    for path in sorted(FIXTURES.rglob("*.txt")):
        if path.stat().st_size > 20_000:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        schema = None
        model = path.with_suffix(".model")
        if model.exists():
            ref = model.read_text(encoding="utf-8").strip()
            try:
                if ":" in ref and not ref.endswith(".json"):
                    mod, _, attr = ref.partition(":")
                    schema = getattr(importlib.import_module(mod), attr)
                else:
                    import json

                    schema = json.loads((path.parent / ref).read_text(encoding="utf-8"))
            except Exception:  # noqa: BLE001 - a schema we cannot load: repair without
                schema = None
        for kwargs in ({}, {"schema": schema}) if schema is not None else ({},):
            try:
                repair.repair(text, **kwargs)
            except Exception:  # noqa: BLE001 - only the compiled patterns matter here
                pass


def collect_patterns() -> list[PatternCase]:
    sites, name_uses = regex_sites()
    cases: dict[tuple[str, int], PatternCase] = {}

    def add(ident, pattern, flags, uses, origin):
        # what is known about how a pattern is used adds up; a site that tells nothing
        # (a local whose use we cannot follow) leaves it to the others, and a pattern
        # nobody tells anything about is timed every way
        key = (pattern, flags)
        if key in cases:
            cases[key].uses |= uses
            return
        cases[key] = PatternCase(ident, pattern, flags, origin, set(uses))

    for mod, name, p in module_patterns():
        base = name.split("[", 1)[0].split(".")[-1]
        add(f"{mod}.{name}", p.pattern, _plain_flags(p), name_uses.get(base, set()), "module global")
    site_at = {(s.module, s.line): s for s in sites}
    for s in sites:
        if s.pattern is None:
            continue
        uses = set(s.uses) | (name_uses.get(s.assigned_to, set()) if s.assigned_to else set())
        add(f"{s.file}:{s.line}", s.pattern, s.flags, uses,
            "call site" + ("" if s.exact else " (f-string holes as 'x')"))
    for (mod, line), found in sorted(runtime_patterns().items()):
        s = site_at.get((mod, line))
        uses = (set(s.uses) | (name_uses.get(s.assigned_to, set()) if s.assigned_to else set())) if s else set()
        for i, (pattern, flags) in enumerate(sorted(found, key=repr)):
            add(f"{mod.rsplit('.', 1)[-1]}.py:{line}#{i}", pattern, flags, uses,
                "compiled at import or while repairing the fixtures")
    return sorted(cases.values(), key=lambda c: c.ident)


def _plain_flags(p) -> int:
    flags = p.flags & ~(re.UNICODE | re.ASCII) if isinstance(p.pattern, str) else p.flags & ~re.ASCII
    if isinstance(p.pattern, bytes):
        flags &= ~re.UNICODE
    return flags


def unresolved_sites() -> list[str]:
    """Call sites whose pattern is neither a constant nor seen compiled at run time."""
    sites, _ = regex_sites()
    runtime = runtime_patterns()
    return [f"{s.file}:{s.line}" for s in sites if s.pattern is None and (s.module, s.line) not in runtime]


# -- the static checker -----------------------------------------------------------------
#
# Backtracking blows up in two shapes, and both can be read off the parse tree:
#
# * nested: a repeat (or an alternation) inside a loop, where the pieces can share out
#   the same text in more than one way. `(a+)+$`: "aaaa" is one turn of a+ or two or
#   four, and a failure after it tries every one of the 2**n splits. The inner repeat
#   can hand characters back to what follows it inside the loop, which (the loop being
#   able to come round again) includes the loop's own start. Alternatives that can
#   begin with the same character inside a loop, `(a|a)*`, split text the same way.
# * adjacent: two unbounded repeats over overlapping characters with nothing in between
#   that must match, `\d+\.?\d*$`: on a failure after them every split point between
#   the two is tried, quadratic in the run.
#
# Neither happens where the engine cannot go back: a possessive repeat (`*+`) or an
# atomic group (`(?>...)`) commits once it has matched, and so does a lookaround. What
# follows such a group cannot make the engine re-split text inside it.
#
# The checker is conservative: it works on the sets of characters each piece can
# begin with and can match, not on strings, so `(?:ab|ac)*` is reported though it is
# unambiguous. The sets themselves are exact: each character class is evaluated by the
# engine itself, over every code point, with the pattern's flags.

_MAXREPEAT = sre_c.MAXREPEAT
_POSSESSIVE = getattr(sre_c, "POSSESSIVE_REPEAT", None)  # Python 3.11+
_ATOMIC = getattr(sre_c, "ATOMIC_GROUP", None)  # Python 3.11+
_REPEAT_OPS = tuple(op for op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, _POSSESSIVE) if op is not None)
_STR_UNIVERSE = "".join(map(chr, range(sys.maxunicode + 1)))
_BYTES_UNIVERSE = bytes(range(256))
_FLAG_MASK = re.IGNORECASE | re.DOTALL | re.ASCII


# character sets: sorted, disjoint, half-open (start, end) runs of code points

def _union(*sets):
    runs = sorted(r for s in sets for r in s)
    out: list[list[int]] = []
    for a, b in runs:
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return tuple((a, b) for a, b in out)


def _overlap(s, t) -> bool:
    i = j = 0
    while i < len(s) and j < len(t):
        if s[i][0] < t[j][1] and t[j][0] < s[i][1]:
            return True
        if s[i][1] <= t[j][1]:
            i += 1
        else:
            j += 1
    return False


_SET_CACHE: dict = {}


def _class_set(source: str, flags: int, binary: bool):
    """The characters the one-character pattern `source` matches, asked of the engine."""
    key = (source, flags & _FLAG_MASK, binary)
    if key not in _SET_CACHE:
        if binary:
            compiled = re.compile(f"(?:{source})+".encode("latin-1"), flags & (re.IGNORECASE | re.DOTALL))
            universe = _BYTES_UNIVERSE
        else:
            compiled = re.compile(f"(?:{source})+", flags & _FLAG_MASK)
            universe = _STR_UNIVERSE
        _SET_CACHE[key] = tuple(m.span() for m in compiled.finditer(universe))
    return _SET_CACHE[key]


def _esc(code: int, binary: bool) -> str:
    return f"\\x{code:02x}" if binary else f"\\U{code:08x}"


_CATEGORY_SOURCE = {
    "CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W",
    "CATEGORY_LINEBREAK": r"\n", "CATEGORY_NOT_LINEBREAK": r"\x00-\x09\x0b-\x7f",
}


def _leaf_source(op, av, binary: bool) -> str:
    """The source of a one-character item of the parse tree."""
    if op is sre_c.LITERAL:
        return _esc(av, binary)
    if op is sre_c.NOT_LITERAL:
        return f"[^{_esc(av, binary)}]"
    if op is sre_c.ANY:
        return "."
    assert op is sre_c.IN, op
    parts = []
    for iop, iav in av:
        if iop is sre_c.NEGATE:
            parts.insert(0, "^")
        elif iop is sre_c.LITERAL:
            parts.append(_esc(iav, binary))
        elif iop is sre_c.RANGE:
            parts.append(f"{_esc(iav[0], binary)}-{_esc(iav[1], binary)}")
        elif iop is sre_c.CATEGORY:
            parts.append(_CATEGORY_SOURCE[getattr(iav, "name", str(iav))])
        else:  # pragma: no cover - a class item the parser does not make
            raise AssertionError(f"unknown class item {iop}")
    return f"[{''.join(parts)}]"


# the parse tree, read into nodes that know what they can begin with and match

@dataclass(eq=False)
class _Node:
    kind: str  # char, zero (anchor, lookaround), backref, seq, alt, repeat, atomic, cond
    text: str  # a rendering for messages
    chars: tuple = ()  # every character the node can match (char, backref: what it is)
    first: tuple = ()  # the characters a match can begin with
    nullable: bool = False  # can match the empty string
    always: bool = False  # matches at any position (empty, with no condition): cannot fail
    items: list = field(default_factory=list)  # seq: in order; alt, cond: the alternatives
    lo: int = 1
    hi: int = 1
    possessive: bool = False
    body: "_Node | None" = None  # repeat, atomic, lookaround


_ALL = ((0, sys.maxunicode + 1),)


def _seq(items: list, text: str) -> _Node:
    first: tuple = ()
    nullable = True
    for it in items:
        first = _union(first, it.first)
        if not it.nullable:
            nullable = False
            break
    return _Node("seq", text, chars=_union(*(it.chars for it in items)), first=first, nullable=nullable,
                 always=all(it.always for it in items), items=items)


def _alt(alts: list, text: str, kind: str = "alt") -> _Node:
    return _Node(kind, text, chars=_union(*(a.chars for a in alts)), first=_union(*(a.first for a in alts)),
                 nullable=any(a.nullable for a in alts), always=any(a.always for a in alts), items=alts)


def _show_code(m: re.Match) -> str:
    c = chr(int(m[1], 16))
    return c if c.isprintable() and c not in "\\]^-" else f"\\u{ord(c):04x}"


_REPEAT_TEXT = {(0, 1): "?", (0, _MAXREPEAT): "*", (1, _MAXREPEAT): "+"}


class _Reader:
    def __init__(self, pattern: str | bytes, flags: int):
        self.binary = isinstance(pattern, bytes)
        tree = sre_parse.parse(pattern, flags)
        self.flags = tree.state.flags
        self.root = self.seq(tree, tree.state.flags)

    def seq(self, items, flags: int) -> _Node:
        nodes = [self.item(op, av, flags) for op, av in items]
        return _seq(nodes, "".join(n.text for n in nodes))

    def item(self, op, av, flags: int) -> _Node:
        if op in (sre_c.LITERAL, sre_c.NOT_LITERAL, sre_c.ANY, sre_c.IN):
            src = _leaf_source(op, av, self.binary)
            chars = _class_set(src, flags, self.binary)
            text = chr(av) if op is sre_c.LITERAL and chr(av).isprintable() else ("." if op is sre_c.ANY else src)
            text = re.sub(r"^\[(\\[dswDSW])\]$", r"\1", text)
            return _Node("char", re.sub(r"\\U([0-9a-f]{8})", _show_code, text), chars=chars, first=chars)
        if op is sre_c.AT:
            return _Node("zero", {"AT_END": "$", "AT_BEGINNING": "^", "AT_BEGINNING_STRING": r"\A",
                                  "AT_END_STRING": r"\Z", "AT_BOUNDARY": r"\b",
                                  "AT_NON_BOUNDARY": r"\B"}.get(getattr(av, "name", str(av)), str(av)), nullable=True)
        if op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
            body = self.seq(av[1], flags)
            sign = {(sre_c.ASSERT, 1): "?=", (sre_c.ASSERT, -1): "?<=",
                    (sre_c.ASSERT_NOT, 1): "?!", (sre_c.ASSERT_NOT, -1): "?<!"}[(op, av[0])]
            return _Node("zero", f"({sign}{body.text})", nullable=True, body=body)
        if op is sre_c.SUBPATTERN:
            group, add, remove, sub = av
            inner = self.seq(sub, (flags | add) & ~remove)
            node = _seq([inner], f"({'' if group else '?:'}{inner.text})")
            return node
        if op is sre_c.BRANCH:
            alts = [self.seq(a, flags) for a in av[1]]
            return _alt(alts, "(?:" + "|".join(a.text for a in alts) + ")")
        if op in _REPEAT_OPS:
            lo, hi, sub = av
            body = self.seq(sub, flags)
            mark = _REPEAT_TEXT.get((lo, hi), f"{{{lo},{'' if hi == _MAXREPEAT else hi}}}")
            mark += {sre_c.MIN_REPEAT: "?", _POSSESSIVE: "+"}.get(op, "")
            single = len(body.items) == 1 and (body.items[0].kind == "char" or body.text.startswith("("))
            text = body.text if single else f"(?:{body.text})"
            nullable = lo == 0 or body.nullable
            return _Node("repeat", text + mark, chars=body.chars, first=body.first, nullable=nullable,
                         always=lo == 0 or body.always, lo=lo, hi=hi, possessive=op is _POSSESSIVE, body=body)
        if op is _ATOMIC:
            body = self.seq(av, flags)
            return _Node("atomic", f"(?>{body.text})", chars=body.chars, first=body.first,
                         nullable=body.nullable, always=body.always, body=body)
        if op is sre_c.GROUPREF:
            return _Node("backref", f"\\{av}", chars=_ALL, first=_ALL, nullable=True)
        if op is sre_c.GROUPREF_EXISTS:
            yes = self.seq(av[1], flags)
            no = self.seq(av[2], flags) if av[2] else _seq([], "")
            return _alt([yes, no], f"(?({av[0]}){yes.text}|{no.text})", kind="cond")
        raise AssertionError(f"unknown regex op {op}")  # pragma: no cover


# Continuations: what may follow a node, innermost first. A node; ("again", loop): the
# loop may come round again (or stop); CUT: the end of a possessive repeat, an atomic
# group or a lookaround, after which nothing can make the engine come back in; END: the
# end of the pattern, which can fail only under fullmatch.
_CUT, _END = "cut", "end"


def _follow_first(cont) -> tuple:
    """The characters that can come next, after a node with continuation `cont`."""
    first: tuple = ()
    for el in cont:
        if el in (_CUT, _END):
            break
        if isinstance(el, tuple):  # ("again", loop)
            first = _union(first, el[1].body.first)
            continue
        first = _union(first, el.first)
        if not el.nullable:
            break
    return first


def _can_fail(cont, fullmatch: bool) -> bool:
    """Can what follows fail (and so send the engine back to try another split)?"""
    for el in cont:
        if el == _CUT:
            return False
        if el == _END:
            return fullmatch
        if isinstance(el, tuple):
            continue  # the loop may stop here
        if not el.always:
            return True
    return False


def _leading_repeats(node: _Node):
    """Unbounded repeats that can take the first character of a match of `node`."""
    if node.kind == "repeat":
        if node.hi == _MAXREPEAT and node.lo != node.hi:
            yield node
        yield from _leading_repeats(node.body)
    elif node.kind in ("seq",):
        for it in node.items:
            yield from _leading_repeats(it)
            if not it.nullable:
                break
    elif node.kind in ("alt", "cond"):
        for a in node.items:
            yield from _leading_repeats(a)
    elif node.kind == "atomic":
        yield from _leading_repeats(node.body)


def _is_loop(node: _Node) -> bool:
    """A repeat whose turns can share text out in more than one way (if its body can)."""
    return node.hi > 1 and not node.possessive


def backtracking_findings(pattern: str | bytes, flags: int = 0, fullmatch: bool = True,
                          scanned: bool = True) -> list[str]:
    """The shapes that make `pattern` backtrack catastrophically, each as a sentence;
    empty when there are none. `fullmatch`: whether the pattern is (or may be) used with
    fullmatch, where the end of the pattern can fail too; `scanned`: whether it is (or may
    be) used to scan a text (search, finditer, sub, findall, split), where a failed
    attempt starts again one character on."""
    reader = _Reader(pattern, flags)
    found: list[str] = []
    conts: dict[int, tuple] = {}
    pending: list[tuple[_Node, _Node]] = []
    first_op = next(iter(reader.root.items), None)
    anchored = (first_op is not None and first_op.text in ("^", r"\A")
                and not (first_op.text == "^" and reader.flags & re.MULTILINE))

    def in_loop(cont) -> _Node | None:
        """The nearest loop whose turns could be split anew, and would be: after it
        something can fail. (Where nothing after the loop can fail, its first way of
        matching is the match.)"""
        for el in cont:
            if el == _CUT:
                return None
            if isinstance(el, tuple) and _is_loop(el[1]):
                return el[1] if _can_fail(conts[id(el[1])], fullmatch) else None
        return None

    def visit(node: _Node, cont: tuple, whole: tuple, before: tuple) -> None:
        """`cont`: what follows, up to where the engine cannot come back in; `whole`:
        what follows up to the end of the pattern, commitments or not; `before`: the
        nodes that must have matched since the attempt started."""
        conts[id(node)] = cont
        if node.kind == "seq":
            for i, it in enumerate(node.items):
                rest = tuple(node.items[i + 1:])
                visit(it, rest + cont, rest + whole, before + tuple(node.items[:i]))
        elif node.kind in ("alt", "cond"):
            loop = in_loop(cont)
            if loop is not None and len(node.items) > 1:
                after = _follow_first(cont)
                starts = [(a, _union(a.first, after) if a.nullable else a.first) for a in node.items]
                empty = [a for a in node.items if a.nullable]
                if len(empty) > 1:
                    found.append(f"nested: {node.text} can match the empty string in {len(empty)} ways, "
                                 f"inside {loop.text}")
                else:
                    for i, (a, sa) in enumerate(starts):
                        b = next((b for b, sb in starts[i + 1:] if _overlap(sa, sb)), None)
                        if b is not None:
                            found.append(f"nested: alternatives {a.text or '(empty)'} and {b.text or '(empty)'} "
                                         f"can begin with the same character, inside {loop.text}")
                            break
            for a in node.items:
                visit(a, cont, whole, before)
        elif node.kind == "repeat":
            if node.possessive:
                inner = (("again", node), _CUT) if node.hi > 1 else (_CUT,)
            else:
                inner = (("again", node),) + cont if node.hi > 1 else cont
            visit(node.body, inner, (("again", node),) + whole, before)
            if scanned and not anchored and node.hi == _MAXREPEAT and node.lo != node.hi \
                    and _can_fail(whole, False) \
                    and all(b.nullable or _overlap(b.chars, node.chars) for b in before):
                found.append(f"rescan: {node.text} can run to the end of the text and fail there, and "
                             f"every character of that run can start a new attempt that does it again")
            if not node.possessive and node.lo != node.hi:
                after = _follow_first(cont)
                loop = in_loop(cont)
                if loop is not None and _overlap(node.chars, after):
                    found.append(f"nested: {node.text} can give back characters that what follows it "
                                 f"takes, inside {loop.text}: a run splits in exponentially many ways")
                if node.hi == _MAXREPEAT:
                    seen = set()
                    for el in cont:
                        if el in (_CUT, _END):
                            break
                        if isinstance(el, tuple):
                            continue  # coming round again: the nested case
                        for other in _leading_repeats(el):
                            if id(other) in seen or not _overlap(node.chars, other.first):
                                continue
                            seen.add(id(other))
                            pending.append((node, other))
                        if not el.nullable:
                            break
        elif node.kind == "atomic":
            visit(node.body, (_CUT,), whole, before)
        elif node.kind == "zero" and node.body is not None:
            visit(node.body, (_CUT,), whole, before)  # a lookaround commits once it matches

    visit(reader.root, (_END,), (_END,), ())
    for first, second in pending:
        if _can_fail(conts[id(second)], fullmatch):
            found.append(f"adjacent: {first.text} then {second.text} over the same characters, and what "
                         f"follows can fail: every split of a run between them is tried")
    return list(dict.fromkeys(found))


PATTERNS = collect_patterns()
_PY310 = sys.version_info < (3, 11)


def _param(case: PatternCase):
    return pytest.param(case, id=case.ident)


@pytest.mark.skipif(_PY310, reason="Python 3.10 has no possessive repeats: the package's possessive marker "
                                   "(chars.P) is empty there, and its patterns rely on being used with match "
                                   "or search, which this checker does not model")
@pytest.mark.parametrize("case", [_param(c) for c in PATTERNS])
def test_regex_cannot_backtrack_catastrophically(case):
    found = backtracking_findings(case.pattern, case.flags, fullmatch=case.fullmatch, scanned=case.scanned)
    if case.pattern in KNOWN_SAFE_PATTERNS:
        assert found, f"{case.ident} is in KNOWN_SAFE_PATTERNS but the checker finds nothing: delete the entry"
        return
    assert not found, (
        f"{case.ident} ({case.origin}) can backtrack catastrophically:\n  " + "\n  ".join(found)
        + f"\npattern: {case.pattern!r}\n"
        "Make the repeats possessive (*+, ++) or atomic where they must not give back, or make the "
        "pieces match disjoint characters."
    )


def test_every_pattern_is_found():
    """The discovery sees the package's patterns: the module-level ones, the call sites,
    and the ones built at run time; no call site hides a pattern we could not check."""
    assert _RUNTIME.get("error") is None, f"capturing the patterns compiled at run time failed: {_RUNTIME['error']}"
    idents = {c.ident for c in PATTERNS}
    assert len(PATTERNS) >= 20, sorted(idents)
    sources = {c.pattern for c in PATTERNS}
    for mod, name, p in module_patterns():
        assert p.pattern in sources, f"{mod}.{name}"
    stale = [p for p in KNOWN_SAFE_PATTERNS if p not in sources]
    assert not stale, f"KNOWN_SAFE_PATTERNS entries for patterns the package no longer has: {stale}"
    assert unresolved_sites() == [], (
        "regex call sites whose pattern is neither a constant nor compiled while repairing "
        "the fixtures; give them a fixture that reaches them"
    )


_NEEDS_POSSESSIVE = pytest.mark.skipif(_PY310, reason="possessive repeats and atomic groups are Python 3.11+")


@pytest.mark.parametrize("pattern, shape", [
    (r"(a+)+$", "nested"),
    (r"(\w+\s?)*$", "nested"),
    (r"(a|a)*$", "nested"),
    (r"(?:[ \t]+|x)*$", "nested"),
    (r"(a*)*b", "nested"),
    (r"(?:\d?\d)*x", "nested"),
    (r"(?:a+a)*$", "nested"),
    (r"(?:[^\"\\]|\\.|\\u[0-9a-f]{4})*\"", "nested"),  # \\. and \\u overlap
    (r"^(\d+)+$", "nested"),
    (r"(?i)(?:[a-z]+|K)+$", "nested"),  # case folding is the engine's: K is k
    (rb"(?:[\x80-\xff]+\xe9)*$", "nested"),
    (r"^\d+\.?\d*$", "adjacent"),
    (r"\s*\s*x", "adjacent"),
    (r"a\w+\d+!", "adjacent"),
    (r"\d+(?:\d*,)*;", "adjacent"),
    (r"(?=(\w+)+$)", "nested"),  # a lookahead commits once it matches, not before
    (r"[a-z]+[0-9a]+", "fullmatch"),  # the end can fail only under fullmatch
    (r"\d+\d*", "fullmatch"),
    (r"(a+)+", "fullmatch"),
], ids=lambda v: v if isinstance(v, str) and v in ("nested", "adjacent", "fullmatch") else None)
def test_checker_catches_backtracking_shapes(pattern, shape):
    """Within one attempt (as `match` and `fullmatch` make it)."""
    found = backtracking_findings(pattern, fullmatch=True, scanned=False)
    assert found, f"{pattern!r} not reported"
    if shape != "fullmatch":
        assert any(f.startswith(shape) for f in found), found
    else:
        assert backtracking_findings(pattern, fullmatch=False, scanned=False) == [], \
            "only fullmatch lets the end fail"


@pytest.mark.parametrize("pattern", [
    pytest.param(r'[^"\\]*+(?:\\.[^"\\]*+)*+', marks=_NEEDS_POSSESSIVE),
    pytest.param(r"(?:a++)+$", marks=_NEEDS_POSSESSIVE),  # the inner repeat never gives back
    pytest.param(r"(a+)*+$", marks=_NEEDS_POSSESSIVE),  # the loop never re-splits
    pytest.param(r"(?>(a+)+)$", marks=_NEEDS_POSSESSIVE),  # ... nor inside an atomic group
    pytest.param(r"(?>\d+\d*)x", marks=_NEEDS_POSSESSIVE),
    r'"[^"\\]*(?:\\.[^"\\]*)*"',  # the unrolled loop: each piece starts where the last cannot go on
    r"(?:[^\"\\\n]|\\.){0,200}\"[ \t]*:",
    r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?",
    r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$",
    r"[ \t]*([A-Za-z0-9_+.#-]*)",
    r"\s*[:=]\s*[\"']?[^\s\"',;&]{6,}",
    r"(?:a|b)*c",
    r"\d+x\d+$",
    r"(?=\w+\d*)",  # after a lookahead nothing can send the engine back in
    rb"[ \t\r]*[A-Za-z0-9]",
])
def test_checker_passes_linear_patterns(pattern):
    assert backtracking_findings(pattern, fullmatch=True, scanned=False) == []


@pytest.mark.parametrize("pattern", [
    r"\[CONTENT\](.*?)\[/CONTENT\]",  # every [CONTENT] in a run of them reads to the end
    r'"(?:[^"\\]|\\.)*"|[\[\]{},"]',  # every quote of \"\"\"... reads to the end
    pytest.param(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"', marks=_NEEDS_POSSESSIVE),  # possessive does not help
    r"a+b",
    r"[ \t]*:",
    r"(?m)^\s*x",  # every line start in a run of newlines
    r"(?=\w+!)",  # a lookahead reads as far as a repeat does
])
def test_checker_catches_rescanning_when_the_pattern_scans(pattern):
    """Under search, finditer, sub, findall and split a failed attempt starts again one
    character on: a repeat that runs to the end of a run and fails there, where any
    character of the run can start an attempt, reads the run once per character."""
    found = backtracking_findings(pattern, fullmatch=False, scanned=True)
    assert any(f.startswith("rescan") for f in found), found
    assert not any(f.startswith("rescan") for f in backtracking_findings(pattern, fullmatch=False, scanned=False))


@pytest.mark.parametrize("pattern", [
    pytest.param(r'"[^"\\]*+(?:\\.[^"\\]*+)*+(")?', marks=_NEEDS_POSSESSIVE),  # each string read once
    r'"[^"\\]*(?:\\.[^"\\]*)*"?',
    r"\[CONTENT\]([^\[]*)\[/CONTENT\]",  # the run cannot hold another start
    r'(?:[^"\n]){0,200}"[ \t]*:',  # bounded: at most 200 characters per attempt
    r"^\s*x",  # one attempt only
    r"\A\s*x",
    r"a+",  # nothing after it can fail
    r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{8,}",
])
def test_checker_passes_patterns_that_scan_in_linear_time(pattern):
    assert backtracking_findings(pattern, fullmatch=False, scanned=True) == []


def test_checker_reads_the_engine_semantics_of_classes():
    """The character sets come from the engine: flags, categories and negation. (Single
    characters in an alternation are merged into one class by the parser, so the
    overlaps here are between a repeat and what follows it.)"""

    def nested(pattern):
        return backtracking_findings(pattern, scanned=False)

    assert nested(r"(?:\d+[^\d])*x") == []  # digits, then not a digit
    assert nested(r"(?:\w+\d)*x")  # \d is inside \w
    assert nested(r"(?:[^\n]+.)*x")  # . is every character but \n
    assert nested(r"(?:.+\n)*x") == []
    assert nested(r"(?s:.+\n)*x")  # DOTALL: . is \n too
    assert nested(r"(?:[a-z]+A)*x") == []
    assert nested(r"(?i:[a-z]+A)*x")  # IGNORECASE: A is a
    assert nested(r"(?i:[a-j]+\u212a)*x") == []  # the Kelvin sign is K, k, not in a-j
    assert nested(r"(?i:[a-k]+\u212a)*x")  # ... but k is
    assert nested(r"(?a:\w+\u00e9)*x") == []  # ASCII: é is not a word character
    assert nested(r"(?:\w+\u00e9)*x")  # ... but it is in unicode
    assert nested(rb"(?:\w+\xe9)*x") == []  # nor in bytes
