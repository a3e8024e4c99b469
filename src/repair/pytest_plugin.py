"""A pytest plugin: run your own directory of captured model outputs as test cases.

Registered as the `repair` entry point in the `pytest11` group, it does nothing unless asked:

    pytest --repair-fixtures fixtures/            # on the command line (repeatable), or
    [tool.pytest.ini_options]
    repair_fixtures = ["fixtures"]                 # in pyproject.toml / pytest.ini

Each case (`<family>/<name>.txt` with `.json` or `.err`, optional `.steps`, and for a
schema case `.schema.json` or `.model`; see fixtures/README.md) becomes one test whose node
id is the path of its `.txt` (`fixtures/quotes/single-quotes.txt`) and which checks the
three laws with `repair.testing.check_case`, the checker `repair fixtures check` runs; a
failure shows what differed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import pytest

from .testing import Case, check_case, load_cases

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr, TracebackStyle


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("repair", "repair: captured model outputs as test cases")
    group.addoption(
        "--repair-fixtures", action="append", default=[], metavar="DIR", dest="repair_fixtures",
        help="run every case in DIR (repair's fixture layout) under the three laws; repeatable",
    )
    parser.addini("repair_fixtures", type="paths", default=[],
                  help="directories of repair fixtures to run as test cases (relative to the ini file)")


def _dirs(config: pytest.Config) -> list[Path]:
    given = [Path(d) for d in config.getoption("repair_fixtures", default=None) or []]
    if not given:
        given = [Path(d) for d in config.getini("repair_fixtures") or []]
    return [d if d.is_absolute() else Path(config.invocation_params.dir) / d for d in given]


class RepairFixtureError(Exception):
    """A case broke one of the three laws; the first line is the first broken law."""


class RepairFixtureItem(pytest.Item):
    def __init__(self, *, case: Case, **kw: Any) -> None:
        super().__init__(**kw)
        self.case = case
        self.txt = case.txt
        self.root = case.root

    def runtest(self) -> None:
        result = check_case(self.case)
        if not result.passed:
            # the first line is what pytest's short summary shows: the law that broke
            parts = []
            for failure in result.failures:
                parts.append(failure.problem)
                parts.extend("    " + line for line in failure.detail.splitlines())
            raise RepairFixtureError("\n".join(parts).rstrip())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: TracebackStyle | None = None) -> str | TerminalRepr:
        if isinstance(excinfo.value, RepairFixtureError):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, None, str]:
        return self.txt, None, f"repair fixture {self.name}"


class RepairFixturesDir(pytest.Collector):
    """One fixtures directory; its children are the cases."""

    def __init__(self, *, root: Path, **kw: Any) -> None:
        super().__init__(**kw)
        self.root = root

    def collect(self) -> Iterator[RepairFixtureItem]:
        rootpath = Path(self.config.rootpath)
        for case in load_cases(self.root):
            nodeid = _rel(case.txt, rootpath)
            yield RepairFixtureItem.from_parent(self, name=nodeid, nodeid=nodeid, path=case.txt, case=case)

    def reportinfo(self) -> tuple[Path, None, str]:
        return self.root, None, str(self.root)


def _rel(path: Path, rootpath: Path) -> str:
    try:
        return Path(os.path.relpath(path, rootpath)).as_posix()
    except ValueError:  # another drive
        return path.as_posix()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    dirs = _dirs(config)
    if not dirs:
        return  # not asked: never add anything to anyone's test run
    from _pytest.runner import collect_one_node

    rootpath = Path(config.rootpath)
    for root in dirs:
        if not root.is_dir():
            raise pytest.UsageError(f"--repair-fixtures / repair_fixtures: {root} is not a directory; give the folder "
                                    "holding <family>/<name>.txt cases")
        nodeid = _rel(root, rootpath)
        collector = RepairFixturesDir.from_parent(session, name=nodeid, nodeid=nodeid, path=root, root=root)
        report = collect_one_node(collector)
        if report.failed:
            raise pytest.UsageError(f"repair fixtures: cannot collect {root}: {report.longreprtext}")
        config.hook.pytest_collectreport(report=report)  # so "collected N items" counts the cases
        items.extend(x for x in report.result if isinstance(x, pytest.Item))
