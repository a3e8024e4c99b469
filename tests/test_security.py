"""Security checks on the package source: model output is data, never code, and no regex
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
   globals (also inside dicts, tuples and classes), every `re.<function>(pattern, ...)`
   call site found in the AST (f-string patterns instantiated with their module-level
   constants, or a placeholder), and every pattern the package compiles while repairing
   the fixtures or importing the package afresh (dynamic ones such as the enum matchers
   of schema alignment and the byte patterns of `repair scan`). Each is run against
   adversarial text built from its own alphabet: long runs of every character and
   literal in it, of sample matches drawn from its parse tree and of those cut one short
   ("almost matches"), pairs of its characters, one opener followed by a long run, with
   and without a tail that does not match. A pattern is timed the way the package uses
   it (the methods called on it, found in the AST: `match`, `fullmatch`, `search`, and a
   full `finditer` for `finditer`, `sub`, `findall` and `split`), every way when that is
   unknown. The slowest families grow from 300 to 50,000 characters; a call must stay
   under a second at 50,000 and time may grow at most tenfold per fourfold size
   (time(50,000) / time(12,500) < 10 included), confirmed with repeats before it counts.
   Each pattern runs in a forked child with a time limit, so an exponential pattern
   fails instead of hanging the suite.

Known offenders found by these checks are listed in KNOWN_SLOW_PATTERNS as strict xfails.
"""

from __future__ import annotations

import ast
import builtins
import gc
import importlib
import multiprocessing as mp
import pkgutil
import random
import re
import sys
import time
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

LINEAR_FACTOR = 10.0  # time(4n) / time(n) must stay under this (linear is about 4)
N_SMALL, N_LARGE = 12_500, 50_000
ABS_CAP = 1.0  # seconds, at 50,000 characters
PROBE_SIZE = 300  # first pass: every adversarial family once at this size
LADDER = (1_250, 5_000, N_SMALL, N_LARGE)  # then the slowest families, rung by rung
TIME_FLOOR = 0.001  # seconds; below this a ratio is noise
CHILD_TIMEOUT = 30.0  # per pattern, for a pattern that never returns

_METHODS_ANCHORED = {"match", "fullmatch"}
_METHODS_SCAN = {"search", "finditer", "findall", "sub", "subn", "split"}
_RE_FUNCS = _METHODS_ANCHORED | _METHODS_SCAN | {"compile"}

# Patterns found by these checks, keyed by their source (a changed pattern is checked
# afresh), with why each is a strict xfail. Delete an entry once its pattern is fixed.
KNOWN_SLOW_PATTERNS: dict[str, str] = {
    # none since parser._STRUCTURE and quick._closers' string pattern made the closing quote
    # optional (each string read once) and the repeats possessive
}


@dataclass
class PatternCase:
    ident: str
    pattern: str | bytes
    flags: int
    origin: str
    uses: set[str] = field(default_factory=set)  # regex methods the package calls on it

    @property
    def ops(self) -> tuple[str, ...]:
        """How it is timed: as the package uses it (sub, findall and split scan the
        whole text as finditer does); every way when the use is unknown."""
        if not self.uses:
            return ("match", "fullmatch", "search", "finditer")
        return tuple(sorted({_OP_OF[u] for u in self.uses}))


_OP_OF = {"match": "match", "fullmatch": "fullmatch", "search": "search", "finditer": "finditer",
          "findall": "finditer", "sub": "finditer", "subn": "finditer", "split": "finditer"}


# -- discovery --------------------------------------------------------------------------


def _import_all() -> list:
    mods = []
    for info in pkgutil.walk_packages(repair.__path__, "repair."):
        if info.name.endswith("__main__"):
            continue  # running it is the CLI
        try:
            mods.append(importlib.import_module(info.name))
        except Exception:  # noqa: BLE001 - a module that needs an optional extra
            continue
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
            module = importlib.import_module(mod)
            consts.update({k: v for k, v in vars(module).items() if isinstance(v, str) and k not in consts})
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
            got = parent.recv() if parent.poll(120) else TimeoutError("capture took over 120 s")
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


# -- adversarial text -------------------------------------------------------------------

PROBES = tuple(" a0_Z\n\t\"'\\{}[](),:;`~<>/*#-+.=é\x00\u2028\U0001f600")
_CATEGORY_CHARS = {
    sre_c.CATEGORY_DIGIT: "05", sre_c.CATEGORY_NOT_DIGIT: "a ", sre_c.CATEGORY_SPACE: " \n\t",
    sre_c.CATEGORY_NOT_SPACE: "a.", sre_c.CATEGORY_WORD: "a_0é", sre_c.CATEGORY_NOT_WORD: " -",
    sre_c.CATEGORY_LINEBREAK: "\n", sre_c.CATEGORY_NOT_LINEBREAK: "a",
}


def _in_class(ch: str, items) -> bool:
    neg = False
    hit = False
    for op, av in items:
        if op is sre_c.NEGATE:
            neg = True
        elif op is sre_c.LITERAL:
            hit |= ord(ch) == av
        elif op is sre_c.RANGE:
            hit |= av[0] <= ord(ch) <= av[1]
        elif op is sre_c.CATEGORY:
            name = str(av)
            if "NOT_DIGIT" in name:
                hit |= not ch.isdigit()
            elif "DIGIT" in name:
                hit |= ch.isdigit()
            elif "NOT_SPACE" in name:
                hit |= not ch.isspace()
            elif "SPACE" in name:
                hit |= ch.isspace()
            elif "NOT_WORD" in name:
                hit |= not (ch.isalnum() or ch == "_")
            elif "WORD" in name:
                hit |= ch.isalnum() or ch == "_"
            elif "NOT_LINEBREAK" in name:
                hit |= ch != "\n"
            elif "LINEBREAK" in name:
                hit |= ch == "\n"
    return hit != neg


class _Alphabet:
    """What a parsed pattern is made of: its characters and its literal runs."""

    def __init__(self) -> None:
        self.chars: list[str] = []
        self.runs: list[str] = []

    def char(self, c: str) -> None:
        if c not in self.chars:
            self.chars.append(c)

    def walk(self, items) -> None:
        run = ""
        for op, av in items:
            if op is sre_c.LITERAL:
                self.char(chr(av))
                run += chr(av)
                continue
            if len(run) >= 2 and run not in self.runs:
                self.runs.append(run)
            run = ""
            if op is sre_c.NOT_LITERAL:
                self.char(chr(av))
            elif op is sre_c.IN:
                for iop, iav in av:
                    if iop is sre_c.LITERAL:
                        self.char(chr(iav))
                    elif iop is sre_c.RANGE:
                        for c in (iav[0], (iav[0] + iav[1]) // 2, iav[1]):
                            if not 0xD800 <= c <= 0xDFFF:
                                self.char(chr(c))
                    elif iop is sre_c.CATEGORY:
                        for c in _CATEGORY_CHARS.get(iav, ""):
                            self.char(c)
            elif op is sre_c.BRANCH:
                for alt in av[1]:
                    self.walk(alt)
            elif op is sre_c.SUBPATTERN:
                self.walk(av[-1])
            elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)):
                self.walk(av[2])
            elif op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
                self.walk(av[1])
            elif op is getattr(sre_c, "ATOMIC_GROUP", None):
                self.walk(av)
            elif op is sre_c.GROUPREF_EXISTS:
                self.walk(av[1])
                if av[2]:
                    self.walk(av[2])
        if len(run) >= 2 and run not in self.runs:
            self.runs.append(run)


def _sample(items, rng: random.Random, groups: dict, pool: tuple[str, ...]) -> str:
    """A string the pattern (mostly) matches, drawn from its parse tree."""
    out = []
    for op, av in items:
        if op is sre_c.LITERAL:
            out.append(chr(av))
        elif op is sre_c.NOT_LITERAL:
            out.append(next((c for c in rng.sample(pool, len(pool)) if ord(c) != av), "a"))
        elif op is sre_c.ANY:
            out.append(rng.choice("a0 _x"))
        elif op is sre_c.IN:
            fits = [c for c in pool if _in_class(c, av)]
            out.append(rng.choice(fits) if fits else "")
        elif op is sre_c.BRANCH:
            out.append(_sample(rng.choice(av[1]), rng, groups, pool))
        elif op is sre_c.SUBPATTERN:
            s = _sample(av[-1], rng, groups, pool)
            if av[0] is not None:
                groups[av[0]] = s
            out.append(s)
        elif op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT, getattr(sre_c, "POSSESSIVE_REPEAT", None)):
            lo, hi = av[0], av[1]
            hi = lo + 4 if hi == sre_c.MAXREPEAT else min(hi, lo + 4)
            out.extend(_sample(av[2], rng, groups, pool) for _ in range(rng.randint(lo, max(lo, hi))))
        elif op is sre_c.GROUPREF:
            out.append(groups.get(av, ""))
        elif op is getattr(sre_c, "ATOMIC_GROUP", None):
            out.append(_sample(av, rng, groups, pool))
        elif op is sre_c.GROUPREF_EXISTS:
            out.append(_sample(av[1] if av[0] in groups else (av[2] or []), rng, groups, pool))
        # AT, ASSERT, ASSERT_NOT: zero width
    return "".join(out)


def adversarial_families(pattern: str, flags: int) -> list[tuple[str, str, str, str]]:
    """(description, prefix, unit, tail): text = prefix, unit repeated to the size wanted,
    then tail."""
    try:
        tree = sre_parse.parse(pattern, flags)
        items = list(tree)
    except Exception:  # noqa: BLE001 - not parseable by sre (regex module syntax): raw chars
        items = None
    alpha = _Alphabet()
    if items is not None:
        alpha.walk(items)
    else:
        for c in pattern:
            alpha.char(c)
    own = list(alpha.chars)
    pool = tuple(dict.fromkeys(own + list(PROBES)))
    rng = random.Random(pattern)
    samples: list[str] = []
    if items is not None:
        for _ in range(12):
            s = _sample(items, rng, {}, pool)
            if s and s not in samples:
                samples.append(s)
            if len(samples) >= 6:
                break
    fams: list[tuple[str, str, str, str]] = []
    tails = ("", "\x00")
    for c in pool:
        for t in tails:
            fams.append((f"run of {c!r}", "", c, t))
    for w in alpha.runs:
        for t in tails:
            fams.append((f"run of literal {w!r}", "", w, t))
            fams.append((f"run of literal {w!r} cut short", "", w[:-1], t))
    for s in samples:
        for t in tails:
            fams.append((f"run of sample {s!r}", "", s, t))
            if len(s) > 1:
                fams.append((f"run of sample {s!r} cut short", "", s[:-1], t))
        for c in own[:24]:
            fams.append((f"{s[:1]!r} then a run of {c!r}", s[:1], c, ""))
    for a in own[:10]:
        for b in own[:10]:
            if a != b:
                fams.append((f"run of {a + b!r}", "", a + b, ""))
    return fams


def _text(prefix: str, unit: str, tail: str, n: int) -> str:
    k = n - len(prefix)
    return prefix + (unit * (k // max(1, len(unit)) + 1))[:k] + tail


def _ops(compiled, names):
    table = {"match": compiled.match, "fullmatch": compiled.fullmatch, "search": compiled.search,
             "finditer": lambda s: sum(1 for _ in compiled.finditer(s))}
    return [(name, table[name]) for name in names]


def _as_input(text: str, binary: bool):
    if not binary:
        return text
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def _timed(fn, arg, repeat: int = 1) -> float:
    """Best of `repeat` calls, the collector off (as timeit does): finditer makes one
    object per match, and collections would otherwise bend the growth curve."""
    best = float("inf")
    gc.disable()
    try:
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn(arg)
            best = min(best, time.perf_counter() - t0)
    finally:
        gc.enable()
    return best


def _cap(n: int) -> float:
    """Seconds one call may take at n characters: ABS_CAP at N_LARGE, at least 0.25 s."""
    return max(0.25, ABS_CAP * n / N_LARGE)


def measure(pattern: str | bytes, flags: int, ops: tuple[str, ...]) -> dict:
    """The worst adversarial case of one pattern. Every family is probed once at
    PROBE_SIZE; the slowest few are then grown rung by rung to N_LARGE. A rung fails when
    one call is over `_cap`, or when time grows faster than LINEAR_FACTOR per fourfold
    size (checked again with repeats before it counts: the machine is shared). Bad
    patterns stop at the first bad rung, so they cost little."""
    compiled = re.compile(pattern, flags)
    binary = isinstance(pattern, bytes)
    source = pattern.decode("latin-1") if binary else pattern
    table = dict(_ops(compiled, ops))
    probes = []
    for desc, prefix, unit, tail in adversarial_families(source, flags):
        text = _as_input(_text(prefix, unit, tail, PROBE_SIZE), binary)
        for opname, fn in table.items():
            t = _timed(fn, text)
            probes.append((t, desc, (prefix, unit, tail), opname))
            if t > 0.1:
                return {"ok": False, "why": f"{opname} on {desc}: {t:.2f} s at only {PROBE_SIZE:,} chars"}
    probes.sort(key=lambda p: p[0], reverse=True)
    worst = {"ok": True, "ratio": 0.0, "why": "", "families": len(probes)}

    def at(opname, parts, n, repeat):
        return _timed(table[opname], _as_input(_text(*parts, n), binary), repeat)

    for t_probe, desc, parts, opname in probes[:3]:
        case = f"{opname} on {desc}"
        prev = (PROBE_SIZE, t_probe)
        for n in LADDER:
            t = at(opname, parts, n, 2 if n == N_LARGE else 1)
            if t > _cap(n):
                return {"ok": False, "why": f"{case}: {t:.2f} s at {n:,} chars"}
            allowed = LINEAR_FACTOR * (n / prev[0]) / 4
            ratio = t / max(prev[1], TIME_FLOOR)
            if ratio >= allowed:  # confirm with repeats before it counts
                t0, t = at(opname, parts, prev[0], 3), at(opname, parts, n, 3)
                ratio = t / max(t0, TIME_FLOOR)
                if ratio >= allowed:
                    return {"ok": False, "why": f"{case}: {t0 * 1000:.1f} ms at {prev[0]:,} chars, "
                                                f"{t * 1000:.1f} ms at {n:,} (x{ratio:.1f}, allowed x{allowed:.1f})"}
            if n == N_LARGE and ratio > worst["ratio"]:
                worst.update(ratio=ratio, why=f"{case}: x{ratio:.1f} from {prev[0]:,} to {n:,} chars, "
                                              f"{t * 1000:.1f} ms at {n:,}")
            prev = (n, t)
    return worst


def _child(conn, pattern, flags, ops):
    try:
        conn.send(measure(pattern, flags, ops))
    except Exception as exc:  # noqa: BLE001 - reported by the parent
        conn.send({"ok": False, "why": f"{type(exc).__name__}: {exc}"})
    conn.close()


def measure_isolated(pattern: str | bytes, flags: int, ops: tuple[str, ...],
                     timeout: float = CHILD_TIMEOUT) -> dict:
    """`measure` in a forked child, killed after `timeout` seconds."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, pattern, flags, ops), daemon=True)
    proc.start()
    child.close()
    try:
        if parent.poll(timeout):
            return parent.recv()
        return {"ok": False, "why": f"did not finish in {timeout:.0f} s: catastrophic backtracking"}
    finally:
        if proc.is_alive():
            proc.kill()
        proc.join()
        parent.close()


HAVE_FORK = "fork" in mp.get_all_start_methods()  # to time out a match that never returns

PATTERNS = collect_patterns()


def _param(case: PatternCase):
    marks = []
    if case.pattern in KNOWN_SLOW_PATTERNS:
        marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_SLOW_PATTERNS[case.pattern]))
    return pytest.param(case, id=case.ident, marks=marks)


@pytest.mark.skipif(not HAVE_FORK, reason="needs fork")
@pytest.mark.parametrize("case", [_param(c) for c in PATTERNS])
def test_regex_is_linear_on_adversarial_text(case):
    result = measure_isolated(case.pattern, case.flags, case.ops)
    assert result["ok"], (
        f"{case.ident} ({case.origin}, timed with {'/'.join(case.ops)}) can backtrack "
        f"super-linearly: {result['why']}\n"
        f"pattern: {case.pattern!r}"
    )


def test_every_pattern_is_found():
    """The discovery sees the package's patterns: the module-level ones, the call sites,
    and the ones built at run time; no call site hides a pattern we could not test."""
    assert _RUNTIME.get("error") is None, f"capturing the patterns compiled at run time failed: {_RUNTIME['error']}"
    idents = {c.ident for c in PATTERNS}
    assert len(PATTERNS) >= 20, sorted(idents)
    sources = {c.pattern for c in PATTERNS}
    for mod, name, p in module_patterns():
        assert p.pattern in sources, f"{mod}.{name}"
    stale = [p for p in KNOWN_SLOW_PATTERNS if p not in sources]
    assert not stale, f"KNOWN_SLOW_PATTERNS entries for patterns the package no longer has: {stale}"
    assert unresolved_sites() == [], (
        "regex call sites whose pattern is neither a constant nor compiled while repairing "
        "the fixtures; give them a fixture that reaches them"
    )


@pytest.mark.skipif(not HAVE_FORK, reason="needs fork")
@pytest.mark.parametrize(
    "pattern, ops, linear",
    [
        (r"[^\"\n]{0,200}\"[ \t]*:", ("search", "finditer"), True),
        (r"\"[^\"\\]*(?:\\.[^\"\\]*)*\"", ("match",), True),
        (rb"[{\[]\s*\\\"", ("search",), True),
        (r"(?:[ \t]+|x)*", ("match",), True),  # nested, but match stops at the first failure
        (r"(?:[ \t]+|x)*", ("fullmatch",), False),  # ... fullmatch backtracks exponentially
        (r"\"(?:[^\"\\]|\\.)*\"|\"", ("finditer",), False),  # quadratic under finditer
        (r"^\d+\.?\d*$", ("match",), False),  # two runs of digits: quadratic on failure
        (r"^(`+)(.+?)\1$", ("match",), False),  # polynomial through a backreference
    ],
    ids=["bounded", "unrolled-string", "bytes", "nested-match", "nested-fullmatch",
         "string-or-quote", "digits", "backref"],
)
def test_redos_check_tells_linear_from_not(pattern, ops, linear):
    """The measurement itself: linear patterns pass, known-bad shapes fail (fast)."""
    result = measure_isolated(pattern, 0, ops, timeout=2)
    assert result["ok"] is linear, result
